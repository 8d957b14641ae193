#!/usr/bin/env python3
"""Run every example of docs/language.md, the language reference.

Usage: language.py TALLY [MARKDOWN]

TALLY is the path of the `tally` binary; MARKDOWN defaults to the
repository's docs/language.md.  The reference's examples are fenced code
blocks, read in order:

  ```tally              a complete policy; it must be followed (prose may
                        come between) by what it is expected to do:
  ```jsonl input        JSON records, one per line (a record may span
                        lines), given to `tally run policy.tally` on
                        standard input; then
  ```jsonl output [exit=N] [--option [value] ...]
                        the records the run must print, compared as JSON
                        values, in order; exit=N is the run's exit status
                        (default 0); the options after it are passed to
                        `tally run`
  ```stderr             (optional, after output) lines that must each
                        appear in what the run writes to standard error
  ```error              or: `tally check policy.tally` must fail (exit 1)
                        with exactly these errors, one a line, written as
                        check prints them: `policy.tally:L:C: error: text`
                        (the file name and "error:" may be left out); an
                        error matches at its line and column when its
                        message contains the text.  `hint: ...` lines must
                        appear in check's output; source and caret lines
                        (`  4 | ...`, `    | ^~~`) are shown, not compared
  ```tally check        a policy shown for its own sake: `tally check`
                        must accept it, and nothing may follow it
  ```tally file NAME    a file (a module) written as NAME beside the
                        policy of every example after it, for `import
                        "NAME"`; `tally check` must accept it on its own

A ```tally block with no expectation, an expectation with no ```tally
block before it, or any mismatch is a failure.  Other blocks (```sh,
```text, ```json ...) are not run.  Each policy runs in a fresh temporary
folder as policy.tally, so messages name policy.tally.

Before the reference, the driver runs itself on a few wrong examples and
fails unless it rejects every one: a test that cannot fail proves nothing.
Prints one line per failure and "docs: N examples passed, M failed";
exits 1 if any failed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

TIMEOUT = 20  # seconds per tally invocation; no example comes near it

FENCE = re.compile(r"^(\s*)```(.*)$")
ERROR_LINE = re.compile(r"^(?:\S+\.tally:)?(\d+):(\d+):\s*(?:error:\s*)?(.*)$")
SOURCE_LINE = re.compile(r"^\s*\d*\s*\|")
REPORTED = re.compile(r"^policy\.tally:(\d+):(\d+): error: (.*)$")

# A sanitizer report (from a build with SAN=1) fails the example whatever
# the exit status, as in tests/lang/run.py.
SANITIZER = re.compile(r"(ERROR: (Address|Leak|Memory|Thread)Sanitizer"
                       r"|\.[ch]:\d+:\d+: runtime error:)")


class Block:
    def __init__(self, info, text, line):
        words = info.split()
        self.kind = " ".join(words[:2]) if words[:1] == ["jsonl"] else \
            (words[0] if words else "")
        self.args = words[2:] if words[:1] == ["jsonl"] else words[1:]
        self.text = text
        self.line = line  # of the opening fence, 1-based


def blocks(markdown):
    """The fenced blocks of [markdown], in order."""
    out = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, info = m.group(1), m.group(2).strip()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][len(indent):] if lines[i].startswith(indent)
                        else lines[i])
            i += 1
        out.append(Block(info, "\n".join(body) + "\n", start))
        i += 1
    return out


class Example:
    def __init__(self, policy):
        self.policy = policy
        self.check_only = policy.args == ["check"]
        self.input = self.output = self.error = self.stderr = None
        self.files = []  # ```tally file blocks before it: (name, text)

    def name(self):
        return "line %d" % self.policy.line


def examples(markdown):
    """Groups the blocks into examples; returns (examples, problems)."""
    result, problems = [], []
    cur = None
    files = {}
    for b in blocks(markdown):
        if b.kind == "tally" and b.args[:1] == ["file"]:
            if len(b.args) != 2 or not b.args[1].endswith(".tally"):
                problems.append("line %d: write ```tally file NAME.tally"
                                % b.line)
            else:
                files[b.args[1]] = b.text
                cur = Example(b)  # checked on its own, like ```tally check
                cur.check_only = True
                cur.files = list(files.items())
                result.append(cur)
            continue
        if b.kind == "tally":
            if b.args not in ([], ["check"]):
                problems.append("line %d: unknown ```tally option %s"
                                % (b.line, " ".join(b.args)))
            cur = Example(b)
            cur.files = list(files.items())
            result.append(cur)
            continue
        slot = {"jsonl input": "input", "jsonl output": "output",
                "error": "error", "stderr": "stderr"}.get(b.kind)
        if slot is None:
            continue
        if cur is None or cur.check_only or getattr(cur, slot) is not None:
            problems.append("line %d: a ```%s block that belongs to no "
                            "```tally example" % (b.line, b.kind))
            continue
        setattr(cur, slot, b)
    return result, problems


def json_values(text, where):
    """The JSON values in [text], one after another (JSON Lines, or values
    spread over several lines)."""
    dec = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return values
        try:
            v, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise ValueError("%s is not JSON: %s" % (where, e))
        values.append(v)


class SanitizerReport(Exception):
    pass


def invoke(tally, args, cwd, stdin=""):
    p = subprocess.run([tally] + args, cwd=cwd, input=stdin.encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    err = p.stderr.decode("utf-8", "replace")
    m = SANITIZER.search(err)
    if m:
        line = next(l for l in err.splitlines() if m.group(0) in l)
        raise SanitizerReport(line.strip())
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def first_line(err):
    lines = err.strip().splitlines()
    return (": " + lines[0]) if lines else ""


def check_errors(tally, ex, cwd):
    rc, _, err = invoke(tally, ["check", "policy.tally"], cwd)
    problems = []
    if rc != 1:
        problems.append("check exited %d, expected 1" % rc)
    want, hints = [], []
    for k, line in enumerate(ex.error.text.splitlines(), ex.error.line + 1):
        if not line.strip() or SOURCE_LINE.match(line):
            continue
        if line.startswith("hint: "):
            hints.append(line.strip())
            continue
        m = ERROR_LINE.match(line)
        if not m:
            problems.append("line %d: not an error line: %s" % (k, line))
            continue
        want.append((int(m.group(1)), int(m.group(2)), m.group(3).strip()))
    if not want:
        problems.append("the ```error block lists no error")
    reported = []
    for line in err.splitlines():
        m = REPORTED.match(line)
        if m:
            reported.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    left = list(reported)
    for (line, col, text) in want:
        hit = next((r for r in left
                    if r[0] == line and r[1] == col and text in r[2]), None)
        if hit:
            left.remove(hit)
            continue
        near = [r for r in reported if r[0] == line and r[1] == col]
        if near:
            problems.append("error at %d:%d is '%s', expected it to contain '%s'"
                            % (line, col, near[0][2], text))
        else:
            problems.append("no error at %d:%d (%s)" % (line, col, text))
    for (line, col, msg) in left:
        if not any(p.startswith("error at %d:%d " % (line, col))
                   for p in problems):
            problems.append("unexpected error %d:%d: %s" % (line, col, msg))
    for h in hints:
        if h not in err:
            problems.append("check did not print '%s'" % h)
    return problems


def check_run(tally, ex, cwd):
    exit_code, run_args = 0, []
    for a in ex.output.args:
        if a.startswith("exit="):
            exit_code = int(a[5:])
        elif a.startswith("--") or run_args:
            run_args.append(a)  # an option, or the value of the one before
        else:
            return ["unknown ```jsonl output option '%s'" % a]
    try:
        inputs = json_values(ex.input.text, "the input")
        outputs = json_values(ex.output.text, "the expected output")
    except ValueError as e:
        return [str(e)]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in inputs)
    rc, out, err = invoke(tally, ["run", "policy.tally"] + run_args, cwd,
                          stdin)
    problems = []
    if rc != exit_code:
        problems.append("run exited %d, expected %d%s"
                        % (rc, exit_code, first_line(err)))
    try:
        got = json_values(out, "the run's output")
    except ValueError as e:
        return problems + [str(e)]
    if len(got) != len(outputs):
        problems.append("%d output records, expected %d"
                        % (len(got), len(outputs)))
    for k, (want, value) in enumerate(zip(outputs, got), 1):
        if value != want:
            problems.append("output %d is %s, expected %s"
                            % (k, json.dumps(value, ensure_ascii=False),
                               json.dumps(want, ensure_ascii=False)))
    if ex.stderr is not None:
        for line in ex.stderr.text.splitlines():
            if line.strip() and line.strip() not in err:
                problems.append("stderr lacks '%s'" % line.strip())
    return problems


def run_example(tally, ex):
    """The problems with one example (an empty list if it passes)."""
    if ex.check_only:
        pass
    elif ex.error is not None and (ex.input or ex.output or ex.stderr):
        return ["an example expects either errors or a run, not both"]
    elif ex.error is None and ex.output is None:
        return ["no expectation: follow it with ```jsonl input and "
                "```jsonl output, or ```error, or mark it ```tally check"]
    elif ex.error is None and ex.input is None:
        return ["```jsonl output with no ```jsonl input"]
    elif ex.output is None and ex.input is not None:
        return ["```jsonl input with no ```jsonl output"]
    with tempfile.TemporaryDirectory(prefix="tally-docs-") as cwd:
        for name, text in ex.files:
            with open(os.path.join(cwd, name), "w", encoding="utf-8") as f:
                f.write(text)
        with open(os.path.join(cwd, "policy.tally"), "w",
                  encoding="utf-8") as f:
            f.write(ex.policy.text)
        try:
            if ex.check_only:
                rc, _, err = invoke(tally, ["check", "policy.tally"], cwd)
                return [] if rc == 0 else \
                    ["check exited %d, expected 0%s" % (rc, first_line(err))]
            if ex.error is not None:
                return check_errors(tally, ex, cwd)
            return check_run(tally, ex, cwd)
        except subprocess.TimeoutExpired:
            return ["timed out after %d s" % TIMEOUT]
        except SanitizerReport as e:
            return ["sanitizer: %s" % e]


def run_markdown(tally, markdown):
    """Returns (passed, failures): failures are (where, problems)."""
    exs, problems = examples(markdown)
    failures = [("", [p]) for p in problems]
    passed = 0
    for ex in exs:
        p = run_example(tally, ex)
        if p:
            failures.append((ex.name(), p))
        else:
            passed += 1
    return passed, failures


# Each of these must fail; if one passes, the driver is broken.
POLICY = ("record In { id: text, n: integer }\ninput x: In keyed by id\n"
          "record Out { v: integer }\noutput r: Out = Out { v: x.n * 2 }\n")
WRONG = {
    "a wrong output": "```tally\n" + POLICY + "```\n```jsonl input\n"
    '{"id": "1", "n": 2}\n```\n```jsonl output\n{"v": 5}\n```\n',
    "a missing output record": "```tally\n" + POLICY + "```\n"
    '```jsonl input\n{"id": "1", "n": 2}\n{"id": "2", "n": 3}\n```\n'
    '```jsonl output\n{"v": 4}\n```\n',
    "a wrong exit status": "```tally\n" + POLICY + "```\n```jsonl input\n"
    '{"id": "1", "n": 2}\n```\n```jsonl output exit=3\n{"v": 4}\n```\n',
    "no expectation": "```tally\n" + POLICY + "```\n",
    "a policy that does not check":
    "```tally check\n" + POLICY.replace("x.n", "x.m") + "```\n",
    "an error at the wrong column": "```tally\n"
    + POLICY.replace("x.n", "x.m") + "```\n```error\n"
    "policy.tally:4:32: error: has no field 'm'\n```\n",
    "a wrong error message": "```tally\n" + POLICY.replace("x.n", "x.m")
    + "```\n```error\npolicy.tally:4:31: error: unknown name\n```\n",
    "an error not listed": "```tally\n"
    + POLICY.replace("x.n", "x.m").replace("v: integer", "v: integr")
    + "```\n```error\npolicy.tally:4:31: error: has no field 'm'\n```\n",
    "a policy with no error": "```tally\n" + POLICY
    + "```\n```error\npolicy.tally:4:31: error: x\n```\n",
    "a wrong hint": "```tally\n" + POLICY.replace("x.n * 2", "x.n + \"a\"")
    + "```\n```error\npolicy.tally:4:31: error: cannot join\n"
    "hint: no such hint\n```\n",
    "an expectation with no policy": "```jsonl output\n{}\n```\n",
}


def self_test(tally):
    """Problems if the driver accepts any of the WRONG examples."""
    bad = []
    for what, md in WRONG.items():
        passed, failures = run_markdown(tally, md)
        if not failures:
            bad.append("the driver accepted %s" % what)
    return bad


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: language.py TALLY [MARKDOWN]\n")
        return 2
    tally = os.path.abspath(sys.argv[1])
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    path = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(root, "docs", "language.md")
    bad = self_test(tally)
    for b in bad:
        print("FAIL docs self-test: %s" % b)
    with open(path, encoding="utf-8") as f:
        passed, failures = run_markdown(tally, f.read())
    rel = os.path.relpath(path, root)
    for where, problems in failures:
        print("FAIL %s%s: %s" % (rel, (" " + where) if where else "",
                                 "; ".join(problems)))
    print("docs: %d examples passed, %d failed" % (passed, len(failures)))
    return 1 if failures or bad or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
