#!/usr/bin/env python3
"""tests/tools/whynot_check.py - every price `tally whynot` reports, checked
by running the policy on the rewritten record with `tally run`.

usage: whynot_check.py TALLY POLICY DATA [--vary PATH] [--rank PATH]
                       [--expect-some OUTCOME...]

For every record of DATA (JSON Lines) with a list at the --vary path's
[i], and for every element of it, asks `tally whynot --format json`.
Then, through `tally run` alone (a separate process, binding the
rewritten JSON text: none of whynot's own re-evaluation is trusted):

  - outcome "price": the record with the element's price replaced by the
    reported winning price must give the element rank 1 at the --rank
    path, and with one penny more must not;
  - outcome "no_price": at 0.01 the element must not rank 1;
  - outcome "winner": as given, the element must rank 1;
  - outcome "not_monotone": it must rank 1 at "first_at" and not at
    "not_first_at", the lower price.

Prices are exact: read with Decimal, written back as the data wrote them
(a string stays a string, a number a number), never through a float.
--expect-some names outcomes that must each occur at least once, so a
test cannot pass by never reaching the case it is meant to check.
Prints a summary line; exit status 0 when every check holds.
"""
import json
import re
import subprocess
import sys
from decimal import Decimal


class Raw:
    """A JSON number kept as its text."""

    def __init__(self, text):
        self.text = text


def dump(v):
    if isinstance(v, Raw):
        return v.text
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(x)
                          for k, x in v.items()) + "}"


def parse_path(text):
    """"bids[i].price" -> ["bids", "i", "price"] (indices as ints)."""
    out = []
    for name, idx in re.findall(r"([A-Za-z0-9_-]+)|\[(\w+)\]", text):
        if name:
            out.append(name)
        else:
            out.append("i" if idx == "i" else int(idx))
    return out


def walk(v, path, i):
    for s in path:
        if v is None:
            return None
        key = i if s == "i" else s
        if isinstance(key, int):
            if not isinstance(v, list) or key >= len(v):
                return None
        elif not isinstance(v, dict) or key not in v:
            return None
        v = v[key]
    return v


def set_at(v, path, i, new):
    for s in path[:-1]:
        v = v[i if s == "i" else s]
    last = path[-1]
    v[i if last == "i" else last] = new


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    tally, policy, data = args[:3]
    vary, rank, expect = "bids[i].price", "bids[i].rank", []
    rest = args[3:]
    while rest:
        if rest[0] == "--vary":
            vary, rest = rest[1], rest[2:]
        elif rest[0] == "--rank":
            rank, rest = rest[1], rest[2:]
        elif rest[0] == "--expect-some":
            expect, rest = rest[1:], []
        else:
            sys.exit("unknown option " + rest[0])
    vpath, rpath = parse_path(vary), parse_path(rank)
    vlist = vpath[:vpath.index("i")]
    failures, checks, seen = [], 0, {}
    variants = []  # (what, record text, index, want_first)
    with open(data, encoding="utf-8") as f:
        lines = [ln for ln in f.read().split("\n") if ln.strip()]
    for line in lines:
        try:
            rec = json.loads(line, parse_float=Raw, parse_int=int)
        except ValueError:
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
            continue
        elems = walk(rec, vlist, 0)
        if not isinstance(elems, list):
            continue
        one = "\n".join([line]) + "\n"
        for i in range(len(elems)):
            cmd = [tally, "whynot", policy, "-", "--record", rec["id"],
                   "--bid", str(i), "--vary", vary, "--rank", rank,
                   "--format", "json"]
            p = subprocess.run(cmd, input=one.encode(), capture_output=True)
            if p.returncode != 0:
                # a record the policy rejects has nothing to explain
                if p.returncode == 2:
                    break
                failures.append("%s %s[%d]: whynot exit %d: %s" % (
                    rec["id"], vary, i, p.returncode,
                    p.stderr.decode(errors="replace").strip()))
                continue
            ans = json.loads(p.stdout, parse_float=Decimal)
            out = ans["outcome"]
            seen[out] = seen.get(out, 0) + 1
            original = walk(rec, vpath, i)

            def priced(price):
                r = json.loads(line, parse_float=Raw, parse_int=int)
                text = "%s" % Decimal(price)
                set_at(r, vpath, i, text if isinstance(original, str)
                       else Raw(text))
                return dump(r)

            what = "%s %s[%d]" % (rec["id"], vary, i)
            if out == "price":
                w = Decimal(ans["winning_price"])
                if w != w.quantize(Decimal("0.01")):
                    failures.append(what + ": price not in whole pennies")
                variants.append((what + " at " + str(w), priced(w), i, True))
                nxt = w + Decimal("0.01")
                variants.append((what + " at " + str(nxt), priced(nxt), i,
                                 False))
            elif out == "no_price":
                variants.append((what + " at 0.01", priced("0.01"), i, False))
            elif out == "winner":
                variants.append((what + " as given", line, i, True))
            elif out == "not_monotone":
                variants.append((what + " at " + ans["first_at"],
                                 priced(ans["first_at"]), i, True))
                variants.append((what + " at " + ans["not_first_at"],
                                 priced(ans["not_first_at"]), i, False))
            else:
                failures.append(what + ": outcome " + out)
    # One tally run over every variant, results in input order.
    text = "".join(v[1] + "\n" for v in variants)
    p = subprocess.run([tally, "run", policy, "-"], input=text.encode(),
                       capture_output=True)
    results = p.stdout.decode().split("\n")
    for n, (what, _, i, want_first) in enumerate(variants):
        checks += 1
        try:
            res = json.loads(results[n])
        except (IndexError, ValueError):
            failures.append(what + ": no result from tally run")
            continue
        got = walk(res, rpath, i)
        if (got == 1) != want_first:
            failures.append("%s: rank %s, expected %s" % (
                what, got, "first" if want_first else "not first"))
    for out in expect:
        if not seen.get(out):
            failures.append("no bid had outcome " + out)
    for f in failures[:20]:
        print("whynot_check: FAIL " + f)
    print("whynot_check: %s: %d answers (%s), %d checks by tally run, %d "
          "failed" % (data, sum(seen.values()),
                      ", ".join("%s %d" % kv for kv in sorted(seen.items())),
                      checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
