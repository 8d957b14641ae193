/* runtime/utf8.h - the one UTF-8 checker (RFC 3629).
 *
 * Well-formed means: no overlong forms, no UTF-16 surrogates (U+D800 to
 * U+DFFF), nothing above U+10FFFF, no stray continuation bytes, no
 * sequence cut short.  The data binder and the policy lexer both use it.
 */
#ifndef TALLY_RUNTIME_UTF8_H
#define TALLY_RUNTIME_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The offset of the first byte of the first ill-formed sequence in the
 * [len] bytes at [s], or [len] if they are all well-formed UTF-8. */
size_t utf8_invalid_at(const char *s, size_t len);

/* True if the [len] bytes at [s] are well-formed UTF-8. */
bool utf8_valid(const char *s, size_t len);

#endif
