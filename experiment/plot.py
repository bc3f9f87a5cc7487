#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""plot.py: plot and summarise the fragmentation experiment.

    plot.py [--no-plot] [--out PNG] [--kernel K] [--seconds S] [--seed N]
            DIR ARM [ARM...]

DIR holds ARM.csv, ARM-end.csv and ARM-worst.csv per arm (written by
scripts/experiment.sh).  Prints a markdown summary table on stdout and
writes DIR/experiment.png (or --out): one column per arm, side by side,
rows: unusable free space index and fragmentation index at orders 2, 3
and 9 of the largest zone, buddy probe success at orders 2, 3 and 9, and
the driver's allocation failure rate per interval, and free memory,
over time.

The PNG is drawn with matplotlib when it is installed, otherwise with a
small built-in renderer (standard library only: zlib and struct), so the
plot never depends on a package.  Exit status 1 when an arm has no
samples or the driver lost data.
"""
import argparse
import csv
import os
import struct
import sys
import zlib

ARM_TITLES = {
    'kmalloc': 'kmalloc / page allocator',
    'pgcluster': 'pgcluster',
    'virtok': 'pgcluster + PGCLUSTER_VIRTOK',
}
ORDERS = (2, 3, 9)
ORDER_COLOURS = ((30, 100, 220), (230, 120, 20), (200, 30, 30))


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def num(x, default=0.0):
    try:
        return float(x)
    except (TypeError, ValueError):
        return default


def series(rows):
    """Time series of the panels from one arm's sample rows."""
    t, out = [], {}
    prev = None
    for r in rows:
        if not r['t'].isdigit():
            continue
        t.append(num(r['t']))
        for o in ORDERS:
            out.setdefault('unusable_%d' % o, []).append(num(r['unusable_%d' % o]))
            out.setdefault('extfrag_%d' % o, []).append(num(r['extfrag_%d' % o]))
            out.setdefault('probe_%d' % o, []).append(num(r['probe_%d' % o]))
        for kind, a, f in (('proc', 'drv_allocs', 'drv_fails'),
                           ('softirq', 'drv_atomic_allocs', 'drv_atomic_fails')):
            if prev is None:
                da, df = num(r[a]), num(r[f])
            else:
                da, df = num(r[a]) - num(prev[a]), num(r[f]) - num(prev[f])
            rate = 100.0 * df / (da + df) if da + df > 0 else 0.0
            out.setdefault('fail_' + kind, []).append(rate)
        out.setdefault('free', []).append(num(r['nr_free_pages']) * 4 / 1024)
        prev = r
    return t, out


