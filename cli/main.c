/* cli/main.c - the `tally` command.
 *
 * A client of include/tally.h only.  Parses arguments, reads files, prints
 * the library's messages on stderr and maps statuses to the documented exit
 * codes (see usage below and README.md).  Where output goes -- --output
 * and -o files, written atomically when they are regular files, and
 * standard output -- is outfile.c's business, and so is reporting a
 * failed write: the library returns TALLY_EIO without a message for it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "outfile.h"
#include "report.h"
#include "tally.h"
#include "whynot.h"

#define usage_error cli_usage_error
#define unknown_option cli_unknown_option
#define exit_for cli_exit_for
#define slurp cli_slurp
#define load_program cli_load_program

enum {
    EXIT_OK = 0,
    EXIT_POLICY = 1,  /* the policy (or bytecode file) has errors */
    EXIT_DATA = 2,    /* some input records were rejected */
    EXIT_RUNTIME = 3, /* the policy failed on some record */
    EXIT_USAGE = 4,   /* bad command line */
    EXIT_INTERNAL = 5,/* a bug in Tally, or out of memory */
    EXIT_IO = 6,      /* a file could not be read or written */
    EXIT_FINDINGS = 7, /* findings at or above --fail-on were reported */
    EXIT_TESTS = 8,    /* tally test: a test failed */
    EXIT_COVERAGE = 9, /* tally test: coverage below --min-coverage */
    EXIT_MUTATION = 10 /* tally test: mutation score below
                          --min-mutation-score */
};

static const char usage_main[] =
    "usage: tally COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  check POLICY...            parse and type-check, reporting every error\n"
    "  build POLICY -o FILE       compile a policy to a bytecode file\n"
    "  run PROGRAM [DATA...]      evaluate a policy (.tally) or bytecode file\n"
    "                             over tender data (JSON Lines or a JSON array;\n"
    "                             standard input when no DATA is given)\n"
    "  fmt POLICY...              print policies in the canonical layout\n"
    "                             (--check: show a diff; --write: rewrite)\n"
    "  disasm PROGRAM             list a program's bytecode\n"
    "  describe PROGRAM           what a program reads and writes, as JSON\n"
    "  merge PROGRAM PARTIAL...   merge partial reports of runs over parts of\n"
    "                             a corpus into the policy's reports\n"
    "  doc POLICY --out DIR       write the policy's methodology for\n"
    "                             publication (HTML or Markdown)\n"
    "  summaries POLICY [DATA] --out DIR\n"
    "                             write each supplier's assessment summary\n"
    "                             (HTML, Markdown or JSON)\n"
    "  test [PATH...]             run the tests of policies and test files\n"
    "                             (directories searched; default .)\n"
    "  whynot POLICY DATA         why a bid did not win: what decided it, its\n"
    "                             gaps to the first, the price that would win\n"
    "  explain POLICY DATA --record ID\n"
    "                             show how a record's result was derived\n"
    "\n"
    "options: --help (also after a command), --version\n"
    "\n"
    "exit status: 0 success, 1 policy or bytecode errors, 2 input records\n"
    "rejected, 3 runtime error in the policy, 4 usage error, 5 internal error\n"
    "or out of memory, 6 input/output error, 7 findings at or above\n"
    "--fail-on, 8 a test failed, 9 test coverage below --min-coverage,\n"
    "10 mutation score below --min-mutation-score\n";

static const char usage_check[] =
    "usage: tally check POLICY... [options]\n"
    "Parses and type-checks each policy and reports every error as\n"
    "file:line:col: error: message, with the source line and a hint.\n"
    "Warnings (file:line:col: warning: message [Wnnn name]) do not change\n"
    "the status unless --strict is given; a comment `# tally: allow NAME\n"
    "because \"reason\"` on the line, or just above it, silences one.\n"
    "Exit status 0 when all are correct, 1 when any has errors, else 6 when\n"
    "a file cannot be read; 4 for a usage error.\n"
    "With --strict, a warning that remains counts as an error (exit 1).\n"
    "\n"
    "  --strict                        fail (exit 1) when any warning remains\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N errors per policy\n"
    "                                  (default 50; 0 reports all)\n"
    "  --memory-cap BYTES              stop when compiling uses more memory\n";

static const char usage_fmt[] =
    "usage: tally fmt [--check | --write] POLICY...\n"
    "Lays each policy out in the canonical layout (docs/language.md,\n"
    "\"Layout\"): the same tokens and comments, with canonical spacing and\n"
    "indentation.  A policy with syntax errors is reported and left alone.\n"
    "\n"
    "  (no option)                     print the formatted policies on\n"
    "                                  standard output\n"
    "  --check                         print nothing for a formatted policy;\n"
    "                                  for any other, a unified diff of what\n"
    "                                  would change, on standard output\n"
    "  --write                         rewrite each policy that is not\n"
    "                                  formatted in place (through a\n"
    "                                  temporary file renamed onto it)\n"
    "\n"
    "Exit status 0 when every policy was formatted (with --check: already\n"
    "in the layout), 1 when one has syntax errors or, with --check, is not\n"
    "formatted, 4 for a usage error, 6 when a file cannot be read or\n"
    "written.\n";

static const char usage_build[] =
    "usage: tally build POLICY -o FILE [options]\n"
    "Compiles POLICY to a versioned, checksummed bytecode file that\n"
    "`tally run` and `tally disasm` accept.  FILE is written as run writes\n"
    "--output (see `tally run --help`): a regular file is replaced whole, a\n"
    "symbolic link is followed, a device or FIFO is written to directly.\n"
    "Exit status 0, 1 when the policy has errors, 4 for a usage error, 6 when\n"
    "POLICY cannot be read or FILE cannot be written.\n"
    "\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N errors (default 50;\n"
    "                                  0 reports all)\n"
    "  --memory-cap BYTES              stop when compiling uses more memory\n";

static const char usage_run[] =
    "usage: tally run PROGRAM [DATA...] [options]\n"
    "Evaluates PROGRAM (a .tally policy or a built bytecode file) on every\n"
    "record of DATA (or standard input), writing one result or one error\n"
    "record per input record, in input order.\n"
    "\n"
    "  --format jsonl|json|csv|table|junit|tap|github\n"
    "                                  output format (default jsonl); junit,\n"
    "                                  tap and github report each record's\n"
    "                                  findings and errors for CI\n"
    "  --output FILE, -o FILE          write to FILE instead of standard\n"
    "                                  output (see below)\n"
    "  --input jsonl|json|ocds|csv|auto\n"
    "                                  input format (default auto); ocds:\n"
    "                                  release or record packages (each\n"
    "                                  release, or record's compiledRelease,\n"
    "                                  one record) or releases, one a line;\n"
    "                                  csv: a header row of field names,\n"
    "                                  then a record a row\n"
    "  --records-at POINTER            the records are the array at JSON\n"
    "                                  pointer POINTER (/data/items) in each\n"
    "                                  top-level object, streamed\n"
    "  --budget N                      work allowed per record: loop\n"
    "                                  iterations, calls, and longer steps in\n"
    "                                  proportion (default 100000000)\n"
    "  --memory-cap BYTES|unlimited    memory one run (one worker) may use;\n"
    "                                  a record needing more fails with a\n"
    "                                  limit error (default 536870912)\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N errors in a policy\n"
    "                                  (default 50; 0 reports all)\n"
    "  --jobs N, -j N                  evaluate on N threads (JSON Lines in\n"
    "                                  and out); output order and bytes are\n"
    "                                  the same as with one\n"
    "  --as-of DATE                    the evaluation date (YYYY-MM-DD) of\n"
    "                                  every record: dated parameters and\n"
    "                                  definitions take the value in force\n"
    "                                  that day (instead of the policy's\n"
    "                                  'as of')\n"
    "  --cite                          end each result with the citations\n"
    "                                  (provision, and link when given) of\n"
    "                                  the definitions, parameter rows and\n"
    "                                  rule arms that decided it (JSON\n"
    "                                  formats)\n"
    "  --explain                       end each result with \"explain\": for\n"
    "                                  each field an arm or citation decided,\n"
    "                                  those arms and citations (JSON\n"
    "                                  formats; needs the policy's source)\n"
    "  --all-errors                    a rejected record's error names every\n"
    "                                  problem in it, in order (up to 20),\n"
    "                                  not only the first\n"
    "  --findings-only                 write the policy's findings, one\n"
    "                                  record each, instead of the results\n"
    "                                  (JSON formats)\n"
    "  --fail-on LEVEL                 exit with status 7 when a finding of\n"
    "                                  LEVEL or above is reported: findings\n"
    "                                  (any), notice, warning or error\n"
    "  --report FILE                   write the policy's reports to FILE\n"
    "                                  instead of after the results\n"
    "  --report-format jsonl|json|csv|table|html\n"
    "                                  the reports' format (default: from\n"
    "                                  FILE's extension .json, .csv, .txt,\n"
    "                                  .html or .htm, else jsonl); html: one\n"
    "                                  page, tables and bar charts\n"
    "  --report-partial FILE           write the reports' partial state (for\n"
    "                                  `tally merge`) to FILE instead of the\n"
    "                                  reports\n"
    "  --allow-native LIB              let the policy's extern definitions\n"
    "                                  call native library LIB (a name, found\n"
    "                                  as LIB.so on the library path, or a\n"
    "                                  path); repeatable.  Native code runs\n"
    "                                  with tally's full rights: allow only\n"
    "                                  libraries you trust\n"
    "  --                              end of options: the rest are files\n"
    "\n"
    "--output FILE: a regular file, or a new one, is written beside FILE and\n"
    "renamed onto it once every record is written, so an interrupted run or\n"
    "a failed write leaves the old file as it was; the old file's permissions\n"
    "are kept (a new file gets 0666 less the umask).  A symbolic link is\n"
    "followed and the file it names written so; the link stays.  A link to\n"
    "a file that does not exist is refused.  A device, FIFO or other file\n"
    "that is not regular is written to directly, and a link to standard\n"
    "output (/dev/stdout) is standard output.\n"
    "\n"
    "A summary line on stderr counts records evaluated, rejected and failed.\n"
    "Exit status 0 when all were evaluated, 2 when some were rejected as bad\n"
    "data, 3 when the policy failed on some, 1 for an invalid program (or a\n"
    "native library not allowed, not found or not matching), 4 for\n"
    "a usage error, 5 for an internal error or out of memory, 6 when a file\n"
    "cannot be read or written.\n";

