/* runtime/tally_assert.h - invariants, stated where they are relied on.
 *
 * TALLY_ASSERT(x) checks an invariant in debug and test builds
 * (TALLY_DEBUG) and costs nothing otherwise.  TALLY_ALWAYS(x) and
 * TALLY_NEVER(x) guard "cannot happen" branches: they assert in debug
 * builds and are plain tests in release, so the defensive path stays.
 * TALLY_UNREACHABLE() ends a switch that lists every case.  None of these
 * ever guards untrusted input: bad policy text, bytecode or data takes an
 * error path with a test.
 */
#ifndef TALLY_RUNTIME_TALLY_ASSERT_H
#define TALLY_RUNTIME_TALLY_ASSERT_H

#include <assert.h>

#ifdef TALLY_DEBUG
#define TALLY_ASSERT(x) assert(x)
#define TALLY_ALWAYS(x) ((x) ? 1 : (assert(0 && #x), 0))
#define TALLY_NEVER(x) ((x) ? (assert(0 && #x), 1) : 0)
#define TALLY_UNREACHABLE() assert(0 && "unreachable")
#else
#define TALLY_ASSERT(x) ((void)0)
#define TALLY_ALWAYS(x) (x)
#define TALLY_NEVER(x) (x)
#define TALLY_UNREACHABLE() __builtin_unreachable()
#endif

#endif
