#!/usr/bin/env python3
"""tests/hostile/work/worst_case.py TALLY - a generated family of worst
cases for one run, each of which must end, with the default limits,
well inside what those limits promise.

Policies are generated here, not kept: chains of squarings, products and
quotients that double their digits each step (of several lengths and
starting values), texts doubled or grown from big numbers, lists nested
two and three deep, and loops doing each of those over the 100,000 items
of make_input.py's record.  Each runs under `tally run` with no limit
options, under an address-space ceiling of 4 GB (so a regression fails
here instead of swapping), and must:

  - exit 0 (within the limits) or 3 (a "limit exceeded" error record),
    never 5 (out of memory) or a signal;
  - take less than MAX_SECONDS of wall time (the budget of 10^8 units
    takes about 1 s; 60 s is the point of no return);
  - peak below MAX_RSS bytes of resident memory (the default memory cap
    is 512 MiB; what it cannot count must fit in the rest of 1 GB).

Under AddressSanitizer (make test SAN=1) the address-space ceiling is
left off (ASan reserves terabytes of shadow) and the ceilings are
raised for its slowdown and its red zones and quarantine.

Prints one line per case and exits 1 if any fails.
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

MAX_SECONDS = 20
MAX_RSS = 1000 * 1000 * 1000
AS_LIMIT = 4 * 1000 * 1000 * 1000

HDR = """record In { id: text, xs: list of integer, ys: list of integer,
  t1: text, t2: text, m: map of text to integer }
input x: In keyed by id
"""


def chain(n, start, step):
    """let t0 = start in let t1 = step(t0) ... in, then [t_n]."""
    lets = "let t0 = %s in\n" % start
    for i in range(n):
        lets += "  let t%d = %s in\n" % (i + 1, step.replace("T", "t%d" % i))
    return lets


def dec_policy(lets, last):
    return (HDR + "record Out { v: decimal }\noutput r: Out = Out { v:\n  "
            + lets + "  round(%s, 2, half up) }\n" % last)


def int_policy(expr):
    return (HDR + "record Out { v: integer }\noutput r: Out = Out { v:\n  "
            + expr + " }\n")


def cases():
    out = []
    for n in (12, 20, 30, 60):
        for start in ("1.0000001", "3.7", "0.9999999"):
            out.append(("square-%d-%s" % (n, start),
                        dec_policy(chain(n, start, "T * T"), "t%d" % n)))
        out.append(("quotient-%d" % n,
                    dec_policy(chain(n, "1.1", "T * T / (T + 3)"),
                               "t%d" % n)))
        out.append(("sum-%d" % n,
                    dec_policy(chain(n, "2.3", "T * T + T / 7"),
                               "t%d" % n)))
    for n in (30, 50):
        s = "let s0 = \"ab\" in\n" + "".join(
            "  let s%d = s%d + s%d in\n" % (i + 1, i, i) for i in range(n))
        out.append(("text-double-%d" % n, int_policy(s + "  count([s%d])" % n)))
    big = chain(12, "1.0000001", "T * T")
    out.append(("text-of-big", int_policy(
        big + "  count(a for a in x.xs where text(t12) + text(t11) = \"\")")))
    out.append(("loop-big-product", int_policy(
        big + "  count(a for a in x.xs where t12 * t12 / t11 > t10)")))
    out.append(("loop-big-round", int_policy(
        big + "  count(a for a in x.xs where round(t12, 30, half even) > "
        "t11)")))
    out.append(("nested-2", int_policy(
        "count([[a for a in x.xs] for b in x.xs])")))
    out.append(("nested-3", int_policy(
        "count([[[a for a in x.xs] for b in x.xs] for c in x.xs])")))
    out.append(("loop-text-grow", int_policy(
        "count(a for a in x.xs where x.t1 + text(a) = x.t2)")))
    out.append(("loop-sort", int_policy(
        "count(a for a in x.xs where sort(b for b in x.ys by -b)[1] > a)")))
    out.append(("loop-list-equal", int_policy(
        "count(a for a in x.xs where x.xs = x.ys)")))
    out.append(("shared-output", HDR + "record Out { v: list of list of "
                "integer }\noutput r: Out = Out { v: let l = [a for a in "
                "x.xs] in [l for b in x.xs] }\n"))
    out.append(("loop-map", int_policy(
        "count(a for a in x.xs where x.m[text(a)] is none)")))
    return out


def wait(pid, timeout):
    """Waits for [pid], killing it after [timeout] s: (exit status or
    -signal, its own rusage)."""
    end = time.monotonic() + timeout
    while True:
        got, status, ru = os.wait4(pid, os.WNOHANG)
        if got == pid:
            if os.WIFSIGNALED(status):
                return -os.WTERMSIG(status), ru
            return os.WEXITSTATUS(status), ru
        if time.monotonic() > end:
            os.kill(pid, 9)
            _, status, ru = os.wait4(pid, 0)
            return "killed after %d s" % timeout, ru
        time.sleep(0.02)


def limit_as():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def is_asan(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def main():
    global MAX_SECONDS, MAX_RSS
    tally = os.path.abspath(sys.argv[1])
    asan = is_asan(tally)
    if asan:
        MAX_SECONDS, MAX_RSS = 45, 3 * MAX_RSS
    here = os.path.dirname(os.path.abspath(__file__))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "w.jsonl")
        subprocess.run([sys.executable, os.path.join(here, "make_input.py"),
                        data], check=True)
        for name, src in cases():
            pol = os.path.join(tmp, name + ".tally")
            with open(pol, "w") as f:
                f.write(src)
            t0 = time.monotonic()
            with open(os.path.join(tmp, "out"), "w+b") as fo, \
                    open(os.path.join(tmp, "err"), "w+b") as fe:
                p = subprocess.Popen([tally, "run", pol, data], stdout=fo,
                                     stderr=fe,
                                     preexec_fn=None if asan else limit_as)
                rc, ru = wait(p.pid, 60)
                fo.seek(0)
                fe.seek(0)
                out, err = fo.read(), fe.read()
            secs = time.monotonic() - t0
            rss = ru.ru_maxrss * 1024
            why = []
            if rc not in (0, 3):
                why.append("exit status %s" % rc)
            if rc == 3 and b"limit exceeded" not in out:
                why.append("failed without a limit error")
            if secs > MAX_SECONDS:
                why.append("%.1f s" % secs)
            if rss > MAX_RSS:
                why.append("peak RSS %d MB" % (rss // 1000000))
            line = "%-24s exit %s %6.2f s %5d MB" % (name, rc, secs,
                                                      rss // 1000000)
            if why:
                failed += 1
                print("FAIL worst-case/%s: %s" % (name, ", ".join(why)))
                sys.stdout.write(err.decode("utf-8", "replace")[:500])
            else:
                print("ok   worst-case/" + line)
    print("worst-case: %d cases, %d failed" % (len(cases()), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
