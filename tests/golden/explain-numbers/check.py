#!/usr/bin/env python3
"""tests/golden/explain-numbers/check.py TALLY POLICY DATA - every field's
value printed by `tally explain` (the head line "result.PATH = VALUE" of
each field, for every record of DATA) equals that field in `tally run`'s
output.  Money is printed with "£" and thousands separators, texts in
quotes; both are compared as the run writes them.  Prints "ok N fields"
or each mismatch, and exits 1 on any."""
import json
import re
import subprocess
import sys

tally, policy, data = sys.argv[1:4]
run = subprocess.run([tally, "run", policy, data], capture_output=True, text=True)
results = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
key = "tender"
bad = 0
n = 0


def walk(x, path):
    for part in re.findall(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path):
        x = x[part[0]] if part[0] else x[int(part[1])]
    return x


def norm(v):
    if v is None:
        return "none"
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


for r in results:
    if "error" in r:
        continue
    out = subprocess.run([tally, "explain", policy, data, "--record", r[key]],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print("explain failed for", r[key], out.stderr)
        bad += 1
        continue
    for line in out.stdout.splitlines():
        m = re.match(r"^result(\S*) = (.*?)(  \(.*\))?$", line)
        if not m:
            continue
        path, shown = m.group(1), m.group(2)
        shown = shown.replace("£", "").replace(",", "")
        if shown.startswith('"') and shown.endswith('"'):
            shown = shown[1:-1]
        want = norm(walk(r, path))
        n += 1
        if shown != want:
            bad += 1
            print(f"{r[key]} result{path}: explain {shown!r}, run {want!r}")
print("ok" if not bad else "FAILED", n, "fields")
sys.exit(1 if bad else 0)
