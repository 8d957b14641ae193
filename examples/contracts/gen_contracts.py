#!/usr/bin/env python3
"""Seeded generator of live contracts for examples/contracts, and an
independent reference of the policy's results.

    python3 gen_contracts.py --seed N --contracts K [--edge]  > contracts.jsonl
    python3 gen_contracts.py --expected < contracts.jsonl     > expected.jsonl

Writes K contracts as JSON Lines in the input format of contracts.tally.
The same seed and count always give the same bytes (random.Random seeded
with the seed; no clock, no environment).  Records are written one at a
time, so K can be in the millions without holding them.

Normal contracts look like a group of councils' register: goods, services
and works on both sides of the thresholds, one to six KPIs with quarterly
results, invoices mostly paid in time (some on day 30 or 31, some
disputed, some unpaid), past modifications and now and then a proposed
one near the s.74 limits, with or without indexation.

--edge puts the hand-built edge cases (EDGE, below) first, each once,
then the generated ones; their titles start "EDGE name:".

--index-cases writes index_cases.jsonl, the records contracts_test.tally
checks the index (rule 5) with: an annual charge of £1,000,000.00 moved
from each month of 2024 and 2025 to the same month two years on (so each
of the 48 figures is used once), and one whose result is exactly half a
penny, rounded up.

--expected-report reads contracts and writes the portfolio reports as
CSV (tally run --report FILE.csv), computed here too; with
--report-format json, as JSON (--report FILE.json).

--expected reads contracts and writes what the policy must output for
each (results, findings, and an error record for one the policy must
reject), computed here with exact decimals from the procedure
(methodology.md) and the Act, not from the policy.
"""

import argparse
import json
import random
import sys
from datetime import date, timedelta
from decimal import Decimal, ROUND_HALF_UP

D = Decimal
PENNY = D("0.01")

# Schedule 1 thresholds (S.I. 2025/163, S.I. 2025/1200).
THRESHOLDS = [
    (date(2025, 2, 24), {"central": D("139688"), "sub-central": D("214904"), "works": D("5372609")}),
    (date(2026, 1, 1), {"central": D("135018"), "sub-central": D("207720"), "works": D("5193000")}),
]
BUYERS = ["Northfield Council", "Eastbrook Council", "Westmere Council", "Southdale Council",
          "Highcross Council", "Lowmoor Council", "Riverside Council", "Kingsford Council"]


def index_table():
    """The policy's illustrative monthly index (rule 5), first days of months."""
    inc = [D(x) for x in "0.4 0.6 0.3 0.5 0.2 0.4 0.1 0.5 0.3 0.4 0.2 0.6".split()]
    v, y, m, i, out = D("130.0"), 2024, 1, 0, {}
    while (y, m) <= (2027, 12):
        out[date(y, m, 1)] = v
        v += inc[i % 12]
        i += 1
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


INDEX = index_table()


def threshold(buyer_type, category, day):
    row = None
    for start, r in THRESHOLDS:
        if day >= start:
            row = r
    if row is None:
        return None
    return row["works"] if category == "works" else row[buyer_type]


def money(x):
    return str(D(x).quantize(PENNY))


# ---- generation -------------------------------------------------------------

def base(cid, title):
    """A plain, compliant contract: services, sub-central, no findings."""
    return {
        "id": cid, "title": title, "buyer": "Northfield Council",
        "buyer_type": "sub-central", "category": "services", "light_touch": False,
        "commenced": "2026-01-15", "start": "2026-04-01", "term_months": 36,
        "options": [{"id": "O1", "months": 12, "value": "200000.00", "exercised": False},
                    {"id": "O2", "months": 12, "value": "200000.00", "exercised": False}],
        "original_value": "1000000.00", "annual_charge": "300000.00",
        "period_charge": "75000.00",
        "supplier": {"id": "S-1", "name": "Acme Services Ltd", "staff": 120,
                     "turnover": "9000000.00", "balance_sheet": "4000000.00", "vcse": False},
        "kpis": [], "payments": [], "modifications": [], "proposed": None,
        "indexation": None, "credit_per_miss": "2.5", "credit_cap": "10", "as_at": "2026-12-31",
    }


