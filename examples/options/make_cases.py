#!/usr/bin/env python3
"""The hand-built appraisals of options.jsonl, and an independent reference
of the methodology (methodology.md) that computes what the policy must
output for each, with exact decimals.

    python3 make_cases.py > options.jsonl
    python3 make_cases.py --expected < options.jsonl > options.expected.jsonl
"""
import json
import sys
from datetime import date
from decimal import Decimal as D, ROUND_HALF_UP

W = {"cost": "50", "risk": "20", "control": "15", "social_value": "15"}
ORDER = ["in-house", "latco", "shared-service", "outsourced"]


def opt(model, set_up, costs, risk, control, sv, power=True):
    return {"model": model, "set_up": set_up, "annual_costs": costs, "risk": risk,
            "control": control, "social_value": sv, "legal_power": power}


def cases():
    yield {"id": "A-1", "service": "Waste collection: four models, all pass",
           "decided": "2026-06-01", "term_years": 5, "budget": "30000000", "weights": W,
           "options": [opt("in-house", "500000", ["5000000"] * 5, 2, 5, 3),
                       opt("latco", "800000", ["4800000"] * 5, 3, 4, 3),
                       opt("shared-service", "300000", ["4900000"] * 5, 2, 3, 2),
                       opt("outsourced", "100000", ["4500000", "4600000", "4700000", "4800000",
                                                    "4900000"], 4, 1, 4)]}
    yield {"id": "A-2", "service": "Leisure: a gate each",
           "decided": "2026-06-01", "term_years": 3, "budget": "8900000", "weights": W,
           "options": [opt("in-house", "0", ["3000000", "3000000", "3000000"], 1, 5, 3),
                       opt("latco", "200000", ["2800000"] * 3, 2, 4, 4, power=False),
                       opt("outsourced", "0", ["3200000"] * 3, 3, 1, 2)]}
    yield {"id": "A-3", "service": "No model the council may use",
           "decided": "2026-06-01", "term_years": 1, "budget": "1000000", "weights": W,
           "options": [opt("latco", "0", ["100000"], 0, 5, 5, power=False)]}
    yield {"id": "A-4", "service": "Thirty years: the Green Book's last year at 3.5%",
           "decided": "2026-06-01", "term_years": 30, "budget": "100000000", "weights": W,
           "options": [opt("in-house", "0", ["1000000"] * 30, 0, 5, 5)]}
    yield {"id": "A-5", "service": "Equal totals: the lower net present cost, then the model order",
           "decided": "2026-06-01", "term_years": 2, "budget": "10000000",
           "weights": {"cost": "40", "risk": "20", "control": "20", "social_value": "20"},
           "options": [opt("shared-service", "0", ["1000000", "1000000"], 0, 5, 0),
                       opt("in-house", "0", ["1000000", "1000001"], 0, 0, 5),
                       opt("outsourced", "0", ["1000000", "1000000"], 5, 5, 5)]}
    yield {"id": "A-6", "service": "No options at all",
           "decided": "2026-06-01", "term_years": 4, "budget": "1000000", "weights": W,
           "options": []}
    yield {"id": "A-7", "service": "A year's cost missing: rejected",
           "decided": "2026-06-01", "term_years": 3, "budget": "1000000", "weights": W,
           "options": [opt("in-house", "0", ["1", "2"], 0, 0, 0)]}
    yield {"id": "A-8", "service": "Decided before the Green Book rate: an error",
           "decided": "2002-12-31", "term_years": 1, "budget": "1000000", "weights": W,
           "options": [opt("in-house", "0", ["100"], 0, 0, 0)]}
    yield {"id": "A-9", "service": "Weights not adding up to 100: rejected",
           "decided": "2026-06-01", "term_years": 1, "budget": "1000000",
           "weights": {"cost": "50", "risk": "20", "control": "15", "social_value": "14"},
           "options": [opt("in-house", "0", ["100"], 0, 0, 0)]}


def r2(x):
    return x.quantize(D("0.01"), ROUND_HALF_UP)


