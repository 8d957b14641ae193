#!/usr/bin/env python3
"""An independent implementation of the Northfield award methodology.

Written straight from shared/spec/award-evaluation.md with Python's exact
fractions, sharing no code or design with Tally, so that Tally's output on
freshly generated tenders can be checked against a second opinion
(tests/tools/check_generated.sh).  It validates only what the generator can
get wrong on purpose in --edge data (unknown exclusion grounds); the
bad-input cases are covered by the spec's own expected file.

Usage: reference.py < tenders.jsonl > results.jsonl
"""
import json
import sys
from datetime import date, datetime
from fractions import Fraction

THRESHOLDS = [  # (in force from, central g/s, sub-central g/s, works)
    (date(2025, 2, 24), "139688.00", "214904.00", "5372609.00"),
    (date(2026, 1, 1), "135018.00", "207720.00", "5193000.00"),
]
MANDATORY = ["corruption", "bribery", "fraud", "money-laundering", "terrorism",
             "modern-slavery", "tax-evasion", "organised-crime", "cartel", "theft"]
DISCRETIONARY = ["insolvency", "professional-misconduct", "poor-performance",
                 "environmental-breach", "labour-market-breach", "national-security"]


def q(s):
    return Fraction(s)


def round2(x):
    """Exact x to 2 places, ties away from zero, as a string."""
    cents = x * 100
    n, d = cents.numerator, cents.denominator
    whole, rem = divmod(abs(n), d)
    if 2 * rem >= d:
        whole += 1
    if n < 0:
        whole = -whole
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    return f"{sign}{whole // 100}.{whole % 100:02d}", Fraction(whole if not sign else -whole, 100)


def threshold(t):
    pub = date.fromisoformat(t["published"])
    row = None
    for r in THRESHOLDS:
        if pub >= r[0]:
            row = r
    if row is None:
        raise ValueError(("published", "no threshold in force"))
    if t["category"] == "works":
        return q(row[3])
    return q(row[1] if t["buyer"]["type"] == "central" else row[2])


def is_sme(s):
    return s["staff"] < 250 and (q(s["turnover"]) <= q("44000000.00")
                                 or q(s["balance_sheet"]) <= q("38000000.00"))


def evaluate(t):
    for i, b in enumerate(t["bids"]):
        for j, g in enumerate(b["supplier"]["exclusions"]):
            if g not in MANDATORY and g not in DISCRETIONARY:
                return {"tender": t["id"],
                        "error": f"bids[{i}].supplier.exclusions[{j}]: unknown exclusion ground"}
    try:
        above = q(t["estimated_value"]) >= threshold(t)
    except ValueError as e:
        return {"tender": t["id"], "error": f"{e.args[0][0]}: {e.args[0][1]}"}
    regime = "above-threshold" if above else "below-threshold"
    results = []
    compliant = []
    for b in t["bids"]:
        s = b["supplier"]
        r = {"supplier": s["id"], "sme": is_sme(s)}
        mand = [g for g in s["exclusions"] if g in MANDATORY]
        disc = [g for g in s["exclusions"] if g in DISCRETIONARY]
        reason = None
        status = "excluded"
        if mand:
            reason = "mandatory exclusion: " + mand[0]
        elif disc:
            reason = "discretionary exclusion: " + disc[0]
        elif not above and t["reserved"] == "local-sme" and not (s["local"] and r["sme"]):
            reason = "not eligible: reserved for local SMEs"
        else:
            status = "failed"
            if q(s["insurance"]) < q("5000000.00"):
                reason = "insurance below 5000000.00"
            else:
                for qu in t["questions"]:
                    sc = b["scores"].get(qu["id"])
                    if sc is None or sc < qu["min_score"]:
                        reason = qu["id"] + " below minimum"
                        break
        if reason is None:
            status = "scored"
            compliant.append((b, r))
        r["status"] = status
        if reason is not None:
            r["reason"] = reason
        results.append(r)
    if compliant:
        w = t["weights"]
        low = min(q(b["price"]) for b, _ in compliant)

        def raw(b):
            sv = b["social_value"]
            return (5 * min(sv["local_jobs"], 10) + 6 * min(sv["apprenticeships"], 5)
                    + Fraction(1, 5) * min(q(sv["local_spend_pct"]), 100))
        best = max(raw(b) for b, _ in compliant)
        keyed = []
        for pos, (b, r) in enumerate(compliant):
            price = q(w["price"]) * low / q(b["price"])
            quality = sum((q(qu["weight"]) * b["scores"][qu["id"]] / 5
                           for qu in t["questions"]), Fraction(0))
            social = q(w["social_value"]) * raw(b) / best if best != 0 else Fraction(0)
            total = price + quality + social
            r["price_score"] = round2(price)[0]
            r["quality_score"], qv = round2(quality)
            r["social_value_score"] = round2(social)[0]
            r["total"], tv = round2(total)
            when = datetime.fromisoformat(b["submitted"].replace("Z", "+00:00"))
            keyed.append(((-tv, -qv, when, b["supplier"]["id"], pos), r))
        keyed.sort(key=lambda kr: kr[0])
        for rank, (_, r) in enumerate(keyed, 1):
            r["rank"] = rank
    award = None
    for r in results:
        if r.get("rank") == 1:
            award = r["supplier"]
    return {"tender": t["id"], "regime": regime, "award": award, "bids": results}


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(evaluate(json.loads(line))))


if __name__ == "__main__":
    main()