def kpi(kid, direction, target, actuals, first=date(2026, 6, 30)):
    ends = [first, date(2026, 9, 30), date(2026, 12, 31), date(2027, 3, 31),
            date(2027, 6, 30), date(2027, 9, 30)]
    return {"id": kid, "name": "Measure " + kid, "direction": direction, "target": target,
            "results": [{"period_end": ends[i].isoformat(), "actual": a}
                        for i, a in enumerate(actuals)]}


def pay(inv, received, paid, due=None, disputed=False, amount="25000.00"):
    return {"invoice": inv, "amount": amount, "received": received,
            "due": due or received, "paid": paid, "disputed": disputed}


def proposal(pid, change, months=0, ground="none", scope=False, balance=True,
             linked=(), new_supplier=None):
    return {"id": pid, "value_change": change, "term_change_months": months,
            "ground": ground, "scope_change": scope, "balance_to_supplier": balance,
            "linked": list(linked), "new_supplier": new_supplier}


def mod(mid, change, months=0, below=True, made="2026-06-01"):
    return {"id": mid, "made": made, "value_change": change, "term_change_months": months,
            "ground": "none", "below_threshold": below}


def edge_cases():
    out = []

    def add(name, what, **changes):
        c = base("C-E%02d" % (len(out) + 1), "EDGE %s: %s" % (name, what))
        c.update(changes)
        out.append(c)

    add("day-30-31", "an invoice paid on day 30 is in time, one on day 31 is late; "
        "a disputed one and one unpaid past its last day",
        payments=[pay("I1", "2026-03-02", "2026-03-31"), pay("I2", "2026-03-02", "2026-04-01"),
                  pay("I3", "2026-03-02", "2026-05-01", disputed=True),
                  pay("I4", "2026-12-01", None), pay("I5", "2026-12-02", None),
                  pay("I6", "2026-03-02", "2026-04-09", due="2026-03-10")])
    add("late-share-at-trigger", "1 of 10 invoices late: exactly 10%, not over",
        payments=[pay("I%d" % i, "2026-05-01", "2026-05-20") for i in range(1, 10)]
        + [pay("I10", "2026-05-01", "2026-06-01")])
    add("late-share-over", "2 of 10 invoices late: over 10%",
        payments=[pay("I%d" % i, "2026-05-01", "2026-05-20") for i in range(1, 9)]
        + [pay("I9", "2026-05-01", "2026-06-01"), pay("I10", "2026-05-01", "2026-06-02")])
    add("kpi-twice", "a KPI missed in two consecutive periods; another missed once; "
        "credits for the latest misses",
        kpis=[kpi("K1", "at-least", "95", ["96", "94", "93"]),
              kpi("K2", "at-most", "5", ["6", "5", "5.5"]),
              kpi("K3", "at-least", "90", ["89", "91", "90"])])
    add("credit-cap", "five KPIs missed in the latest period: credits capped at 10%",
        kpis=[kpi("K%d" % i, "at-least", "90", ["91", "80"]) for i in range(1, 6)])
    add("kpi-duty-5m", "exactly £5,000,000 needs no KPIs",
        original_value="5000000.00")
    add("kpi-duty-over", "£5,000,000.01 with two KPIs breaches s.52(1)",
        original_value="5000000.01",
        kpis=[kpi("K1", "at-least", "1", ["1"]), kpi("K2", "at-least", "1", ["1"])])
    add("kpi-duty-three", "£5,000,000.01 with three KPIs meets s.52(1)",
        original_value="5000000.01",
        kpis=[kpi("K%d" % i, "at-least", "1", ["1"]) for i in range(1, 4)])
    add("mod-10pc", "a modification of exactly 10% that shifts the balance: "
        "below threshold", proposed=proposal("P1", "100000.00"))
    add("mod-10pc-penny", "one penny over 10%: not permitted",
        proposed=proposal("P1", "100000.01"))
    add("mod-decrease", "a decrease of 10% and a penny: not permitted",
        proposed=proposal("P1", "-100000.01"))
    add("mod-works-15pc", "works: exactly 15% is below threshold",
        category="works", proposed=proposal("P1", "150000.00"))
    add("mod-works-15pc-penny", "works: 15% and a penny is not",
        category="works", proposed=proposal("P1", "150000.01"))
    add("mod-aggregate", "past modifications bring the aggregate to the threshold: "
        "the next is refused; at 80% of it, near the limit",
        modifications=[{"id": "M1", "made": "2026-06-01", "value_change": "120000.00",
                        "term_change_months": 0, "ground": "none", "below_threshold": True},
                       {"id": "M2", "made": "2026-09-01", "value_change": "-46176.00",
                        "term_change_months": 0, "ground": "none", "below_threshold": True},
                       {"id": "M3", "made": "2026-10-01", "value_change": "30000.00",
                        "term_change_months": 0, "ground": "none", "below_threshold": False}],
        proposed=proposal("P1", "50000.00"))
    add("mod-aggregate-penny", "the aggregate a penny below the threshold: permitted",
        modifications=[{"id": "M1", "made": "2026-06-01", "value_change": "157719.99",
                        "term_change_months": 0, "ground": "none", "below_threshold": True}],
        proposed=proposal("P1", "50000.00"))
    add("term-10pc", "a term extension of exactly 10% of the maximum term (6 of 60 "
        "months) is not substantial", proposed=proposal("P1", "0", 6, balance=False))
    add("term-over", "7 months of 60 is substantial; within the value limit it is "
        "below threshold, and s.75(2)(a) spares the notice",
        proposed=proposal("P1", "100000.00", 7, balance=False))
    add("term-and-value-over", "over 10% of both the term and the value: refused, "
        "and a notice would be needed", proposed=proposal("P1", "100000.01", 7, balance=False))
    add("scope", "a material change of scope is refused", proposed=proposal("P1", "1000", scope=True))
    add("light-touch", "a light touch contract may be modified", light_touch=True,
        proposed=proposal("P1", "900000", 30, scope=True))
    add("schedule-8", "unforeseeable circumstances: 50% exactly under Schedule 8",
        proposed=proposal("P1", "500000.00", ground="unforeseeable"))
    add("schedule-8-over", "unforeseeable, 50% and a penny: falls to the other routes",
        proposed=proposal("P1", "500000.01", ground="unforeseeable"))
    add("schedule-8-notice", "a known risk, 30% and 12 months more: Schedule 8, with a notice",
        proposed=proposal("P1", "300000.00", 12, ground="known-risk"))
    add("restructuring", "novation on a restructuring: Schedule 8 para 9, always a notice",
        proposed=proposal("P1", "0", ground="restructuring", balance=False))
    add("indexation", "indexation from January 2026 to January 2027",
        indexation={"base": "2026-01-01", "review": "2027-01-01"})
    add("index-missing", "an indexation month the index does not cover: an error",
        indexation={"base": "2023-12-01", "review": "2024-12-01"})
    add("before-act", "a procurement commenced before the Act: rejected",
        commenced="2025-02-23")
    add("results-order", "KPI results out of period order: rejected",
        kpis=[{"id": "K1", "name": "Measure K1", "direction": "at-least", "target": "1",
               "results": [{"period_end": "2026-09-30", "actual": "1"},
                           {"period_end": "2026-06-30", "actual": "1"}]}])
    # s.74(7)-(9): anti-splitting and the change of supplier.
    add("linked-10pc", "a proposal linked to an earlier modification: together exactly "
        "10%, below threshold", modifications=[mod("M1", "40000.00")],
        proposed=proposal("P1", "60000.00", linked=["M1"]))
    add("linked-10pc-penny", "linked, together 10% and a penny: not permitted (60,000 "
        "alone would be)", modifications=[mod("M1", "40000.01")],
        proposed=proposal("P1", "60000.00", linked=["M1"]))
    add("linked-term", "linked term changes, 3 and 4 of 60 months: together "
        "substantial", modifications=[mod("M1", "0", 3, below=False)],
        proposed=proposal("P1", "0", 4, balance=False, linked=["M1"]))
    add("linked-aggregate", "a linked modification leaves the aggregate, counted once in "
        "the single modification: exactly the threshold is refused",
        original_value="2000000.00",
        modifications=[mod("M1", "7720.00"), mod("M2", "100000.00", made="2026-09-01")],
        proposed=proposal("P1", "100000.00", linked=["M2"]))
    add("supplier-change", "a change of supplier not on a restructuring: not permitted",
        proposed=proposal("P1", "0", balance=False, new_supplier="S-2"))
    add("supplier-restructuring", "a change of supplier on a restructuring: Schedule 8 "
        "para 9", proposed=proposal("P1", "0", ground="restructuring", balance=False,
                                    new_supplier="S-2"))
    add("supplier-light-touch", "a change of supplier to a light touch contract, not on a "
        "restructuring: not permitted", light_touch=True,
        proposed=proposal("P1", "0", balance=False, new_supplier="S-2"))
    add("linked-unknown", "a proposal linked to a modification the contract does not have: "
        "rejected", proposed=proposal("P1", "1000.00", linked=["M9"]))
    # Boundaries a reviewer checks (and the mutants of the policy need).
    add("kpi-edges", "at most 5: 6, 5, 6 (5 meets it; misses not consecutive); a KPI "
        "with no results; one with a single missed result; credits of 5% of "
        "£75,000.10, half a penny rounded up",
        period_charge="75000.10",
        kpis=[kpi("K1", "at-most", "5", ["6", "5", "6"]), kpi("K2", "at-least", "90", []),
              kpi("K3", "at-least", "90", ["80"])])
    add("late-share-rounding", "5 of 16 invoices late: 31.25%, rounded half up to 31.3%",
        payments=[pay("I%d" % i, "2026-05-01", "2026-05-20") for i in range(1, 12)]
        + [pay("I%d" % i, "2026-05-01", "2026-05-31") for i in range(12, 17)])
    add("kpi-first-two", "a KPI missed in the first two periods, met in the third",
        kpis=[kpi("K1", "at-least", "95", ["94", "94", "96"])])
    return out


