#!/usr/bin/env python3
"""Northfield Council award evaluation, as a council analyst would script it.

    python3 award.py TENDERS.jsonl > RESULTS.jsonl

A contender in `make bench` (bench/README.md): the methodology of
shared/spec/award-evaluation.md with the standard library only.  Exact:
every amount is a fractions.Fraction, rounded once, half up, for output.
Handles valid input (and an unknown exclusion ground); other bad input is
not diagnosed.
"""

import json
import sys
from datetime import date, datetime
from fractions import Fraction as F

THRESHOLDS = [  # in force from; central, sub-central goods/services; works
    (date(2026, 1, 1), F("135018.00"), F("207720.00"), F("5193000.00")),
    (date(2025, 2, 24), F("139688.00"), F("214904.00"), F("5372609.00")),
]
MANDATORY = ["corruption", "bribery", "fraud", "money-laundering", "terrorism",
             "modern-slavery", "tax-evasion", "organised-crime", "cartel", "theft"]
DISCRETIONARY = ["insolvency", "professional-misconduct", "poor-performance",
                 "environmental-breach", "labour-market-breach", "national-security"]
MIN_INSURANCE = F("5000000.00")


class BadInput(Exception):
    pass


def points(x):
    """Round half away from zero to 2 places; the string Tally prints."""
    cents = int(abs(x) * 100 + F(1, 2))
    return f"{'-' if x < 0 and cents else ''}{cents // 100}.{cents % 100:02d}"


def threshold(t):
    published = date.fromisoformat(t["published"])
    for start, central, sub_central, works in THRESHOLDS:
        if published >= start:
            if t["category"] == "works":
                return works
            return central if t["buyer"]["type"] == "central" else sub_central
    raise BadInput(f"published: no threshold in force on {t['published']}")


def is_sme(s):
    return s["staff"] < 250 and (F(s["turnover"]) <= 44_000_000
                                 or F(s["balance_sheet"]) <= 38_000_000)


def assess(t, bid, reserved):
    grounds = bid["supplier"]["exclusions"]
    for known, label in ((MANDATORY, "mandatory"), (DISCRETIONARY, "discretionary")):
        hit = next((g for g in grounds if g in known), None)
        if hit:
            return "excluded", f"{label} exclusion: {hit}"
    if reserved and not (bid["supplier"]["local"] and is_sme(bid["supplier"])):
        return "excluded", "not eligible: reserved for local SMEs"
    if F(bid["supplier"]["insurance"]) < MIN_INSURANCE:
        return "failed", "insurance below 5000000.00"
    for q in t["questions"]:
        score = bid["scores"].get(q["id"])
        if score is None or score < q["min_score"]:
            return "failed", f"{q['id']} below minimum"
    return "scored", None


def raw_social_value(bid):
    sv = bid["social_value"]
    return (5 * min(sv["local_jobs"], 10) + 6 * min(sv["apprenticeships"], 5)
            + F(1, 5) * min(F(sv["local_spend_pct"]), 100))


def evaluate(t):
    for i, bid in enumerate(t["bids"]):
        for j, g in enumerate(bid["supplier"]["exclusions"]):
            if g not in MANDATORY and g not in DISCRETIONARY:
                raise BadInput(f"bids[{i}].supplier.exclusions[{j}]: "
                               f'unknown exclusion ground "{g}"')
    above = F(t["estimated_value"]) >= threshold(t)
    reserved = not above and t["reserved"] == "local-sme"
    w = {k: F(v) for k, v in t["weights"].items()}
    results = []
    for bid in t["bids"]:
        status, reason = assess(t, bid, reserved)
        r = {"supplier": bid["supplier"]["id"], "sme": is_sme(bid["supplier"]),
             "status": status}
        if reason:
            r["reason"] = reason
        results.append(r)
    compliant = [i for i, r in enumerate(results) if r["status"] == "scored"]
    if compliant:
        lowest = min(F(t["bids"][i]["price"]) for i in compliant)
        best = max(raw_social_value(t["bids"][i]) for i in compliant)
    keys = {}
    for i in compliant:
        bid = t["bids"][i]
        price = w["price"] * lowest / F(bid["price"])
        quality = sum(F(q["weight"]) * bid["scores"].get(q["id"], 0) / 5
                      for q in t["questions"])
        social = w["social_value"] * raw_social_value(bid) / best if best else F(0)
        total = price + quality + social
        results[i].update(price_score=points(price), quality_score=points(quality),
                          social_value_score=points(social), total=points(total))
        submitted = datetime.fromisoformat(bid["submitted"].replace("Z", "+00:00"))
        keys[i] = (-F(results[i]["total"]), -F(results[i]["quality_score"]),
                   submitted, bid["supplier"]["id"], i)
    ranking = sorted(compliant, key=keys.get)
    for rank, i in enumerate(ranking, 1):
        results[i]["rank"] = rank
    return {"tender": t["id"], "regime": "above-threshold" if above else "below-threshold",
            "award": results[ranking[0]]["supplier"] if ranking else None,
            "bids": results}


def main(path):
    with open(path, encoding="utf-8") as f, sys.stdout as out:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            try:
                result = evaluate(t)
            except BadInput as e:
                result = {"tender": t["id"], "error": str(e)}
            out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
