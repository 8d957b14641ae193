/* runtime/status.c - names of the runtime's statuses (status.h).
 *
 * Only the names live here: what a status means is stated on the enum,
 * and turning one into the API's tally_status is api/'s.
 */
#include "status.h"

const char *rt_status_name(rt_status s)
{
    switch (s) {
    case RT_OK: return "ok";
    case RT_EDATA: return "data error";
    case RT_ERUNTIME: return "runtime error";
    case RT_ELIMIT: return "limit exceeded";
    case RT_ENOMEM: return "out of memory";
    case RT_EIO: return "I/O error";
    case RT_EINVALID: return "invalid program";
    case RT_ENATIVE: return "native function not bound";
    case RT_EINTERNAL: return "internal error";
    case RT_EOF: return "end of input";
    case RT_STATUS_COUNT: break;
    }
    return "unknown status";
}