def index_cases():
    out = []
    for y in (2024, 2025):
        for m in range(1, 13):
            c = base("IX-%d-%02d" % (y, m), "Index from %d-%02d to %d-%02d" % (y, m, y + 2, m))
            c.update(annual_charge="1000000.00",
                     indexation={"base": "%d-%02d-01" % (y, m), "review": "%d-%02d-01" % (y + 2, m)})
            out.append(c)
    c = base("IX-HALF", "£100,000.50 from 130.0 to 131.3: £101,000.505, half a penny")
    c.update(annual_charge="100000.50", indexation={"base": "2024-01-01", "review": "2024-04-01"})
    out.append(c)
    return out


def generated(rng, n, aux):
    """[aux], a second seeded stream, links proposals and changes suppliers
    (s.74(7)-(9)), so the contracts drawn from [rng] are what they were
    before those fields existed."""
    cats = ["goods", "services", "works"]
    for i in range(1, n + 1):
        cat = rng.choice(cats)
        btype = rng.choice(["sub-central", "sub-central", "central"])
        commenced = date(2025, 2, 24) + timedelta(days=rng.randrange(0, 600))
        start = commenced + timedelta(days=rng.randrange(30, 120))
        th = threshold(btype, cat, commenced)
        value = (th * D(rng.choice(["0.2", "0.6", "0.95", "1.3", "3", "12"]))
                 + D(rng.randrange(0, 10000))).quantize(PENNY)
        if rng.random() < 0.03:
            value = D("5000000.00") + D(rng.choice(["0", "0.01"]))
        term = rng.choice([12, 24, 36, 48, 60])
        opts = [{"id": "O%d" % j, "months": rng.choice([6, 12, 24]),
                 "value": money(value / 5), "exercised": rng.random() < 0.3}
                for j in range(1, rng.randrange(0, 3) + 1)]
        annual = (value * 12 / term).quantize(PENNY)
        staff = rng.choice([5, 40, 120, 249, 250, 900])
        turnover = D(rng.choice(["800000", "12000000", "44000000", "44000000.01", "250000000"]))
        kpis = []
        for k in range(1, rng.randrange(0, 7) + 1):
            direction = rng.choice(["at-least", "at-most"])
            target = D(rng.choice(["90", "95", "98", "5", "2"]))
            acts = []
            for _ in range(rng.randrange(0, 6)):
                delta = D(rng.choice(["-2", "-1", "0", "0", "1", "2", "0.5"]))
                acts.append(str(target + delta))
            kpis.append(kpi("K%d" % k, direction, str(target), acts))
        pays = []
        for p in range(1, rng.randrange(0, 13) + 1):
            rec = start + timedelta(days=rng.randrange(0, 500))
            due = rec + timedelta(days=rng.choice([0, 0, 0, 10]))
            lag = rng.choice([5, 14, 20, 28, 29, 29, 30, 35, 60])
            paid = None if rng.random() < 0.05 else (max(rec, due) + timedelta(days=lag)).isoformat()
            pays.append(pay("INV-%d" % p, rec.isoformat(), paid, due.isoformat(),
                            rng.random() < 0.03, money(annual / 4)))
        mods = []
        for m in range(1, rng.randrange(0, 4) + 1):
            ch = (value * D(rng.choice(["0.02", "0.05", "0.1", "-0.03"]))).quantize(PENNY)
            mods.append({"id": "M%d" % m, "made": (start + timedelta(days=60 * m)).isoformat(),
                         "value_change": str(ch), "term_change_months": rng.choice([0, 0, 3]),
                         "ground": "none", "below_threshold": rng.random() < 0.7})
        prop = None
        if rng.random() < 0.4:
            share = D(rng.choice(["0.05", "0.1", "0.15", "0.1001", "0.3", "-0.1", "0.5"]))
            prop = proposal("P1", str((value * share).quantize(PENNY)),
                            rng.choice([0, 0, 3, 6, 12]),
                            rng.choice(["none", "none", "none", "unforeseeable", "known-risk",
                                        "restructuring"]),
                            rng.random() < 0.1, rng.random() < 0.5)
            if mods and aux.random() < 0.25:
                prop["linked"] = [aux.choice(mods)["id"]]
            if aux.random() < 0.1:
                prop["new_supplier"] = "S-%04d" % aux.randrange(1, 800)
        ix = None
        if rng.random() < 0.5:
            b = date(2024 + rng.randrange(0, 3), rng.randrange(1, 13), 1)
            ix = {"base": b.isoformat(), "review": date(b.year + 1, b.month, 1).isoformat()}
        yield {
            "id": "C-%06d" % i, "title": "Contract %d" % i, "buyer": rng.choice(BUYERS),
            "buyer_type": btype, "category": cat, "light_touch": rng.random() < 0.05,
            "commenced": commenced.isoformat(), "start": start.isoformat(), "term_months": term,
            "options": opts, "original_value": str(value), "annual_charge": str(annual),
            "period_charge": money(annual / 4),
            "supplier": {"id": "S-%04d" % rng.randrange(1, 800), "name": "Supplier",
                         "staff": staff, "turnover": str(turnover),
                         "balance_sheet": rng.choice(["1000000", "38000000", "38000000.01", "90000000"]),
                         "vcse": rng.random() < 0.1},
            "kpis": kpis, "payments": pays, "modifications": mods, "proposed": prop,
            "indexation": ix, "credit_per_miss": rng.choice(["1", "2.5", "5"]),
            "credit_cap": rng.choice(["5", "10", "12.5"]), "as_at": "2027-06-30",
        }