static const char usage_test[] =
    "usage: tally test [PATH...] [options]\n"
    "Runs the `test` blocks of each policy PATH, or of each test file\n"
    "(whose `import \"POLICY.tally\"` names the policy it tests); a\n"
    "directory is searched, with its subdirectories, for .tally files that\n"
    "hold tests (default: the current directory).  Each failed test is\n"
    "described on standard output (its file:line, and each unmet\n"
    "expectation with the expected and actual values and the result record\n"
    "holding the actual one); the last line is \"N passed, N failed\" (and\n"
    "\", N skipped\" when --filter left some out).\n"
    "An unmet expectation on a value also shows its derivation: how the\n"
    "policy arrived at the actual value, as `tally explain --path` writes\n"
    "it, cut to twelve lines.  A data file whose name ends in .csv is read\n"
    "as `tally run --input csv` reads it.\n"
    "\n"
    "  --filter TEXT                   run only tests whose name contains\n"
    "                                  TEXT; the others count as skipped\n"
    "  -j, --jobs N                    run each file's tests on N threads\n"
    "                                  (1 to 256); the output is the same,\n"
    "                                  in the same order\n"
    "  --tap                           write TAP version 13 to standard\n"
    "                                  output instead of the text report\n"
    "  --junit FILE                    also write JUnit XML to FILE\n"
    "  --coverage                      report which rule arms, branches,\n"
    "                                  match cases, exceptions, table rows\n"
    "                                  and definitions the tests reached, per\n"
    "                                  file, listing those not reached (a\n"
    "                                  point marked # tally: nocover because\n"
    "                                  \"...\" is excluded and not counted)\n"
    "  --coverage-stdlib               count the modules imported by name\n"
    "                                  (the standard library, --lib-path)\n"
    "                                  too; by default only the policy and\n"
    "                                  the modules it imports by path\n"
    "  --coverage-json FILE            write that report as JSON to FILE\n"
    "                                  (implies --coverage)\n"
    "  --min-coverage P                exit with status 9 when less than P\n"
    "                                  percent of the points were reached\n"
    "                                  (implies --coverage)\n"
    "  --mutate                        when a file's tests pass, run them on\n"
    "                                  each mutant of its policy (a number one\n"
    "                                  unit up, < and <= or and and or swapped,\n"
    "                                  a when arm dropped, a sort direction or\n"
    "                                  rounding mode changed) and list the\n"
    "                                  mutants no test noticed\n"
    "  --min-mutation-score P          exit with status 10 when less than P\n"
    "                                  percent of the mutants were killed\n"
    "                                  (implies --mutate)\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N errors per policy\n"
    "                                  (default 50; 0 reports all)\n"
    "  --memory-cap BYTES              stop when compiling uses more memory\n"
    "  --                              end of options: the rest are paths\n"
    "\n"
    "With --jobs, a file's tests run on threads (a `with` test's program\n"
    "compiled first), reported in the tests' order.  Exit status 0 when\n"
    "every test passed, 8 when one failed, 9 when all passed but coverage\n"
    "is below --min-coverage, 10 when the mutation score is below\n"
    "--min-mutation-score, 1 when a policy or its tests have errors, 4 for\n"
    "a usage error, 6 when a file cannot be read or written.\n";

static const char usage_disasm[] =
    "usage: tally disasm [--lib-path DIR] PROGRAM\n"
    "Lists the bytecode of PROGRAM (a .tally policy or a bytecode file):\n"
    "tables, then each function's instructions with source positions.\n";

static void on_message(void *ud, const char *text)
{
    (void)ud;
    fprintf(stderr, "%s\n", text);
}

int cli_usage_error(const char *msg, const char *usage)
{
    fprintf(stderr, "tally: %s\n%s", msg, usage);
    return EXIT_USAGE;
}

int cli_exit_for(tally_status s)
{
    switch (s) {
    case TALLY_OK: return EXIT_OK;
    case TALLY_EPOLICY:
    case TALLY_EBYTECODE:
    case TALLY_ENATIVE: return EXIT_POLICY;
    case TALLY_EDATA: return EXIT_DATA;
    case TALLY_ERUNTIME: return EXIT_RUNTIME;
    case TALLY_EIO: return EXIT_IO;
    case TALLY_ENOMEM:
    case TALLY_EINTERNAL:
    case TALLY_ECANCELED: return EXIT_INTERNAL; /* the CLI never cancels */
    case TALLY_EOPTION: return EXIT_USAGE;
    case TALLY_EFINDINGS: return EXIT_FINDINGS;
    }
    return EXIT_INTERNAL;
}

/* Reads a whole file (policies and bytecode are small); NULL on error,
 * with errno set. */
