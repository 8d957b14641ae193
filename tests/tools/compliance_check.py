#!/usr/bin/env python3
"""tests/tools/compliance_check.py - an independent check of examples/compliance.

Usage: compliance_check.py OUTPUT DATA...

Recomputes, without Tally, what examples/compliance/compliance.tally
writes for each release of DATA (OCDS release packages, or JSON Lines of
releases), and compares it with OUTPUT (the run's JSON Lines) record by
record: every output field and every finding (code, severity, message,
citation).  Amounts are read with parse_float=Decimal (integers as
Decimal too), so nothing passes through binary floating point; dates are
the UK date of each date-time (zoneinfo Europe/London).

The law is written out here again, from the Procurement Act 2023 as
stdlib/procurement.tally cites it: Schedule 1 thresholds (S.I. 2025/163
from 24 February 2025, S.I. 2025/1200 from 1 January 2026), s.87(4)
(£30,000 for a sub-central buyer), s.52(1) (more than £5 million), s.54(4)
(25 days when electronic with all documents).  Exit status 0 when every
record agrees, 1 (with the differences) otherwise.
"""
import datetime
import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ACT = datetime.date(2025, 2, 24)
# (from, central, sub_central, works)
THRESHOLDS = [
    (datetime.date(2025, 2, 24), Decimal("139688.00"), Decimal("214904.00"),
     Decimal("5372609.00")),
    (datetime.date(2026, 1, 1), Decimal("135018.00"), Decimal("207720.00"),
     Decimal("5193000.00")),
]
BUYER = "sub_central"
NOTIFIABLE = Decimal("30000")
KPI = Decimal("5000000")
MINIMUM_DAYS = 25


