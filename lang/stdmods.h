/* lang/stdmods.h - the standard library's modules as compiled into Tally.
 *
 * The table is generated at build time from the .tally files of stdlib/
 * (scripts/gen_stdlib.sh writes BUILD/gen/stdlib.c), so the binary and
 * the library work with no installed files.  The loader (module.c) uses
 * it last, after the library path and the installed copy.
 */
#ifndef TALLY_LANG_STDMODS_H
#define TALLY_LANG_STDMODS_H

#include <stddef.h>

typedef struct tly_stdlib_file {
    const char *name;          /* "procurement": the file's name less .tally */
    const unsigned char *text; /* its bytes, exactly */
    size_t len;
} tly_stdlib_file;

/* The built-in modules, [tly_nstdlib] of them, sorted by name. */
extern const tly_stdlib_file tly_stdlib[];
extern const size_t tly_nstdlib;

#endif