char *cli_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            break;
        }
        if (cap >= ((size_t)1 << 30)) {
            free(buf);
            buf = NULL;
            errno = EFBIG;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static bool is_bytecode(const char *buf, size_t len)
{
    return len >= 6 && memcmp(buf, "\x1bTALLY", 6) == 0;
}

/* Loads a policy or a bytecode file into a program. */
int cli_load_program(const tally_config *cfg, const char *path,
                     tally_program **out)
{
    size_t len;
    char *buf = slurp(path, &len);
    if (!buf) {
        fprintf(stderr, "tally: cannot read %s: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    tally_status st = is_bytecode(buf, len)
                          ? tally_load(cfg, path, (const uint8_t *)buf, len, out)
                          : tally_compile(cfg, path, buf, len, out);
    free(buf);
    return exit_for(st);
}

/* True when an argument before any `--` asks for help. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return true;
        }
    }
    return false;
}

static bool parse_u64(const char *s, uint64_t *out);

/* The directories `import NAME` searches (tally_config.lib_path):
 * --lib-path's, in order, then TALLY_LIB_PATH's; each value may hold
 * several, colon-separated.  Owned here, freed by libs_free. */
typedef struct lib_dirs {
    char **dirs; /* malloc'd, NULL-terminated; each entry malloc'd */
    int n;
    int cap;
    bool done;   /* TALLY_LIB_PATH added and cfg pointed at dirs */
} lib_dirs;

/* Adds each colon-separated directory of [list] (empty ones skipped);
 * false out of memory. */
static bool libs_add(lib_dirs *ld, const char *list)
{
    while (*list) {
        const char *end = strchr(list, ':');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        if (len) {
            if (ld->n + 2 > ld->cap) {
                int cap = ld->cap ? ld->cap * 2 : 8;
                char **d = realloc(ld->dirs, (size_t)cap * sizeof *d);
                if (!d) {
                    return false;
                }
                ld->dirs = d;
                ld->cap = cap;
            }
            char *dir = strndup(list, len);
            if (!dir) {
                return false;
            }
            ld->dirs[ld->n++] = dir;
            ld->dirs[ld->n] = NULL;
        }
        list += len + (end ? 1 : 0);
    }
    return true;
}

/* After the options: adds TALLY_LIB_PATH and gives the list to [cfg]. */
static bool libs_done(lib_dirs *ld, tally_config *cfg)
{
    if (!ld->done) {
        const char *env = getenv("TALLY_LIB_PATH");
        if (env && !libs_add(ld, env)) {
            return false;
        }
        ld->done = true;
    }
    cfg->lib_path = (const char *const *)ld->dirs;
    return true;
}

static void libs_free(lib_dirs *ld)
{
    for (int i = 0; i < ld->n; i++) {
        free(ld->dirs[i]);
    }
    free(ld->dirs);
}

/* Whether [s] has the shape YYYY-MM-DD; the library checks the calendar
 * (tally_run says TALLY_EOPTION for 2026-02-30). */
static bool valid_date(const char *s)
{
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !(s[i] >= '0' && s[i] <= '9')) {
            return false;
        }
    }
    return s[10] == '\0';
}

/* The options of compiling that check, build and run share, at argv[*i]:
 * 1 when it was one (*i then at its value), 0 when it was not, -1 when its
 * value is wrong (the usage error is printed; *rc holds its status). */
static int compile_option(tally_config *cfg, lib_dirs *ld, int argc,
                          char **argv, int *i, const char *usage, int *rc)
{
    const char *a = argv[*i];
    const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t n;
    if (strcmp(a, "--lib-path") == 0) {
        if (!val || !*val) {
            *rc = usage_error("--lib-path needs a directory", usage);
            return -1;
        }
        if (!libs_add(ld, val)) {
            *rc = EXIT_INTERNAL;
            return -1;
        }
    } else if (strcmp(a, "--max-errors") == 0) {
        if (!val || !parse_u64(val, &n) || n > UINT32_MAX - 1) {
            *rc = usage_error("--max-errors needs a number (0: no limit)",
                              usage);
            return -1;
        }
        cfg->max_errors = n == 0 ? TALLY_ALL_ERRORS : (uint32_t)n;
    } else if (strcmp(a, "--memory-cap") == 0) {
        if (val && strcmp(val, "unlimited") == 0) {
            n = TALLY_NO_MEMORY_CAP;
        } else if (!val || !parse_u64(val, &n) || n == 0 ||
                   n >= TALLY_NO_MEMORY_CAP) {
            *rc = usage_error("--memory-cap needs a number of bytes or "
                              "'unlimited'", usage);
            return -1;
        }
        cfg->memory_cap = (size_t)n;
    } else {
        return 0;
    }
    (*i)++;
    return 1;
}

/* The usage error for an option that command [cmd] does not know. */
int cli_unknown_option(const char *a, const char *cmd, const char *usage)
{
    char msg[200];
    snprintf(msg, sizeof msg, "unknown option '%s' for %s", a, cmd);
    return usage_error(msg, usage);
}

/* After a command's own options: a compile option (compile_option), or
 * else the usage error for an unknown one.  True when taken (*i at its
 * value); false with *rc the status to return. */
static bool other_option(tally_config *cfg, lib_dirs *ld, int argc,
                         char **argv, int *i, const char *cmd,
                         const char *usage, int *rc)
{
    int got = compile_option(cfg, ld, argc, argv, i, usage, rc);
    if (got == 0) {
        *rc = unknown_option(argv[*i], cmd, usage);
    }
    return got > 0;
}

/* Takes the compile options (compile_option) out of the [*argc]
 * arguments of [argv], up to a `--`, and closes the gap: what is left is
 * the command's own.  For a command whose own options are parsed
 * elsewhere (`tally merge`, cli/report.c).  False, with *rc set, when an
 * option's value is wrong. */
static bool take_compile_options(tally_config *cfg, lib_dirs *ld, int *argc,
                                 char **argv, const char *usage, int *rc)
{
    int kept = 0, i = 0;
    for (; i < *argc && strcmp(argv[i], "--") != 0; i++) {
        int from = i;
        int got = strncmp(argv[i], "--", 2) == 0
                      ? compile_option(cfg, ld, *argc, argv, &i, usage, rc)
                      : 0;
        if (got < 0) {
            return false;
        }
        if (got == 0) {
            argv[kept++] = argv[from];
        }
    }
    for (; i < *argc; i++) {
        argv[kept++] = argv[i];
    }
    *argc = kept;
    return true;
}

/* other_option and libs_done for the commands in other files
 * (cli/whynot.h). */
bool cli_other_option(tally_config *cfg, lib_dirs *ld, int argc, char **argv,
                      int *i, const char *cmd, const char *usage, int *rc)
{
    return other_option(cfg, ld, argc, argv, i, cmd, usage, rc);
}

bool cli_libs_done(lib_dirs *ld, tally_config *cfg)
{
    return libs_done(ld, cfg);
}

/* Counts the warnings of one check (tally check --strict). */
static void count_warning(void *ud, const tally_diagnostic *d)
{
    if (d->severity == TALLY_SEVERITY_WARNING) {
        (*(unsigned long *)ud)++;
    }
}

static int cmd_check(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_check, stdout);
        return EXIT_OK;
    }
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files) {
        return EXIT_INTERNAL;
    }
    int rc = EXIT_OK, nfiles = 0;
    bool options = true; /* until `--` */
    bool strict = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!options || a[0] != '-' || !a[1]) {
            files[nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options = false;
            continue;
        }
        if (strcmp(a, "--strict") == 0) {
            strict = true;
            continue;
        }
        if (!other_option(cfg, ld, argc, argv, &i, "check", usage_check, &rc)) {
            free(files);
            return rc;
        }
    }
    if (nfiles < 1) {
        free(files);
        return usage_error("check needs a policy file", usage_check);
    }
    if (!libs_done(ld, cfg)) {
        free(files);
        return EXIT_INTERNAL;
    }
    for (int i = 0; i < nfiles; i++) {
        size_t len;
        char *buf = slurp(files[i], &len);
        if (!buf) {
            fprintf(stderr, "tally: cannot read %s: %s\n", files[i],
                    strerror(errno));
            rc = rc == EXIT_OK ? EXIT_IO : rc;
            continue;
        }
        unsigned long warnings = 0;
        if (strict) {
            cfg->diagnostic = count_warning;
            cfg->diagnostic_ud = &warnings;
        }
        int r = exit_for(tally_check(cfg, files[i], buf, len));
        cfg->diagnostic = NULL;
        cfg->diagnostic_ud = NULL;
        /* count_warning, called back from tally_check, counted them. */
        // cppcheck-suppress knownConditionTrueFalse
        if (r == EXIT_OK && warnings > 0) {
            fprintf(stderr, "tally: %s: %lu warning%s, and --strict fails on "
                    "any\n", files[i], warnings, warnings == 1 ? "" : "s");
            r = EXIT_POLICY;
        }
        free(buf);
        if (r != EXIT_OK && (rc == EXIT_OK || rc == EXIT_IO)) {
            rc = r;
        }
    }
    free(files);
    return rc;
}

/* Formats one policy [path] into a new buffer *[out] (the caller frees
 * it); the exit status. */
static int format_one(const tally_config *cfg, const char *path,
                      const char *src, size_t len, char **out, size_t *olen)
{
    *out = NULL;
    *olen = 0;
    FILE *f = open_memstream(out, olen);
    if (!f) {
        return EXIT_INTERNAL;
    }
    tally_status st = tally_format(cfg, path, src, len, f);
    if (fclose(f) != 0 && st == TALLY_OK) {
        st = TALLY_ENOMEM;
    }
    return exit_for(st);
}

static int cmd_fmt(tally_config *cfg, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_fmt, stdout);
        return EXIT_OK;
    }
    bool check = false, write = false, options = true;
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!options || a[0] != '-' || !a[1]) {
            nfiles++;
        } else if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "--check") == 0) {
            check = true;
        } else if (strcmp(a, "--write") == 0) {
            write = true;
        } else {
            return unknown_option(a, "fmt", usage_fmt);
        }
    }
    if (check && write) {
        return usage_error("--check and --write cannot be used together",
                           usage_fmt);
    }
    if (nfiles < 1) {
        return usage_error("fmt needs a policy file", usage_fmt);
    }
    int rc = EXIT_OK;
    options = true;
    for (int i = 0; i < argc; i++) {
        const char *path = argv[i];
        if (options && path[0] == '-' && path[1]) {
            if (strcmp(path, "--") == 0) {
                options = false;
            }
            continue;
        }
        size_t len;
        char *src = slurp(path, &len);
        if (!src) {
            fprintf(stderr, "tally: cannot read %s: %s\n", path,
                    strerror(errno));
            rc = rc == EXIT_OK ? EXIT_IO : rc;
            continue;
        }
        char *out;
        size_t olen;
        int r = format_one(cfg, path, src, len, &out, &olen);
        bool same = r == EXIT_OK && olen == len && memcmp(out, src, len) == 0;
        if (r != EXIT_OK) {
            /* the library has said why */
        } else if (check) {
            if (!same) {
                if (!diff_unified(stdout, path, src, len, out, olen)) {
                    r = EXIT_INTERNAL;
                } else {
                    r = EXIT_POLICY;
                }
            }
        } else if (write) {
            outfile of;
            if (same) {
                /* nothing to do: the file is not touched */
            } else if (!outf_open(&of, path)) {
                r = EXIT_IO;
            } else {
                fwrite(out, 1, olen, of.f);
                if (!outf_close(&of, true)) {
                    r = EXIT_IO;
                }
            }
        } else if (olen && fwrite(out, 1, olen, stdout) != olen) {
            r = EXIT_IO;
        }
        free(out);
        free(src);
        if (r != EXIT_OK && (rc == EXIT_OK || rc == EXIT_IO)) {
            rc = r;
        }
    }
    return rc;
}

