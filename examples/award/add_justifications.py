#!/usr/bin/env python3
"""examples/award/add_justifications.py IN.jsonl > OUT.jsonl

Adds to each bid of each tender the evaluators' written justification of
every question's score, as the panel of the Northfield Council example
might write it: one sentence on what the answer offered and one on how
that meets the question's scoring guide, chosen by the question and the
score (0 to 5) and varied by the supplier, so that no two suppliers in a
tender read alike.  It made sample-justified.jsonl (from sample-20.jsonl)
and edge-justified.jsonl (from records of edge.jsonl); the justifications
are data, not computed by Tally: the policy passes them through
unchanged.  Records that are not JSON objects with bids pass unchanged.
"""
import json
import sys
import zlib

TOPICS = {
    "Q1": "the delivery plan",
    "Q2": "quality assurance",
    "Q3": "staffing and training",
    "Q4": "contract management and reporting",
    "Q5": "risk and business continuity",
    "Q6": "environmental impact",
    "Q7": "social value delivery",
    "Q8": "customer care and complaints",
}

EVIDENCE = [
    "named staff, dated milestones and examples from comparable contracts",
    "a worked example from a current public-sector contract",
    "clear responsibilities and a timetable the panel could test",
    "references to accredited procedures and recent audit results",
]

GUIDE = {
    5: ("Excellent. The answer on {t} is complete and supported by {e}.",
        "It meets every requirement of the question and gives the panel full "
        "confidence in delivery."),
    4: ("Good. The answer on {t} is sound and supported by {e}.",
        "It meets the requirements with minor gaps that pose little risk."),
    3: ("Satisfactory. The answer on {t} covers the requirements but offers "
        "limited evidence.",
        "Some points are stated rather than shown, so the panel has moderate "
        "confidence."),
    2: ("Weak. The answer on {t} addresses only part of the question.",
        "Important requirements are missing or unclear, which is a risk to "
        "delivery."),
    1: ("Poor. The answer on {t} gives little relevant detail.",
        "Most requirements are not addressed, so the panel has serious "
        "concerns."),
    0: ("Unacceptable. No relevant answer on {t} was given.",
        "The requirement is not met."),
}


def justify(supplier_id, question, score):
    topic = TOPICS.get(question, "question " + question)
    pick = zlib.crc32((supplier_id + question).encode()) % len(EVIDENCE)
    first, second = GUIDE.get(score, GUIDE[0])
    return first.format(t=topic, e=EVIDENCE[pick]) + " " + second


def main():
    for line in open(sys.argv[1], encoding="utf-8"):
        line = line.rstrip("\n")
        try:
            rec = json.loads(line)
        except ValueError:
            print(line)
            continue
        if isinstance(rec, dict) and isinstance(rec.get("bids"), list):
            for bid in rec["bids"]:
                sid = str(bid.get("supplier", {}).get("id", ""))
                scores = bid.get("scores", {})
                if isinstance(scores, dict):
                    bid["justifications"] = {
                        q: justify(sid, q, s) for q, s in scores.items()
                        if isinstance(s, int)}
        print(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main()
