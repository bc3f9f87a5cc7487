#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""map2png.py: render saved pgcluster `map` output as a PNG heat map.

    map2png.py [-o OUT.png] [--scale K] [--width W] [--zoom Z]
               [--title-a TEXT] [--title-b TEXT] MAP [MAP2]

MAP is the text of /sys/kernel/debug/pgcluster/map (header lines, then
"0xPFN cells" lines; one character per 2^k pages).  Each output pixel
averages 2^K consecutive map cells (default K=2), laid out row by row, W
pixels wide (default 256), so the image reads like text: physical memory
from the top left to the bottom right.  Colours: free white, used grey,
pinned by the injector red, pgcluster pool blue, partly free light grey,
no memory black; a pixel covering several cells mixes their colours, so a
checkerboard of pinned and free pages shows as pink.  With two maps (before
and after) the panels are drawn side by side with titles and a legend.

Only the Python standard library: the PNG is written with zlib and struct.
"""
import argparse
import re
import struct
import sys
import zlib

COLOURS = {
    '.': (255, 255, 255),   # free
    '#': (110, 110, 110),   # used
    'x': (220, 30, 30),     # pinned by the injector
    'P': (40, 90, 230),     # pgcluster pool
    ':': (190, 190, 190),   # partly free
    ' ': (0, 0, 0),         # no memory
}
LEGEND = [('.', 'FREE'), ('#', 'USED'), ('x', 'PINNED BY INJECTOR'),
          ('P', 'PGCLUSTER POOL'), (':', 'PARTLY FREE'), (' ', 'NO MEMORY')]
BG = (245, 245, 240)
INK = (20, 20, 20)

# 5x7 font, rows top to bottom, '#' = ink.  Only what the labels need.
FONT = {
    'A': ".###.#...##...#######...##...##...#", 'B': "####.#...#####.#...##...##...#####.",
    'C': ".###.#...##....#....#....#...#.###.", 'D': "####.#...##...##...##...##...#####.",
    'E': "######....####.#....#....#....#####", 'F': "######....####.#....#....#....#....",
    'G': ".###.#...##....#.####...##...#.####", 'H': "#...##...#######...##...##...##...#",
    'I': ".###...#....#....#....#....#...###.", 'J': "..###...#....#....#....#.#..#..##..",
    'K': "#...##..#.##...#.#..#..#.#...##...#", 'L': "#....#....#....#....#....#....#####",
    'M': "#...###.###.#.##...##...##...##...#", 'N': "#...###..##.#.##..###...##...##...#",
    'O': ".###.#...##...##...##...##...#.###.", 'P': "####.#...##...#####.#....#....#....",
    'Q': ".###.#...##...##...##.#.##..#..##.#", 'R': "####.#...##...#####.#.#..#..#.#...#",
    'S': ".####.....#.....###.....#....#####.", 'T': "#####..#....#....#....#....#....#..",
    'U': "#...##...##...##...##...##...#.###.", 'V': "#...##...##...##...##...#.#.#...#..",
    'W': "#...##...##...##.#.##.#.##.#.#.#.#.", 'X': "#...##...#.#.#...#...#.#.#...##...#",
    'Y': "#...##...#.#.#...#....#....#....#..", 'Z': "#####....#...#...#...#...#....#####",
    '0': ".###.#...##..###.#.###..##...#.###.", '1': "..#...##....#....#....#....#...###.",
    '2': ".###.#...#....#...#...#...#...#####", '3': "#####...#...#.....#.....##...#.###.",
    '4': "...#...##..#.#.#..#.#####...#....#.", '5': "######....####.....#....##...#.###.",
    '6': "..##..#...#....####.#...##...#.###.", '7': "#####....#...#...#...#....#....#...",
    '8': ".###.#...##...#.###.#...##...#.###.", '9': ".###.#...##...#.####....#...#..##..",
    ' ': "." * 35, '-': "..........#####....................",
    ':': ".......##...##.........##...##.....", '.': ".........................##...##...",
    '(': "...#...#...#....#....#.....#.....#.", ')': ".#.....#.....#....#....#...#...#...",
    '=': "..........#####.....#####..........", '/': "....#...#....#...#...#....#...#....",
    '%': "##...##..#...#...#...#...#..##...##", ',': "....................##....#...#....",
}


class Canvas:
    def __init__(self, w, h, bg=BG):
        self.w, self.h = w, h
        self.px = [bytearray(bytes(bg) * w) for _ in range(h)]

    def put(self, x, y, rgb):
        if 0 <= x < self.w and 0 <= y < self.h:
            self.px[y][3 * x:3 * x + 3] = bytes(rgb)

    def rect(self, x, y, w, h, rgb):
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                self.put(xx, yy, rgb)

    def text(self, x, y, s, rgb=INK, size=2):
        for ch in s.upper():
            glyph = FONT.get(ch, FONT[' '])
            for i, bit in enumerate(glyph):
                if bit == '#':
                    self.rect(x + (i % 5) * size, y + (i // 5) * size,
                              size, size, rgb)
            x += 6 * size
        return x

    def png(self):
        raw = b''.join(b'\x00' + bytes(row) for row in self.px)

        def chunk(tag, data):
            c = struct.pack('>I', len(data)) + tag + data
            return c + struct.pack('>I', zlib.crc32(tag + data) & 0xffffffff)
        ihdr = struct.pack('>IIBBBBB', self.w, self.h, 8, 2, 0, 0, 0)
        return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
                chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def read_map(path):
    """Return (header lines, cell string, {line pfn: cell index})."""
    header, cells, index, n = [], [], {}, 0
    line_re = re.compile(r'^(0x[0-9a-fA-F]+) (.*)$')
    with open(path, encoding='ascii', errors='replace') as f:
        for line in f:
            line = line.rstrip('\n').rstrip('\r')
            m = line_re.match(line)
            if m:
                index[int(m.group(1), 16)] = n
                cells.append(m.group(2))
                n += len(m.group(2))
            elif line:
                header.append(line)
    if not cells:
        sys.exit('map2png: %s holds no map lines' % path)
    return header, ''.join(cells), index


def pixels(cells, per):
    """Average the colours of `per` consecutive cells per pixel."""
    out = []
    for i in range(0, len(cells), per):
        group = cells[i:i + per]
        r = g = b = 0
        for c in group:
            cr, cg, cb = COLOURS.get(c, (255, 0, 255))
            r, g, b = r + cr, g + cg, b + cb
        n = len(group)
        out.append((r // n, g // n, b // n))
    return out


def counts(cells):
    return {c: cells.count(c) for c in COLOURS}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('maps', nargs='+', help='one or two saved map files')
    ap.add_argument('-o', '--output', default='fragmentation.png')
    ap.add_argument('--scale', type=int, default=2,
                    help='log2 of map cells per pixel (default 2)')
    ap.add_argument('--width', type=int, default=256,
                    help='pixels per row (default 256)')
    ap.add_argument('--zoom', type=int, default=1,
                    help='draw each pixel as ZOOM x ZOOM (default 1)')
    ap.add_argument('--detail', default=None, metavar='PFN',
                    help='also draw 64x16 cells from the map line of PFN, '
                         'one cell per 4x4 pixels')
    ap.add_argument('--title-a', default=None)
    ap.add_argument('--title-b', default=None)
    args = ap.parse_args()
    if len(args.maps) > 2:
        ap.error('at most two maps')
    if not 0 <= args.scale <= 16 or args.width < 16 or args.zoom < 1:
        ap.error('bad --scale, --width or --zoom')

    per = 1 << args.scale
    panels = []
    detail = None
    for i, path in enumerate(args.maps):
        header, cells, index = read_map(path)
        title = [args.title_a, args.title_b][i] or path
        if args.detail is not None:
            start = index.get(int(args.detail, 0))
            if start is None:
                ap.error('no map line starts at pfn %s' % args.detail)
            detail = cells[start:start + 64 * 16]
        panels.append((title, header, cells, pixels(cells, per), detail))

    z, w = args.zoom, args.width
    rows = max((len(p[3]) + w - 1) // w for p in panels)
    pw, ph = w * z, rows * z
    margin, top, gap = 16, 44, 24
    legend_h = 24 * len(LEGEND) // 2 + 40
    detail_h = 16 * 4 + 34 if args.detail is not None else 0
    cw = margin * 2 + pw * len(panels) + gap * (len(panels) - 1)
    ch = top + ph + detail_h + legend_h
    cw = max(cw, 560)
    cv = Canvas(cw, ch)

    for n, (title, header, cells, pix, det) in enumerate(panels):
        x0 = margin + n * (pw + gap)
        cv.text(x0, 10, title[:pw // 12], size=2)
        cv.rect(x0 - 1, top - 1, pw + 2, ph + 2, INK)
        cv.rect(x0, top, pw, ph, (0, 0, 0))
        for i, rgb in enumerate(pix):
            x, y = x0 + (i % w) * z, top + (i // w) * z
            if z == 1:
                cv.put(x, y, rgb)
            else:
                cv.rect(x, y, z, z, rgb)
        if det is not None:
            dy = top + ph + 12
            cv.text(x0, dy, 'PFN %s, 1 PAGE = 4X4' % args.detail, size=1)
            dy += 12
            cv.rect(x0 - 1, dy - 1, 64 * 4 + 2, 16 * 4 + 2, INK)
            for i, c in enumerate(det):
                cv.rect(x0 + (i % 64) * 4, dy + (i // 64) * 4, 4, 4,
                        COLOURS.get(c, (255, 0, 255)))
        c = counts(cells)
        total = max(1, len(cells))
        print('%s: %d cells, free %.1f%%, used %.1f%%, pinned %.1f%%, '
              'pool %.1f%%' % (title, len(cells), 100.0 * c['.'] / total,
                               100.0 * c['#'] / total,
                               100.0 * c['x'] / total,
                               100.0 * c['P'] / total))

    y = top + ph + detail_h + 14
    for i, (ch_, label) in enumerate(LEGEND):
        x = margin + (i % 2) * 270
        yy = y + (i // 2) * 24
        cv.rect(x - 1, yy - 1, 18, 18, INK)
        cv.rect(x, yy, 16, 16, COLOURS[ch_])
        cv.text(x + 24, yy + 2, label, size=2)
    with open(args.output, 'wb') as f:
        f.write(cv.png())
    print('map2png: wrote %s (%dx%d, %d map cells per pixel, %d pixels per '
          'row)' % (args.output, cw, ch, per, w))


if __name__ == '__main__':
    main()
