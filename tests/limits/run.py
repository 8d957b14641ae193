#!/usr/bin/env python3
"""tests/limits/run.py TALLY - compiling hostile policies stays bounded.

The hostile-input issue's promise: no policy of at most 1 MB makes
`tally check` or `tally build` (default limits) use more than 1 GB of
memory or 60 s.  For each family of gen.py this makes the policy as
large as 1 MB allows, runs both commands and fails when one of them goes
over the ceiling, crashes, reports an internal error or out of memory
(exit status other than 0 or 1), or writes more than 64 KB of
diagnostics.  Peak memory and CPU time are the child's own (wait4).
LIMITS_VERBOSE=1 prints what each run took; LIMITS_BYTES=N changes the
size.  Prints "limits: N passed, M failed".
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

CEILING_KB = 1 << 20   # 1 GB of resident memory
CEILING_S = 60.0       # wall-clock seconds
MAX_STDERR = 64 << 10  # 50 diagnostics with 120-column windows fit


def size_for(fam, limit):
    """The largest N whose policy is at most [limit] bytes: sizes grow
    about linearly with N, so two samples find it within a few tries."""
    make = gen.FAMILIES[fam]
    s1, s2 = len(make(1000)), len(make(2000))
    n = max(1, int(1000 + (limit - s1) * 1000 / max(1, s2 - s1)))
    while len(make(n)) > limit:
        n = int(n * 0.995)
    return n


def run(argv, err_path):
    """Runs [argv]; returns (status, wall seconds, cpu seconds, max rss KB)."""
    with open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > CEILING_S:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.005)
        wall = time.monotonic() - t0
    p.returncode = 0  # reaped here, not by Popen
    code = os.waitstatus_to_exitcode(status)
    return code, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def main():
    tally = os.path.abspath(sys.argv[1])
    limit = int(os.environ.get("LIMITS_BYTES", "1000000"))
    verbose = os.environ.get("LIMITS_VERBOSE") == "1"
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fam in gen.FAMILIES:
            n = size_for(fam, limit)
            path = os.path.join(tmp, fam + ".tally")
            with open(path, "w") as f:
                f.write(gen.FAMILIES[fam](n))
            size = os.path.getsize(path)
            for cmd in ("check", "build"):
                argv = [tally, cmd, path]
                if cmd == "build":
                    argv += ["-o", os.path.join(tmp, fam + ".tbc")]
                err_path = os.path.join(tmp, "err")
                code, wall, cpu, rss = run(argv, err_path)
                err_len = os.path.getsize(err_path)
                why = []
                if code not in (0, 1):
                    why.append("exit status %d" % code)
                if rss > CEILING_KB:
                    why.append("%d MB of memory" % (rss >> 10))
                if wall > CEILING_S:
                    why.append("over %d s" % CEILING_S)
                if err_len > MAX_STDERR:
                    why.append("%d bytes of diagnostics" % err_len)
                if verbose:
                    print("limits: %-13s %-5s N=%-7d %8d bytes  exit %d  "
                          "%6.2f s wall %6.2f s cpu  %5d MB"
                          % (fam, cmd, n, size, code, wall, cpu, rss >> 10))
                if why:
                    failed += 1
                    print("FAIL limits/%s %s (%d bytes, N=%d): %s"
                          % (fam, cmd, size, n, ", ".join(why)))
                    with open(err_path, "rb") as e:
                        text = e.read(2000).decode("utf-8", "replace")
                    sys.stdout.write(text)
                else:
                    passed += 1
    print("limits: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
