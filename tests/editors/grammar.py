#!/usr/bin/env python3
"""The editor grammars (editors/) against the language and its policies.

Usage: grammar.py

  - every reserved word of lang/kwlist.h is a keyword in the Vim syntax
    (editors/vim/syntax/tally.vim) and, matched whole by its regexes, in
    the TextMate grammar (editors/textmate/tally.tmLanguage.json);
  - the TextMate grammar, run as an editor runs it (per line, the
    earliest match of its patterns, the first listed on a tie; a string
    to its end), over every policy of the repository: every reserved
    word outside comments and text is scoped as a keyword, every comment
    as a comment, every text literal as a string, and no policy has a
    word scoped as a keyword that is not one;
  - Vim, if installed, loads the syntax file for a policy without an
    error (skipped otherwise).
"""
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEYWORD_SCOPES = ("keyword.control", "storage.type", "constant.language")


def keywords():
    text = open(os.path.join(ROOT, "lang", "kwlist.h"), encoding="utf-8").read()
    return re.findall(r'TALLY_KW\("([a-z]+)"', text)


def load_grammar():
    with open(os.path.join(ROOT, "editors", "textmate", "tally.tmLanguage.json"), encoding="utf-8") as f:
        g = json.load(f)
    rules = []  # (kind, regex, scope, end regex)

    def add(p):
        if "include" in p:
            r = g["repository"][p["include"][1:]]
            if "patterns" in r and "match" not in r and "begin" not in r:
                for q in r["patterns"]:
                    add(q)
            else:
                add(r)
        elif "match" in p:
            rules.append(("match", re.compile(p["match"]), p["name"], None))
        elif "begin" in p:
            rules.append(("begin", re.compile(p["begin"]), p["name"], re.compile(p["end"])))
    for p in g["patterns"]:
        add(p)
    return rules


def scan_line(rules, line):
    """[(start, end, scope)] as a TextMate engine scopes [line]."""
    out = []
    pos = 0
    while pos < len(line):
        best = None
        for kind, rx, scope, end in rules:
            m = rx.search(line, pos)
            if m and m.end() > m.start() and (best is None or m.start() < best[0].start()):
                best = (m, kind, scope, end)
        if best is None:
            break
        m, kind, scope, end = best
        stop = m.end()
        if kind == "begin":
            e = end.search(line, stop)
            while e and e.start() > 0 and line[e.start() - 1] == "\\" and e.group() == '"':
                e = end.search(line, e.end())
            stop = e.end() if e else len(line)
        out.append((m.start(), stop, scope))
        pos = stop
    return out


def words_outside(line):
    """(start, word) of the words of [line] outside text and comments,
    as the scanner (lang/lexer.l) sees them."""
    res = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            i = j + 1
        elif ch == "#":
            break
        elif ch.isalpha() or ch == "_":
            j = i
            while j < len(line) and (line[j].isalnum() or line[j] == "_"):
                j += 1
            # A word glued to digits before it (2026-01-01T12...) is part
            # of a literal.
            if not (i > 0 and line[i - 1].isdigit()):
                res.append((i, line[i:j]))
            i = j
        elif ch.isdigit():
            j = i
            while j < len(line) and (line[j].isalnum() or line[j] in "_.:-+"):
                j += 1
            i = j
        else:
            i += 1
    return res


def policies():
    for top in ("examples", "stdlib", "tests"):
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(".tally"):
                    yield os.path.join(d, f)


def main():
    fails = []
    kws = keywords()
    rules = load_grammar()
    # Every reserved word is a keyword, whole, in both grammars.
    vim = open(os.path.join(ROOT, "editors", "vim", "syntax", "tally.vim"), encoding="utf-8").read()
    vim_words = set()
    for m in re.finditer(r"^syn keyword tally(?:Keyword|Boolean|Constant) (.*)$", vim, re.M):
        vim_words.update(m.group(1).split())
    for k in kws:
        if k not in vim_words:
            fails.append("vim: reserved word '%s' is not a keyword" % k)
        spans = scan_line(rules, k)
        if spans != [(0, len(k), spans[0][2] if spans else "")] or not spans[0][2].startswith(KEYWORD_SCOPES):
            fails.append("textmate: reserved word '%s' is scoped %s" % (k, spans))
    kwset = set(kws)
    checked = 0
    for path in policies():
        rel = os.path.relpath(path, ROOT)
        try:
            text = open(path, encoding="utf-8").read()
        except UnicodeDecodeError:
            continue  # the tests of invalid UTF-8
        for n, line in enumerate(text.split("\n"), 1):
            spans = scan_line(rules, line)
            scope_at = {}
            for s, e, sc in spans:
                for i in range(s, e):
                    scope_at[i] = sc
            for i, w in words_outside(line):
                sc = scope_at.get(i, "")
                is_kw_scope = sc.startswith(KEYWORD_SCOPES) and scope_at.get(i + len(w) - 1) == sc
                if w in kwset and not is_kw_scope:
                    fails.append("%s:%d:%d: '%s' is scoped '%s', not as a keyword" % (rel, n, i + 1, w, sc))
                elif w not in kwset and sc.startswith(KEYWORD_SCOPES):
                    fails.append("%s:%d:%d: '%s' is scoped as a keyword" % (rel, n, i + 1, w))
            # Comments and text.
            in_text = False
            for i, ch in enumerate(line):
                if ch == '"' and (i == 0 or line[i - 1] != "\\"):
                    if not in_text and not scope_at.get(i, "").startswith("string"):
                        if not scope_at.get(i, "").startswith("comment"):
                            fails.append("%s:%d:%d: text is scoped '%s'" % (rel, n, i + 1, scope_at.get(i, "")))
                        break
                    in_text = not in_text
                elif ch == "#" and not in_text:
                    if not scope_at.get(i, "").startswith("comment"):
                        fails.append("%s:%d:%d: comment is scoped '%s'" % (rel, n, i + 1, scope_at.get(i, "")))
                    break
        checked += 1
    # Vim loads the syntax without an error.
    vim_bin = shutil.which("vim")
    if vim_bin:
        rtp = os.path.join(ROOT, "editors", "vim")
        p = subprocess.run([vim_bin, "-u", "NONE", "-N", "-es", "-c", "set rtp^=" + rtp,
                            "-c", "filetype on", "-c", "syntax on",
                            "-c", "edit " + os.path.join(ROOT, "examples", "award", "award.tally"),
                            "-c", 'if &ft !=# "tally" || !exists("b:current_syntax") || v:errmsg !=# "" | cquit 3 | endif',
                            "-c", "qa!"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            fails.append("vim: loading the syntax failed (exit %d): %s" % (p.returncode, p.stdout.decode(errors="replace")[-300:]))
        vim_note = "vim loads it"
    else:
        vim_note = "vim not installed: skipped"
    for f in fails[:50]:
        print("editors: FAIL " + f)
    print("editors: %d reserved words, %d policies scanned, %s, %d failures" % (len(kws), checked, vim_note, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
