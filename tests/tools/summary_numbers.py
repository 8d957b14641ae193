#!/usr/bin/env python3
"""tests/tools/summary_numbers.py TALLY DATA...

Checks that every number in every assessment summary of the award example
is the number `tally run` wrote (or, for weights, question scores and
justifications, what the input held), byte for byte.  For each DATA file
it runs `tally run` (JSON Lines) and `tally summaries` in JSON and in
Markdown, then for every letter:

- JSON: each criterion's score, the total and the rank, of the supplier
  and of the most advantageous tender, equal the run's price_score,
  quality_score, social_value_score, total and rank of that bid (the same
  JSON type and text); the award is the run's award; each weight is the
  input's; the points available are the exact sum of the weights; the
  count ranked is the number of ranked bids; each question's score is
  the input's; each justification is the input's, verbatim;
- Markdown: every number in the score table's rows and in the sentence
  "scored X points out of Y and was ranked R of N" is the one above.

Prints "summary_numbers: N letters, M numbers checked" or each mismatch,
and exits 1 on any.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

POLICY = "examples/award/award.tally"
CRITERIA = {"Price": ("price_score", "price"), "Quality": ("quality_score", "quality"),
            "Social value": ("social_value_score", "social_value")}

fails = []
checked = 0


def same(where, got, want):
    global checked
    checked += 1
    if got != want or type(got) is not type(want):
        fails.append("%s: summary has %r, run has %r" % (where, got, want))


def main():
    tally = sys.argv[1]
    letters = 0
    for data in sys.argv[2:]:
        run = subprocess.run([tally, "run", POLICY, data], capture_output=True, text=True)
        outputs = {}
        for line in run.stdout.splitlines():
            rec = json.loads(line)
            if "tender" in rec and "error" not in rec:
                outputs[rec["tender"]] = rec
        inputs = {}
        for line in open(data, encoding="utf-8"):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and "id" in rec:
                inputs[rec["id"]] = rec
        with tempfile.TemporaryDirectory() as tmp:
            js, md = os.path.join(tmp, "json"), os.path.join(tmp, "md")
            subprocess.run([tally, "summaries", POLICY, data, "--out", js, "--format", "json"],
                           capture_output=True)
            subprocess.run([tally, "summaries", POLICY, data, "--out", md, "--format",
                            "markdown"], capture_output=True)
            index = json.load(open(os.path.join(js, "index.json"), encoding="utf-8"))
            for entry in index["tenders"]:
                ref = entry["tender"]
                out, inp = outputs.get(ref), inputs.get(ref)
                if entry["summaries"] is None:
                    if out is not None:
                        fails.append("%s: evaluated but has no summaries" % ref)
                    continue
                same(ref + " award", entry["award"], out["award"])
                weights = inp["weights"]
                avail = sum(Decimal(weights[k]) for _, k in CRITERIA.values())
                bids = {b["supplier"]: (b, ib) for b, ib in zip(out["bids"], inp["bids"])}
                ranked = len([b for b in out["bids"] if "rank" in b])
                for rel in entry["summaries"]:
                    letters += 1
                    doc = json.load(open(os.path.join(js, rel), encoding="utf-8"))
                    same(rel + " available", Decimal(doc["available"]), avail)
                    same(rel + " ranked", doc["ranked"], ranked)
                    same(rel + " award", doc["award"], out["award"])
                    parts = [("summary", doc["summary"])]
                    if doc["most_advantageous"]:
                        parts.append(("most advantageous", doc["most_advantageous"]))
                    for label, s in parts:
                        b, ib = bids[s["supplier"]]
                        w = "%s %s %s" % (rel, label, s["supplier"])
                        for c in s["criteria"]:
                            field, wk = CRITERIA[c["criterion"]]
                            same(w + " " + c["criterion"], c["score"], b.get(field))
                            same(w + " weight " + c["criterion"], c["weight"], weights[wk])
                        same(w + " total", s["total"], b.get("total"))
                        same(w + " rank", s["rank"], b.get("rank"))
                        for q in s["questions"]:
                            same(w + " " + q["question"], q["score"], ib["scores"][q["question"]])
                            # the evaluators' words, quoted verbatim
                            same(w + " justification " + q["question"], q["justification"],
                                 (ib.get("justifications") or {}).get(q["question"]))
                    check_markdown(os.path.join(md, rel[:-len("json")] + "md"), doc, bids)
    for f in fails:
        print("FAIL summary_numbers: " + f)
    if not fails:
        print("summary_numbers: %d letters, %d numbers checked" % (letters, checked))
    return 1 if fails else 0


def check_markdown(path, doc, bids):
    text = open(path, encoding="utf-8").read()
    me = bids[doc["summary"]["supplier"]][0]
    mat = bids[doc["most_advantageous"]["supplier"]][0] if doc["most_advantageous"] else None
    m = re.search(r"scored (\S+) points out of (\S+) and was ranked (\d+) of the (\d+)", text)
    if me.get("total") is not None:
        if not m:
            fails.append(path + ": no 'scored ... points' sentence")
        else:
            same(path + " sentence total", m.group(1), me["total"])
            same(path + " sentence available", m.group(2), doc["available"])
            same(path + " sentence rank", int(m.group(3)), me["rank"])
            same(path + " sentence ranked", int(m.group(4)), doc["ranked"])
    for crit, (field, _) in list(CRITERIA.items()) + [("Total", ("total", None)),
                                                     ("Rank", ("rank", None))]:
        row = re.search(r"^\| %s \| ([^|]*) \| ([^|]*) \|(?: ([^|]*) \|)?$" % re.escape(crit),
                        text, re.M)
        if not row:
            fails.append("%s: no %s row" % (path, crit))
            continue
        mine = me.get(field)
        # where the supplier has no value the award policy's wording says so
        same(path + " " + crit, row.group(2), "not scored" if mine is None else str(mine))
        if mat is not None:
            same(path + " " + crit + " (most advantageous)", row.group(3), str(mat.get(field)))


if __name__ == "__main__":
    sys.exit(main())
