#!/usr/bin/env python3
"""bench/trace_profile.py - VM instructions per bid, by policy function.

Reads the instruction trace of a tally built with TALLY_TRACE_VM (one
"vm OFFSET OP depth D stack S" line per instruction on stderr) and the
`tally disasm` listing of the same policy, finds where each function's code
starts (by matching its instruction sequence against the offsets seen in
the trace), and prints instructions executed and calls made per bid, per
function, and the opcode mix.  How to get a traced tally without touching
the tree is in bench/README.md ("Where the time goes").

    python3 bench/trace_profile.py DISASM.txt TRACE.txt DATA.jsonl
"""

import bisect
import collections
import re
import sys


def functions(disasm_path):
    """[(name, [(relative offset, op), ...])] in listing order."""
    funcs, cur = [], None
    for line in open(disasm_path):
        m = re.match(r'function (\S+|"[^"]+") \(', line)
        if m:
            cur = (m.group(1), [])
            funcs.append(cur)
            continue
        m = re.match(r"\s+(\d{4})\s+(\w+)", line)
        if cur and m:
            cur[1].append((int(m.group(1)), m.group(2)))
    return funcs


def trace_lines(path):
    for line in open(path):
        p = line.split()
        if len(p) >= 5 and p[0] == "vm":
            yield int(p[1]), p[2], int(p[4])


def main(disasm_path, trace_path, data_path):
    seen = {off: op for off, op, _ in trace_lines(trace_path)}
    end = max(seen) + 16
    base = {}
    for name, ins in functions(disasm_path):
        best = None
        for b in range(end):
            hits = 0
            for r, op in ins:
                o = seen.get(b + r)
                if o is None:
                    continue
                if o != op:
                    break
                hits += 1
            else:
                if hits and (best is None or hits > best[1]):
                    best = (b, hits)
        if best:
            base[name] = best[0]
    starts = sorted((b, n) for n, b in base.items())
    keys = [b for b, _ in starts]
    entry = dict(starts)
    with open(data_path) as f:
        bids = sum(line.count('"supplier":') for line in f)
    self_count, calls, ops = collections.Counter(), collections.Counter(), collections.Counter()
    n, prev = 0, None
    for off, op, depth in trace_lines(trace_path):
        n += 1
        ops[op] += 1
        self_count[starts[bisect.bisect_right(keys, off) - 1][1]] += 1
        if prev and prev[0] == "CALL" and depth > prev[1]:
            calls[entry.get(off, "?")] += 1
        prev = (op, depth)
    print(f"{n} instructions for {bids} bids: {n / bids:.0f} per bid\n")
    print(f"  {'function':<30} {'instr/bid':>9} {'share':>6} {'calls/bid':>9}")
    for name, c in self_count.most_common(20):
        print(f"  {name:<30} {c / bids:9.0f} {c / n:6.1%} {calls[name] / bids:9.2f}")
    print(f"\n  {'opcode':<16} {'share':>6}")
    for op, c in ops.most_common(16):
        print(f"  {op:<16} {c / n:6.1%}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[-1])
    main(*sys.argv[1:])
