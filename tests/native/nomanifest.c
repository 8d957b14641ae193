/* tests/native/nomanifest.c - a shared library that is not a Tally
 * native library: it has a function of the right name and shape but no
 * tally_native_manifest, so Tally must refuse to bind to it (built as
 * $(BUILD)/tests/native/libtally_nomanifest.so; the wrong-library test).
 */
#include <stddef.h>

#include "tally_native.h"

__attribute__((visibility("default"))) int
postcode_area(void *ud, const tally_native_value *args, size_t nargs,
              tally_native_value *result, char *err, size_t errcap)
{
    (void)ud, (void)args, (void)nargs, (void)err, (void)errcap;
    result->p = "nowhere";
    result->len = 7;
    return 0;
}