# ---- reference ---------------------------------------------------------------

def pct(s):
    """A percentage written in points, as a fraction."""
    return D(s) / 100


def text_money(x):
    x = D(x).quantize(PENNY)
    sign = "-" if x < 0 else ""
    return "%s£%s" % (sign, "{:,.2f}".format(abs(x)))


def text_pct(fraction):
    """text() of a percentage: its points, exact, then %."""
    s = format((fraction * 100).normalize(), "f")
    return s + "%"


def expected(c):
    key = c["id"]
    commenced = date.fromisoformat(c["commenced"])
    th = threshold(c["buyer_type"], c["category"], commenced)
    if th is None:
        return {"contract": key, "error": "commenced: no threshold in force on " + c["commenced"]}
    for k in c["kpis"]:
        ends = [r["period_end"] for r in k["results"]]
        if any(ends[i - 1] >= ends[i] for i in range(1, len(ends))):
            return {"contract": key, "error": "kpis[0].results: KPI results must be in period order"}
    p = c["proposed"]
    if p and any(l not in [m["id"] for m in c["modifications"]] for l in p["linked"]):
        return {"contract": key, "error": "proposed: a linked modification must be one of the "
                "contract's modifications"}
    value = D(c["original_value"])
    cat = c["category"]
    findings = []

    def missed(k, r):
        a, t = D(r["actual"]), D(k["target"])
        return a < t if k["direction"] == "at-least" else a > t

    def twice(k):
        rs = k["results"]
        return any(missed(k, rs[i]) and missed(k, rs[i - 1]) for i in range(1, len(rs)))

    def latest(k):
        return len(k["results"]) > 0 and missed(k, k["results"][-1])

    # Rule 1: s.52.
    required = value > D("5000000")
    if not c["light_touch"] and required and len(c["kpis"]) < 3:
        findings.append({"code": "KPI-001", "severity": "error",
                         "message": "a contract worth %s has %d KPIs; at least 3 are required"
                         % (text_money(value), len(c["kpis"])),
                         "cite": "Procurement Act 2023, s.52(1)"})
    for k in c["kpis"]:
        if twice(k):
            findings.append({"code": "KPI-002", "severity": "warning",
                             "message": "KPI %s (%s) missed its target in two consecutive periods"
                             % (k["id"], k["name"]),
                             "cite": "Northfield contract management procedure, rule 2"})
    # Rule 3: s.68.
    as_at = date.fromisoformat(c["as_at"])
    late = []
    for p in c["payments"]:
        start = max(date.fromisoformat(p["received"]), date.fromisoformat(p["due"]))
        last = start + timedelta(days=29)
        is_late = not p["disputed"] and (
            date.fromisoformat(p["paid"]) > last if p["paid"] else as_at > last)
        if is_late:
            late.append(p)
            findings.append({"code": "PAY-001", "severity": "warning",
                             "message": "invoice %s was not paid by %s" % (p["invoice"], last.isoformat()),
                             "cite": "Procurement Act 2023, s.68(2)"})
    undisputed = sum(1 for p in c["payments"] if not p["disputed"])
    share = D(len(late)) / undisputed if late else D(0)
    share_1 = (share * 100).quantize(D("0.1"), ROUND_HALF_UP)
    over = share > D("0.1")
    if over:
        findings.append({"code": "PAY-002", "severity": "warning",
                         "message": "%s of undisputed invoices were paid late" % text_pct(share_1 / 100),
                         "cite": "Northfield contract management procedure, rule 3"})
    # Rule 4.
    reason = None
    first_twice = next((k for k in c["kpis"] if twice(k)), None)
    if first_twice:
        reason = "KPI %s missed in two consecutive periods" % first_twice["id"]
    elif over:
        reason = "%s of invoices paid late, over 10%%" % text_pct(share_1 / 100)
    # Rule 5.
    indexed = None
    if c["indexation"]:
        if date.fromisoformat(c["indexation"]["base"]) not in INDEX:
            return {"contract": key, "error": "runtime error: no index figure for "
                    + c["indexation"]["base"]}
        b = INDEX[date.fromisoformat(c["indexation"]["base"])]
        v = INDEX[date.fromisoformat(c["indexation"]["review"])]
        indexed = (D(c["annual_charge"]) * v / b).quantize(PENNY, ROUND_HALF_UP)
    # Rule 6.
    misses = sum(1 for k in c["kpis"] if latest(k))
    credit_share = min(misses * pct(c["credit_per_miss"]), pct(c["credit_cap"]))
    credit = (D(c["period_charge"]) * credit_share).quantize(PENNY, ROUND_HALF_UP)
    # Rule 7.
    max_term = c["term_months"] + sum(o["months"] for o in c["options"])
    agg = sum((abs(D(m["value_change"])) for m in c["modifications"] if m["below_threshold"]), D(0))
    limit = D("0.15") if cat == "works" else D("0.10")
    mod = None
    p = c["proposed"]
    if p:
        # s.74(7)-(8): with the modifications linked to it, one modification.
        linked = [m for m in c["modifications"] if m["id"] in p["linked"]]
        ch = D(p["value_change"]) + sum((D(m["value_change"]) for m in linked), D(0))
        term = p["term_change_months"] + sum(m["term_change_months"] for m in linked)
        before = sum((abs(D(m["value_change"])) for m in c["modifications"]
                      if m["below_threshold"] and m["id"] not in p["linked"]), D(0))
        within = abs(ch) <= value * limit
        term_sub = 10 * abs(term) > max_term
        substantial = term_sub or p["scope_change"] or p["balance_to_supplier"]
        if p["new_supplier"] is not None and p["ground"] != "restructuring":
            route = "not-permitted"
            why = ("not permitted: it changes the supplier, which only a novation or "
                   "assignment on a corporate restructuring may do (s.74(9))")
        elif c["light_touch"]:
            route, why = "light-touch", "a light touch contract may be modified"
        elif p["ground"] == "restructuring":
            route, why = "schedule-8", "novation or assignment on a corporate restructuring"
        elif p["ground"] in ("known-risk", "unforeseeable", "additional-supplies") and ch <= value / 2:
            route, why = "schedule-8", "Schedule 8 (%s), an increase within 50%%" % p["ground"]
        elif not substantial:
            route, why = "not-substantial", "not a substantial modification"
        elif within and before + abs(ch) < th and not p["scope_change"]:
            route, why = "below-threshold", "a below-threshold modification"
        else:
            route = "not-permitted"
            if p["scope_change"]:
                r = "it materially changes the scope (s.74(4)(c))"
            elif not within:
                r = "%s changes the value by %s, more than %s of %s (s.74(4)(a))" % (
                    "with the modifications linked to it (s.74(7)-(8)) it" if p["linked"]
                    else "it", text_money(abs(ch)), text_pct(limit), text_money(value))
            else:
                r = "with it the below-threshold modifications would reach %s, not below the " \
                    "threshold of %s (s.74(4)(b))" % (text_money(before + abs(ch)), text_money(th))
            why = "not permitted: " + r
        notice = not c["light_touch"] and (p["ground"] == "restructuring" or not (within or not term_sub))
        mod = {"id": p["id"], "route": route, "permitted": route != "not-permitted",
               "reason": why, "change_notice": notice}
        if route == "not-permitted":
            findings.append({"code": "MOD-001", "severity": "error",
                             "message": "modification %s is %s" % (p["id"], why),
                             "cite": "Procurement Act 2023, s.74(1)"})
        if notice:
            findings.append({"code": "MOD-002", "severity": "notice",
                             "message": "a contract change notice must be published before "
                             "modification %s is made" % p["id"],
                             "cite": "Procurement Act 2023, s.75(1)-(2)"})
    if agg >= th * D("0.8"):
        findings.append({"code": "MOD-003", "severity": "notice",
                         "message": "below-threshold modifications account for %s, at least 80%% "
                         "of the threshold of %s" % (text_money(agg), text_money(th)),
                         "cite": "Northfield contract management procedure, rule 7"})
    # The findings are in the order the policy declares them.
    order = ["KPI-001", "KPI-002", "PAY-001", "PAY-002", "MOD-001", "MOD-002", "MOD-003"]
    findings.sort(key=lambda f: order.index(f["code"]))
    sup = c["supplier"]
    sme = sup["staff"] < 250 and (D(sup["turnover"]) <= D("44000000")
                                  or D(sup["balance_sheet"]) <= D("38000000"))
    paid = sum((D(p["amount"]) for p in c["payments"] if p["paid"]), D(0))
    out = {"contract": key, "supplier_size": "sme" if sme else "large",
           "paid": str(paid.quantize(PENNY)),
           "kpis_required": required,
           "kpi_duty_met": c["light_touch"] or not required or len(c["kpis"]) >= 3,
           "review": reason is not None}
    if reason is not None:
        out["review_reason"] = reason
    out["late_payments"] = len(late)
    out["late_share"] = str(share_1)
    if indexed is not None:
        out["indexed_charge"] = str(indexed)
    out["service_credit"] = str(credit)
    out["aggregated_modifications"] = str(agg.quantize(PENNY))
    out["headroom"] = str((th - agg).quantize(PENNY))
    out["near_limit"] = agg >= th * D("0.8")
    if mod is not None:
        out["modification"] = mod
    out["findings"] = findings
    return out


