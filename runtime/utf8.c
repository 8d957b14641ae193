/* runtime/utf8.c - is this text well-formed UTF-8?
 *
 * Text reaches Tally from data (after yajl, which checks only the shape
 * of multi-byte sequences) and from policy text literals (which flex
 * copies byte for byte); both end up in JSON output, which must be UTF-8.
 * One checker serves both, so they agree on what is refused.
 */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_invalid_at(const char *s, size_t len)
{
    const uint64_t high = 0x8080808080808080u; /* each byte's top bit */
    const unsigned char *start = (const unsigned char *)s;
    const unsigned char *p = start, *end = p + len;
    uint64_t w;
    while (p < end) {
        /* Most text is ASCII: pass it a word at a time, and once fewer
         * than 8 bytes are left, look at the last 8 (overlapping bytes
         * already passed, which end on a sequence boundary). */
        while (end - p >= 8) {
            memcpy(&w, p, 8);
            if (w & high) {
                break;
            }
            p += 8;
        }
        if (end - p < 8 && len >= 8) {
            memcpy(&w, end - 8, 8);
            if (!(w & high)) {
                return len;
            }
        }
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
            hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            lo = c == 0xF0 ? 0x90 : 0x80; /* overlong */
            hi = c == 0xF4 ? 0x8F : 0xBF; /* above U+10FFFF */
        } else {
            return (size_t)(p - start); /* a continuation byte, C0, C1
                                           or F5..FF */
        }
        if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi) {
            return (size_t)(p - start);
        }
        for (size_t i = 2; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                return (size_t)(p - start);
            }
        }
        p += n;
    }
    return len;
}

bool utf8_valid(const char *s, size_t len)
{
    return utf8_invalid_at(s, len) == len;
}
