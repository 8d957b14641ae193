#!/usr/bin/env python3
"""Writes the hostile data corpus: tests/hostile/*.jsonl.

Usage: make.py            remakes tests/hostile/*.jsonl and the expected
                          files of tests/golden/hostile-*/
       make.py --huge FILE writes the 100 MB line (at test time)

Every file starts from one small, valid award tender (BASE: two bids, two
questions) and breaks it one way; tests/hostile/README.md lists each file
with the outcome Tally gives and why.  Each record's expected outcome is
written here by hand: an error record, or OK, whose expected result comes
from tests/tools/reference.py (the independent implementation of the
methodology), never from Tally.  The files are committed; this script
documents how they were made and remakes them byte for byte.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tools"))
import reference  # noqa: E402  the independent implementation

BASE = {
    "id": "H-0",
    "buyer": {"name": "Northfield Council", "type": "sub-central"},
    "title": "Hostile base",
    "published": "2026-04-25",
    "category": "goods",
    "cpv": "33140000",
    "estimated_value": "55000.00",
    "reserved": None,
    "weights": {"price": "40", "quality": "50", "social_value": "10"},
    "questions": [
        {"id": "Q1", "weight": "20", "min_score": 2},
        {"id": "Q2", "weight": "30", "min_score": 1},
    ],
    "bids": [
        {
            "supplier": {
                "id": "S-1", "name": "Anvil Ltd", "staff": 39,
                "turnover": "4490070.88", "balance_sheet": "987815.59",
                "postcode": "LS1 4AB", "local": False, "exclusions": [],
                "insurance": "10000000.00",
            },
            "price": "61751.00",
            "submitted": "2026-04-28T07:02:00Z",
            "scores": {"Q1": 4, "Q2": 3},
            "social_value": {"local_jobs": 5, "apprenticeships": 2,
                             "local_spend_pct": "95.6"},
        },
        {
            "supplier": {
                "id": "S-2", "name": "Birch plc", "staff": 4,
                "turnover": "192638.62", "balance_sheet": "144478.96",
                "postcode": "NF7 3XW", "local": True, "exclusions": [],
                "insurance": "10000000.00",
            },
            "price": "54087.00",
            "submitted": "2026-04-27T11:51:00Z",
            "scores": {"Q1": 5, "Q2": 4},
            "social_value": {"local_jobs": 4, "apprenticeships": 1,
                             "local_spend_pct": "31.8"},
        },
    ],
}


def rec(tid, **changes):
    """A copy of BASE with id [tid]; [changes] maps a dotted path
    ("bids.0.price") to a new value."""
    r = json.loads(json.dumps(BASE))
    r["id"] = tid
    for path, v in changes.items():
        keys = path.split(".")
        o = r
        for k in keys[:-1]:
            o = o[int(k)] if isinstance(o, list) else o[k]
        last = keys[-1]
        if isinstance(o, list):
            o[int(last)] = v
        else:
            o[last] = v
    return r


def line(r):
    return json.dumps(r, separators=(",", ":"), ensure_ascii=False)


def raw(tid, fragment_path, text):
    """BASE as JSON text with the value at [fragment_path] (dotted) written
    as the raw JSON [text], for values json.dumps cannot produce."""
    marker = "\u0000MARK\u0000"
    s = line(rec(tid, **{fragment_path: marker}))
    return s.replace(json.dumps(marker), text)


# An expected outcome: OK (the reference implementation's result for the
# record as Python's json reads it, unknown fields ignored) or err(...).
OK = "ok"


def err(tender, msg):
    """An error record: [tender] is the key (None when it could not be
    read), [msg] the message; jsoncmp.py compares the part before ": "."""
    return {"tender": tender, "error": msg}


def files():
    """{name: (bytes, [expected outcome per record], summary)}."""
    f = {}

    def text_file(lines, expect, sep="\n", end="\n"):
        data = sep.join(lines) + end
        return data.encode("utf-8")

    good = line(rec("H-ok"))
    t = line(rec("H-trunc-1"))
    f["truncated"] = (
        "\n".join([good, t[: len(t) // 2], line(rec("H-trunc-2"))[:40],
                   line(rec("H-trunc-3")), line(rec("H-trunc-4"))[:-1]]
                  ).encode(),  # no final newline
        [OK, err(None, "line 2: not valid JSON"),
         err(None, "line 3: not valid JSON"), OK,
         err(None, "line 5: not valid JSON")])

    f["invalid-utf8"] = (b"\n".join([
        line(rec("H-utf8-1", title="caf\udcc3")).encode("utf-8", "surrogateescape"),
        line(rec("H-utf8-2", title="X")).replace('"X"', '"\xff\xfe"').encode("latin-1"),
        line(rec("H-utf8-3", category="X")).replace('"X"', '"goo\xc3"').encode("latin-1"),
        line(rec("H-utf8-4", **{"bids.0.supplier.id": "X"})).replace(
            '"X"', '"S-\xc0\xaf"').encode("latin-1"),
        line(rec("H-utf8-5", **{"bids.0.supplier.id": "X"})).replace(
            '"X"', '"S-\xed\xa0\x80"').encode("latin-1"),
        line(rec("H-utf8-6", **{"bids.0.supplier.id": "X"})).replace(
            '"X"', '"S-\xf4\x90\x80\x80"').encode("latin-1"),
        line(rec("H-utf8-7")).replace('"cpv"', '"c\xc0\xafv"').encode("latin-1"),
        line(rec("H-utf8-X")).replace('"H-utf8-X"', '"H-\xc0\xaf"').encode("latin-1"),
        raw("H-utf8-9", "bids.0.supplier.id", '"S-\\ud800"').encode(),
        line(rec("H-utf8-10", **{"bids.0.supplier.id": "S-\u00e9\u2014\U0001F600"})).encode(),
        line(rec("H-utf8-11")).replace('"Q1":4', '"Q\xc0\xaf":4').encode("latin-1"),
    ]) + b"\n",
        [err(None, "line 1: not valid JSON"),
         err(None, "line 2: not valid JSON"),
         err(None, "line 3: not valid JSON"),
         err("H-utf8-4", "bids[0].supplier.id: not valid UTF-8"),
         err("H-utf8-5", "bids[0].supplier.id: not valid UTF-8"),
         err("H-utf8-6", "bids[0].supplier.id: not valid UTF-8"),
         OK,
         err(None, "line 8: id: not valid UTF-8"),
         err("H-utf8-9", "bids[0].supplier.id: not valid UTF-8 (a \\u escape of a lone surrogate)"),
         OK,
         err("H-utf8-11", "bids[0].scores: a key is not valid UTF-8")])

    f["bom"] = (b"\xef\xbb\xbf" + (line(rec("H-bom-1")) + "\n" +
                                   line(rec("H-bom-2")) + "\n").encode(),
                [OK, OK])

    f["crlf"] = ((line(rec("H-crlf-1")) + "\r\n" + line(rec("H-crlf-2")) +
                  "\r\n" + line(rec("H-crlf-3")) + " \r \r\n").encode(),
                 [OK, OK, OK])

    f["blank-lines"] = (("\n \n" + line(rec("H-blank-1")) + "\n\n\t\n\r\n" +
                         line(rec("H-blank-2")) + "\n   \n\n").encode(),
                        [OK, OK])

    d1 = line(rec("H-dup-1"))
    f["duplicate-keys"] = ("\n".join([
        d1[:-1] + ',"title":"again"}',
        line(rec("H-dup-2")).replace('"staff":39', '"staff":39,"staff":40'),
        line(rec("H-dup-3")).replace('"Q1":4,', '"Q1":4,"Q1":1,'),
        line(rec("H-dup-4")).replace('{"id":"H-dup-4"', '{"id":"H-dup-4","id":"H-dup-4b"'),
        line(rec("H-dup-5")).replace('"id":"Q2"', '"id":"Q1"'),
    ]).encode() + b"\n",
        [err("H-dup-1", "title: duplicate key"),
         err("H-dup-2", "bids[0].supplier.staff: duplicate key"),
         err("H-dup-3", "bids[0].scores.Q1: duplicate key"),
         err("H-dup-4", "id: duplicate key"),
         err("H-dup-5", 'questions[1].id: duplicate id "Q1"')])

    f["numbers"] = ("\n".join([
        raw("H-num-1", "bids.0.supplier.staff", "1e2"),
        raw("H-num-2", "bids.0.supplier.staff", "39.0"),
        raw("H-num-3", "bids.0.supplier.staff", "99999999999999999999999"),
        raw("H-num-4", "bids.0.supplier.staff", "-0"),
        line(rec("H-num-5", **{"bids.0.price": "6.1751e4"})),
        line(rec("H-num-6", **{"bids.0.price": "61751.000000000000000000000000000000001"})),
        line(rec("H-num-7", **{"bids.0.price": "1" + "0" * 40 + ".00"})),
        line(rec("H-num-8", **{"bids.0.price": " 61751.00"})),
        line(rec("H-num-9", **{"bids.0.price": "+61751.00"})),
        raw("H-num-10", "bids.0.price", "61751.00"),
        raw("H-num-11", "bids.0.scores.Q1", "4e0"),
        raw("H-num-12", "bids.0.supplier.staff", "1" + "0" * 400),
        raw("H-num-13", "bids.0.supplier.staff", "9223372036854775807"),
        line(rec("H-num-14", **{"bids.0.price": "1" * 1001})),
    ]).encode() + b"\n",
        [err("H-num-1", "bids[0].supplier.staff: not an integer"),
         err("H-num-2", "bids[0].supplier.staff: not an integer"),
         err("H-num-3", "bids[0].supplier.staff: not an integer"),
         ("ok-as", {"bids.0.supplier.staff": 0}),
         err("H-num-5", "bids[0].price: not a decimal string"),
         OK, OK,
         err("H-num-8", "bids[0].price: not a decimal string"),
         err("H-num-9", "bids[0].price: not a decimal string"),
         err("H-num-10", "bids[0].price: not a decimal string"),
         err("H-num-11", "bids[0].scores.Q1: not an integer"),
         err("H-num-12", "bids[0].supplier.staff: not an integer"),
         OK,
         err("H-num-14", "bids[0].price: decimal string longer than 1000 bytes")])

    f["money-3dp"] = ("\n".join([
        line(rec("H-3dp-1", **{"bids.0.price": "61751.005"})),
        line(rec("H-3dp-2", **{"bids.0.price": "54087.001", "bids.1.price": "54087.0005"})),
        line(rec("H-3dp-3", estimated_value="207719.999")),
        line(rec("H-3dp-4", estimated_value="207720.001")),
    ]).encode() + b"\n", [OK, OK, OK, OK])

    f["nan"] = ("\n".join([
        raw("H-nan-1", "bids.0.supplier.staff", "NaN"),
        raw("H-nan-2", "bids.0.supplier.staff", "Infinity"),
        line(rec("H-nan-3", **{"bids.0.price": "NaN"})),
        line(rec("H-nan-4", **{"bids.0.price": "Infinity"})),
        line(rec("H-nan-5", **{"bids.0.price": "-0.00"})),
        raw("H-nan-6", "bids.0.supplier.staff", "-Infinity"),
    ]).encode() + b"\n",
        [err(None, "line 1: not valid JSON"),
         err(None, "line 2: not valid JSON"),
         err("H-nan-3", "bids[0].price: not a decimal string"),
         err("H-nan-4", "bids[0].price: not a decimal string"),
         err("H-nan-5", "bids[0].price: must be greater than 0"),
         err(None, "line 6: not valid JSON")])

    deep60 = "[" * 60 + "]" * 60
    deep100 = "[" * 100 + "]" * 100
    deepobj = '{"a":' * 100 + "1" + "}" * 100
    f["deep"] = ("\n".join([
        line(rec("H-deep-1"))[:-1] + ',"extra":' + deep60 + "}",
        line(rec("H-deep-2"))[:-1] + ',"extra":' + deep100 + "}",
        line(rec("H-deep-3"))[:-1] + ',"extra":' + deepobj + "}",
        raw("H-deep-4", "bids.0.supplier.exclusions", deep100),
        "[" * 100000 + "]" * 100000,
        '{"id":"H-deep-6","x":' + "[" * 100000 + "]" * 100000 + "}",
    ]).encode() + b"\n",
        [OK, OK, OK,
         err("H-deep-4", "bids[0].supplier.exclusions[0]: not a string"),
         err(None, "line 5: not a JSON object"),
         err("H-deep-6", "buyer: missing")])

    f["wrong-types"] = ("\n".join([
        line(rec("H-type-1", **{"bids.0.supplier.staff": "39"})),
        line(rec("H-type-2", **{"bids.0.supplier.local": "true"})),
        raw("H-type-3", "bids.0.price", "61751"),
        line(rec("H-type-4", bids={})),
        line(rec("H-type-5", buyer=[])),
        line(rec("H-type-6", published=20260425)),
        line(rec("H-type-7", id=7)),
        line(rec("H-type-8", **{"bids.0.submitted": "2026-04-28"})),
        line(rec("H-type-9", category=None)),
        line(rec("H-type-10", reserved="local-sme")),
        line(rec("H-type-11", reserved="national")),
        "null",
        '"H-type-13"',
        "[]",
        "{}",
    ]).encode() + b"\n",
        [err("H-type-1", "bids[0].supplier.staff: not an integer"),
         err("H-type-2", "bids[0].supplier.local: not a boolean"),
         err("H-type-3", "bids[0].price: not a decimal string"),
         err("H-type-4", "bids: not an array"),
         err("H-type-5", "buyer: not an object"),
         err("H-type-6", "published: not a date YYYY-MM-DD"),
         err(None, "line 7: id missing or not a string"),
         err("H-type-8", "bids[0].submitted: not a date-time"),
         err("H-type-9", "category: not a string"),
         OK,
         err("H-type-11", 'reserved: unknown reservation "national"'),
         err(None, "line 12: not a JSON object"),
         err(None, "line 13: not a JSON object"),
         err(None, "line 14: not a JSON object"),
         err(None, "line 15: id missing or not a string")])

    u = rec("H-unknown-1")
    u["comment"] = {"any": ["thing", 1, None, {"deep": True}]}
    u["buyer"]["phone"] = "0113 000 0000"
    u["bids"][0]["supplier"]["vat"] = "GB123"
    u["bids"][1]["notes"] = None
    u["weights"]["other"] = "0"
    f["unknown-fields"] = ((line(u) + "\n" + line(rec("H-unknown-2"))[:-1] +
                            ',"id2":"x"}\n').encode(), [OK, OK])

    # NUL bytes: after a complete record, inside a string, alone.  JSON
    # has no raw NUL, so each such line is not valid JSON.
    f["nul-bytes"] = (b"\n".join([
        line(rec("H-nul-1")).encode() + b"\x00garbage",
        line(rec("H-nul-2", title="X")).replace('"X"', '"a\x00b"').encode(),
        b"\x00",
        line(rec("H-nul-4", title="a\u0000b")).encode(),
    ]) + b"\n",
        [err(None, "line 1: not valid JSON"),
         err(None, "line 2: not valid JSON"),
         err(None, "line 3: not valid JSON"),
         OK])

    # Trailing garbage after a complete record: yajl alone would take an
    # unterminated string or literal there for a token yet to come.
    g = line(rec("H-tail-X"))
    f["trailing-garbage"] = ("\n".join([
        g.replace("H-tail-X", "H-tail-1") + '"garbage',
        g.replace("H-tail-X", "H-tail-2") + 'tr',
        g.replace("H-tail-X", "H-tail-3") + '{}',
        g.replace("H-tail-X", "H-tail-4") + ',',
        g.replace("H-tail-X", "H-tail-5") + ' \t ',
        '4"}}]}',
    ]).encode() + b"\n",
        [err(None, "line 1: not valid JSON"),
         err(None, "line 2: not valid JSON"),
         err(None, "line 3: not valid JSON"),
         err(None, "line 4: not valid JSON"),
         OK,
         err(None, "line 6: not valid JSON")])

    f["empty"] = (b"", [])
    f["only-space"] = (b"\n\n   \n\t\r\n", [])
    return f


def expected(data, outcomes):
    """The expected output records of a file: the reference result for
    each OK line (in file order, blank lines skipped), else the error."""
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    lines = [l for l in text.split(b"\n") if l.strip(b" \t\r")]
    assert len(lines) == len(outcomes), (len(lines), len(outcomes))
    out = []
    for l, o in zip(lines, outcomes):
        if isinstance(o, dict):
            out.append(o)
            continue
        r = json.loads(l.decode("utf-8", "surrogateescape"))
        if isinstance(o, tuple):  # ("ok-as", changes): as read by Tally
            for path, v in o[1].items():
                keys = path.split(".")
                obj = r
                for k in keys[:-1]:
                    obj = obj[int(k)] if isinstance(obj, list) else obj[k]
                obj[keys[-1]] = v
        out.append(reference.evaluate(r))
    return out


def golden(root, name, data, outcomes):
    """Writes tests/golden/hostile-<name>/: the run of tests/hostile/run.sh
    on the file, its exit status, expected records and summary."""
    exp = expected(data, outcomes)
    d = os.path.join(root, "tests", "golden", "hostile-" + name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cmd"), "w") as fh:
        fh.write(f"sh tests/hostile/run.sh tests/hostile/{name}.jsonl {len(exp)}\n")
    write_expect(d, exp)


def write_expect(d, exp):
    rejected = sum(1 for r in exp if "error" in r)
    with open(os.path.join(d, "status"), "w") as fh:
        fh.write("2\n" if rejected else "0\n")
    with open(os.path.join(d, "stdout.jsonl"), "w") as fh:
        for r in exp:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(d, "stderr.contains"), "w") as fh:
        fh.write(f"tally: {len(exp)} records: {len(exp) - rejected} evaluated, "
                 f"{rejected} rejected, 0 failed\n")


def huge(path, size=100 * 1000 * 1000):
    """One JSONL line of about [size] bytes: the base record with a title
    that long, then one good record."""
    r = line(rec("H-huge-1", title="X"))
    head, tail = r.split('"X"', 1)
    with open(path, "wb") as out:
        out.write(head.encode() + b'"')
        block = b"A" * (1 << 20)
        left = size
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)
        out.write(b'"' + tail.encode() + b"\n")
        out.write((line(rec("H-huge-2")) + "\n").encode())


# ---- limits (tests/golden/limit-*) ---------------------------------------

# A policy whose call chain is CALLS deep when the input asks for it, to
# reach the VM's VM_MAX_DEPTH (200) frames.
CALLS = 210


def calls_policy():
    out = [f"# a chain of {CALLS} calls when n > 0: reaches the VM's call depth limit",
           "record In { id: text, n: integer }",
           "input x: In keyed by id",
           "record Out { depth: integer }"]
    for i in range(CALLS):
        out.append(f"definition f{i}(n: integer): integer = "
                   f"if n > 0 then f{i + 1}(n) + 1 else 0")
    out.append(f"definition f{CALLS}(n: integer): integer = 0")
    out.append("output r: Out = Out { depth: f0(x.n) }")
    return "\n".join(out) + "\n"


def limit_input(kind, path):
    """Writes the input of a limit test too large to commit: one record
    over the limit, then the base record, which must still be evaluated."""
    if kind == "text":  # DATA_MAX_TEXT + 1 bytes of title
        big = line(rec("H-text", title="T" * ((1 << 20) + 1)))
    elif kind == "decimal":  # DATA_MAX_DECIMAL + 1 digits of price
        big = line(rec("H-decimal", **{"bids.0.price": "1" * 1001}))
    elif kind == "items":  # DATA_MAX_ITEMS + 1 exclusion grounds
        r = rec("H-items")
        r["bids"][0]["supplier"]["exclusions"] = ["fraud"] * 1000001
        big = line(r)
    elif kind == "entries":  # DATA_MAX_ITEMS + 1 scores
        r = rec("H-entries")
        r["bids"][0]["scores"] = {f"K{i}": 1 for i in range(1000001)}
        big = line(r)
    elif kind == "record-array":  # a JSON array whose first element is
        huge(path + ".tmp")       # the 100 MB line
        with open(path + ".tmp", "rb") as fh, open(path, "wb") as out:
            first = fh.readline().rstrip(b"\n")
            second = fh.readline().rstrip(b"\n")
            out.write(b"[" + first + b",\n" + second + b"]\n")
        os.remove(path + ".tmp")
        return
    else:
        raise SystemExit(f"make.py: no limit input {kind!r}")
    with open(path, "w") as fh:
        fh.write(big + "\n" + line(rec("H-ok")) + "\n")


def limit_goldens(root):
    """Writes tests/golden/limit-*/ (those whose expectations are known
    here; the budget and memory ones are written by hand)."""
    ok = reference.evaluate(rec("H-ok"))
    # hostile/*.tally
    here = os.path.join(root, "tests", "hostile")
    with open(os.path.join(here, "calls.tally"), "w") as fh:
        fh.write(calls_policy())
    with open(os.path.join(here, "base.jsonl"), "w") as fh:
        fh.write(line(rec("H-ok")) + "\n")
    tests = {
        "text": (
            "python3 tests/hostile/make.py --limit text $TMPDIR/t.jsonl && "
            "$TALLY run examples/award/award.tally $TMPDIR/t.jsonl",
            [err("H-text", "title: text longer than 1048576 bytes"), ok]),
        "list-items": (
            "python3 tests/hostile/make.py --limit items $TMPDIR/t.jsonl && "
            "$TALLY run examples/award/award.tally $TMPDIR/t.jsonl",
            [err("H-items", "bids[0].supplier.exclusions[1000000]: more than "
                 "1000000 elements"), ok]),
        "map-entries": (
            "python3 tests/hostile/make.py --limit entries $TMPDIR/t.jsonl && "
            "$TALLY run examples/award/award.tally $TMPDIR/t.jsonl",
            [err("H-entries", "bids[0].scores.K1000000: more than 1000000 "
                 "entries"), ok]),
        "record-size": (
            "python3 tests/hostile/make.py --limit record-array $TMPDIR/t.json && "
            "$TALLY run examples/award/award.tally $TMPDIR/t.json --input json",
            [err(None, "record 1: record longer than 67108864 bytes"),
             reference.evaluate(rec("H-huge-2"))]),
        "decimal": (
            "python3 tests/hostile/make.py --limit decimal $TMPDIR/t.jsonl && "
            "$TALLY run examples/award/award.tally $TMPDIR/t.jsonl",
            [err("H-decimal", "bids[0].price: decimal string longer than 1000 "
                 "bytes"), ok]),
        "call-depth": (
            "printf '%s\\n' '{\"id\": \"deep\", \"n\": 1}' "
            "'{\"id\": \"shallow\", \"n\": 0}' | "
            "$TALLY run tests/hostile/calls.tally",
            [{"x": "deep", "error": "runtime error: call depth exceeded "
              "(tests/hostile/calls.tally:203:54)"},
             {"depth": 0}]),
    }
    for name, (cmd, exp) in tests.items():
        d = os.path.join(root, "tests", "golden", "limit-" + name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "cmd"), "w") as fh:
            fh.write(cmd + "\n")
        write_expect(d, exp)
    # a runtime error, not a rejection
    d = os.path.join(root, "tests", "golden", "limit-call-depth")
    with open(os.path.join(d, "status"), "w") as fh:
        fh.write("3\n")
    with open(os.path.join(d, "stderr.contains"), "w") as fh:
        fh.write("tests/hostile/calls.tally:203:54: runtime error: call depth "
                 "exceeded\n"
                 "tally: 2 records: 1 evaluated, 0 rejected, 1 failed\n")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--huge":
        huge(sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "--limit":
        limit_input(sys.argv[2], sys.argv[3])
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    for name, (data, outcomes) in files().items():
        with open(os.path.join(here, name + ".jsonl"), "wb") as fh:
            fh.write(data)
        golden(root, name, data, outcomes)
    # the 100 MB line: made by the test's cmd
    d = os.path.join(root, "tests", "golden", "hostile-huge-line")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cmd"), "w") as fh:
        fh.write("python3 tests/hostile/make.py --huge $TMPDIR/huge.jsonl && "
                 "sh tests/hostile/run.sh $TMPDIR/huge.jsonl 2\n")
    write_expect(d, [err(None, "line 1: record longer than 67108864 bytes"),
                     reference.evaluate(rec("H-huge-2"))])
    limit_goldens(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