def share(n, d):
    return str((D(n) * 100 / d).quantize(D("0.1"), ROUND_HALF_UP)) if d else "0.0"


def expected_report(lines):
    """The four portfolio reports as CSV, computed from the procedure."""
    size, total, kpi, near = {}, [0, D(0), 0, 0, 0], {}, {}
    for line in lines:
        if not line.strip():
            continue
        c = json.loads(line)
        r = expected(c)
        if "error" in r:
            continue
        value = D(c["original_value"])
        vcse = c["supplier"]["vcse"]
        k = (0 if r["supplier_size"] == "sme" else 1, vcse)
        g = size.setdefault(k, [0, D(0), D(0)])
        g[0] += 1
        g[1] += value
        g[2] += D(r["paid"])
        total[0] += 1
        total[1] += value
        total[2] += r["supplier_size"] == "sme"
        total[3] += vcse
        total[4] += r["supplier_size"] == "sme" or vcse
        for kp in c["kpis"]:
            rs = kp["results"]

            def missed(x):
                a, t = D(x["actual"]), D(kp["target"])
                return a < t if kp["direction"] == "at-least" else a > t
            if rs and missed(rs[-1]):
                g = kpi.setdefault(c["buyer"], [0, set(), 0])
                g[0] += 1
                g[1].add(c["id"])
                g[2] += any(missed(rs[i]) and missed(rs[i - 1]) for i in range(1, len(rs)))
        agg = D(r["aggregated_modifications"])
        head = D(r["headroom"])
        if agg >= (agg + head) * D("0.8"):
            g = near.setdefault(c["buyer"], [0, D(0), None])
            g[0] += 1
            g[1] += agg
            g[2] = head if g[2] is None else min(g[2], head)
    out = ["# report spend_by_size", "size,vcse,contracts,value,paid"]
    for (sz, vc), g in sorted(size.items()):
        out.append("%s,%s,%d,%s,%s" % ("sme" if sz == 0 else "large", "true" if vc else "false",
                                       g[0], money(g[1]), money(g[2])))
    out += ["", "# report sme_vcse_share", "contracts,value,sme_share,vcse_share,sme_or_vcse_share"]
    if total[0]:
        out.append("%d,%s,%s,%s,%s" % (total[0], money(total[1]), share(total[2], total[0]),
                                       share(total[3], total[0]), share(total[4], total[0])))
    out += ["", "# report kpis_at_risk", "buyer,kpis,contracts,missed_twice"]
    for b in sorted(kpi, key=lambda x: x.encode()):
        g = kpi[b]
        out.append("%s,%d,%d,%s" % (b, g[0], len(g[1]), share(g[2], g[0])))
    out += ["", "# report modifications_near_limit", "buyer,contracts,aggregated,least_headroom"]
    for b in sorted(near, key=lambda x: x.encode()):
        g = near[b]
        out.append("%s,%d,%s,%s" % (b, g[0], money(g[1]), money(g[2])))
    return "\n".join(out) + "\n"