def releases(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:  # one package (or release), however printed
            docs = [json.loads(text, parse_float=Decimal, parse_int=Decimal)]
        except json.JSONDecodeError:  # JSON Lines
            docs = [json.loads(line, parse_float=Decimal, parse_int=Decimal)
                    for line in text.splitlines() if line.strip()]
        for d in docs:
            if "releases" in d:
                yield from d["releases"]
            else:
                yield d


def local_day(s):
    if s is None:
        return None
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return t.astimezone(LONDON).date()


def money(d):
    """Tally's money output: two places, a string."""
    return str(d.quantize(Decimal("0.01")))


def pounds(d):
    """text(money): £1,234,567.50."""
    q = d.quantize(Decimal("0.01"))
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    return f"{sign}£{int(whole):,}.{frac}"


def amount(v):
    if not isinstance(v, dict):
        return None
    a = v.get("amount")
    assert v.get("currency") in (None, "GBP"), v
    return Decimal(a) if isinstance(a, str) else a


def expected(r):
    t = r.get("tender") or {}
    day = local_day(r.get("date"))
    estimate = amount(t.get("value"))
    cat = None
    if t.get("mainProcurementCategory") is not None:
        cat = {"goods": "goods", "works": "works", "services": "services"} \
            .get(t["mainProcurementCategory"])
    elif t.get("xClassifications") is not None:
        cat = {"Products": "goods", "Works": "works", "Services": "services"} \
            .get((t["xClassifications"] or {}).get("ojeuContractType"))
    under = day is not None and day >= ACT
    threshold = None
    if day is not None and cat is not None:
        rows = [row for row in THRESHOLDS if row[0] <= day]
        if rows:
            row = rows[-1]
            threshold = row[3] if cat == "works" else (
                row[1] if BUYER == "central" else row[2])
    if day is None:
        regime = "unknown"
    elif not under:
        regime = "before the Act"
    elif estimate is not None and threshold is not None and estimate > 0:
        regime = "above-threshold" if estimate >= threshold else \
            "below-threshold"
    else:
        regime = "unknown"
    period = t.get("tenderPeriod") or {}
    start = local_day(period.get("startDate"))
    end = local_day(period.get("endDate"))
    days = (end - start).days if start and end else None
    awards = r.get("awards") or []
    awarded = sum((amount(a.get("value")) or Decimal(0) for a in awards),
                  Decimal(0))
    parties = r.get("parties") or []

    def party_sme(p):
        scale = (p.get("details") or {}).get("scale")
        return bool(p.get("sme")) or scale in ("sme", "micro")

    def supplier_sme(s):
        return s.get("id") is not None and any(
            party_sme(p) and str(p["id"]) == str(s["id"]) for p in parties)

    sups = [s for a in awards for s in (a.get("suppliers") or [])]
    findings = []

    def find(code, sev, cite, msg):
        findings.append({"code": code, "severity": sev, "message": msg,
                         "cite": cite})

    if day is not None and not under:
        find("REG-001", "notice", "Procurement Act 2023, s.3 and Schedule 1",
             f"notice of {day} is before the Procurement Act 2023 applied "
             "(24 February 2025): its regime and the Act's duties are not "
             "checked")
    if day is None:
        find("REG-002", "warning", "Procurement Act 2023, s.3",
             "the release has no date, so the threshold in force cannot be "
             "found")
    if under and (estimate is None or estimate <= 0):
        find("REG-003", "warning", "Procurement Act 2023, s.3",
             "the tender has no estimated value (tender.value.amount), so "
             "its regime cannot be decided")
    if under and cat is None:
        find("REG-004", "warning", "Procurement Act 2023, Schedule 1",
             "the tender has no category (mainProcurementCategory), so its "
             "threshold cannot be chosen")
    if days is not None and days < MINIMUM_DAYS:
        find("TP-001", "error", "Procurement Act 2023, s.54(4)",
             f"the tender period is {days} days, under the minimum of "
             f"{MINIMUM_DAYS}")
    if start is None or end is None:
        what = ("start or end date (tenderPeriod.startDate, "
                "tenderPeriod.endDate)" if start is None and end is None
                else "start date (tenderPeriod.startDate)" if start is None
                else "end date (tenderPeriod.endDate)")
        find("TP-002", "warning", "Procurement Act 2023, s.54",
             f"the tender period has no {what}, so the s.54 minimum cannot "
             "be checked")
    est0 = estimate if estimate is not None else Decimal(0)
    if regime == "below-threshold" and est0 >= NOTIFIABLE:
        find("BT-001", "notice", "Procurement Act 2023, s.87(4)",
             f"a below-threshold contract of {pounds(est0)} is notifiable: "
             "publish a contract details notice")
    worth = max(est0, awarded)
    if under and worth > KPI:
        find("KPI-001", "notice", "Procurement Act 2023, s.52(1)",
             f"a contract worth {pounds(worth)} needs at least three key "
             "performance indicators, published")
    buyer = r.get("buyer")
    return {
        "ocid": r["ocid"],
        "buyer": buyer.get("name") if buyer else None,
        "notice_day": str(day) if day else None,
        "category": cat,
        "estimate": money(estimate) if estimate is not None else None,
        "threshold": money(threshold) if threshold is not None else None,
        "regime": regime,
        "tender_days": days,
        "awarded": money(awarded),
        "suppliers": len(sups),
        "sme_suppliers": sum(1 for s in sups if supplier_sme(s)),
        "findings": findings,
        # For the report only (not an output field): the value of the
        # awards with an SME among their suppliers.
        "_sme_awarded": sum(
            (amount(a.get("value")) or Decimal(0) for a in awards
             if any(supplier_sme(s) for s in (a.get("suppliers") or []))),
            Decimal(0)),
        "_awarded": awarded,
    }


def by_buyer(records):
    """The report by_buyer: per buyer (no buyer first, then by code
    point), notices, the sums awarded and awarded to SMEs, the largest,
    the share of notices with an SME supplier and the SME share of the
    value awarded, each to 0.1 half up."""
    groups = {}
    for w in records:
        groups.setdefault(w["buyer"], []).append(w)
    rows = []
    for buyer in sorted(groups, key=lambda b: (b is not None, b or "")):
        g = groups[buyer]
        with_sme = sum(1 for w in g if w["sme_suppliers"] > 0)
        share = (Decimal(with_sme * 100) / Decimal(len(g))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)
        # The SME share of the value awarded: the two exact sums divided,
        # then rounded once; none when the buyer awarded nothing.
        total = sum((w["_awarded"] for w in g), Decimal(0))
        part = sum((w["_sme_awarded"] for w in g), Decimal(0))
        value_share = None if total == 0 else str(
            (part * 100 / total).quantize(Decimal("0.1"),
                                          rounding=ROUND_HALF_UP))
        rows.append({
            "report": "by_buyer", "buyer": buyer, "notices": len(g),
            "awarded": money(sum((w["_awarded"] for w in g), Decimal(0))),
            "sme_awarded": money(sum((w["_sme_awarded"] for w in g),
                                     Decimal(0))),
            "largest_award": money(max(w["_awarded"] for w in g)),
            "notices_with_sme": str(share),
            "sme_value_share": value_share,
        })
    return rows


def main():
    out_path, data = sys.argv[1], sys.argv[2:]
    with open(out_path, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    got = [g for g in lines if "report" not in g]
    got_report = [g for g in lines if "report" in g]
    want = [expected(r) for r in releases(data)]
    want_report = by_buyer(want)
    for w in want:
        del w["_sme_awarded"], w["_awarded"]
    bad = 0
    if got_report != want_report:
        bad += 1
        print(f"compliance: report by_buyer: {len(got_report)} rows written, "
              f"{len(want_report)} expected")
        for g, w in zip(got_report, want_report):
            if g != w:
                print(f"compliance: report row: tally {g}, expected {w}")
    if len(got) != len(want):
        print(f"compliance: {len(got)} records written, {len(want)} expected")
        bad += 1
    for g, w in zip(got, want):
        if g != w:
            bad += 1
            keys = sorted(set(g) | set(w))
            diff = {k: (g.get(k), w.get(k)) for k in keys if g.get(k) != w.get(k)}
            print(f"compliance: {w['ocid']}: tally, expected: {diff}")
    if bad:
        return 1
    print(f"compliance: {len(want)} records and {len(want_report)} report "
          f"rows agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