def expected(a):
    key = a["id"]
    w = {k: D(v) for k, v in a["weights"].items()}
    if sum(w.values()) != 100:
        return {"appraisal": key, "error": "weights: cost, risk, control and social_value do not add up to 100"}
    if any(len(o["annual_costs"]) != a["term_years"] for o in a["options"]):
        return {"appraisal": key, "error": "options: each option needs a cost for every year of the term"}
    if date.fromisoformat(a["decided"]) < date(2003, 1, 1):
        return {"appraisal": key, "error": "runtime error: no discount rate in force on " + a["decided"]}
    rate = D("0.035")

    def factor(t):
        return 1 / (1 + rate) ** t   # Decimal's context: 28 digits; rounded below

    def factor_exact(t):
        from fractions import Fraction
        return Fraction(1000, 1035) ** t

    def pv(cost, t):
        from fractions import Fraction
        x = Fraction(D(cost)) * factor_exact(t)
        return r2(D(x.numerator) / D(x.denominator))

    def npc(o):
        return D(o["set_up"]) + sum((pv(c, t) for t, c in enumerate(o["annual_costs"], 1)), D(0))

    res = []
    passing = []
    for o in a["options"]:
        if not o["legal_power"]:
            res.append((o, "gate 1: the council has no power to deliver it this way"))
        elif npc(o) > D(a["budget"]):
            res.append((o, "gate 2: net present cost £%s is over the budget of £%s" % (
                "{:,.2f}".format(npc(o)), "{:,.2f}".format(D(a["budget"])))))
        else:
            res.append((o, None))
            passing.append(o)
    low = min((npc(o) for o in passing), default=None)

    def scores(o):
        from fractions import Fraction
        c = Fraction(w["cost"]) * Fraction(low) / Fraction(npc(o))
        c = r2(D(c.numerator) / D(c.denominator))
        r = r2(w["risk"] * (5 - o["risk"]) / 5)
        k = r2(w["control"] * o["control"] / 5)
        s = r2(w["social_value"] * o["social_value"] / 5)
        return c, r, k, s, c + r + k + s

    ranking = sorted(passing, key=lambda o: (-scores(o)[4], npc(o), ORDER.index(o["model"])))
    out_opts = []
    for o, why in res:
        if why is None:
            c, r, k, s, t = scores(o)
            out_opts.append({"model": o["model"], "status": "scored", "net_present_cost": str(npc(o)),
                             "cost_score": str(c), "risk_score": str(r), "control_score": str(k),
                             "social_value_score": str(s), "total": str(t),
                             "rank": ranking.index(o) + 1})
        else:
            out_opts.append({"model": o["model"], "status": "failed", "reason": why,
                             "net_present_cost": str(npc(o))})
    findings = []
    if not passing:
        findings.append({"code": "OPT-001", "severity": "warning",
                         "message": "no option passes the gates: none can be recommended",
                         "cite": "Northfield options appraisal methodology, rule 3"})
    if len(ranking) >= 2 and scores(ranking[0])[4] - scores(ranking[1])[4] <= 2:
        findings.append({"code": "OPT-002", "severity": "notice",
                         "message": "the first two options are within 2 points: test the "
                         "result's sensitivity before deciding",
                         "cite": "HM Treasury, The Green Book (2022), sensitivity analysis"})
    factors = []
    if a["options"]:
        for t in range(1, len(a["options"][0]["annual_costs"]) + 1):
            f = factor_exact(t)
            factors.append(str((D(f.numerator) / D(f.denominator)).quantize(D("0.0001"), ROUND_HALF_UP)))
    return {"appraisal": key, "discount_rate": "3.5", "factors": factors,
            "preferred": ranking[0]["model"] if ranking else None, "options": out_opts,
            "findings": findings}


if __name__ == "__main__":
    if "--expected" in sys.argv:
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(expected(json.loads(line)), ensure_ascii=False))
    else:
        for c in cases():
            print(json.dumps(c, ensure_ascii=False))