static int cmd_build(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_build, stdout);
        return EXIT_OK;
    }
    const char *in = NULL, *out = NULL;
    bool options = true; /* until `--` */
    for (int i = 0; i < argc; i++) {
        int got = 0;
        if (options && strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
            int orc;
            got = compile_option(cfg, ld, argc, argv, &i, usage_build, &orc);
            if (got < 0) {
                return orc;
            }
        }
        if (got > 0) {
            continue;
        }
        if (options && strcmp(argv[i], "--") == 0) {
            options = false;
        } else if (options && (strcmp(argv[i], "-o") == 0 ||
                               strcmp(argv[i], "--output") == 0)) {
            if (i + 1 >= argc) {
                return usage_error("-o needs a file name", usage_build);
            }
            out = argv[++i];
        } else if (options && argv[i][0] == '-' && argv[i][1]) {
            return unknown_option(argv[i], "build", usage_build);
        } else if (!in) {
            in = argv[i];
        } else {
            return usage_error("build takes one policy", usage_build);
        }
    }
    if (!in || !out) {
        return usage_error("build needs a policy and -o FILE", usage_build);
    }
    if (!libs_done(ld, cfg)) {
        return EXIT_INTERNAL;
    }
    tally_program *p;
    int rc = load_program(cfg, in, &p);
    if (rc != EXIT_OK) {
        return rc;
    }
    uint8_t *buf;
    size_t len;
    tally_status st = tally_build(p, &buf, &len);
    if (st != TALLY_OK) {
        tally_program_free(p);
        return exit_for(st);
    }
    outfile of;
    if (!outf_open(&of, out)) {
        rc = EXIT_IO;
    } else {
        fwrite(buf, 1, len, of.f); /* a failure is outf_close's to report */
        if (!outf_close(&of, true)) {
            rc = EXIT_IO;
        }
    }
    tally_buffer_free(p, buf, len);
    tally_program_free(p);
    return rc;
}

static const char usage_describe[] =
    "usage: tally describe [--lib-path DIR] PROGRAM\n"
    "Writes, as one line of JSON, what PROGRAM (a policy or a bytecode file)\n"
    "reads and writes: its title and version, the input record with each\n"
    "field's JSON key and type, and the output record's type (the format\n"
    "of tally_describe in include/tally.h).  Exit status as for disasm.\n";

/* disasm and describe: one program in, a listing of it out. */
static int show_program(tally_config *cfg, lib_dirs *ld, int argc, char **argv,
                        const char *usage, const char *what,
                        tally_status (*show)(const tally_program *, FILE *))
{
    if (wants_help(argc, argv)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    while (argc >= 2 && strcmp(argv[0], "--lib-path") == 0) {
        if (!*argv[1]) {
            return usage_error("--lib-path needs a directory", usage);
        }
        if (!libs_add(ld, argv[1])) {
            return EXIT_INTERNAL;
        }
        argc -= 2;
        argv += 2;
    }
    if (argc == 2 && strcmp(argv[0], "--") == 0) {
        argc--;
        argv++;
    }
    if (argc != 1) {
        char msg[80];
        snprintf(msg, sizeof msg, "%s takes one program", what);
        return usage_error(msg, usage);
    }
    if (!libs_done(ld, cfg)) {
        return EXIT_INTERNAL;
    }
    tally_program *p;
    int rc = load_program(cfg, argv[0], &p);
    if (rc != EXIT_OK) {
        return rc;
    }
    outfile of;
    if (!outf_open_stdout(&of)) {
        tally_program_free(p);
        return EXIT_INTERNAL;
    }
    rc = exit_for(show(p, of.f));
    if (!outf_close(&of, true)) {
        rc = EXIT_IO;
    }
    tally_program_free(p);
    return rc;
}

typedef struct progress {
    struct timespec start;
    bool shown;
} progress;

static uint64_t ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000u +
           (uint64_t)((t.tv_nsec - t0->tv_nsec) / 1000000);
}

static void on_progress(void *ud, const tally_run_stats *s)
{
    progress *pr = ud;
    uint64_t ms = ms_since(&pr->start);
    uint64_t rate = ms ? s->records * 1000u / ms : 0;
    fprintf(stderr, "\rtally: %llu records, %llu/s", (unsigned long long)s->records,
            (unsigned long long)rate);
    pr->shown = true;
}

/* Parses [s] as a decimal whole number into [out]: one or more digits
 * and nothing else (no sign, no space, no base prefix; strtoull would
 * take the first two), at most UINT64_MAX.  False otherwise. */
