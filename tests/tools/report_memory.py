#!/usr/bin/env python3
"""A report's memory does not grow with the records: report_memory.py TALLY [SMALL LARGE]

Runs the report-stdout policy (tests/golden/report-stdout/policy.tally)
over SMALL and then LARGE generated records (tests/tools/gen_tenders.py;
default 20000 and 200000, a tenth of `make bench`'s pair), fed through
a pipe so that no file of them is kept, with the results and reports
thrown away, and compares the peak resident memory of the two runs.
The groups (40 buyers, 3 kinds) and distinct values (300 suppliers) are
the same in both, so the peaks must be within 25% + 4 MB of each other;
prints both and exits 1 when they are not.  A sanitizer build (linked
with libasan) runs a fifth of the records, without ASan's quarantine of
freed memory, which would otherwise grow with every allocation.
"""
import os
import subprocess
import sys

from peak import peak_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(ROOT, "tests", "golden", "report-stdout", "policy.tally")
GEN = os.path.join(ROOT, "tests", "tools", "gen_tenders.py")


def peak_kb(tally, n):
    """The peak RSS (KB) of one run over n records."""
    rc, kb, _ = peak_run([sys.executable, GEN, str(n), "3"],
                         [tally, "run", POLICY, "--input", "jsonl",
                          "--report", os.devnull, "-o", os.devnull])
    if rc != 0:
        sys.exit("report_memory: tally exited %d on %d records" % (rc, n))
    return kb


def main():
    tally = sys.argv[1]
    small = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    large = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    libs = subprocess.run(["ldd", tally], capture_output=True, text=True).stdout
    if "libasan" in libs and len(sys.argv) <= 2:
        small, large = small // 5, large // 5
    a = peak_kb(tally, small)
    b = peak_kb(tally, large)
    print("report memory: %d records %d KB, %d records %d KB" % (small, a, large, b))
    if b > a * 1.25 + 4096:
        print("report memory: grows with the records")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
