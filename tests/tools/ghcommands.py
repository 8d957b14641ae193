#!/usr/bin/env python3
"""Parse a file of GitHub Actions workflow commands as the runner does.

Usage: ghcommands.py FILE

Each line must be `::NAME PROPS::MESSAGE` with NAME one of error,
warning or notice, PROPS `key=value` pairs separated by commas, and the
runner's escapes (%25 %0D %0A, and in properties also %3A %2C) decoded.
A line that is not a command, an unknown command or property, or a
stray '%' escape fails.  Prints one line: the number of commands by
name and their titles, decoded.  Exits 1 on the first bad line.
"""
import re
import sys

COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")
ESCAPE = re.compile(r"%(25|0D|0A|3A|2C)")
PROPS = {"title", "file", "line", "endLine", "col", "endColumn"}


def unescape(text, prop):
    allowed = {"25": "%", "0D": "\r", "0A": "\n"}
    if prop:
        allowed.update({"3A": ":", "2C": ","})
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            code = text[i + 1:i + 3]
            if code not in allowed:
                raise ValueError("stray %% escape at %d" % i)
            out.append(allowed[code])
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def main():
    counts, titles = {}, []
    with open(sys.argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = COMMAND.match(line)
            if not m:
                print("line %d is not a workflow command: %r" % (n, line))
                return 1
            name, props, message = m.groups()
            try:
                for prop in (props or "").split(","):
                    if not prop:
                        continue
                    key, _, value = prop.partition("=")
                    if key not in PROPS:
                        raise ValueError("unknown property %r" % key)
                    if key == "title":
                        titles.append(unescape(value, True))
                unescape(message, False)
            except ValueError as e:
                print("line %d: %s" % (n, e))
                return 1
            counts[name] = counts.get(name, 0) + 1
    total = sum(counts.values())
    print("parsed: %d commands (%s); titles %s" % (
        total, ", ".join("%s %d" % (k, counts[k]) for k in sorted(counts)),
        ", ".join(titles)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
