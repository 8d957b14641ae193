/* cli/whynot.h - `tally whynot`: why a bid did not win (cli/whynot.c).
 *
 * The command's own file, so that cli/main.c only dispatches to it; the
 * work is the library's (tally_whynot_in, include/tally.h).
 */
#ifndef TALLY_CLI_WHYNOT_H
#define TALLY_CLI_WHYNOT_H

#include <stdbool.h>

#include "tally.h"

struct lib_dirs;

/* `tally whynot POLICY DATA ...`: the exit status. */
int cmd_whynot(tally_config *cfg, struct lib_dirs *ld, int argc, char **argv);

extern const char cli_usage_whynot[];

/* From cli/main.c: its compile options (--lib-path, --max-errors,
 * --memory-cap, ...) at argv[*i], as compile_option there (1 taken, 0
 * not one, -1 a usage error with the status in *rc), and the module
 * directories given to [cfg] once the options are read. */
int cli_compile_option(tally_config *cfg, struct lib_dirs *ld, int argc,
                       char **argv, int *i, const char *usage, int *rc);
bool cli_libs_done(struct lib_dirs *ld, tally_config *cfg);

#endif
