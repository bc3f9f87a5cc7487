#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_report.py [--markdown --command CMD] ROWS: the benchmark's tables.

ROWS holds what scripts/bench.sh collected from the guest, one item a line
after "BENCH| ": the bench module's raw rows ("row STEP KEY=VALUE...",
"info KEY=VALUE..."; see selftests/modules/bench_*.c) and the guest
script's "row stats ...", "meta TEXT" and "note TEXT" lines.  This prints
the tables, the ratios between allocators and the goal lines; the table
headings ("== speed", "== emergency path", "== waste", "== success") are
what scripts/check.sh looks for.  Every timing is kept as min/median/max
over the runs ("a/b/c" in the rows); a goal line whose figures spread more
than SPREAD_MAX (max/min of one row) says "spread too wide: no verdict"
instead of met or NOT met.  With --markdown: the same as a Markdown
page (docs/benchmarks.md, `make bench-doc`).  Python 3 standard library
only.
"""

import argparse
import datetime
import importlib.util
import math
import os
import sys

NAMES = {
    "pgcluster": "pgcluster",
    "pgcluster_virtok": "pgcluster VIRTOK",
    "kmalloc": "kmalloc",
    "alloc_pages_exact": "alloc_pages_exact",
    "alloc_pages": "alloc_pages",
    "vmalloc": "vmalloc",
    "vmalloc_va": "vmalloc VA",
    "kvmalloc": "kvmalloc",
    "alloc_pages_noretry": "alloc_pages NORETRY",
    "kmalloc_noretry": "kmalloc NORETRY",
}

WASTE_BASIS = {
    "kmalloc": "ksize()",
    "alloc_pages_exact": "PAGE_ALIGN(size)",
    "alloc_pages": "PAGE_SIZE << get_order(size)",
    "vmalloc": "PAGE_ALIGN(size); page array not counted",
    "vmalloc_va": "PAGE_ALIGN(size) + guard page (VA space)",
    "pgcluster": "pgcluster_size()",
}


SPREAD_MAX = 1.5


def trio(d, k):
    """The "min/median/max" field @k of a row as three ints, or None."""
    try:
        v = [int(x) for x in d.get(k, "").split("/")]
    except ValueError:
        return None
    return tuple(v) if len(v) == 3 else None


def spread(t):
    """max/min of a trio (or a row's min, max), inf when min is 0."""
    if t is None:
        return float("inf")
    return t[2] / t[0] if t[0] else float("inf")


def fmt_spread(t):
    sp = spread(t)
    return "-" if sp == float("inf") else f"{sp:.2f}"


def verdict(met, trios):
    """met / NOT met, unless a figure behind it spread too wide."""
    wide = [t for t in trios if spread(t) > SPREAD_MAX]
    if wide:
        return f"spread too wide: no verdict (max/min {max(spread(t) for t in wide):.2f} > {SPREAD_MAX})"
    return "met" if met else "NOT met"


def row_trio(r):
    """A speed row's (min, median, max) in ps."""
    if r is None:
        return None
    return (num(r, "min"), num(r, "ps"), num(r, "max"))


def parse(path):
    """Rows as dicts (key "kind": row STEP / info / stats), plus text."""
    rows, info, meta, notes = [], {}, [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.startswith("BENCH| "):
                continue
            line = line[len("BENCH| "):]
            word, _, rest = line.partition(" ")
            if word == "meta":
                meta.append(rest)
            elif word == "note":
                notes.append(rest)
            elif word in ("row", "info"):
                fields = rest.split()
                d = {}
                if word == "row" and fields:
                    d["step"] = fields.pop(0)
                for kv in fields:
                    k, _, v = kv.partition("=")
                    d[k] = v
                if word == "info":
                    info.update(d)
                else:
                    rows.append(d)
    return rows, info, meta, notes


def num(d, k, default=0):
    try:
        return int(d.get(k, default), 0)
    except ValueError:
        return default


def fmt_size(size):
    return f"{size // 1024} KiB" if size % 1024 == 0 else f"{size} B"


def fmt_ns(ps, ok):
    if not ok:
        return "fail"
    ns = ps / 1000
    return f"{ns:.0f}" if ns >= 100000 else f"{ns:.1f}"


def fmt_ratio(num_, den, ok, places=2):
    if not ok or not den:
        return "-"
    return f"{num_ / den:.{places}f}"


def fmt_pct(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "-"


class Out:
    """Text or Markdown: headings and notes as text, tables as blocks."""

    def __init__(self, markdown):
        self.md = markdown
        self.lines = []
        self.in_block = False
        self.section = False

    def _block(self, on):
        if self.md and on != self.in_block:
            self.lines.append("```")
            self.in_block = on

    def heading(self, text):
        self._block(False)
        self.section = True
        if self.md:
            self.lines.append("")
            self.lines.append("## " + text[3:] if text.startswith("== ") else text)
        else:
            self.lines.append(text)

    def text(self, text):
        # In Markdown a section's prose is fixed-width too: a block.
        self._block(self.md and self.section)
        self.lines.append(text)

    def table(self, text):
        self._block(True)
        self.lines.append(text)

    def blank(self):
        self._block(False)
        self.lines.append("")

    def done(self):
        self._block(False)
        return "\n".join(self.lines) + "\n"


def measured(rows, step, extra=None):
    """{(size, alloc, mode): row} of one timing step (and variant)."""
    got = {}
    for r in rows:
        if r.get("step") != step:
            continue
        if extra and any(r.get(k) != v for k, v in extra.items()):
            continue
        got[(num(r, "size"), r["alloc"], r["mode"])] = r
    return got


def ok(r):
    return r is not None and r.get("ok") == "1"


def ps(r):
    return num(r, "ps") if r else 0


def speed(out, rows, info):
    m = measured(rows, "speed")
    if not m:
        return
    kinds = ["pgcluster", "kmalloc", "alloc_pages_exact", "alloc_pages",
             "vmalloc"]
    sizes = sorted({k[0] for k in m})
    out.heading("== speed: median ns per alloc+free pair over "
                f"{info.get('repeats', '?')} runs, GFP_KERNEL")
    out.text(f"   hot = alloc, free at once, {info.get('hot_iters', '?')} pairs a run, timed in 10 "
             "chunks, the median chunk the run's figure;")
    out.text(f"   "
             f"batch = {info.get('batch', '?')} allocs, then {info.get('batch', '?')} frees")
    out.text("   x kmalloc, x vmalloc: time relative to that allocator (lower is faster)")
    out.text(f"   runs of all allocators interleaved; init_on_alloc {info.get('init_on_alloc', '?')}, "
             f"init_on_free {info.get('init_on_free', '?')}")
    out.text("   spread: max/min of the row's runs (hot, batch)")
    out.table(f"{'size':<8} {'allocator':<18} {'hot ns':>9} {'x kmalloc':>9} {'x vmalloc':>9} "
              f"{'batch ns':>10} {'x kmalloc':>9} {'x vmalloc':>9} {'fails':>6} {'spread':>11}")
    for size in sizes:
        km_h, vm_h = m.get((size, "kmalloc", "hot")), m.get((size, "vmalloc", "hot"))
        km_b, vm_b = m.get((size, "kmalloc", "batch")), m.get((size, "vmalloc", "batch"))
        for k in kinds:
            h, b = m.get((size, k, "hot")), m.get((size, k, "batch"))
            if h is None:
                continue
            out.table(f"{fmt_size(size):<8} {NAMES[k]:<18} {fmt_ns(ps(h), ok(h)):>9} "
                      f"{fmt_ratio(ps(h), ps(km_h), ok(h) and ok(km_h)):>9} "
                      f"{fmt_ratio(ps(h), ps(vm_h), ok(h) and ok(vm_h)):>9} "
                      f"{fmt_ns(ps(b), ok(b)):>10} "
                      f"{fmt_ratio(ps(b), ps(km_b), ok(b) and ok(km_b)):>9} "
                      f"{fmt_ratio(ps(b), ps(vm_b), ok(b) and ok(vm_b)):>9} "
                      f"{num(h, 'fails'):>6} "
                      f"{fmt_spread(row_trio(h)) + ', ' + fmt_spread(row_trio(b)):>11}")
    pg, km, vm = (m.get((9000, k, "hot")) for k in ("pgcluster", "kmalloc", "vmalloc"))
    goal = "goal 9000 B: pgcluster hot <= 0.5x kmalloc hot"
    if ok(pg) and ok(km):
        out.text(f"{goal}: {fmt_ns(ps(pg), True)} vs {fmt_ns(ps(km), True)} ns "
                 f"({fmt_ratio(ps(pg), ps(km), True)}x): "
                 f"{verdict(2 * ps(pg) <= ps(km), [row_trio(pg), row_trio(km)])}")
    else:
        out.text(f"{goal}: not measurable (failures)")
    goal = "goal 9000 B: pgcluster >= 10x faster than vmalloc"
    if ok(pg) and ok(vm) and ps(pg):
        out.text(f"{goal}: {fmt_ratio(ps(vm), ps(pg), True)}x: "
                 f"{verdict(ps(vm) >= 10 * ps(pg), [row_trio(pg), row_trio(vm)])}")
    else:
        out.text(f"{goal}: not measurable (failures)")
    pgb, kmb = (m.get((9000, k, "batch")) for k in ("pgcluster", "kmalloc"))
    goal = f"goal 9000 B: pgcluster batch of {info.get('batch', '?')} <= kmalloc's"
    if ok(pgb) and ok(kmb):
        out.text(f"{goal}: {fmt_ns(ps(pgb), True)} vs {fmt_ns(ps(kmb), True)} ns "
                 f"({fmt_ratio(ps(pgb), ps(kmb), True)}x): "
                 f"{verdict(ps(pgb) <= ps(kmb), [row_trio(pgb), row_trio(kmb)])}")
    else:
        out.text(f"{goal}: not measurable (failures)")


def fmt_fig(t, scale=1, places=0):
    """median (min-max) of a trio, divided by @scale."""
    if t is None:
        return "-"
    lo, med, hi = (x / scale for x in t)
    return f"{med:.{places}f} ({lo:.{places}f}-{hi:.{places}f})"


def obs(out, rows):
    o = [r for r in rows if r.get("step") == "obs"]
    if not o:
        return
    out.blank()
    out.heading("== observability cost: 9000 B hot alloc+free pair, ns, median (min-max)")
    out.text("   none: nothing on; trace: tracefs events/pgcluster/enable = 1;")
    out.text("   callers: debugfs pgcluster/callers = on; x none: pgcluster's median over none's")
    out.table(f"{'mode':<8} {'pgcluster':>24} {'x none':>7} {'kmalloc':>24} {'spread':>7}")
    base = next((trio(r, "pair") for r in o
                 if r.get("mode") == "none" and r.get("alloc") == "pgcluster"), None)
    for mode in ("none", "trace", "callers"):
        mine = [r for r in o if r.get("mode") == mode]
        if any(r.get("avail") == "0" for r in mine) or not mine:
            out.table(f"{mode:<8} {'not available':>24}")
            continue
        pg = next((trio(r, "pair") for r in mine if r.get("alloc") == "pgcluster"), None)
        km = next((trio(r, "pair") for r in mine if r.get("alloc") == "kmalloc"), None)
        x = f"{pg[1] / base[1]:.2f}" if pg and base and base[1] else "-"
        out.table(f"{mode:<8} {fmt_fig(pg, 1000, 1):>24} {x:>7} {fmt_fig(km, 1000, 1):>24} "
                  f"{fmt_spread(pg):>7}")


def ascii_plot(out, points, width=40):
    """One bar per (label, value): a plot that survives plain text."""
    top = max((v for _, v in points), default=0)
    for label, v in points:
        n = round(width * v / top) if top else 0
        out.table(f"  {label:<22} |{'#' * n:<{width}}| {v / 1000:.1f}")


def growth(out, rows, info):
    g = [r for r in rows if r.get("step") == "growth"]
    if not g:
        return
    out.blank()
    out.heading("== cost growth: 9000 B hot pair and single allocations vs pool size and live allocations")
    out.text(f"   pair ns: alloc+free, {info.get('hot_iters', '?')} pairs a run; lat: one "
             f"allocation timed alone ({info.get('lat_n', '?')} a run), p50, p99 and max of a run;")
    out.text(f"   median (min-max) over {info.get('repeats', '?')} runs, pgcluster and kmalloc "
             "interleaved in the same boot")
    pgc_all, spreads = [], []
    pool = [r for r in g if r.get("axis") == "pool"]
    if pool:
        out.blank()
        out.text("-- a) pool size: pgcluster loaded with pool_mb=0 (no reserve: nothing grows or")
        out.text("   refills behind the bench), grown one cluster a time by debugfs pool_grow;")
        out.text("   adv: the first N-1 clusters hold holes one granule too small for 9000 B")
        out.text("   between 64 B pins (filled with GFP_NOWAIT), only the Nth has room")
        fills = [r for r in rows if r.get("step") == "advfill"]
        miss = {r.get("n"): r for r in rows if r.get("step") == "advmiss"}
        for r in fills:
            m = miss.get(r.get("n"), {})
            out.text(f"   adversarial fill before N={r.get('n', '?')}: {num(r, 'holes')} holes of "
                     f"{num(r, 'hole_size')} B in {m.get('clusters', '?')} clusters; a 9000 B "
                     f"GFP_NOWAIT request then searches them all and fails in "
                     f"{fmt_fig(trio(m, 'miss50'))} ns (p50; max {fmt_fig(trio(m, 'missmax'))})")
        out.table(f"{'clusters':>8} {'shape':<6} {'pgcluster pair ns':>22} {'lat p50':>7} "
                  f"{'lat p99':>7} {'lat max':>8} {'kmalloc pair ns':>22} {'spread':>6}")
        for r in pool:
            if r.get("alloc") != "pgcluster":
                continue
            km = next((x for x in pool if x.get("alloc") == "kmalloc" and
                       x.get("n") == r.get("n") and x.get("adv") == r.get("adv")), {})
            t = trio(r, "pair")
            shape = "adv" if r.get("adv") == "1" else "empty"
            out.table(f"{r.get('clusters', '?'):>8} {shape:<6} {fmt_fig(t, 1000, 1):>22} "
                      f"{trio(r, 'lat50')[1] if trio(r, 'lat50') else '-':>7} "
                      f"{trio(r, 'lat99')[1] if trio(r, 'lat99') else '-':>7} "
                      f"{trio(r, 'latmax')[1] if trio(r, 'latmax') else '-':>8} "
                      f"{fmt_fig(trio(km, 'pair'), 1000, 1):>22} {fmt_spread(t):>6}")
        pts = [(f"{r.get('clusters', '?')} clusters {'adv' if r.get('adv') == '1' else ''}",
                trio(r, "pair")[1]) for r in pool
               if r.get("alloc") == "pgcluster" and trio(r, "pair")]
        out.text("   pgcluster pair ns, median:")
        ascii_plot(out, pts)
        pool_pg = [trio(r, "pair") for r in pool if r.get("alloc") == "pgcluster" and trio(r, "pair")]
        goal_flat(out, "goal pool size (adversarial included): pgcluster pair cost within 1.5x "
                  "from smallest to largest", pool_pg)
        misses = [trio(miss[r.get("n")], "miss50") for r in fills
                  if r.get("n") in miss and trio(miss[r.get("n")], "miss50")]
        goal_flat(out, "goal pool size, adversarial: a request no cluster can serve (the whole "
                  "search) within 1.5x from fewest to most clusters", misses)
        pgc_all += pool_pg
    live = [r for r in g if r.get("axis") == "live"]
    if live:
        out.blank()
        out.text("-- b) live allocations: N pgcluster and N kmalloc allocations held (9000 B;")
        out.text("   4096 B from 100,000 on, which at 9000 B would not fit beside kmalloc's set")
        out.text("   in the guest), pgcluster loaded with pool_mb=0 and grown by the held set")
        sizes = {r.get("n"): r for r in rows if r.get("step") == "poolsize"}
        out.table(f"{'live':>8} {'held B':>6} {'clusters':>8} {'pgcluster pair ns':>22} {'lat p50':>7} "
                  f"{'lat p99':>7} {'lat max':>8} {'kmalloc pair ns':>22} {'spread':>6}")
        for r in live:
            if r.get("alloc") != "pgcluster":
                continue
            km = next((x for x in live if x.get("alloc") == "kmalloc" and
                       x.get("n") == r.get("n")), {})
            t = trio(r, "pair")
            out.table(f"{r.get('n', '?'):>8} {r.get('held', '?'):>6} "
                      f"{sizes.get(r.get('n'), {}).get('clusters', '?'):>8} "
                      f"{fmt_fig(t, 1000, 1):>22} "
                      f"{trio(r, 'lat50')[1] if trio(r, 'lat50') else '-':>7} "
                      f"{trio(r, 'lat99')[1] if trio(r, 'lat99') else '-':>7} "
                      f"{trio(r, 'latmax')[1] if trio(r, 'latmax') else '-':>8} "
                      f"{fmt_fig(trio(km, 'pair'), 1000, 1):>22} {fmt_spread(t):>6}")
        held = [r for r in rows if r.get("step") == "heldset"]
        short = [r for r in held if num(r, "pgcluster") < num(r, "n") or num(r, "kmalloc") < num(r, "n")]
        for r in short:
            out.text(f"   NOTE: held set of {r.get('n')}: pgcluster {r.get('pgcluster')}, "
                     f"kmalloc {r.get('kmalloc')} succeeded")
        pts = [(f"{r.get('n', '?')} live", trio(r, "pair")[1]) for r in live
               if r.get("alloc") == "pgcluster" and trio(r, "pair")]
        out.text("   pgcluster pair ns, median:")
        ascii_plot(out, pts)
        live_pg = [trio(r, "pair") for r in live if r.get("alloc") == "pgcluster" and trio(r, "pair")]
        goal_flat(out, "goal live allocations: pgcluster pair cost within 1.5x from fewest to most",
                  live_pg)
        pgc_all += live_pg


def goal_flat(out, goal, trios):
    if len(trios) < 2:
        out.text(f"{goal}: not measurable")
        return
    meds = [t[1] for t in trios]
    lo, hi = min(meds), max(meds)
    ratio = hi / lo if lo else float("inf")
    out.text(f"{goal}: {ratio:.2f}x: {verdict(ratio <= 1.5, trios)}")


TAIL_KINDS = ["pgcluster", "kmalloc", "alloc_pages", "vmalloc"]
CONDS = {
    "quiet": "quiet system (pgcluster pool_mb=160)",
    "checkerboard": "under the lab's checkerboard (90% of free memory pinned, not sealed)",
    "pressure": "pool grown (pool_grow) and shrunk (drop_caches) in a loop, a kthread "
                "taking and returning half of free memory",
}


def tail(out, rows, info):
    t = [r for r in rows if r.get("step") == "tail"]
    if not t:
        return
    out.blank()
    out.heading("== tail latency: single allocations, ns (one sample per allocation, "
                "ktime_get_ns around the call)")
    n = t[0].get("n", "?")
    out.text(f"   {n} samples a run; each percentile is the median over {info.get('repeats', '?')} "
             "runs, (min-max) for p99.9;")
    out.text("   max: the median of the runs' maxima; x kmalloc: p99.9 over kmalloc's p99.9 in the same")
    out.text("   condition (a tail both share is the machine's: ticks, a vCPU the host preempted)")
    out.text("   runs of the four allocators interleaved; alloc_pages: order rounded up; "
             "GFP_KERNEL")
    conds = []
    for r in t:
        if r.get("cond") not in conds:
            conds.append(r.get("cond"))
    for c in conds:
        out.blank()
        out.text(f"-- {c}: {CONDS.get(c, '')}")
        for r in rows:
            if r.get("step") == "hog" and r.get("cond") == c:
                out.text(f"   hog: up to {r.get('mb')} MiB, {r.get('rounds')} rounds, "
                         f"most held {r.get('most_mb')} MiB")
            if r.get("step") == "pressure" and c == "pressure":
                out.text(f"   during the run: pgcluster shrinks +{r.get('shrinks')}, clusters added "
                         f"(refills, pool_grow included) +{r.get('refills')}, "
                         f"grow_sync +{r.get('grow_sync')}")
        out.table(f"{'size':<8} {'allocator':<12} {'p50':>7} {'p99':>8} {'p99.9':>22} "
                  f"{'max':>9} {'p99.9/p50':>9} {'x kmalloc':>9} {'fails':>6}")
        mine = [r for r in t if r.get("cond") == c]
        trios, worst, met = [], 0.0, True
        for size in sorted({num(r, "size") for r in mine}):
            for k in TAIL_KINDS:
                r = next((x for x in mine if x.get("alloc") == k and num(x, "size") == size), None)
                if r is None:
                    continue
                p50, p99, p999, mx = (trio(r, f) for f in ("p50", "p99", "p999", "max"))
                ratio = p999[1] / p50[1] if p50 and p999 and p50[1] else float("inf")
                km = next((x for x in mine if x.get("alloc") == "kmalloc" and
                           num(x, "size") == size), {})
                km999 = trio(km, "p999")
                xkm = f"{p999[1] / km999[1]:.2f}" if p999 and km999 and km999[1] else "-"
                out.table(f"{fmt_size(size):<8} {NAMES[k]:<12} {p50[1] if p50 else '-':>7} "
                          f"{p99[1] if p99 else '-':>8} {fmt_fig(p999):>22} "
                          f"{mx[1] if mx else '-':>9} {ratio:>9.1f} {xkm:>9} {num(r, 'fails'):>6}")
                if k == "pgcluster":
                    trios += [p50, p999]
                    worst = max(worst, ratio)
                    met = met and ratio <= 10 and num(r, "fails") == 0
        if trios:
            out.text(f"goal {c}: pgcluster p99.9 <= 10x p50 at every size: worst {worst:.1f}x: "
                     f"{verdict(met, trios)}")


def scale(out, rows, info):
    s = [r for r in rows if r.get("step") == "scale"]
    if not s:
        return
    out.blank()
    out.heading(f"== scaling: 9000 B alloc+free pairs per second, {info.get('cpus', '?')} vCPUs")
    out.text(f"   N kthreads doing hot pairs for {info.get('scale_ms', '?')} ms; median "
             f"(min-max) over {info.get('repeats', '?')} runs,")
    out.text("   allocators and thread counts interleaved; xN: over 1 thread; 8/2: 8 threads over 2")
    thr = sorted({num(r, "threads") for r in s})
    pg = {}
    out.table(f"{'allocator':<12}" + "".join(f" {str(t) + ' thr k/s':>20}" for t in thr) +
              f" {'x2':>5} {'8/2':>5}")
    for k in TAIL_KINDS:
        by = {num(r, "threads"): trio(r, "pps") for r in s if r.get("alloc") == k}
        if not by:
            continue
        cells = "".join(f" {fmt_fig(by.get(t), 1000, 0):>20}" for t in thr)
        x2 = by[2][1] / by[1][1] if by.get(1) and by.get(2) and by[1][1] else 0
        x82 = by[8][1] / by[2][1] if by.get(8) and by.get(2) and by[2][1] else 0
        out.table(f"{NAMES[k]:<12}{cells} {x2:>5.2f} {x82:>5.2f}")
        if k == "pgcluster":
            pg = by
    if not all(pg.get(t) and pg[t][1] for t in (1, 2, 8)):
        out.text("goal scaling: not measurable")
        return
    x2, x82 = pg[2][1] / pg[1][1], pg[8][1] / pg[2][1]
    out.text(f"goal scaling: pgcluster 2 threads >= 1.8x of 1: {x2:.2f}x: "
             f"{verdict(x2 >= 1.8, [pg[1], pg[2]])}")
    out.text(f"goal scaling: pgcluster 8 threads >= 0.9x of 2: {x82:.2f}x: "
             f"{verdict(x82 >= 0.9, [pg[2], pg[8]])}")


def virt_valid(r):
    """A VIRTOK row counts only when every result was an emergency mapping."""
    return r is not None and num(r, "done") > 0 and num(r, "vhits") == num(r, "done")


def vrows(out, m, kinds):
    out.table(f"{'size':<8} {'allocator':<18} {'hot ns':>10} {'x vmalloc':>9} {'batch ns':>10} "
              f"{'x vmalloc':>9} {'vmalloc%':>8} {'fails':>6}")
    for size in sorted({k[0] for k in m}):
        vm_h, vm_b = m.get((size, "vmalloc", "hot")), m.get((size, "vmalloc", "batch"))
        for k in kinds:
            h, b = m.get((size, k, "hot")), m.get((size, k, "batch"))
            if h is None:
                continue
            h_ok, b_ok = ok(h), ok(b)
            if k == "pgcluster_virtok" and not virt_valid(h):
                # force_virtual absent or 0: not the emergency path
                hot = bat = "n/a" if num(h, "done") else "fail"
                h_ok = b_ok = False
            else:
                hot = fmt_ns(ps(h), h_ok)
                bat = fmt_ns(ps(b), b_ok) if b is not None else "-"
            pct = fmt_pct(num(h, "vhits"), num(h, "done")) \
                if k in ("pgcluster_virtok", "kvmalloc") else "-"
            out.table(f"{fmt_size(size):<8} {NAMES[k]:<18} {hot:>10} "
                      f"{fmt_ratio(ps(h), ps(vm_h), h_ok and ok(vm_h)):>9} {bat:>10} "
                      f"{fmt_ratio(ps(b), ps(vm_b), b is not None and b_ok and ok(vm_b)):>9} "
                      f"{pct:>8} {num(h, 'fails'):>6}")


def emergency(out, rows, info):
    variants = []
    for r in rows:
        if r.get("step") == "emerg":
            v = (r.get("cache", ""), r.get("forced", ""))
            if v not in variants:
                variants.append(v)
    for cache, forced in variants:
        m = measured(rows, "emerg", {"cache": cache, "forced": forced})
        out.blank()
        out.heading("== emergency path: median ns per alloc+free pair over "
                    f"{info.get('repeats', '?')} runs, GFP_KERNEL")
        if forced != "1":
            out.text("   (no force_virtual: the pgcluster VIRTOK rows read n/a)")
        elif cache == "0":
            out.text("   without the slot cache (slot_cache=0): every pair allocates pages,")
            out.text("   maps, unmaps and frees them")
        else:
            out.text(f"   with the slot cache (slot_cache={cache}): freed slots stay mapped and")
            out.text("   the next request of that size reuses one")
        out.text("   pgcluster VIRTOK is timed with force_virtual=1 (n/a: results were not")
        out.text("   emergency mappings, knob absent or 0); kvmalloc: its normal path;")
        out.text("   vmalloc%: share of results in vmalloc space; "
                 f"hot {info.get('hot_iters', '?')} pairs, batch {info.get('batch', '?')}")
        vrows(out, m, ["pgcluster_virtok", "vmalloc", "kvmalloc"])
        pg_h, vm_h = m.get((131072, "pgcluster_virtok", "hot")), m.get((131072, "vmalloc", "hot"))
        pg_b, vm_b = m.get((131072, "pgcluster_virtok", "batch")), m.get((131072, "vmalloc", "batch"))
        goal = "goal 128 KiB: emergency <= 0.5x vmalloc+vfree"
        if virt_valid(pg_h) and ok(pg_h) and ok(vm_h) and ok(pg_b) and ok(vm_b):
            out.text(f"{goal}: {fmt_ratio(ps(pg_h), ps(vm_h), True)}x: "
                     f"{verdict(2 * ps(pg_h) <= ps(vm_h), [row_trio(pg_h), row_trio(vm_h)])} "
                     f"(batch {info.get('batch', '?')}: {fmt_ratio(ps(pg_b), ps(vm_b), True)}x)")
        else:
            out.text(f"{goal}: not measurable")


def waste(out, rows, info):
    w = [r for r in rows if r.get("step") == "waste"]
    if not w:
        return
    out.blank()
    out.heading(f"== waste: {info.get('waste_count', '?')} allocations live at once, "
                f"sizes uniform in [{info.get('min', '?')}, {info.get('max', '?')}] B")
    out.text(f"   (xorshift64, seed {info.get('seed', '?')}); "
             "held/req = bytes held per byte requested")
    out.table(f"{'allocator':<18} {'requested B':>13} {'held B':>13} {'held/req':>9} "
              f"{'fails':>6}  held counted as")
    pg_req = 0
    for r in w:
        req, held = num(r, "requested"), num(r, "held")
        out.table(f"{NAMES.get(r['alloc'], r['alloc']):<18} {req:>13} {held:>13} "
                  f"{fmt_ratio(held, req, req, 3):>9} {num(r, 'fails'):>6}  "
                  f"{WASTE_BASIS.get(r['alloc'], '')}")
        if r["alloc"] == "pgcluster":
            pg_req = req
            out.text("goal pgcluster held/req <= 1.01: " +
                     ("not measurable (failures)" if not req else
                      "met" if held * 100 <= req * 101 else "NOT met"))
    st = next((r for r in rows if r.get("step") == "stats"), None)
    if st is None:
        return
    h0, h1 = num(st, "held0", None), num(st, "held1", None)
    if pg_req and h0 is not None and h1 is not None:
        d = h1 - h0
        out.text(f"pgcluster stats: bytes_held +{d} for {pg_req} requested: "
                 f"{d / pg_req:.4f} held/req (goal <= 1.01: "
                 f"{'met' if d <= 1.01 * pg_req else 'NOT met'})")
    else:
        out.text("pgcluster stats: bytes_held n/a")
    md, pool = num(st, "metadata", None), num(st, "pool", None)
    if md is not None and pool:
        out.text(f"pgcluster stats: metadata_bytes {md} / pool_bytes {pool} = "
                 f"{100 * md / pool:.3f}% (with the set live)")
    else:
        out.text("pgcluster stats: metadata_bytes / pool_bytes n/a")


def success_table(out, rows):
    kinds = ["alloc_pages_noretry", "kmalloc_noretry", "kvmalloc", "pgcluster",
             "pgcluster_virtok"]
    sizes = sorted({num(r, "size") for r in rows})
    by = {(r["alloc"], num(r, "size")): r for r in rows}
    out.table(f"{'allocator':<22}" + "".join(f" {fmt_size(s):>11}" for s in sizes))
    for k in kinds:
        cells = [by.get((k, s)) for s in sizes]
        if not any(cells):
            continue
        out.table(f"{NAMES[k]:<22}" + "".join(
            f" {fmt_pct(num(c, 'ok'), num(c, 'n')) if c else '-':>11}" for c in cells))
        if k in ("kvmalloc", "pgcluster_virtok"):
            out.table(f"{'  of which virtual':<22}" + "".join(
                f" {fmt_pct(num(c, 'virt'), num(c, 'ok')) if c else '-':>11}"
                for c in cells))


def success(out, rows, notes):
    s = [r for r in rows if r.get("step") == "success"]
    if not s:
        return
    n = num(s[0], "n")
    total = n * sum({num(r, "size") for r in s})
    out.blank()
    out.heading(f"== success: {n} requests of each size per allocator, all held until the")
    out.text(f"   allocator's row is done ({total >> 10} KiB requested), then freed; % succeeded")
    out.text("   NORETRY = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN; the others")
    out.text("   GFP_KERNEL | __GFP_NOWARN; virtual = result in vmalloc space")
    out.blank()
    out.text("-- a) memory as the injector left it")
    success_table(out, [r for r in s if r.get("phase") == "a"])
    b = [r for r in s if r.get("phase") == "b"]
    if b:
        out.blank()
        out.text("-- b) and every free block of order >= 1 held by the lab's seal")
        out.text("   (inject/control seal:10000 around each allocator's row)")
        success_table(out, b)
        for t in notes:
            if t.startswith("seal around success"):
                out.text("   " + t)


def kvpath(out, rows, info, notes):
    m = measured(rows, "kvpath")
    if not m:
        return
    sealed = any(r.get("sealed") == "1" for r in rows if r.get("step") == "kvpath")
    out.blank()
    out.heading("== vmalloc paths under fragmentation: median ns per pair, hot loop of "
                f"{info.get('kv_iters', '?')}")
    out.text(f"   pairs, {info.get('repeats', '?')} runs, pgcluster VIRTOK with force_virtual=1"
             f"{', inside the seal' if sealed else ''}.")
    out.text("   Before each size, kmalloc of that size is drained (kmalloc NORETRY until")
    out.text(f"   it fails, at most {info.get('drain_mb', '?')} MiB held) to push kvmalloc "
             "onto its vmalloc path;")
    out.text("   kvmalloc's failing kmalloc try is part of its cost and is timed too.")
    for r in rows:
        if r.get("step") == "kvdrain":
            out.text(f"   {fmt_size(num(r, 'size'))}: drained {num(r, 'drained')} kmalloc objects"
                     f"{' (cap reached: kmalloc still succeeded)' if r.get('capped') == '1' else ''}")
    vrows(out, m, ["kvmalloc", "vmalloc", "pgcluster_virtok"])
    for t in notes:
        if t.startswith("seal around kvpath"):
            out.text("   " + t)


def report(path, markdown=False, command="make bench", png_name=None):
    rows, info, meta, notes = parse(path)
    out = Out(markdown)
    if markdown:
        out.text("# pgcluster benchmarks")
        out.blank()
        out.text(f"Generated by `{command}` (scripts/bench.sh, scripts/bench_report.py) "
                 f"on {datetime.date.today().isoformat()}; do not edit by hand.")
        out.text("Times come from QEMU TCG: compare them within one run only.")
        out.text("Every timing is measured in several runs, the allocators interleaved, and")
        out.text("printed as median (min-max); a goal line says met or NOT met, or \"spread too")
        out.text(f"wide: no verdict\" when a figure behind it varied more than {SPREAD_MAX}x")
        out.text("(max/min) between runs.  scripts/bench.sh's header says what each part does.")
        out.blank()
        for t in meta:
            out.text(f"  - {t.strip()}" if t.startswith(" ") else f"- {t}")
    else:
        for t in meta:
            out.text(t)
    for t in notes:
        if not t.startswith("seal around"):
            out.text("NOTE: " + t)
    out.blank()
    speed(out, rows, info)
    emergency(out, rows, info)
    obs(out, rows)
    growth(out, rows, info)
    if markdown and png_name:
        out.blank()
        out.lines.append(f"![cost growth]({png_name})")
    tail(out, rows, info)
    scale(out, rows, info)
    waste(out, rows, info)
    success(out, rows, notes)
    kvpath(out, rows, info, notes)
    return out.done()


def growth_png(rows, path):
    """The cost-growth plot as a PNG, drawn with experiment/plot.py's
    standard-library Canvas: pair ns (median, min-max whisker) against
    clusters and against live allocations, log x."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "pgc_plot", os.path.join(here, "..", "experiment", "plot.py"))
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    g = [r for r in rows if r.get("step") == "growth" and trio(r, "pair")]
    panels = [
        ("pair ns vs clusters", "pool", "clusters", [
            ("pgcluster empty", (30, 90, 200), lambda r: r.get("alloc") == "pgcluster" and r.get("adv") == "0"),
            ("pgcluster adv", (210, 40, 40), lambda r: r.get("alloc") == "pgcluster" and r.get("adv") == "1"),
            ("kmalloc", (120, 120, 120), lambda r: r.get("alloc") == "kmalloc" and r.get("adv") == "0"),
        ]),
        ("pair ns vs live allocations", "live", "n", [
            ("pgcluster", (30, 90, 200), lambda r: r.get("alloc") == "pgcluster"),
            ("kmalloc", (120, 120, 120), lambda r: r.get("alloc") == "kmalloc"),
        ]),
    ]
    pw, ph, left, top = 420, 260, 80, 60
    cv = plot.Canvas(left + 2 * (pw + left) , top + ph + 60)
    cv.text(10, 10, "pgcluster cost growth: 9000 b alloc+free pair, ns (median, min-max)", scale=2)
    for j, (title, axis, xkey, lines) in enumerate(panels):
        x0, y0 = left + j * (pw + left), top
        pts = [r for r in g if r.get("axis") == axis and num(r, xkey) > 0]
        if not pts:
            continue
        xs = [math.log10(num(r, xkey)) for r in pts]
        xlo, xhi = min(xs), max(xs)
        ytop = 2 * max(trio(r, "pair")[1] for r in pts) / 1000
        cv.text(x0, y0 - 18, title, scale=2)
        cv.rect(x0, y0, x0 + pw, y0 + ph, (0, 0, 0))
        cv.text(x0 - 70, y0, f"{ytop:.0f}", scale=2)
        cv.text(x0 - 70, y0 + ph - 10, "0", scale=2)
        cv.text(x0, y0 + ph + 6, str(num(pts[xs.index(xlo)], xkey)), scale=2)
        cv.text(x0 + pw - 60, y0 + ph + 6, str(num(pts[xs.index(xhi)], xkey)), scale=2)

        def xy(r, v):
            fx = (math.log10(num(r, xkey)) - xlo) / (xhi - xlo) if xhi > xlo else 0.5
            fy = min(max(v / 1000 / ytop, 0.0), 1.0)
            return x0 + 10 + int(fx * (pw - 20)), y0 + ph - int(fy * ph)
        for k, (name, col, want) in enumerate(lines):
            mine = sorted((r for r in pts if want(r)), key=lambda r: num(r, xkey))
            p = [xy(r, trio(r, "pair")[1]) for r in mine]
            for a, b in zip(p, p[1:]):
                cv.line(a[0], a[1], b[0], b[1], col, thick=2)
            for r, q in zip(mine, p):
                lo, hi = xy(r, trio(r, "pair")[0]), xy(r, trio(r, "pair")[2])
                cv.line(q[0] + k * 3, lo[1], q[0] + k * 3, hi[1], col)
                cv.rect(q[0] - 2, q[1] - 2, q[0] + 2, q[1] + 2, col, fill=True)
            lx, ly = x0 + pw - 150, y0 + 8 + k * 16
            cv.rect(lx, ly + 2, lx + 10, ly + 8, col, fill=True)
            cv.text(lx + 14, ly, name, scale=2)
    cv.png(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", help="the rows bench.sh kept (bench.rows)")
    ap.add_argument("--markdown", action="store_true", help="a Markdown page")
    ap.add_argument("--command", default="make bench",
                    help="the command named as the page's source")
    ap.add_argument("--png", help="also draw the cost-growth plot to this PNG")
    ap.add_argument("--png-name", help="the PNG's name to link from the Markdown page")
    a = ap.parse_args()
    sys.stdout.write(report(a.rows, a.markdown, a.command, a.png_name))
    if a.png:
        rows = parse(a.rows)[0]
        if any(r.get("step") == "growth" for r in rows):
            growth_png(rows, a.png)


if __name__ == "__main__":
    main()
