#!/usr/bin/env python3
"""Generate tender records for the report tests and benchmark.

Usage: gen_tenders.py N [SEED] [BUYERS]

Writes N JSON Lines records of the shape tests/golden/report-stdout/
policy.tally reads: an id, one of BUYERS buyers (default 40), a kind, an
estimated value in pence as a decimal string, an SME flag and zero to
three bids from 300 suppliers.  The same N and SEED give the same bytes
(a linear congruential generator, not Python's random, so the output
never depends on the Python version).  Values are integers of pence
written with two places: the sums are exact in any tool.
"""
import sys


def main():
    n = int(sys.argv[1])
    state = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    buyers = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    kinds = ("works", "goods", "services")
    out = sys.stdout
    write = out.write

    def rnd(m):
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (state >> 33) % m

    for i in range(n):
        pence = rnd(100000000)
        bids = []
        for _ in range(rnd(4)):
            bids.append('{"supplier": "S%03d", "price": "%d.%02d"}'
                        % (rnd(300), rnd(1000000), rnd(100)))
        write('{"id": "T%07d", "buyer": "Council %02d", "kind": "%s", '
              '"value": "%d.%02d", "sme": %s, "bids": [%s]}\n'
              % (i, rnd(buyers), kinds[rnd(3)], pence // 100, pence % 100,
                 "true" if rnd(3) == 0 else "false", ", ".join(bids)))


if __name__ == "__main__":
    main()