static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int cmd_run(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_run, stdout);
        return EXIT_OK;
    }
    tally_run_options o;
    memset(&o, 0, sizeof o);
    o.input = TALLY_INPUT_AUTO;
    o.output = TALLY_OUTPUT_JSONL;
    const char *prog_path = NULL, *out_path = NULL;
    const char **data = calloc((size_t)argc + 1, sizeof *data);
    const char **allow = calloc((size_t)argc + 1, sizeof *allow);
    int ndata = 0, nallow = 0;
    if (!data || !allow) {
        free(data);
        free(allow);
        return EXIT_INTERNAL;
    }
    int rc = EXIT_OK;
    cli_reports reports;
    memset(&reports, 0, sizeof reports);
    reports.format = -1;
    tally_json_array ja = {0, 0}; /* --format json: one array over every
                                     input, the reports' rows last */
    bool options = true; /* until `--` */
    for (int i = 0; i < argc && rc == EXIT_OK; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!options || a[0] != '-' || !a[1]) {
            if (!prog_path) {
                prog_path = a;
            } else {
                data[ndata++] = a; /* "-": standard input */
            }
        } else if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
            if (!val) { rc = usage_error("--format needs a value", usage_run); break; }
            i++;
            if (strcmp(val, "jsonl") == 0) o.output = TALLY_OUTPUT_JSONL;
            else if (strcmp(val, "json") == 0) o.output = TALLY_OUTPUT_JSON;
            else if (strcmp(val, "csv") == 0) o.output = TALLY_OUTPUT_CSV;
            else if (strcmp(val, "table") == 0) o.output = TALLY_OUTPUT_TABLE;
            else if (strcmp(val, "junit") == 0) o.output = TALLY_OUTPUT_JUNIT;
            else if (strcmp(val, "tap") == 0) o.output = TALLY_OUTPUT_TAP;
            else if (strcmp(val, "github") == 0) o.output = TALLY_OUTPUT_GITHUB;
            else rc = usage_error("--format is jsonl, json, csv, table, junit, tap or github",
                                  usage_run);
        } else if (strcmp(a, "--input") == 0) {
            if (!val) { rc = usage_error("--input needs a value", usage_run); break; }
            i++;
            if (strcmp(val, "jsonl") == 0) o.input = TALLY_INPUT_JSONL;
            else if (strcmp(val, "json") == 0) o.input = TALLY_INPUT_JSON;
            else if (strcmp(val, "ocds") == 0) o.input = TALLY_INPUT_OCDS;
            else if (strcmp(val, "csv") == 0) o.input = TALLY_INPUT_CSV;
            else if (strcmp(val, "auto") == 0) o.input = TALLY_INPUT_AUTO;
            else rc = usage_error("--input is jsonl, json, ocds, csv or auto", usage_run);
        } else if (strcmp(a, "--records-at") == 0) {
            if (!val || val[0] != '/') {
                rc = usage_error("--records-at needs a JSON pointer such as /data/items",
                                 usage_run);
                break;
            }
            o.records_at = val;
            i++;
        } else if (strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0) {
            if (!val) { rc = usage_error("--output needs a file name", usage_run); break; }
            out_path = argv[++i];
        } else if (strcmp(a, "--budget") == 0) {
            if (!val || !parse_u64(val, &cfg->budget) || cfg->budget == 0) {
                rc = usage_error("--budget needs a positive whole number", usage_run);
                break;
            }
            i++;
        } else if (strcmp(a, "--as-of") == 0) {
            if (!val || !valid_date(val)) {
                rc = usage_error("--as-of needs a date YYYY-MM-DD", usage_run);
                break;
            }
            o.as_of = val;
            i++;
        } else if (strcmp(a, "--cite") == 0) {
            o.cites = 1;
        } else if (strcmp(a, "--explain") == 0) {
            o.explain = 1;
            cfg->trace = 1;
        } else if (strcmp(a, "--all-errors") == 0) {
            o.all_errors = 1;
        } else if (strcmp(a, "--findings-only") == 0) {
            o.findings_only = 1;
        } else if (strcmp(a, "--fail-on") == 0) {
            static const char *const levels[] = {"findings", "notice", "warning", "error"};
            static const tally_fail_on values[] = {TALLY_FAIL_ON_NOTICE, TALLY_FAIL_ON_NOTICE,
                                                   TALLY_FAIL_ON_WARNING, TALLY_FAIL_ON_ERROR};
            size_t l = 0;
            while (val && l < 4 && strcmp(val, levels[l]) != 0) {
                l++;
            }
            if (!val || l == 4) {
                rc = usage_error("--fail-on needs findings, notice, warning or error",
                                 usage_run);
                break;
            }
            o.fail_on = values[l];
            i++;
        } else if (strcmp(a, "--allow-native") == 0) {
            if (!val || !val[0]) {
                rc = usage_error("--allow-native needs a library name or path",
                                 usage_run);
                break;
            }
            allow[nallow++] = val;
            i++;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            uint64_t jobs;
            if (!val || !parse_u64(val, &jobs) || jobs == 0 || jobs > 256) {
                rc = usage_error("--jobs needs a number of threads from 1 to 256", usage_run);
                break;
            }
            o.jobs = (unsigned)jobs;
            i++;
        } else if (strcmp(a, "--memory-cap") == 0) {
            uint64_t cap;
            if (val && strcmp(val, "unlimited") == 0) {
                cap = TALLY_NO_MEMORY_CAP;
            } else if (!val || !parse_u64(val, &cap) || cap == 0 ||
                       cap >= TALLY_NO_MEMORY_CAP) {
                rc = usage_error("--memory-cap needs a number of bytes "
                                 "or 'unlimited'", usage_run);
                break;
            }
            cfg->memory_cap = (size_t)cap;
            i++;
        } else if (strcmp(a, "--max-errors") == 0 ||
                   strcmp(a, "--lib-path") == 0) {
            if (compile_option(cfg, ld, argc, argv, &i, usage_run, &rc) < 0) {
                break;
            }
        } else if (cli_report_option(&reports, argc, argv, &i, usage_run, &rc) != 0) {
            /* taken, or rc says why not */
        } else {
            rc = unknown_option(a, "run", usage_run);
        }
    }
    if (rc == EXIT_OK && !prog_path) {
        rc = usage_error("run needs a policy or bytecode file", usage_run);
    }
    if (rc == EXIT_OK && o.cites && o.output != TALLY_OUTPUT_JSONL &&
        o.output != TALLY_OUTPUT_JSON) {
        rc = usage_error("--cite needs --format jsonl or json: a CSV or table "
                         "row has no place for a list of citations", usage_run);
    }
    if (rc == EXIT_OK && o.explain && o.output != TALLY_OUTPUT_JSONL &&
        o.output != TALLY_OUTPUT_JSON) {
        rc = usage_error("--explain needs --format jsonl or json: a CSV or table "
                         "row has no place for a reason tree", usage_run);
    }
    if (rc == EXIT_OK && o.findings_only &&
        (o.output == TALLY_OUTPUT_CSV || o.output == TALLY_OUTPUT_TABLE)) {
        rc = usage_error("--findings-only needs --format jsonl, json, junit, tap or "
                         "github", usage_run);
    }
    if (rc != EXIT_OK) {
        free(data);
        free(allow);
        return rc;
    }
    if (o.output == TALLY_OUTPUT_JSON) {
        o.json_array = &ja;
    }
    cfg->allow_native = nallow ? allow : NULL;
    if (!libs_done(ld, cfg)) {
        free(data);
        free(allow);
        return EXIT_INTERNAL;
    }
    tally_program *p;
    rc = load_program(cfg, prog_path, &p);
    tally_policy_info pinfo;
    if (rc == EXIT_OK) {
        tally_program_policy(p, &pinfo);
        if (pinfo.nreports && o.output >= TALLY_OUTPUT_JUNIT && !reports.path &&
            !reports.partial_path) {
            rc = usage_error("the policy's reports need their own file (--report FILE) "
                             "with --format junit, tap or github", usage_run);
            tally_program_free(p);
        }
    }
    if (rc != EXIT_OK) {
        free(data);
        free(allow);
        return rc;
    }
    outfile of;
    if (out_path ? !outf_open(&of, out_path) : !outf_open_stdout(&of)) {
        free(data);
        free(allow);
        tally_program_free(p);
        return out_path ? EXIT_IO : EXIT_INTERNAL;
    }
    progress pr;
    memset(&pr, 0, sizeof pr);
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    if (isatty(STDERR_FILENO)) {
        o.progress = on_progress;
        o.progress_ud = &pr;
        o.progress_every = 4096;
    }
    tally_run_stats total;
    memset(&total, 0, sizeof total);
    tally_status worst = TALLY_OK;
    if (ndata == 0) {
        data[ndata++] = "-";
    }
    /* Several data files: a run each, results concatenated in order. */
    for (int i = 0; i < ndata; i++) {
        FILE *in = strcmp(data[i], "-") == 0 ? stdin : fopen(data[i], "rb");
        if (!in) {
            fprintf(stderr, "tally: cannot read %s: %s\n", data[i], strerror(errno));
            worst = TALLY_EIO;
            break;
        }
        o.input_name = strcmp(data[i], "-") == 0 ? "<stdin>" : data[i];
        tally_run_stats s;
        memset(&s, 0, sizeof s);
        tally_status st = cli_reports_attach(&reports, p, &o, o.input_name)
                              ? tally_run(p, &o, in, of.f, &s)
                              : TALLY_ENOMEM;
        if (!cli_reports_collect(&reports, &o) && st != TALLY_ENOMEM) {
            st = TALLY_ENOMEM;
        }
        if (in != stdin) {
            fclose(in);
        }
        total.records += s.records;
        total.evaluated += s.evaluated;
        total.rejected += s.rejected;
        total.failed += s.failed;
        total.findings += s.findings;
        total.failing += s.failing;
        if (st == TALLY_EIO || st == TALLY_ENOMEM || st == TALLY_EINTERNAL ||
            st == TALLY_ENATIVE || st == TALLY_EOPTION) {
            worst = st;
            break;
        }
        if (st == TALLY_ERUNTIME ||
            (st == TALLY_EDATA && (worst == TALLY_OK || worst == TALLY_EFINDINGS)) ||
            (st == TALLY_EFINDINGS && worst == TALLY_OK)) {
            worst = st;
        }
    }
    if (pr.shown) {
        fputc('\n', stderr);
    }
    if (worst == TALLY_OK || worst == TALLY_EDATA || worst == TALLY_ERUNTIME ||
        worst == TALLY_EFINDINGS) {
        tally_status rs = cli_reports_finish(&reports, p, o.output, o.json_array, of.f);
        if (rs != TALLY_OK && (rs != TALLY_ERUNTIME || worst != TALLY_EDATA)) {
            worst = rs == TALLY_EDATA ? TALLY_EINTERNAL : rs;
        }
    }
    if (ja.open && tally_json_array_close(&ja, of.f) != TALLY_OK &&
        (worst == TALLY_OK || worst == TALLY_EDATA || worst == TALLY_ERUNTIME ||
         worst == TALLY_EFINDINGS)) {
        worst = TALLY_EIO;
    }
    cli_reports_free(&reports);
    if (worst != TALLY_ENATIVE && worst != TALLY_EOPTION) {
        /* (else nothing ran: the message says why) */
        tally_policy_info info;
        tally_program_policy(p, &info);
        fprintf(stderr, "tally: %llu records: %llu evaluated, %llu rejected, %llu failed",
                (unsigned long long)total.records, (unsigned long long)total.evaluated,
                (unsigned long long)total.rejected, (unsigned long long)total.failed);
        if (total.findings || o.fail_on || o.findings_only) {
            fprintf(stderr, "; %llu finding%s", (unsigned long long)total.findings,
                    total.findings == 1 ? "" : "s");
            if (o.fail_on) {
                fprintf(stderr, ", %llu at or above --fail-on",
                        (unsigned long long)total.failing);
            }
        }
        if (info.title[0]) {
            /* Which policy, in which version, decided: for the run's log. */
            fprintf(stderr, " (policy \"%s\"", info.title);
            if (info.version[0]) {
                fprintf(stderr, " version %s", info.version);
            }
            fputc(')', stderr);
        }
        fputc('\n', stderr);
    }
    /* A run that stopped keeps the old file: no half results. */
    bool keep = worst != TALLY_EIO && worst != TALLY_ENOMEM &&
                worst != TALLY_EINTERNAL && worst != TALLY_ENATIVE &&
                worst != TALLY_EOPTION;
    if (!outf_close(&of, keep) && (worst == TALLY_OK || worst == TALLY_EDATA ||
                                   worst == TALLY_ERUNTIME || worst == TALLY_EFINDINGS)) {
        worst = TALLY_EIO;
    }
    free(data);
    free(allow);
    tally_program_free(p);
    return exit_for(worst);
}

/* ---- tally test ------------------------------------------------------------ */

typedef struct paths {
    char **items; /* owned */
    size_t count, cap;
} paths;

