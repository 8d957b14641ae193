#!/usr/bin/env python3
"""tests/tools/ocds_lines.py - OCDS release packages to JSON Lines of releases.

Usage: ocds_lines.py PACKAGE... > releases.jsonl

Writes each release of each package on a line of its own, in the order
given.  Numbers keep the text they were published with (read as Decimal,
written back by str(), never through a float), so a run over the lines
reads the same values as a run over the packages.
"""
import json
import sys
from decimal import Decimal

def dump(v):
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + dump(x)
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(dump(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)

def main():
    out = sys.stdout
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            pkg = json.load(f, parse_float=Decimal, parse_int=Decimal)
        for r in pkg["releases"]:
            out.write(dump(r) + "\n")
    return 0

if __name__ == "__main__":
    sys.exit(main())
