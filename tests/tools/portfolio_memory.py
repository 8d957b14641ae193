#!/usr/bin/env python3
"""The contracts portfolio report in flat memory, the same bytes with --jobs 2:

    portfolio_memory.py TALLY [SMALL LARGE]

Runs examples/contracts/contracts.tally over SMALL and then LARGE
generated contracts (examples/contracts/gen_contracts.py, seed 19;
default 10,000 and 100,000), fed through a pipe so no file of them is
kept, results thrown away and the four portfolio reports written to a
CSV file, and compares the peak resident memory of the two runs: the
groups (8 buyers, 2 sizes, 3 categories) are the same in both, so the
peaks must be within 25% + 4 MB of each other.  Then runs LARGE again
with --jobs 2 and checks the reports are the same bytes.  Prints the
peaks and times; exits 1 on a failure.  Too slow for `make test` (about
a minute for 100,000 on one core): `make bench` runs it.
"""
import os
import sys
import tempfile

from peak import peak_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(ROOT, "examples", "contracts", "contracts.tally")
GEN = os.path.join(ROOT, "examples", "contracts", "gen_contracts.py")


def run(tally, n, report, jobs):
    """Peak RSS (KB) and seconds of one run over n generated contracts."""
    rc, kb, secs = peak_run([sys.executable, GEN, "--seed", "19", "--contracts", str(n)],
                            [tally, "run", POLICY, "--input", "jsonl", "--jobs", str(jobs),
                             "--report", report, "-o", os.devnull])
    if rc not in (0, 7):
        sys.exit("portfolio_memory: tally exited %d on %d contracts" % (rc, n))
    return kb, secs


def main():
    tally = sys.argv[1]
    small = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    large = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    with tempfile.TemporaryDirectory() as tmp:
        a, ta = run(tally, small, os.path.join(tmp, "small.csv"), 1)
        b, tb = run(tally, large, os.path.join(tmp, "one.csv"), 1)
        c, tc = run(tally, large, os.path.join(tmp, "two.csv"), 2)
        print("portfolio memory: %d contracts %d KB (%.1f s), %d contracts %d KB (%.1f s), "
              "--jobs 2 %d KB (%.1f s)" % (small, a, ta, large, b, tb, c, tc))
        status = 0
        if b > a * 1.25 + 4096:
            print("portfolio memory: grows with the contracts")
            status = 1
        with open(os.path.join(tmp, "one.csv"), "rb") as f1, \
                open(os.path.join(tmp, "two.csv"), "rb") as f2:
            if f1.read() != f2.read():
                print("portfolio memory: the reports differ with --jobs 2")
                status = 1
            else:
                print("portfolio memory: the same report bytes with --jobs 2")
    return status


if __name__ == "__main__":
    sys.exit(main())
