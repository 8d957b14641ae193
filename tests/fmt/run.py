#!/usr/bin/env python3
"""`tally fmt` over every policy of the repository.

Usage: run.py TALLY

For every *.tally under examples/, stdlib/, tests/ and every ```tally
block of docs/language.md that parses:
  (a) fmt is idempotent: formatting the formatted text changes nothing;
  (b) the formatted policy means the same: `tally disasm` of it and of
      the original are equal once source positions (line and column
      numbers, the file's name) are masked; a policy with errors gives
      the same error messages at the same lines;
  (c) examples/ and stdlib/ are already in the layout (`fmt --check`).
The formatted text is written beside the original (imports by path are
resolved from the file's folder) as .fmt-test-NAME, removed afterwards.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 60


def run(args, cwd=None):
    p = subprocess.run(args, capture_output=True, timeout=TIMEOUT, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def mask(text, *names):
    for n in names:
        text = text.replace(n.encode(), b"FILE")
    text = re.sub(rb"line \d+", b"line N", text)
    text = re.sub(rb"\d+:\d+", b"L:C", text)
    return text


def errors_only(stderr, *names):
    """The error and warning lines of check's output, columns masked:
    the formatter moves columns, never lines' contents."""
    out = []
    for line in mask(stderr, *names).splitlines():
        if b": error:" in line or b": warning:" in line:
            out.append(line)
    return out


def policies():
    for top in ("examples", "stdlib", "tests"):
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".tally") and not f.startswith(".fmt-test-"):
                    yield os.path.join(d, f)


def doc_blocks(tmpdir):
    md = open(os.path.join(ROOT, "docs", "language.md"), encoding="utf-8").read()
    for i, m in enumerate(re.finditer(r"```tally[^\n]*\n(.*?)```", md, re.S)):
        path = os.path.join(tmpdir, "doc-%03d.tally" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write(m.group(1))
        yield path


# Policies whose errors are about other files: a copy beside them is not
# part of the import cycle they test.
SKIP_COMPARE = {os.path.join("tests", "golden", "mod-cycle", n) for n in ("a.tally", "b.tally")}


def one(tally, path, failures, must_be_formatted):
    rel = os.path.relpath(path, ROOT)
    if rel in SKIP_COMPARE:
        return "skipped"
    rc, out1, err = run([tally, "fmt", path])
    if rc == 1:
        # Syntax errors: fmt must refuse, and say so as check does.
        rc2, _, err2 = run([tally, "check", path])
        if rc2 != 1:
            failures.append("%s: fmt failed (%s) but check passed" % (rel, err.decode(errors="replace")))
        return "refused"
    if rc != 0:
        failures.append("%s: fmt exit %d: %s" % (rel, rc, err.decode(errors="replace")))
        return "error"
    src = open(path, "rb").read()
    if must_be_formatted and out1 != src:
        failures.append("%s: not in the canonical layout (run tally fmt --write)" % rel)
    tmp = os.path.join(os.path.dirname(path), ".fmt-test-" + os.path.basename(path))
    try:
        with open(tmp, "wb") as f:
            f.write(out1)
        rc, out2, err = run([tally, "fmt", tmp])
        if rc != 0 or out2 != out1:
            failures.append("%s: fmt is not idempotent" % rel)
        names = (path, tmp, rel, os.path.basename(tmp), os.path.basename(path))
        ra, da, ea = run([tally, "disasm", path])
        rb, db, eb = run([tally, "disasm", tmp])
        if ra != rb:
            failures.append("%s: disasm exit %d before, %d after" % (rel, ra, rb))
        elif ra == 0 and mask(da, *names) != mask(db, *names):
            failures.append("%s: the formatted policy compiles differently" % rel)
        elif ra != 0 and errors_only(ea, *names) != errors_only(eb, *names):
            failures.append("%s: the formatted policy reports other errors:\n%s\n%s"
                            % (rel, ea.decode(errors="replace"), eb.decode(errors="replace")))
    finally:
        os.unlink(tmp)
    return "ok"


def main():
    tally = os.path.abspath(sys.argv[1])
    failures = []
    counts = {}
    import tempfile
    with tempfile.TemporaryDirectory() as tmpdir:
        paths = list(policies()) + list(doc_blocks(tmpdir))
        for p in paths:
            rel = os.path.relpath(p, ROOT)
            strict = rel.startswith("examples" + os.sep) or rel.startswith("stdlib" + os.sep)
            r = one(tally, p, failures, strict)
            counts[r] = counts.get(r, 0) + 1
    for f in failures:
        print("fmt: FAIL " + f)
    print("fmt: %d policies formatted and compared, %d with syntax errors refused, %d skipped, %d failures"
          % (counts.get("ok", 0), counts.get("refused", 0), counts.get("skipped", 0), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
