#!/usr/bin/env python3
"""tests/tools/png_check.py PNG WIDTH HEIGHT [--colour RRGGBB:MIN]...

Checks a screenshot that headless Chromium drew: a PNG of exactly
WIDTH x HEIGHT pixels (8-bit RGB or RGBA, as Chromium writes them), not
blank (at least 1% of its pixels are not white, and it holds at least 16
distinct colours: text, rules and tables), and, for each --colour, at
least MIN pixels of exactly that colour (a chart's bars are drawn in
colours the page declares, so their pixels are counted).  The PNG is
decoded with the standard library alone (zlib and the five PNG row
filters).  Prints one line; exits 1 with the reason when a check fails.
"""
import struct
import sys
import zlib


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, head = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if head is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, ctype, _, _, interlace = head
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("not 8-bit RGB(A) without interlace: depth %d, colour "
                         "type %d" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev, pos = [], bytearray(stride), 0
    for _ in range(height):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    path, want_w, want_h = argv[1], int(argv[2]), int(argv[3])
    colours = []
    rest = argv[4:]
    while rest:
        if rest[0] != "--colour" or len(rest) < 2:
            print("png_check: unknown argument %r" % rest[0], file=sys.stderr)
            return 2
        hexrgb, least = rest[1].split(":")
        colours.append((bytes.fromhex(hexrgb), int(least)))
        rest = rest[2:]
    try:
        width, height, bpp, rows = decode(path)
    except (OSError, ValueError, zlib.error) as e:
        print("png_check: %s: %s" % (path, e))
        return 1
    if (width, height) != (want_w, want_h):
        print("png_check: %s is %dx%d, not %dx%d" % (path, width, height,
                                                    want_w, want_h))
        return 1
    hist = {}
    for row in rows:
        for i in range(0, len(row), bpp):
            px = row[i:i + 3]
            hist[px] = hist.get(px, 0) + 1
    total = width * height
    white = hist.get(b"\xff\xff\xff", 0)
    inked = total - white
    if inked * 100 < total or len(hist) < 16:
        print("png_check: %s looks blank: %d of %d pixels not white, %d "
              "colours" % (path, inked, total, len(hist)))
        return 1
    for rgb, least in colours:
        got = hist.get(rgb, 0)
        if got < least:
            print("png_check: %s has %d pixels of #%s, fewer than %d" %
                  (path, got, rgb.hex(), least))
            return 1
    print("png_check: %s %dx%d, %d%% inked, %d colours" %
          (path, width, height, inked * 100 // total, len(hist)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
