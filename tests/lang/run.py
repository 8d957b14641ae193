#!/usr/bin/env python3
"""Run the Tally language tests: tests/lang/<feature>/NAME.tally.

Usage: run.py TALLY [FILTER]

TALLY is the path of the `tally` binary.  FILTER, when given, runs only
the tests whose path contains it.

Each test is a policy with its expectations beside it, in comments:

  # input: {...}             one JSON input record (a JSON text that is not
                             complete continues on the following comment
                             lines); several inputs are run in order
  # expect: {...}            the JSON output record for the input of the
                             same rank, compared as JSON values (key order
                             and spacing are free); continues like input
  # report: {...}            a line of the policy's reports, printed after
                             every output record, in order (compared as
                             JSON values, continuing like input)
  # expect error L:C: text   `tally check` must fail (exit 1) with an error
                             at line L, column C whose message contains
                             text; every error it reports must be expected
  # expect warning L:C: text `tally check` or `tally run` must warn at line
                             L, column C with a message containing text;
                             every warning it gives must be expected, so a
                             test without this line proves there is none
  # expect exit N            the exit status of the run (default 0)
  # run with: ARGS           extra arguments for `tally run` (split on
                             spaces), e.g. --cite

A test with inputs is run with `tally run NAME.tally` from its own folder
(so file names in messages are the bare NAME.tally) and the inputs as JSON
Lines on standard input.  A test with no inputs and no expected errors
must pass `tally check` (or exit with N).  Prints one line per failure and
finishes with "lang: N passed, M failed"; exits 1 if any failed.
"""
import json
import os
import re
import subprocess
import sys

TIMEOUT = 20  # seconds per tally invocation; no test comes near it

JSON_DIRECTIVE = re.compile(r"^\s*#\s*(input|expect|report)\s*:(.*)$")
EXPECT_ERROR = re.compile(r"^\s*#\s*expect\s+error\s+(\d+):(\d+):\s*(.*)$")
EXPECT_WARNING = re.compile(r"^\s*#\s*expect\s+warning\s+(\d+):(\d+):\s*(.*)$")
EXPECT_EXIT = re.compile(r"^\s*#\s*expect\s+exit\s+(\d+)\s*$")
RUN_WITH = re.compile(r"^\s*#\s*run with:(.*)$")


def is_directive(line):
    return bool(JSON_DIRECTIVE.match(line) or EXPECT_ERROR.match(line)
                or EXPECT_WARNING.match(line) or EXPECT_EXIT.match(line)
                or RUN_WITH.match(line))


class BadTest(Exception):
    """The test file itself is malformed."""


def json_directive(first, lines, i, what, lineno):
    """Parses the JSON text starting with [first]; while it is incomplete,
    appends the comment lines after line [i].  Returns (value, next i,
    the text on one line).  An input is sent to tally as that text, not
    re-encoded, so its numbers reach tally as written (Python would turn
    0.1 into a double and 1e1000 into Infinity)."""
    text = first
    while True:
        try:
            return json.loads(text), i, text.replace("\n", " ")
        except json.JSONDecodeError:
            if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#") \
                    and not is_directive(lines[i + 1]):
                i += 1
                text += "\n" + lines[i].lstrip()[1:]
                continue
            raise BadTest("line %d: %s is not valid JSON" % (lineno, what))


