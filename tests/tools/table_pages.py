#!/usr/bin/env python3
"""Check a paged `--format table` run of the award policy against its input.

Usage: table_pages.py INPUT.jsonl TABLE.txt

The table explodes each tender's bids, one row per bid (one row for a
tender without bids), and is printed in pages: a page ends after the
tender that brings it to 1,000 rows, and each page has its header, a rule
of dashes, then its rows; pages are separated by one blank line.  From
the input alone this script works out the rows and pages there must be,
then checks the table has them, in order, with every tender id where it
belongs.  Prints "rows: ok" and "pages: ok", or what differs (exit 1).
"""
import json
import sys

PAGE_ROWS = 1000


def main():
    tenders = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                t = json.loads(line)
                tenders.append((t["id"], max(1, len(t.get("bids", [])))))
    pages, rows = [], []
    for tid, n in tenders:
        rows.extend([tid] * n)
        if len(rows) >= PAGE_ROWS:
            pages.append(rows)
            rows = []
    if rows or not pages:
        pages.append(rows)

    with open(sys.argv[2], encoding="utf-8") as f:
        text = f.read()
    got = text.split("\n\n")
    ok = True
    if len(got) != len(pages):
        print(f"pages: {len(got)}, expected {len(pages)}")
        ok = False
    got_rows = []
    for i, page in enumerate(got):
        lines = page.rstrip("\n").split("\n")
        if len(lines) < 2 or not lines[0].startswith("tender ") or \
                set(lines[1].replace(" ", "")) != {"-"}:
            print(f"page {i + 1}: no header and rule")
            return 1
        if i < len(pages) and len(lines) - 2 != len(pages[i]):
            print(f"page {i + 1}: {len(lines) - 2} rows, "
                  f"expected {len(pages[i])}")
            ok = False
        got_rows.extend(l.split(" ", 1)[0] for l in lines[2:])
    want_rows = [tid for page in pages for tid in page]
    print("rows: ok" if got_rows == want_rows else
          f"rows: {len(got_rows)} rows, expected {len(want_rows)}")
    if ok:
        print("pages: ok")
    return 0 if ok and got_rows == want_rows else 1


if __name__ == "__main__":
    sys.exit(main())