def report_json(csv_text):
    """The same reports in the layout of tally run --report FILE.json."""
    ints, bools = {"contracts", "kpis"}, {"vcse"}
    parts = []
    for block in csv_text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        name, head, rows = lines[0][len("# report "):], lines[1].split(","), lines[2:]
        objs = []
        for r in rows:
            cells = []
            for k, v in zip(head, r.split(",")):
                j = v if k in ints else ("true" if v == "true" else "false") if k in bools \
                    else json.dumps(v, ensure_ascii=False)
                cells.append("%s: %s" % (json.dumps(k), j))
            objs.append("{" + ", ".join(cells) + "}")
        parts.append("%s: [\n%s\n]\n" % (json.dumps(name), ",\n".join(objs)))
    return "{" + ", ".join(parts) + "}\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--contracts", type=int, default=20)
    ap.add_argument("--edge", action="store_true")
    ap.add_argument("--expected", action="store_true")
    ap.add_argument("--expected-report", action="store_true")
    ap.add_argument("--index-cases", action="store_true")
    ap.add_argument("--report-format", choices=["csv", "json"], default="csv")
    a = ap.parse_args()
    w = sys.stdout.write
    if a.expected_report:
        csv_text = expected_report(sys.stdin)
        w(csv_text if a.report_format == "csv" else report_json(csv_text))
        return 0
    if a.expected:
        for line in sys.stdin:
            if line.strip():
                w(json.dumps(expected(json.loads(line)), ensure_ascii=False) + "\n")
        return 0
    if a.index_cases:
        for c in index_cases():
            w(json.dumps(c, ensure_ascii=False) + "\n")
        return 0
    rng = random.Random(a.seed)
    if a.edge:
        for c in edge_cases():
            w(json.dumps(c, ensure_ascii=False) + "\n")
    for c in generated(rng, a.contracts, random.Random(a.seed + 740009)):
        w(json.dumps(c, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
