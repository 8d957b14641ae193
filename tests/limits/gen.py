#!/usr/bin/env python3
"""tests/limits/gen.py FAMILY N OUT - write a generated worst-case policy.

Each family stresses one dimension of compiling a policy (parse, check,
compile, verify) with N repetitions of one shape.  `run.py` makes each
at 1 MB and checks that `tally check` and
`tally build` stay under the ceiling of the hostile-input issue (1 GB,
60 s).  The policies are valid Tally unless the family is about errors
(`errors`, `unknowns`, `duplicates`, `syntax`, `chars`), so every pass
runs; some hit a documented limit on the way (nesting, constants).
"""
import sys

HEAD = ("record In { id: text, n: integer }\n"
        "input x: In keyed by id\n")
TAIL = ("record Out { v: integer }\n"
        "output r: Out = Out { v: %s }\n")


def defs(n):
    body = "".join("definition d%d: integer = %d\n" % (i, i) for i in range(n))
    return HEAD + body + TAIL % "d0"


def records(n):
    body = "".join("record R%d { a: integer }\n" % i for i in range(n))
    return HEAD + body + TAIL % "1"


def enum_members(n):
    members = ", ".join("m%d" % i for i in range(n))
    return (HEAD + "enum E { " + members + " }\n"
            "definition e: E = m%d\n" % (n - 1) + TAIL % "1")


def parameters(n):
    body = "".join("parameter p%d: integer = %d\n" % (i, i) for i in range(n))
    return HEAD + body + TAIL % "p0"


def fields(n):
    decl = ("record Big { " + ", ".join("f%d: integer" % i for i in range(n))
            + " }\n")
    lit = "Big { " + ", ".join("f%d: %d" % (i, i) for i in range(n)) + " }"
    return (HEAD + decl + "definition big: Big = " + lit + "\n" +
            TAIL % "big.f%d" % (n - 1))


def args(n):
    params = ", ".join("a%d: integer" % i for i in range(n))
    call = ", ".join(str(i) for i in range(n))
    return (HEAD + "definition f(" + params + "): integer = a0\n" +
            TAIL % ("f(" + call + ")"))


def chain(n):
    body = "definition c0: integer = x.n\n" + "".join(
        "definition c%d: integer = c%d + 1\n" % (i, i - 1) for i in range(1, n))
    return HEAD + body + TAIL % ("c%d" % (n - 1))


def chain_back(n):
    # Each definition calls the next one down the file: checking the
    # first recurses through all of them.
    body = "".join("definition c%d: integer = c%d + 1\n" % (i, i + 1)
                   for i in range(n - 1))
    body += "definition c%d: integer = x.n\n" % (n - 1)
    return HEAD + body + TAIL % "c0"


def lets(n):
    body = "".join("let v%d = %s in\n"
                   % (i, "x.n" if i == 0 else "v%d + 1" % (i - 1))
                   for i in range(n))
    return (HEAD + "definition l: integer =\n" + body + "v%d\n" % (n - 1)
            + TAIL % "l")


def arms(n):
    body = "".join('  when x.n = %d then "a%d" because "r%d"\n' % (i, i, i)
                   for i in range(n))
    return (HEAD + "rule r: text =\n" + body + '  else "none"\n' +
            "record Out { v: text }\noutput o: Out = Out { v: r.outcome }\n")


def list_items(n):
    items = ", ".join(str(i) for i in range(n))
    return (HEAD + "definition l: list of integer = [" + items + "]\n"
            + TAIL % "count(l)")


def sum_chain(n):
    return (HEAD + "definition s: integer = " + " + ".join(["x.n"] * n)
            + "\n" + TAIL % "s")


def errors(n):
    # One line, one type error per term: the diagnostics flood.
    return (HEAD + "definition e: integer = " +
            " + ".join('"t%d"' % i for i in range(n)) + "\n" + TAIL % "1")


def unknowns(n):
    body = "".join("definition u%d: integer = nope%d\n" % (i, i)
                   for i in range(n))
    return HEAD + body + TAIL % "1"


def duplicates(n):
    body = "".join("definition d: integer = %d\n" % i for i in range(n))
    return HEAD + body + TAIL % "d"


def syntax(n):
    body = "".join("definition d%d: integer = )\n" % i for i in range(n))
    return HEAD + body + TAIL % "1"


def chars(n):
    # One line of unexpected characters: one error each.
    return HEAD + "definition e: integer = " + "$" * n + "\n" + TAIL % "1"


def wide_literals(n):
    # A record of n optional fields, and literals that set one of them.
    decl = ("record W { "
            + ", ".join("f%d: optional integer" % i for i in range(n)) + " }\n")
    body = "".join("definition w%d: W = W { f%d: 1 }\n" % (i, i)
                   for i in range(n // 8))
    return HEAD + decl + body + TAIL % "1"


def locals_(n):
    # Definitions of 4000 parameters (names are looked up among the
    # locals in scope, at most 4096), whose bodies name the first one
    # n times in all.
    params = ", ".join("a%d: integer" % i for i in range(4000))
    out, left, i = [], n, 0
    while left > 0:
        k = min(left, 60000)
        out.append("definition f%d(%s): integer = count([%s])\n"
                   % (i, params, ", ".join(["a0"] * k)))
        left -= k
        i += 1
    return HEAD + "".join(out) + TAIL % "1"


def match_patterns(n):
    # One arm listing every member of an enum of n.
    members = ["m%d" % i for i in range(n)]
    return ("enum E { " + ", ".join(members) + " }\n"
            "record In { id: text, c: E }\ninput x: In keyed by id\n"
            "definition v: integer = match x.c when " + ", ".join(members)
            + " then 1 end\n" + TAIL % "v")


def matches(n):
    # n matches, each over an enum of n / 2 members (what each covers
    # was an array of the enum's size per match).
    members = ["m%d" % i for i in range(max(1, n // 2))]
    body = "".join("definition d%d: integer = match x.c when m0 then 1 "
                   "else 0 end\n" % i for i in range(n))
    return ("enum E { " + ", ".join(members) + " }\n"
            "record In { id: text, c: E }\ninput x: In keyed by id\n"
            + body + TAIL % "d0")


FAMILIES = {
    "defs": defs, "records": records, "enum-members": enum_members,
    "parameters": parameters, "fields": fields, "args": args,
    "chain": chain, "chain-back": chain_back, "lets": lets, "arms": arms,
    "list-items": list_items,
    "sum-chain": sum_chain, "errors": errors, "unknowns": unknowns,
    "duplicates": duplicates, "syntax": syntax, "chars": chars,
    "wide-literals": wide_literals, "locals": locals_,
    "match-patterns": match_patterns, "matches": matches,
}


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print(" ".join(FAMILIES))
        return
    fam, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(out, "w") as f:
        f.write(FAMILIES[fam](n))


if __name__ == "__main__":
    main()
