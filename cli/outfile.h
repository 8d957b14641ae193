/* cli/outfile.h - where `tally run --output`, `tally build -o` and
 * standard output write.
 *
 * The rule, also in README.md and `tally run --help`: a regular file (or
 * a new one) is written to a temporary file beside it and renamed onto it
 * only when the command keeps its output, with the old file's permissions
 * and owner (a new file gets 0666 less the umask).  A symbolic link is
 * followed and the file it names is treated so; the link stays.  A link
 * to nothing is refused: Tally never creates a file through a link.
 * Anything else (a device, a FIFO, a link to standard output such as
 * /dev/stdout) is written to directly.  Every write error is reported
 * once, naming the file and the reason.
 */
#ifndef TALLY_CLI_OUTFILE_H
#define TALLY_CLI_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct outfile {
    const char *name; /* borrowed: the path given, or "standard output" */
    FILE *f;          /* owned: what the command writes; bytes go to fd */
    int fd;           /* the temporary file, the file itself, or 1 */
    bool owns_fd;     /* fd is closed at the end (not standard output) */
    char *tmp;        /* owned: the temporary file, or NULL when written
                         directly */
    char *dest;       /* owned: the file tmp is renamed onto: the path, or
                         a link's resolved target; NULL with tmp */
    mode_t mode;      /* permissions dest gets */
    bool keep_owner;  /* dest existed: give the new file its owner */
    uid_t uid;        /* that owner */
    gid_t gid;
    int err;          /* errno of the first failed write; 0 while none */
} outfile;

/* Opens [path] for a command's output, following the rule above, into
 * [o]; [path] is borrowed and must outlive [o].  Returns true, or false
 * after printing "tally: cannot write PATH: reason" on stderr (then [o]
 * holds nothing to close). */
bool outf_open(outfile *o, const char *path);

/* Makes [o] write to standard output (file descriptor 1, not closed).
 * False, with a message, only when out of memory. */
bool outf_open_stdout(outfile *o);

/* Finishes [o]: flushes what is buffered and, for a temporary file, when
 * [keep] renames it onto its destination (after giving it the mode and
 * owner and syncing it) and otherwise removes it.  Returns true when all
 * bytes reached their file (or were discarded by request), false after
 * printing "tally: cannot write NAME: reason" once. */
bool outf_close(outfile *o, bool keep);

#endif