def summarise(args, data):
    ok = True
    lines = []
    w = lines.append
    w('## Fragmentation experiment: %s kernel, %s s per arm, seed %s'
      % (args.kernel, args.seconds, args.seed))
    w('')
    hdr = ['', *[a for a in args.arms]]
    w('| ' + ' | '.join(hdr) + ' |')
    w('|' + '---|' * len(hdr))

    def row(name, fn):
        cells = []
        for a in args.arms:
            try:
                cells.append(fn(data[a]))
            except (KeyError, IndexError, ValueError, ZeroDivisionError):
                cells.append('-')
        w('| ' + name + ' | ' + ' | '.join(cells) + ' |')

    def samples(d):
        # the load phase; "after" (the end test) and "end" follow it
        return [r for r in d['rows'] if r['t'].isdigit()]

    during = samples

    def mean(d, col):
        s = during(d)
        return sum(num(r[col]) for r in s) / len(s)

    def final(d, col):
        return num(during(d)[-1][col])

    row('samples', lambda d: str(len(samples(d))))
    for o in ORDERS:
        row('unusable index order %d: mean / last' % o,
            lambda d, o=o: '%.3f / %.3f' % (mean(d, 'unusable_%d' % o),
                                           final(d, 'unusable_%d' % o)))
    for o in ORDERS:
        row('fragmentation index order %d: mean / last' % o,
            lambda d, o=o: '%.3f / %.3f' % (mean(d, 'extfrag_%d' % o),
                                           final(d, 'extfrag_%d' % o)))
    for o in ORDERS:
        row('buddy probe order %d succeeded' % o,
            lambda d, o=o: '%d of %d' % (sum(num(r['probe_%d' % o]) > 0 for r in during(d)),
                                         len(during(d))))

    def last(d):
        return d['rows'][-1]

    row('driver allocations (process + softirq)',
        lambda d: '%d + %d' % (num(last(d)['drv_allocs']), num(last(d)['drv_atomic_allocs'])))
    row('driver failures (process + softirq)',
        lambda d: '%d + %d' % (num(last(d)['drv_fails']), num(last(d)['drv_atomic_fails'])))

    def rate(d):
        a = num(last(d)['drv_allocs']) + num(last(d)['drv_atomic_allocs'])
        f = num(last(d)['drv_fails']) + num(last(d)['drv_atomic_fails'])
        return '%.3f%%' % (100.0 * f / (a + f))
    row('driver failure rate', rate)
    row('driver buffers that lost data', lambda d: '%d' % num(last(d)['drv_lost']))
    row('driver buffers virtually contiguous', lambda d: '%d' % num(last(d)['drv_virtual']))

    def lat(d, col, fn):
        v = [num(r[col]) for r in during(d)[1:] if num(r[col]) > 0]
        return '%.1f' % (fn(v) / 1000.0)

    def median(v):
        v = sorted(v)
        return v[len(v) // 2]
    row('alloc latency p50, us (median of intervals)',
        lambda d: lat(d, 'lat_p50_ns', median))
    row('alloc latency p99, us (median / worst interval)',
        lambda d: lat(d, 'lat_p99_ns', median) + ' / ' + lat(d, 'lat_p99_ns', max))
    row('alloc latency p99.9, us (worst interval)',
        lambda d: lat(d, 'lat_p999_ns', max))
    row('softirq alloc latency p99, us (worst interval)',
        lambda d: lat(d, 'atomic_lat_p99_ns', max))
    row('pgcluster pool, MiB (largest)',
        lambda d: '%.0f' % (max(num(r['pool_bytes']) for r in d['rows']) / 2**20))
    # the last load sample: later rows count the worst case's too
    row('pgcluster emergency allocations (during the load)',
        lambda d: '%d' % final(d, 'emerg_allocs'))

    def delta(d, col):
        s = samples(d)
        return '%d' % (num(s[-1][col]) - num(s[0][col]))
    for col in ('compact_stall', 'compact_success', 'allocstall', 'pgscan_direct'):
        row('vmstat %s (during the load)' % col, lambda d, col=col: delta(d, col))

    def end(d):
        e = d['end'][0]
        got, bar = int(num(e['hugepages_got'])), int(num(e['hugepages_bar']))
        return '%d of %d asked (bar %d: %s)' % (
            got, int(num(e['hugepages_asked'])), bar, 'met' if got >= bar else 'NOT met')
    row('2 MiB pages after the load, churn stopped (SIGSTOP), compacted', end)
    row('free memory then, MiB', lambda d: '%.0f' % (num(d['end'][0]['free_kb']) / 1024))

    def worst(d, fill):
        rs = [x for x in d['worst'] if x['fill'] == str(fill)]
        if not rs:
            raise ValueError
        prog = [int(num(x['tasks_progressed'])) for x in rs]
        tot = lambda c: int(sum(num(x[c]) for x in rs))
        held = sum(x.get('sealed_at_end') == '1' for x in rs)
        mib = lambda c: '/'.join('%.1f' % (num(x.get(c)) / 2**20) for x in rs)
        refills = '/'.join('%d' % (num(x.get('refills_after')) - num(x.get('refills_before')))
                           for x in rs)
        return ('%d runs: %s of %s tasks progressed; %d steps, %d failed requests, '
                '%d stalls, %d virtual%s; seal held to the end in %d; pool free MiB '
                'before %s, after %s; refills %s') % (
            len(rs), '/'.join(str(p) for p in prog), rs[0]['tasks'], tot('steps'),
            tot('fails'), tot('stalls'), tot('virtual'),
            '' if all(x.get('sealed') == '1' for x in rs) else ' (a seal was refused)',
            held, mib('pool_free_before'), mib('pool_free_after'), refills)
    row('worst case, sealed checkerboard, pool as is', lambda d: worst(d, 0))
    row('worst case, sealed, pool filled first', lambda d: worst(d, 1))

    for a in args.arms:
        d = data[a]
        if len(samples(d)) < 2:
            w('')
            w('**arm %s: fewer than two samples**' % a)
            ok = False
        lost = max([num(r['drv_lost']) for r in d['rows']] + [0])
        lost += sum(num(r.get('lost')) for r in d['worst'])
        if lost:
            w('')
            w('**arm %s: the driver lost data**' % a)
            ok = False
    print('\n'.join(lines))
    return ok


PANELS = (
    ('unusable free space index', 'unusable', (0.0, 1.0)),
    ('fragmentation index', 'extfrag', (-1.0, 1.0)),
    ('buddy probe success (NORETRY)', 'probe', (0.0, 1.0)),
    ('driver allocation failures, % per interval', 'fail', None),
    ('free memory, MiB', 'free', None),
)


def panel_lines(key, s):
    if key == 'free':
        return [('free', (40, 140, 40), s.get('free', []))]
    if key == 'fail':
        return [('process', (30, 100, 220), s.get('fail_proc', [])),
                ('softirq', (200, 30, 30), s.get('fail_softirq', []))]
    return [('order %d' % o, c, s.get('%s_%d' % (key, o), []))
            for o, c in zip(ORDERS, ORDER_COLOURS)]


def auto_range(key, all_series):
    names = ('free',) if key == 'free' else ('fail_proc', 'fail_softirq')
    top = max([v for s in all_series for n in names for v in s.get(n, [])] + [1.0])
    return (0.0, top * 1.1)


def plot_matplotlib(args, data, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ser = {a: series(data[a]['rows']) for a in args.arms}
    fig, axes = plt.subplots(len(PANELS), len(args.arms), sharex=True,
                             figsize=(4.5 * len(args.arms), 2.6 * len(PANELS)),
                             squeeze=False)
    for j, a in enumerate(args.arms):
        t, s = ser[a]
        for i, (title, key, yr) in enumerate(PANELS):
            ax = axes[i][j]
            for name, col, v in panel_lines(key, s):
                ax.plot(t[:len(v)], v, marker='o' if key == 'probe' else None,
                        ms=3, label=name, color=tuple(c / 255 for c in col))
            ax.set_ylim(*(yr or auto_range(key, [x[1] for x in ser.values()])))
            if i == 0:
                ax.set_title(ARM_TITLES.get(a, a))
            if j == 0:
                ax.set_ylabel(title, fontsize=8)
            if i == len(PANELS) - 1:
                ax.set_xlabel('seconds')
            ax.grid(alpha=0.3)
            if j == len(args.arms) - 1:
                ax.legend(fontsize=7, loc='upper right')
    fig.suptitle('pgcluster fragmentation experiment: %s kernel, %s s, seed %s'
                 % (args.kernel, args.seconds, args.seed))
    fig.tight_layout()
    fig.savefig(out, dpi=90)


# A 3x5 pixel font for the built-in renderer: each glyph is five rows of
# three bits, most significant bit on the left.
FONT = {
    '0': (7, 5, 5, 5, 7), '1': (2, 6, 2, 2, 7), '2': (7, 1, 7, 4, 7),
    '3': (7, 1, 3, 1, 7), '4': (5, 5, 7, 1, 1), '5': (7, 4, 7, 1, 7),
    '6': (7, 4, 7, 5, 7), '7': (7, 1, 1, 2, 2), '8': (7, 5, 7, 5, 7),
    '9': (7, 5, 7, 1, 7), 'a': (2, 5, 7, 5, 5), 'b': (6, 5, 6, 5, 6),
    'c': (3, 4, 4, 4, 3), 'd': (6, 5, 5, 5, 6), 'e': (7, 4, 6, 4, 7),
    'f': (7, 4, 6, 4, 4), 'g': (3, 4, 5, 5, 3), 'h': (5, 5, 7, 5, 5),
    'i': (7, 2, 2, 2, 7), 'j': (1, 1, 1, 5, 2), 'k': (5, 5, 6, 5, 5),
    'l': (4, 4, 4, 4, 7), 'm': (5, 7, 7, 5, 5), 'n': (6, 5, 5, 5, 5),
    'o': (2, 5, 5, 5, 2), 'p': (6, 5, 6, 4, 4), 'q': (2, 5, 5, 6, 3),
    'r': (6, 5, 6, 5, 5), 's': (3, 4, 2, 1, 6), 't': (7, 2, 2, 2, 2),
    'u': (5, 5, 5, 5, 7), 'v': (5, 5, 5, 5, 2), 'w': (5, 5, 7, 7, 5),
    'x': (5, 5, 2, 5, 5), 'y': (5, 5, 2, 2, 2), 'z': (7, 1, 2, 4, 7),
    ' ': (0, 0, 0, 0, 0), '.': (0, 0, 0, 0, 2), ',': (0, 0, 0, 2, 4),
    '-': (0, 0, 7, 0, 0), '+': (0, 2, 7, 2, 0), '%': (5, 1, 2, 4, 5),
    ':': (0, 2, 0, 2, 0), '/': (1, 1, 2, 4, 4), '(': (1, 2, 2, 2, 1),
    ')': (4, 2, 2, 2, 4), '_': (0, 0, 0, 0, 7), '=': (0, 7, 0, 7, 0),
}


class Canvas:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(b'\xff' * (w * h * 3))

    def dot(self, x, y, c):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i:i + 3] = bytes(c)

    def rect(self, x0, y0, x1, y1, c, fill=False):
        for x in range(x0, x1 + 1):
            for y in ((range(y0, y1 + 1)) if fill else (y0, y1)):
                self.dot(x, y, c)
        if not fill:
            for y in range(y0, y1 + 1):
                self.dot(x0, y, c)
                self.dot(x1, y, c)

    def line(self, x0, y0, x1, y1, c, thick=1):
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            for k in range(thick):
                self.dot(x0, y0 + k, c)
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def text(self, x, y, s, c=(0, 0, 0), scale=2):
        for ch in s.lower():
            g = FONT.get(ch, FONT[' '])
            for r, bits in enumerate(g):
                for b in range(3):
                    if bits & (4 >> b):
                        for i in range(scale):
                            for j in range(scale):
                                self.dot(x + b * scale + i, y + r * scale + j, c)
            x += 4 * scale

    def png(self, path):
        raw = b''.join(b'\x00' + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3])
                       for y in range(self.h))

        def chunk(t, d):
            return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
        with open(path, 'wb') as f:
            f.write(b'\x89PNG\r\n\x1a\n')
            f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', self.w, self.h, 8, 2, 0, 0, 0)))
            f.write(chunk(b'IDAT', zlib.compress(raw, 9)))
            f.write(chunk(b'IEND', b''))


