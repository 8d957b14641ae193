"""Recomputes the report of tests/golden/report-value-share/policy.tally
from the records (Python decimal, exactly) and compares it row by row:
python3 check.py RECORDS REPORT."""
import json
import sys
from decimal import Decimal, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, localcontext


def pct(part, whole, places, mode):
    if whole == 0:
        return None
    with localcontext() as c:
        c.prec = 100
        return str((part * 100 / whole).quantize(Decimal(1).scaleb(-places), rounding=mode))


groups = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        t = json.loads(line)
        groups.setdefault(t["buyer"], []).append(t)
want = []
for buyer in sorted(groups):
    g = groups[buyer]
    total = sum(Decimal(t["value"]) for t in g)
    sme = sum(Decimal(t["value"]) for t in g if t["sme"])
    works = sum(Decimal(t["value"]) for t in g if t["kind"] == "works")
    want.append({"report": "shares_by_buyer", "buyer": buyer, "tenders": len(g),
                 "sme_share": pct(Decimal(sum(1 for t in g if t["sme"])), Decimal(len(g)), 1,
                                  ROUND_HALF_UP),
                 "sme_value_share": pct(sme, total, 2, ROUND_HALF_EVEN),
                 "works_value_share": pct(works, total, 3, ROUND_DOWN),
                 "sme_part": pct(sme, total, 2, ROUND_HALF_EVEN)})
with open(sys.argv[2], encoding="utf-8") as f:
    got = [json.loads(line) for line in f if line.strip()]
bad = [(g, w) for g, w in zip(got, want) if g != w]
if len(got) != len(want) or bad:
    print(f"value shares: {len(got)} rows, {len(want)} expected; first difference: "
          f"{bad[0] if bad else None}")
    sys.exit(1)
print(f"value shares: {len(got)} rows agree with the exact computation")
