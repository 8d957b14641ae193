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

/* From cli/main.c: after a command's own options, its compile options
 * (--lib-path, --max-errors, --memory-cap, ...) at argv[*i], or else the
 * usage error for an option command [cmd] does not know, as other_option
 * there (true when taken; false with the status in *rc); and the module
 * directories given to [cfg] once the options are read. */
bool cli_other_option(tally_config *cfg, struct lib_dirs *ld, int argc,
                      char **argv, int *i, const char *cmd,
                      const char *usage, int *rc);
bool cli_libs_done(struct lib_dirs *ld, tally_config *cfg);

#endif