def plot_builtin(args, data, out):
    ser = {a: series(data[a]['rows']) for a in args.arms}
    pw, ph, left, top, gap = 380, 170, 70, 60, 50
    w = left + len(args.arms) * (pw + 30) + 20
    h = top + len(PANELS) * (ph + gap) + 30
    cv = Canvas(w, h)
    cv.text(10, 10, 'pgcluster fragmentation experiment: %s kernel, %s s, seed %s'
            % (args.kernel, args.seconds, args.seed), scale=3)
    tmax = max([max(t) for t, _ in ser.values() if t] + [1.0])
    for j, a in enumerate(args.arms):
        t, s = ser[a]
        x0 = left + j * (pw + 30)
        cv.text(x0, top - 22, ARM_TITLES.get(a, a), scale=2)
        for i, (title, key, yr) in enumerate(PANELS):
            y0 = top + i * (ph + gap) + 14
            lo, hi = yr or auto_range(key, [x[1] for x in ser.values()])
            cv.text(x0, y0 - 14, title, (60, 60, 60), scale=2)
            cv.rect(x0, y0, x0 + pw, y0 + ph, (0, 0, 0))
            for frac in (0.25, 0.5, 0.75):
                yy = y0 + int(ph * frac)
                for xx in range(x0 + 1, x0 + pw, 4):
                    cv.dot(xx, yy, (200, 200, 200))
            if j == 0:
                cv.text(x0 - 62, y0, ('%.2f' % hi)[:6], scale=2)
                cv.text(x0 - 62, y0 + ph - 10, ('%.2f' % lo)[:6], scale=2)
            cv.text(x0, y0 + ph + 4, '0', scale=2)
            cv.text(x0 + pw - 40, y0 + ph + 4, '%ds' % tmax, scale=2)

            def xy(tt, v):
                fx = tt / tmax if tmax else 0
                fy = (v - lo) / (hi - lo) if hi > lo else 0
                fy = min(max(fy, 0.0), 1.0)
                return x0 + int(fx * pw), y0 + ph - int(fy * ph)
            for k, (name, col, v) in enumerate(panel_lines(key, s)):
                pts = [xy(tt, vv + (k - 1) * (hi - lo) * 0.01 if key == 'probe' else vv)
                       for tt, vv in zip(t, v)]
                for p, q in zip(pts, pts[1:]):
                    cv.line(p[0], p[1], q[0], q[1], col, thick=2)
                for p in pts:
                    cv.rect(p[0] - 2, p[1] - 2, p[0] + 2, p[1] + 2, col, fill=True)
                if j == len(args.arms) - 1:
                    lx, ly = x0 + pw - 110, y0 + 6 + k * 14
                    cv.rect(lx, ly + 2, lx + 10, ly + 8, col, fill=True)
                    cv.text(lx + 14, ly, name, scale=2)
    cv.png(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--no-plot', action='store_true')
    ap.add_argument('--builtin', action='store_true',
                    help='use the built-in renderer even with matplotlib')
    ap.add_argument('--out')
    ap.add_argument('--kernel', default='distro')
    ap.add_argument('--seconds', default='?')
    ap.add_argument('--seed', default='?')
    ap.add_argument('dir')
    ap.add_argument('arms', nargs='+')
    args = ap.parse_args()
    data = {}
    for a in args.arms:
        data[a] = {
            'rows': read_csv(os.path.join(args.dir, a + '.csv')),
            'end': read_csv(os.path.join(args.dir, a + '-end.csv')),
            'worst': read_csv(os.path.join(args.dir, a + '-worst.csv')),
        }
    ok = summarise(args, data)
    if not args.no_plot:
        out = args.out or os.path.join(args.dir, 'experiment.png')
        try:
            if args.builtin:
                raise ImportError
            plot_matplotlib(args, data, out)
        except ImportError:
            plot_builtin(args, data, out)
        print('\nplot: ' + out, file=sys.stderr)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
