#!/usr/bin/env python3
"""Compare two JSON Lines files as JSON values, line by line.

Usage: jsoncmp.py EXPECTED ACTUAL

Objects compare by value (key order and white space are free).  An error
record {"tender": ..., "error": "FIELD: problem"} matches when the tender
and the part before the first ": " (the field path, or "line N") are equal:
an error's wording may differ, its place may not.  Exits 1 on the first
difference, printing both lines.
"""
import json
import sys


def norm(rec):
    if isinstance(rec, dict) and "error" in rec and isinstance(rec["error"], str):
        rec = dict(rec)
        rec["error"] = rec["error"].split(": ", 1)[0]
    return rec


def main():
    exp_path, act_path = sys.argv[1], sys.argv[2]
    with open(exp_path, encoding="utf-8") as f:
        exp = [l for l in f.read().splitlines() if l.strip()]
    with open(act_path, encoding="utf-8") as f:
        act = [l for l in f.read().splitlines() if l.strip()]
    for i, (e, a) in enumerate(zip(exp, act), 1):
        try:
            av = json.loads(a)
        except ValueError as err:
            print(f"{act_path}:{i}: not JSON ({err}): {a[:200]}")
            return 1
        if norm(json.loads(e)) != norm(av):
            print(f"record {i} differs:\n  expected: {e}\n  actual:   {a}")
            return 1
    if len(exp) != len(act):
        print(f"expected {len(exp)} records, got {len(act)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