static bool paths_add(paths *ps, const char *p)
{
    if (ps->count == ps->cap) {
        size_t nc = ps->cap ? ps->cap * 2 : 16;
        char **ni = realloc(ps->items, nc * sizeof *ni);
        if (!ni) {
            return false;
        }
        ps->items = ni;
        ps->cap = nc;
    }
    char *d = strdup(p);
    if (!d) {
        return false;
    }
    ps->items[ps->count++] = d;
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the policy text at [path] holds a test: a line that begins,
 * after blanks, with `test "`. */
static bool holds_tests(const char *path)
{
    size_t len;
    char *buf = slurp(path, &len);
    if (!buf) {
        return false;
    }
    bool found = false;
    for (size_t i = 0; i < len && !found; i++) {
        if (i == 0 || buf[i - 1] == '\n') {
            size_t j = i;
            while (j < len && (buf[j] == ' ' || buf[j] == '\t')) {
                j++;
            }
            found = len - j > 6 && memcmp(buf + j, "test", 4) == 0 &&
                    (buf[j + 4] == ' ' || buf[j + 4] == '\t');
        }
    }
    free(buf);
    return found;
}

/* Adds the .tally files holding tests under directory [dir], in name
 * order, subdirectories included (not those whose names begin with '.'). */
static bool find_tests(paths *ps, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "tally: cannot read %s: %s\n", dir, strerror(errno));
        return false;
    }
    paths here = {0};
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && ok) {
        if (e->d_name[0] == '.') {
            continue;
        }
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            ok = false;
            break;
        }
        snprintf(p, n, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, e->d_name);
        ok = paths_add(&here, p);
        free(p);
    }
    closedir(d);
    if (here.count) {
        qsort(here.items, here.count, sizeof *here.items, by_name);
    }
    for (size_t i = 0; i < here.count && ok; i++) {
        const char *p = here.items[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            continue;
        }
        size_t n = strlen(p);
        if (S_ISDIR(st.st_mode) && depth < 32) {
            ok = find_tests(ps, p, depth + 1);
        } else if (S_ISREG(st.st_mode) && n > 6 &&
                   strcmp(p + n - 6, ".tally") == 0 && holds_tests(p)) {
            ok = paths_add(ps, p);
        }
    }
    for (size_t i = 0; i < here.count; i++) {
        free(here.items[i]);
    }
    free(here.items);
    return ok;
}

/* Writes the report [fmt] of [t] to [path] (atomically when a regular
 * file); false after a message. */
static bool write_report(tally_tests *t, tally_tests_format fmt,
                         const char *path)
{
    outfile of;
    if (!outf_open(&of, path)) {
        return false;
    }
    tally_status st = tally_tests_write(t, fmt, of.f);
    bool ok = outf_close(&of, st == TALLY_OK) && st == TALLY_OK;
    if (st == TALLY_ENOMEM) {
        fprintf(stderr, "tally: out of memory writing %s\n", path);
    }
    return ok;
}

