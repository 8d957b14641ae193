#!/usr/bin/env python3
"""tests/hostile/work/make_input.py OUT - the two records every policy of
tests/hostile/work/ runs on: H-work, with 100,000 integers twice (xs,
ys), two equal 1 MiB texts (t1, t2) and a map of 200,000 entries (m);
then H-small, the same fields one item long, which each policy evaluates
within the limits (the run goes on after a record over them)."""
import json
import sys

n = 100000
rec = {
    "id": "H-work",
    "xs": list(range(n)),
    "ys": list(range(n)),
    "t1": "a" * 1048576,
    "t2": "a" * 1048576,
    "m": {"k%d" % i: i for i in range(200000)},
}
with open(sys.argv[1], "w") as f:
    f.write(json.dumps(rec, separators=(",", ":")) + "\n")
    small = {"id": "H-small", "xs": [1], "ys": [1], "t1": "a", "t2": "a",
             "m": {"k": 1}}
    f.write(json.dumps(small) + "\n")