def parse_test(path):
    """Returns the test's inputs, expected outputs, expected errors and
    warnings (lists of (line, col, text)), expected exit status (None:
    default) and extra run arguments."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    inputs, outputs, errors, warnings, exit_code, run_args = [], [], [], [], None, []
    reports = []
    i = 0
    while i < len(lines):
        lineno = i + 1
        m = JSON_DIRECTIVE.match(lines[i])
        e = EXPECT_ERROR.match(lines[i])
        x = EXPECT_EXIT.match(lines[i])
        w = RUN_WITH.match(lines[i])
        wn = EXPECT_WARNING.match(lines[i])
        if w:
            run_args += w.group(1).split()
        elif m:
            value, i, text = json_directive(m.group(2).strip(), lines, i,
                                            m.group(1), lineno)
            if m.group(1) == "input":
                inputs.append(text)
            elif m.group(1) == "report":
                reports.append(value)
            else:
                outputs.append(value)
        elif e:
            errors.append((int(e.group(1)), int(e.group(2)), e.group(3).strip()))
        elif wn:
            warnings.append((int(wn.group(1)), int(wn.group(2)), wn.group(3).strip()))
        elif x:
            exit_code = int(x.group(1))
        elif re.match(r"^\s*#\s*expect\b", lines[i]):
            raise BadTest("line %d: unknown expectation" % lineno)
        i += 1
    if errors and (inputs or outputs):
        raise BadTest("a test expects either errors or outputs, not both")
    if len(inputs) != len(outputs):
        raise BadTest("%d inputs but %d expected outputs" % (len(inputs), len(outputs)))
    if reports and not inputs:
        raise BadTest("report lines need inputs")
    outputs += reports
    return inputs, outputs, errors, warnings, exit_code, run_args


# A sanitizer report (from a build with SAN=1) fails the test whatever the
# exit status; ASan exits 1, which a policy error test would accept.
SANITIZER = re.compile(r"(ERROR: (Address|Leak|Memory|Thread)Sanitizer"
                       r"|\.[ch]:\d+:\d+: runtime error:)")


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
    return (p.returncode, p.stdout.decode("utf-8", "replace"), err)


def check_warnings(name, err, warnings):
    """The problems with the warnings in [err], the standard error of a
    check or run of [name]: each expected one given, no other."""
    pat = re.compile(r"^" + re.escape(name) + r":(\d+):(\d+): warning: (.*)$")
    reported = [(int(m.group(1)), int(m.group(2)), m.group(3))
                for m in map(pat.match, err.splitlines()) if m]
    problems = []
    for (line, col, text) in warnings:
        hit = next((r for r in reported
                    if r[0] == line and r[1] == col and text in r[2]), None)
        if hit:
            reported.remove(hit)
        else:
            problems.append("no warning at %d:%d (%s)" % (line, col, text))
    for (line, col, msg) in reported:
        problems.append("unexpected warning %d:%d: %s" % (line, col, msg))
    return problems


def run_errors(tally, path, errors, warnings, exit_code):
    """A policy that must fail `tally check` with exactly these errors."""
    name = os.path.basename(path)
    rc, _, err = invoke(tally, ["check", name], os.path.dirname(path))
    problems = []
    want_rc = 1 if exit_code is None else exit_code
    if rc != want_rc:
        problems.append("check exited %d, expected %d" % (rc, want_rc))
    reported = []
    pat = re.compile(r"^" + re.escape(name) + r":(\d+):(\d+): error: (.*)$")
    for line in err.splitlines():
        m = pat.match(line)
        if m:
            reported.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    unmatched = list(reported)
    for (line, col, text) in errors:
        hit = next((r for r in unmatched
                    if r[0] == line and r[1] == col and text in r[2]), None)
        if hit:
            unmatched.remove(hit)
            continue
        near = [r for r in reported if r[0] == line and r[1] == col]
        if near:
            problems.append("error at %d:%d is '%s', expected it to contain '%s'"
                            % (line, col, near[0][2], text))
        else:
            problems.append("no error at %d:%d (%s)" % (line, col, text))
    for (line, col, msg) in unmatched:
        if not any(p.startswith("error at %d:%d " % (line, col)) for p in problems):
            problems.append("unexpected error %d:%d: %s" % (line, col, msg))
    return problems + check_warnings(name, err, warnings)


def run_outputs(tally, path, inputs, outputs, warnings, exit_code, run_args):
    """A policy run on [inputs] that must print [outputs]."""
    name = os.path.basename(path)
    stdin = "".join(x + "\n" for x in inputs)
    rc, out, err = invoke(tally, ["run", name] + run_args,
                          os.path.dirname(path), stdin)
    problems = []
    want_rc = 0 if exit_code is None else exit_code
    if rc != want_rc:
        first = err.strip().splitlines()[:1]
        problems.append("run exited %d, expected %d%s" % (
            rc, want_rc, (": " + first[0]) if first else ""))
    got = [l for l in out.splitlines() if l.strip()]
    if len(got) != len(outputs):
        problems.append("%d output records, expected %d" % (len(got), len(outputs)))
    for k, (want, line) in enumerate(zip(outputs, got), 1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            problems.append("output %d is not JSON: %s" % (k, line))
            continue
        if value != want:
            problems.append("output %d is %s, expected %s"
                            % (k, json.dumps(value), json.dumps(want)))
    return problems + check_warnings(name, err, warnings)


def run_check(tally, path, warnings, exit_code):
    """A policy with nothing to run: it must check cleanly (or exit N)."""
    name = os.path.basename(path)
    rc, _, err = invoke(tally, ["check", name], os.path.dirname(path))
    want_rc = 0 if exit_code is None else exit_code
    if rc != want_rc:
        first = err.strip().splitlines()[:1]
        return ["check exited %d, expected %d%s" % (
            rc, want_rc, (": " + first[0]) if first else "")]
    return check_warnings(name, err, warnings)


def run_test(tally, path):
    try:
        inputs, outputs, errors, warnings, exit_code, run_args = parse_test(path)
    except BadTest as e:
        return ["malformed test: %s" % e]
    try:
        if errors:
            return run_errors(tally, path, errors, warnings, exit_code)
        if inputs:
            return run_outputs(tally, path, inputs, outputs, warnings,
                               exit_code, run_args)
        return run_check(tally, path, warnings, exit_code)
    except subprocess.TimeoutExpired:
        return ["timed out after %d s" % TIMEOUT]
    except SanitizerReport as e:
        return ["sanitizer: %s" % e]


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: run.py TALLY [FILTER]\n")
        return 2
    tally = os.path.abspath(sys.argv[1])
    filt = sys.argv[2] if len(sys.argv) > 2 else ""
    root = os.path.dirname(os.path.abspath(__file__))
    tests = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".tally"):
                tests.append(os.path.join(d, f))
    tests.sort()
    passed = failed = 0
    for path in tests:
        rel = os.path.relpath(path, root)
        if filt and filt not in rel:
            continue
        problems = run_test(tally, path)
        if problems:
            failed += 1
            print("FAIL %s: %s" % (rel, "; ".join(problems)))
        else:
            passed += 1
    print("lang: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