static int cmd_test(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_test, stdout);
        return EXIT_OK;
    }
    tally_test_options o;
    memset(&o, 0, sizeof o);
    const char *junit = NULL, *cov_json = NULL;
    bool tap = false;
    uint64_t min_cov = 0, min_mut = 0;
    bool has_min = false, has_min_mut = false;
    const char **given = calloc((size_t)argc + 1, sizeof *given);
    if (!given) {
        return EXIT_INTERNAL;
    }
    int ngiven = 0, rc = EXIT_OK;
    bool options = true; /* until `--` */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!options || a[0] != '-' || !a[1]) {
            given[ngiven++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options = false;
            continue;
        }
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--tap") == 0) {
            tap = true;
            continue;
        }
        if (strcmp(a, "--coverage") == 0) {
            o.coverage = 1;
            continue;
        }
        if (strcmp(a, "--coverage-stdlib") == 0) {
            o.coverage = 1;
            o.coverage_stdlib = 1;
            continue;
        }
        if (strcmp(a, "--mutate") == 0) {
            o.mutate = 1;
            continue;
        }
        if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            uint64_t jobs;
            if (!val || !parse_u64(val, &jobs) || jobs == 0 || jobs > 256) {
                free(given);
                return usage_error("--jobs needs a number of threads from 1 "
                                   "to 256", usage_test);
            }
            o.jobs = (unsigned)jobs;
            i++;
            continue;
        }
        if (strcmp(a, "--filter") == 0 || strcmp(a, "--junit") == 0 ||
            strcmp(a, "--coverage-json") == 0 ||
            strcmp(a, "--min-coverage") == 0 ||
            strcmp(a, "--min-mutation-score") == 0) {
            if (!val) {
                char msg[200];
                snprintf(msg, sizeof msg, "%s needs a value", a);
                free(given);
                return usage_error(msg, usage_test);
            }
            i++;
            if (strcmp(a, "--filter") == 0) {
                o.filter = val;
            } else if (strcmp(a, "--junit") == 0) {
                junit = val;
            } else if (strcmp(a, "--coverage-json") == 0) {
                cov_json = val;
                o.coverage = 1;
            } else if (strcmp(a, "--min-mutation-score") == 0) {
                if (!parse_u64(val, &min_mut) || min_mut > 100) {
                    free(given);
                    return usage_error("--min-mutation-score needs a whole "
                                       "number of percent, 0 to 100",
                                       usage_test);
                }
                has_min_mut = true;
                o.mutate = 1;
            } else {
                if (!parse_u64(val, &min_cov) || min_cov > 100) {
                    free(given);
                    return usage_error("--min-coverage needs a whole number of "
                                       "percent, 0 to 100", usage_test);
                }
                has_min = true;
                o.coverage = 1;
            }
            continue;
        }
        if (!other_option(cfg, ld, argc, argv, &i, "test", usage_test, &rc)) {
            free(given);
            return rc;
        }
    }
    if (!libs_done(ld, cfg)) {
        free(given);
        return EXIT_INTERNAL;
    }
    if (ngiven == 0) {
        given[ngiven++] = ".";
    }
    paths ps = {0};
    for (int i = 0; i < ngiven; i++) {
        struct stat st;
        if (stat(given[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (!find_tests(&ps, given[i], 0)) {
                rc = EXIT_IO;
            }
        } else if (!paths_add(&ps, given[i])) {
            rc = EXIT_INTERNAL;
        }
    }
    free(given);
    o.report = tap ? NULL : stdout;
    tally_tests *t = NULL;
    if (rc == EXIT_OK && tally_tests_new(cfg, &o, &t) != TALLY_OK) {
        rc = EXIT_INTERNAL;
    }
    bool policy_errors = false;
    for (size_t i = 0; t && i < ps.count; i++) {
        tally_status st = tally_tests_file(t, ps.items[i]);
        if (st == TALLY_EPOLICY) {
            policy_errors = true;
        } else if (st == TALLY_EIO) {
            rc = EXIT_IO;
        } else if (st != TALLY_OK) {
            rc = EXIT_INTERNAL;
        }
    }
    for (size_t i = 0; i < ps.count; i++) {
        free(ps.items[i]);
    }
    free(ps.items);
    if (!t) {
        return rc;
    }
    tally_test_counts k;
    tally_tests_counts(t, &k);
    if (tap) {
        if (tally_tests_write(t, TALLY_TESTS_TAP, stdout) != TALLY_OK) {
            rc = rc == EXIT_OK ? EXIT_IO : rc;
        }
    }
    if (o.coverage && !tap &&
        tally_tests_write(t, TALLY_TESTS_COVERAGE, stdout) != TALLY_OK) {
        rc = rc == EXIT_OK ? EXIT_IO : rc;
    }
    if (o.mutate && !tap &&
        tally_tests_write(t, TALLY_TESTS_MUTANTS, stdout) != TALLY_OK) {
        rc = rc == EXIT_OK ? EXIT_IO : rc;
    }
    if (junit && !write_report(t, TALLY_TESTS_JUNIT, junit)) {
        rc = rc == EXIT_OK ? EXIT_IO : rc;
    }
    if (cov_json && !write_report(t, TALLY_TESTS_COVERAGE_JSON, cov_json)) {
        rc = rc == EXIT_OK ? EXIT_IO : rc;
    }
    FILE *sum = tap ? stderr : stdout;
    fprintf(sum, "%u passed, %u failed", k.passed, k.failed);
    if (k.skipped) {
        fprintf(sum, ", %u skipped", k.skipped);
    }
    if (k.broken) {
        fprintf(sum, ", %u file%s with errors", k.broken,
                k.broken == 1 ? "" : "s");
    }
    fputc('\n', sum);
    bool low = has_min && (uint64_t)k.covered * 100 < min_cov * k.coverable;
    if (low) {
        fprintf(stderr, "tally: coverage %u of %u points is below "
                "--min-coverage %llu%%\n", k.covered, k.coverable,
                (unsigned long long)min_cov);
    }
    bool weak = has_min_mut &&
                (uint64_t)k.killed * 100 < min_mut * k.mutants;
    if (weak) {
        fprintf(stderr, "tally: %u of %u mutants killed is below "
                "--min-mutation-score %llu%%\n", k.killed, k.mutants,
                (unsigned long long)min_mut);
    }
    tally_tests_free(t);
    if (rc != EXIT_OK) {
        return rc;
    }
    if (policy_errors) {
        return EXIT_POLICY;
    }
    if (k.failed) {
        return EXIT_TESTS;
    }
    if (ps.count == 0 || k.passed + k.failed + k.skipped == 0) {
        fprintf(stderr, "tally: no tests found\n");
    }
    return low ? EXIT_COVERAGE : weak ? EXIT_MUTATION : EXIT_OK;
}

static const char usage_doc[] =
    "usage: tally doc POLICY --out DIR [options]\n"
    "Writes the methodology POLICY states, for publication with a tender:\n"
    "its header, the authors' comments as prose, every record, parameter\n"
    "(its value on a day and its history), definition, rule, exception,\n"
    "decision table, finding and output, the imported items it uses, and\n"
    "every citation, linked where the policy gives an address.  DIR (made\n"
    "when missing) receives index.html, or index.md with --format markdown.\n"
    "A policy with errors writes nothing: its errors are shown as by check.\n"
    "Exit status 0, 1 when the policy has errors, 4 for a usage error, 6\n"
    "when POLICY cannot be read or DIR cannot be written.\n"
    "\n"
    "  --out DIR, -o DIR               where index.html or index.md goes\n"
    "  --format html|markdown          the document's format (default html)\n"
    "  --as-of DATE                    show dated values as in force on DATE\n"
    "                                  (YYYY-MM-DD; default: the policy's\n"
    "                                  'as of' date if it writes one, else\n"
    "                                  today, in UTC)\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N errors (default 50;\n"
    "                                  0 reports all)\n"
    "  --memory-cap BYTES              stop when checking uses more memory\n";

/* ---- tally explain (api/explain.c, docs/explain.md) ---- */

static const char usage_explain[] =
    "usage: tally explain POLICY DATA --record ID [options]\n"
    "Evaluates the record of DATA whose key (the field the policy's input\n"
    "is `keyed by`) is ID, and prints how its result was derived: for each\n"
    "field, an indented tree of the definitions and rules that ran, with\n"
    "their arguments and values, the input fields they read (by path), the\n"
    "arms taken and the provisions cited, each with its policy line.\n"
    "\n"
    "  --record ID                     the key of the record to explain\n"
    "  --path FIELD                    only this field of the result, or part\n"
    "                                  of it: bids[2].total (0-based)\n"
    "  --format text|json              text (default), or the versioned trace\n"
    "                                  JSON of docs/explain.md\n"
    "  --input jsonl|json|ocds|csv|auto\n"
    "                                  input format (default auto)\n"
    "  --as-of DATE                    the evaluation date (YYYY-MM-DD)\n"
    "  --max-steps N                   keep at most N trace events (default\n"
    "                                  200000); past it the trace is cut\n"
    "                                  short and says so\n"
    "  --lib-path DIR                  look for imported modules in DIR first\n"
    "  --max-errors N                  report at most N errors in the policy\n"
    "\n"
    "Exit status 0, 1 when the policy has errors, 2 when the record is\n"
    "rejected as bad data, 3 when the policy fails on it, 4 for a usage\n"
    "error or when no record has that key or the result has no such field,\n"
    "6 when a file cannot be read.\n";

static int cmd_explain(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_explain, stdout);
        return EXIT_OK;
    }
    tally_explain_options o;
    memset(&o, 0, sizeof o);
    o.input = TALLY_INPUT_AUTO;
    const char *policy = NULL, *data = NULL;
    int rc = EXIT_OK;
    for (int i = 0; i < argc && rc == EXIT_OK; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-' || !a[1]) {
            if (!policy) {
                policy = a;
            } else if (!data) {
                data = a;
            } else {
                rc = usage_error("explain takes one policy and one data file",
                                 usage_explain);
            }
        } else if (strcmp(a, "--record") == 0) {
            if (!val) { rc = usage_error("--record needs a key", usage_explain); break; }
            o.record = argv[++i];
        } else if (strcmp(a, "--path") == 0) {
            if (!val) { rc = usage_error("--path needs a field", usage_explain); break; }
            o.path = argv[++i];
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
            if (!val) { rc = usage_error("--format needs a value", usage_explain); break; }
            i++;
            if (strcmp(val, "json") == 0) o.json = 1;
            else if (strcmp(val, "text") != 0)
                rc = usage_error("--format is text or json", usage_explain);
        } else if (strcmp(a, "--input") == 0) {
            if (!val) { rc = usage_error("--input needs a value", usage_explain); break; }
            i++;
            if (strcmp(val, "jsonl") == 0) o.input = TALLY_INPUT_JSONL;
            else if (strcmp(val, "json") == 0) o.input = TALLY_INPUT_JSON;
            else if (strcmp(val, "ocds") == 0) o.input = TALLY_INPUT_OCDS;
            else if (strcmp(val, "csv") == 0) o.input = TALLY_INPUT_CSV;
            else if (strcmp(val, "auto") == 0) o.input = TALLY_INPUT_AUTO;
            else rc = usage_error("--input is jsonl, json, ocds, csv or auto", usage_explain);
        } else if (strcmp(a, "--as-of") == 0) {
            if (!val || !valid_date(val)) {
                rc = usage_error("--as-of needs a date YYYY-MM-DD", usage_explain);
                break;
            }
            o.as_of = argv[++i];
        } else if (strcmp(a, "--max-steps") == 0) {
            uint64_t n;
            if (!val || !parse_u64(val, &n) || n == 0 || n > 100000000) {
                rc = usage_error("--max-steps needs a number from 1 to 100000000",
                                 usage_explain);
                break;
            }
            o.max_events = (uint32_t)n;
            i++;
        } else if (strcmp(a, "--max-errors") == 0 ||
                   strcmp(a, "--lib-path") == 0) {
            if (compile_option(cfg, ld, argc, argv, &i, usage_explain, &rc) < 0) {
                break;
            }
        } else {
            rc = unknown_option(a, "explain", usage_explain);
        }
    }
    if (rc == EXIT_OK && (!policy || !data)) {
        rc = usage_error("explain needs a policy and a data file", usage_explain);
    }
    if (rc == EXIT_OK && !o.record) {
        rc = usage_error("explain needs --record ID", usage_explain);
    }
    if (rc != EXIT_OK) {
        return rc;
    }
    if (!libs_done(ld, cfg)) {
        return EXIT_INTERNAL;
    }
    cfg->trace = 1;
    tally_program *p;
    rc = load_program(cfg, policy, &p);
    if (rc != EXIT_OK) {
        return rc;
    }
    FILE *in = strcmp(data, "-") == 0 ? stdin : fopen(data, "rb");
    if (!in) {
        fprintf(stderr, "tally: cannot read %s: %s\n", data, strerror(errno));
        tally_program_free(p);
        return EXIT_IO;
    }
    o.input_name = strcmp(data, "-") == 0 ? "<stdin>" : data;
    tally_status st = tally_explain(p, &o, in, stdout);
    if (in != stdin) {
        fclose(in);
    }
    tally_program_free(p);
    return st == TALLY_EOPTION ? EXIT_USAGE : exit_for(st);
}

static int cmd_doc(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_doc, stdout);
        return EXIT_OK;
    }
    const char *policy = NULL, *dir = NULL;
    tally_doc_options o;
    memset(&o, 0, sizeof o);
    int rc = EXIT_OK;
    bool options = true; /* until `--` */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!options || a[0] != '-' || !a[1]) {
            if (policy) {
                return usage_error("doc takes one policy", usage_doc);
            }
            policy = a;
        } else if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            if (!val || !*val) {
                return usage_error("--out needs a directory", usage_doc);
            }
            dir = val;
            i++;
        } else if (strcmp(a, "--format") == 0) {
            if (val && strcmp(val, "html") == 0) {
                o.format = TALLY_DOC_HTML;
            } else if (val && strcmp(val, "markdown") == 0) {
                o.format = TALLY_DOC_MARKDOWN;
            } else {
                return usage_error("--format needs html or markdown", usage_doc);
            }
            i++;
        } else if (strcmp(a, "--as-of") == 0) {
            if (!val || !valid_date(val)) {
                return usage_error("--as-of needs a date YYYY-MM-DD", usage_doc);
            }
            o.as_of = val;
            i++;
        } else if (!other_option(cfg, ld, argc, argv, &i, "doc",
                                 usage_doc, &rc)) {
            return rc;
        }
    }
    if (!policy) {
        return usage_error("doc needs a policy file", usage_doc);
    }
    if (!dir) {
        return usage_error("doc needs --out DIR", usage_doc);
    }
    if (!libs_done(ld, cfg)) {
        return EXIT_INTERNAL;
    }
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) &&
        strftime(today, sizeof today, "%Y-%m-%d", &tm) == 10) {
        o.today = today;
    }
    size_t len;
    char *buf = slurp(policy, &len);
    if (!buf) {
        fprintf(stderr, "tally: cannot read %s: %s\n", policy, strerror(errno));
        return EXIT_IO;
    }
    /* Written to memory first, so a policy with errors leaves no DIR. */
    char *doc = NULL;
    size_t doclen = 0;
    FILE *mem = open_memstream(&doc, &doclen);
    if (!mem) {
        free(buf);
        return EXIT_INTERNAL;
    }
    tally_status st = tally_doc(cfg, policy, buf, len, &o, mem);
    free(buf);
    if (fclose(mem) != 0 && st == TALLY_OK) {
        st = TALLY_ENOMEM;
    }
    if (st != TALLY_OK) {
        free(doc);
        return exit_for(st);
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tally: cannot write %s: %s\n", dir, strerror(errno));
        free(doc);
        return EXIT_IO;
    }
    size_t plen = strlen(dir) + sizeof "/index.html";
    char *path = malloc(plen);
    if (!path) {
        free(doc);
        return EXIT_INTERNAL;
    }
    snprintf(path, plen, "%s/%s", dir,
             o.format == TALLY_DOC_MARKDOWN ? "index.md" : "index.html");
    outfile of;
    if (!outf_open(&of, path)) {
        free(path);
        free(doc);
        return EXIT_IO;
    }
    (void)fwrite(doc, 1, doclen, of.f); /* outf_close reports a failure */
    if (!outf_close(&of, true)) {
        st = TALLY_EIO;
    }
    free(doc);
    free(path);
    return exit_for(st);
}

static const char usage_summaries[] =
    "usage: tally summaries POLICY [DATA] --out DIR [options]\n"
    "Evaluates POLICY over DATA (JSON Lines; standard input when no DATA is\n"
    "given) and writes, for each tender, an assessment summary for every\n"
    "supplier whose tender was assessed, as the policy's 'summaries'\n"
    "declaration says: the scores by criterion with their weights, the\n"
    "evaluators' justifications, the total and rank, the same for the most\n"
    "advantageous tender, the reason for an exclusion or a failed gate, and\n"
    "the citations.  DIR (made when missing) receives index.EXT, and for\n"
    "each tender TENDER/index.EXT (every supplier, and in HTML a chart) and\n"
    "TENDER/SUPPLIER.EXT (the letter).  A policy without a 'summaries'\n"
    "declaration is refused.  A tender whose record is rejected or failed,\n"
    "or whose scored suppliers lack a justification, gets no letters: the\n"
    "index and a message say why.\n"
    "Exit status 0, 1 when the policy has errors or no summaries, 2 when a\n"
    "tender got no letters, 3 when the policy failed on a record, 4 for a\n"
    "usage error, 6 when POLICY or DATA cannot be read or DIR written.\n"
    "\n"
    "  --out DIR, -o DIR               where the summaries go\n"
    "  --format html|markdown|json     their format (default html)\n"
    "  --lib-path DIR                  look for imported modules (import NAME)\n"
    "                                  in DIR first; repeatable, or DIR:DIR\n"
    "  --max-errors N                  report at most N errors (default 50;\n"
    "                                  0 reports all)\n"
    "  --memory-cap BYTES              stop when checking uses more memory\n";

/* Where tally summaries writes: DIR, and its tenders' folders made as
 * the first file of each arrives. */
typedef struct sum_out {
    const char *dir;
} sum_out;

static int sum_sink(void *ud, const char *name, const char *bytes, size_t len)
{
    sum_out *so = ud;
    size_t plen = strlen(so->dir) + strlen(name) + 2;
    char *path = malloc(plen);
    if (!path) {
        return 1;
    }
    snprintf(path, plen, "%s/%s", so->dir, name);
    /* DIR is made with the first file, so a policy with errors or without
     * summaries leaves none. */
    if (mkdir(so->dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tally: cannot write %s: %s\n", so->dir, strerror(errno));
        free(path);
        return 1;
    }
    char *slash = strrchr(path, '/');
    if (slash && slash > path + strlen(so->dir)) {
        *slash = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "tally: cannot write %s: %s\n", path, strerror(errno));
            free(path);
            return 1;
        }
        *slash = '/';
    }
    outfile of;
    if (!outf_open(&of, path)) {
        free(path);
        return 1;
    }
    (void)fwrite(bytes, 1, len, of.f); /* outf_close reports a failure */
    bool ok = outf_close(&of, true);
    free(path);
    return ok ? 0 : 1;
}

static int cmd_summaries(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_summaries, stdout);
        return EXIT_OK;
    }
    const char *policy = NULL, *data = NULL, *dir = NULL;
    tally_summary_format fmt = TALLY_SUMMARY_HTML;
    int rc = EXIT_OK;
    bool options = true; /* until `--` */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!options || a[0] != '-' || !a[1]) {
            if (!policy) {
                policy = a;
            } else if (!data) {
                data = a;
            } else {
                return usage_error("summaries takes one policy and one data file",
                                   usage_summaries);
            }
        } else if (strcmp(a, "--") == 0) {
            options = false;
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) {
            if (!val || !*val) {
                return usage_error("--out needs a directory", usage_summaries);
            }
            dir = val;
            i++;
        } else if (strcmp(a, "--format") == 0) {
            if (val && strcmp(val, "html") == 0) {
                fmt = TALLY_SUMMARY_HTML;
            } else if (val && strcmp(val, "markdown") == 0) {
                fmt = TALLY_SUMMARY_MARKDOWN;
            } else if (val && strcmp(val, "json") == 0) {
                fmt = TALLY_SUMMARY_JSON;
            } else {
                return usage_error("--format needs html, markdown or json",
                                   usage_summaries);
            }
            i++;
        } else if (!other_option(cfg, ld, argc, argv, &i, "summaries",
                                 usage_summaries, &rc)) {
            return rc;
        }
    }
    if (!policy) {
        return usage_error("summaries needs a policy file", usage_summaries);
    }
    if (!dir) {
        return usage_error("summaries needs --out DIR", usage_summaries);
    }
    if (!libs_done(ld, cfg)) {
        return EXIT_INTERNAL;
    }
    size_t len;
    char *buf = slurp(policy, &len);
    if (!buf) {
        fprintf(stderr, "tally: cannot read %s: %s\n", policy, strerror(errno));
        return EXIT_IO;
    }
    FILE *in = stdin;
    if (data && strcmp(data, "-") != 0) {
        in = fopen(data, "rb");
        if (!in) {
            fprintf(stderr, "tally: cannot read %s: %s\n", data, strerror(errno));
            free(buf);
            return EXIT_IO;
        }
    }
    struct stat sb;
    if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "tally: cannot write %s: not a directory\n", dir);
        free(buf);
        if (in != stdin) {
            fclose(in);
        }
        return EXIT_IO;
    }
    sum_out so = {dir};
    tally_status st = tally_summaries(cfg, policy, buf, len, in, fmt, sum_sink, &so);
    free(buf);
    if (in != stdin) {
        fclose(in);
    }
    return exit_for(st);
}

/* Runs the command named by argv[1]. */
static int command(tally_config *cfg, lib_dirs *ld, int argc, char **argv)
{
    if (argc < 2) {
        return usage_error("no command given", usage_main);
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("tally %s\n", TALLY_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "check") == 0) {
        return cmd_check(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "fmt") == 0) {
        return cmd_fmt(cfg, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "build") == 0) {
        return cmd_build(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "run") == 0) {
        return cmd_run(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "test") == 0) {
        return cmd_test(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "disasm") == 0) {
        return show_program(cfg, ld, argc - 2, argv + 2, usage_disasm, "disasm",
                            tally_disasm);
    }
    if (strcmp(cmd, "merge") == 0) {
        if (wants_help(argc - 2, argv + 2)) {
            fputs(cli_usage_merge, stdout);
            return EXIT_OK;
        }
        int n = argc - 2, rc = EXIT_OK;
        if (!take_compile_options(cfg, ld, &n, argv + 2, cli_usage_merge, &rc)) {
            return rc;
        }
        if (!libs_done(ld, cfg)) {
            return EXIT_INTERNAL;
        }
        return cmd_merge(cfg, n, argv + 2);
    }
    if (strcmp(cmd, "describe") == 0) {
        return show_program(cfg, ld, argc - 2, argv + 2, usage_describe,
                            "describe", tally_describe);
    }
    if (strcmp(cmd, "doc") == 0) {
        return cmd_doc(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "whynot") == 0) {
        return cmd_whynot(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "explain") == 0) {
        return cmd_explain(cfg, ld, argc - 2, argv + 2);
    }
    if (strcmp(cmd, "summaries") == 0) {
        return cmd_summaries(cfg, ld, argc - 2, argv + 2);
    }
    char msg[200];
    snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
    return usage_error(msg, usage_main);
}

int main(int argc, char **argv)
{
    tally_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.message = on_message;
    lib_dirs ld;
    memset(&ld, 0, sizeof ld);
    int rc = command(&cfg, &ld, argc, argv);
    libs_free(&ld);
    /* What went to stdio's stdout (help, version) is written only now,
     * when it is small: fflush's errno is the reason.  A text longer
     * than stdio's buffer (tally run --help) met the error while it was
     * written: the stream's error flag keeps it, and the write's errno
     * is still the reason. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tally: cannot write standard output: %s\n",
                strerror(errno));
        rc = rc == EXIT_OK ? EXIT_IO : rc;
    }
    return rc;
}
