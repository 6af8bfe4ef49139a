#!/usr/bin/env python3
"""Plots from consim's outputs, read with a real CSV and JSON reader
(Debian: python3-pandas, python3-matplotlib).

  tools/plot.py window REPORT.json OUT.svg
      the stale-read window of one run: P(stale) against the time since the
      write was acknowledged, one curve per level, from the report's "probe"
      (reads at fixed delays after each acknowledged write) and "window" (all
      reads, bucketed by the time since the newest acknowledged write), each
      point with its 95% Wilson interval and its number of reads.
      REPORT.json: consim run FILE --format json --output REPORT.json
  tools/plot.py heatmap SWEEP.csv OUT.svg|OUT.png|OUT.html [LEVELS]
      W x R heat maps of the stale rate (with its 95% interval) and of the p99
      read latency: one column of panels per level, one row per --vary value
      (facets), one colour scale per metric across all panels, the cells
      where R + W > N outlined. LEVELS: e.g. "eventual strong" (default: all).
      OUT.html: one self-contained page (nothing fetched), each cell's counts
      and interval in its hover.
      SWEEP.csv: consim sweep FILE --w all --r all --output SWEEP.csv
  tools/plot.py latency SWEEP.csv OUT.svg [LEVEL]
      p50 and p99 read latency of one level (default: the first) for every
      point (W, R and the --vary values), as bars.
  tools/plot.py probe PROBE.csv OUT.svg [LEVEL]
      P(stale) against the delay after the acknowledgement, one curve per sweep
      point that is ever stale, with 95% Wilson intervals, for one level
      (default: the first). PROBE.csv: consim sweep ... --probe-output PROBE.csv

The output format follows OUT's extension: .svg or .png. On input it cannot
plot (not a consim table, a column that is not numbers, nothing to draw) it
says why and exits 2, writing nothing; a picture is never drawn from a
misread file. On success it prints "plot: wrote OUT (...)" with what it drew.
"""
import json
import math
import os
import sys
import tempfile

KEYS = ["n", "w", "r", "level"]
Z = 1.959963984540054


class PlotError(Exception):
    pass


def wilson(k, n):
    """The 95% Wilson score interval of k successes in n trials (docs/sweep.md)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def load_table(path, first_own, numeric, what):
    """A consim sweep table: its --vary columns are those between the key
    columns and `first_own`, kept as text; `numeric` columns must hold numbers."""
    import pandas as pd

    try:
        head = pd.read_csv(path, nrows=0)
    except Exception as e:  # pandas raises several types for unreadable input
        raise PlotError(f"{path}: not a CSV table ({e})")
    cols = list(head.columns)
    missing = [c for c in ["n", "w", "r", first_own] + numeric if c not in cols]
    if missing:
        raise PlotError(f"{path}: not a consim {what} (no column {', '.join(missing)})")
    start = cols.index("level") + 1 if "level" in cols else cols.index("r") + 1
    vary = cols[start:cols.index(first_own)]
    d = pd.read_csv(path, dtype={c: str for c in vary + ["level"] if c in cols}, keep_default_na=False,
                    na_values={c: [""] for c in cols if c not in vary and c != "level"})
    if d.empty:
        raise PlotError(f"{path}: the table has no rows")
    for c in ["n", "w", "r"] + numeric:
        bad = pd.to_numeric(d[c], errors="coerce").isna() & d[c].notna()
        if bad.any():
            row = int(bad.idxmax())
            raise PlotError(f"{path}: column {c}, row {row + 2}: {d[c][row]!r} is not a number")
        d[c] = pd.to_numeric(d[c])
    return d, vary


def facet_label(vary, values):
    return ", ".join(f"{p}={v}" for p, v in zip(vary, values)) if vary else ""


def output_kind(out, kind):
    ext = os.path.splitext(out)[1].lower()
    allowed = (".svg", ".png", ".html") if kind == "heatmap" else (".svg", ".png")
    if ext not in allowed:
        raise PlotError(f"{out}: the output must end in {', '.join(allowed[:-1])} or {allowed[-1]}")
    return ext


def save(fig, out, text=None):
    """Written to a temporary file in OUT's directory, then renamed over OUT
    (only when OUT is a regular file or does not exist). fig: a matplotlib
    figure; or text: the file's content."""
    if os.path.lexists(out) and not os.path.isfile(out):
        raise PlotError(f"{out}: exists and is not a regular file; not replaced")
    d = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out) + ".", dir=d,
                               suffix=os.path.splitext(out)[1])
    os.close(fd)
    try:
        if text is not None:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            fig.savefig(tmp, bbox_inches="tight", metadata={"Date": None} if out.endswith(".svg") else None)
        # The target's permissions, or a new file's (0666 less the umask), not mkstemp's 0600.
        if os.path.exists(out):
            mode = os.stat(out).st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def plt_module():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "consim"  # the same input gives the same bytes
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, and checked by tests
    import matplotlib.pyplot as plt

    return plt


def heatmap(path, out, levels_arg):
    import numpy as np
    from matplotlib.patches import Rectangle

    d, vary = load_table(path, "seeds", ["stale_rate", "stale_rate_ci_low", "stale_rate_ci_high", "read_p99_ms",
                                         "strict_quorum", "answered"], "sweep main table (consim sweep --output)")
    levels = levels_arg.split() if levels_arg else list(dict.fromkeys(d["level"]))
    for lv in levels:
        if lv not in set(d["level"]):
            raise PlotError(f"{path}: no rows at level {lv} (levels: {' '.join(dict.fromkeys(d['level']))})")
    d = d[d["level"].isin(levels)]
    facet_cols = ["n"] + vary
    d = d.assign(_facet=list(zip(*[d[c] for c in facet_cols])))
    facets = list(dict.fromkeys(d["_facet"]))
    if len(facets) * len(levels) > 48:
        raise PlotError(f"{path}: {len(facets)} --vary facets x {len(levels)} levels is more panels than one "
                        f"picture can show (48); plot a subset of the rows or LEVELS")
    ws = sorted(d["w"].unique())
    rs = sorted(d["r"].unique())
    if out.lower().endswith(".html"):
        return heatmap_html(path, out, d, vary, levels, facets, facet_cols, ws, rs)
    plt = plt_module()
    metrics = [("stale_rate", "stale rate", "Reds"), ("read_p99_ms", "p99 read latency (ms)", "Blues")]
    nrow, ncol = 2 * len(facets), len(levels)
    cell = 0.55
    fig, axes = plt.subplots(nrow, ncol, squeeze=False, layout="constrained",
                             figsize=(max(3.6, 1.4 + cell * len(ws) * 1.6) * ncol + 1.2,
                                      (1.6 + cell * len(rs) * 1.3) * nrow))
    cells = 0
    for mi, (col, title, cmap) in enumerate(metrics):
        vals = d[col].dropna()
        vmax = float(vals.max()) if len(vals) else 1.0
        if vmax <= 0:
            vmax = 1e-9 if col == "stale_rate" else 1.0
        image = None
        for fi, facet in enumerate(facets):
            sel = d[d["_facet"].map(lambda t, f=facet: t == f)]
            for li, lv in enumerate(levels):
                ax = axes[mi * len(facets) + fi][li]
                part = sel[sel["level"] == lv]
                grid = np.full((len(rs), len(ws)), np.nan)
                for row in part.itertuples(index=False):
                    grid[rs.index(row.r), ws.index(row.w)] = getattr(row, col)
                image = ax.imshow(grid, origin="lower", cmap=cmap, vmin=0, vmax=vmax, aspect="equal")
                for row in part.itertuples(index=False):
                    x, y = ws.index(row.w), rs.index(row.r)
                    v = getattr(row, col)
                    cells += 1
                    if math.isnan(v):
                        text = "n/a"
                    elif col == "stale_rate":
                        text = f"{100 * v:.2f}%\n[{100 * row.stale_rate_ci_low:.2f}, {100 * row.stale_rate_ci_high:.2f}]"
                    else:
                        text = f"{v:.1f}"
                    dark = not math.isnan(v) and v > 0.6 * vmax
                    ax.text(x, y, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
                    if row.strict_quorum == 1:
                        ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, lw=2.2, ec="black"))
                ax.set_xticks(range(len(ws)), [str(w) for w in ws])
                ax.set_yticks(range(len(rs)), [str(r) for r in rs])
                ax.set_xlabel("W (write quorum)")
                ax.set_ylabel("R (read quorum)")
                label = facet_label(vary, facet[1:])
                ax.set_title(f"{lv}: {title}\nN={facet[0]}" + (f", {label}" if label else ""), fontsize=9)
        fig.colorbar(image, ax=[axes[mi * len(facets) + fi][li] for fi in range(len(facets)) for li in range(ncol)],
                     shrink=0.8, label=title + " (one scale for every panel)")
    fig.suptitle(f"W x R: {os.path.basename(path)}; outlined cells: R + W > N (strict quorum); "
                 "stale rate with its 95% interval", fontsize=10)
    save(fig, out)
    return f"{nrow * ncol} panels, {cells} cells, {len(facets)} facet(s)"


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def heat_colour(v, vmax, hue):
    """White (0) to a saturated colour (vmax), as an sRGB hex string."""
    if v != v:  # NaN
        return "#dddddd"
    t = 0.0 if vmax <= 0 else max(0.0, min(1.0, v / vmax))
    end = {"red": (178, 24, 43), "blue": (33, 102, 172)}[hue]
    rgb = [round(255 + (e - 255) * t) for e in end]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heatmap_html(path, out, d, vary, levels, facets, facet_cols, ws, rs):
    """One self-contained page (no script or style fetched): the panels as
    inline SVG, each cell's value, interval and counts in its hover (<title>),
    one colour scale per metric across panels, R + W > N outlined."""
    metrics = [("stale_rate", "stale rate", "red"), ("read_p99_ms", "p99 read latency (ms)", "blue")]
    c, m = 64, 40  # cell size, margin
    parts, cells = [], 0
    for col, title, hue in metrics:
        vals = d[col].dropna()
        vmax = float(vals.max()) if len(vals) else 0.0
        parts.append(f'<h2>{esc(title)}</h2><p class="scale">one colour scale for every panel: white 0 to '
                     f'<span style="background:{heat_colour(vmax, vmax, hue)}">&nbsp;&nbsp;&nbsp;</span> '
                     f'{(100 * vmax if col == "stale_rate" else vmax):.3g}{"%" if col == "stale_rate" else " ms"}</p>')
        for facet in facets:
            label = facet_label(vary, facet[1:])
            parts.append(f'<h3>N={facet[0]}{(", " + esc(label)) if label else ""}</h3><div class="row">')
            for lv in levels:
                part = d[(d["_facet"].map(lambda t, f=facet: t == f)) & (d["level"] == lv)]
                wdt, hgt = m + c * len(ws) + 8, m + c * len(rs) + 30
                svg = [f'<svg class="panel" width="{wdt}" height="{hgt}" data-level="{esc(lv)}" data-metric="{col}" '
                       f'data-cells="{len(part)}" role="img"><text x="{m}" y="14" class="t">{esc(lv)}</text>']
                for row in part.itertuples(index=False):
                    x = m + c * ws.index(row.w)
                    y = 20 + c * (len(rs) - 1 - rs.index(row.r))
                    v = getattr(row, col)
                    cells += 1
                    if col == "stale_rate":
                        txt = "n/a" if v != v else f"{100 * v:.2f}%"
                        hover = (f"W={row.w} R={row.r} {lv}: stale {row.stale_reads}/{row.answered} = {txt}, 95% "
                                 f"interval [{100 * row.stale_rate_ci_low:.2f}%, {100 * row.stale_rate_ci_high:.2f}%]")
                    else:
                        txt = "n/a" if v != v else f"{v:.1f}"
                        hover = f"W={row.w} R={row.r} {lv}: p99 read latency {txt} ms over {row.answered} reads"
                    hover += "; R + W > N (strict quorum)" if row.strict_quorum == 1 else "; R + W <= N"
                    strict = ' class="strict"' if row.strict_quorum == 1 else ""
                    dark = v == v and vmax > 0 and v > 0.6 * vmax
                    svg.append(f'<g class="cell" data-w="{row.w}" data-r="{row.r}"><title>{esc(hover)}</title>'
                               f'<rect x="{x}" y="{y}" width="{c}" height="{c}" fill="{heat_colour(v, vmax, hue)}"{strict}/>'
                               f'<text x="{x + c / 2}" y="{y + c / 2 + 4}" class="v{" d" if dark else ""}">{txt}</text></g>')
                for i, w in enumerate(ws):
                    svg.append(f'<text x="{m + c * i + c / 2}" y="{20 + c * len(rs) + 14}" class="ax">W={w}</text>')
                for j, r in enumerate(rs):
                    svg.append(f'<text x="{m - 6}" y="{20 + c * (len(rs) - 1 - j) + c / 2 + 4}" class="ax ay">R={r}</text>')
                svg.append("</svg>")
                parts.append("".join(svg))
            parts.append("</div>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>W x R: {esc(os.path.basename(path))}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
.row {{ display: flex; flex-wrap: wrap; gap: 1em; }}
h3 {{ font-size: 14px; margin: 0.8em 0 0.2em; }}
.panel text.t {{ font-size: 12px; font-weight: bold; }}
.panel text.v {{ font-size: 11px; text-anchor: middle; }}
.panel text.v.d {{ fill: #fff; }}
.panel text.ax {{ font-size: 11px; text-anchor: middle; fill: #555; }}
.panel text.ay {{ text-anchor: end; }}
.panel rect {{ stroke: #fff; stroke-width: 1; }}
.panel rect.strict {{ stroke: #000; stroke-width: 3; }}
.cell:hover rect {{ stroke: #f90; stroke-width: 3; }}
.scale span {{ border: 1px solid #999; }}
</style></head><body>
<h1>W x R: {esc(os.path.basename(path))}</h1>
<p>One panel per level and per <code>--vary</code> value ({esc(", ".join(vary) or "none")}); cells outlined
in black: R + W &gt; N (a strict quorum). Hover a cell for its counts and its 95% Wilson interval.</p>
{"".join(parts)}
</body></html>
"""
    save(None, out, page)
    return f"{2 * len(facets) * len(levels)} panels, {cells} cells, {len(facets)} facet(s)"


def latency(path, out, level):
    d, vary = load_table(path, "seeds", ["read_p50_ms", "read_p99_ms"], "sweep main table (consim sweep --output)")
    level = level or d["level"].iloc[0]
    d = d[d["level"] == level]
    if d.empty:
        raise PlotError(f"{path}: no rows at level {level}")
    labels = [f"W={row.w} R={row.r}" + "".join(f"\n{p}={row[i + 4]}" for i, p in enumerate(vary))
              for row in d.itertuples(index=False)]
    plt = plt_module()
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(d)), 4.6))
    x = range(len(d))
    ax.bar([i - 0.2 for i in x], d["read_p50_ms"], width=0.4, label="read p50")
    ax.bar([i + 0.2 for i in x], d["read_p99_ms"], width=0.4, label="read p99")
    ax.set_xticks(list(x), labels, fontsize=7)
    ax.set_ylabel("ms")
    ax.grid(axis="y", alpha=0.4)
    ax.legend()
    ax.set_title(f"Read latency by point ({level} reads); write latency: consim sweep --writes-output", fontsize=10)
    save(fig, out)
    return f"{len(d)} points"


def zero_at(delays):
    pos = [x for x in delays if x > 0]
    return min(pos) / 2 if pos else 0.5


def curve(ax, xs, ks, ns, label, style):
    """P(stale) with 95% Wilson intervals; points without reads are left out."""
    pts = [(x, k, n) for x, k, n in zip(xs, ks, ns) if n > 0]
    if not pts:
        return 0
    z = zero_at([p[0] for p in pts])
    X = [p[0] if p[0] > 0 else z for p in pts]
    Y = [p[1] / p[2] for p in pts]
    lo = [max(0.0, y - wilson(p[1], p[2])[0]) for y, p in zip(Y, pts)]  # max: rounding at k = 0 or n
    hi = [max(0.0, wilson(p[1], p[2])[1] - y) for y, p in zip(Y, pts)]
    nmin, nmax = min(p[2] for p in pts), max(p[2] for p in pts)
    ax.errorbar(X, Y, yerr=[lo, hi], capsize=3, label=f"{label} (n={nmin}" + (f"..{nmax})" if nmax != nmin else ")"),
                **style)
    return len(pts)


def probe(path, out, level):
    d, vary = load_table(path, "delay_ms", ["reads", "stale_reads"], "sweep probe table (consim sweep --probe-output)")
    level = level or d["level"].iloc[0]
    d = d[d["level"] == level]
    if d.empty:
        raise PlotError(f"{path}: no rows at level {level}")
    plt = plt_module()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    drawn = 0
    for key, g in d.groupby(["n", "w", "r"] + vary, sort=False):
        if g["stale_reads"].sum() == 0:
            continue
        name = f"W={key[1]} R={key[2]}" + "".join(f" {p}={v}" for p, v in zip(vary, key[3:]))
        curve(ax, list(g["delay_ms"]), list(g["stale_reads"]), list(g["reads"]), name, {"marker": "o"})
        drawn += 1
    if not drawn:
        raise PlotError(f"{path}: no point is ever stale at level {level}: nothing to draw")
    ax.set_xscale("log")
    ax.set_xlabel("time since the write was acknowledged (ms, log scale; 0 drawn at half the smallest delay)")
    ax.set_ylabel("P(stale read), 95% Wilson interval")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.4)
    ax.legend(fontsize=7)
    ax.set_title(f"P(stale) after the acknowledgement: {level} reads (probe)", fontsize=10)
    save(fig, out)
    return f"{drawn} curves"


def window(path, out):
    try:
        with open(path) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        raise PlotError(f"{path}: not a JSON report ({e}); expected consim run ... --format json")
    if not isinstance(rep, dict) or "probe" not in rep and "window" not in rep:
        raise PlotError(f"{path}: not a consim JSON report (no probe or window)")
    plt = plt_module()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    drawn = 0
    for level, rows in (rep.get("probe") or {}).items():
        drawn += curve(ax, [r["delay_ms"] for r in rows], [r["stale_reads"] for r in rows], [r["reads"] for r in rows],
                       f"probe, {level}", {"marker": "o", "lw": 2}) > 0
    for level, rows in (rep.get("window") or {}).items():
        drawn += curve(ax, [r["lo_ms"] for r in rows], [r["stale_reads"] for r in rows], [r["reads"] for r in rows],
                       f"all reads, {level}", {"marker": ".", "ls": "--", "lw": 1}) > 0
    if not drawn:
        raise PlotError(f"{path}: the report has no probe or window reads to draw")
    name = rep.get("scenario", {}).get("name", "")
    ax.set_xscale("log")
    ax.set_xlabel("time since the write was acknowledged (ms, log scale; 0 drawn at half the smallest delay)")
    ax.set_ylabel("P(stale read), 95% Wilson interval")
    ax.set_ylim(-0.02, 1.05)
    ax.grid(alpha=0.4)
    ax.legend(fontsize=7)
    ax.set_title(f"Stale-read window: {name}", fontsize=10)
    save(fig, out)
    return f"{drawn} curves"


def main(argv):
    if len(argv) < 4 or argv[1] not in ("window", "heatmap", "latency", "probe"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, path, out = argv[1], argv[2], argv[3]
    extra = argv[4] if len(argv) > 4 else None
    try:
        output_kind(out, kind)
        if os.path.abspath(out) == os.path.abspath(path):
            raise PlotError(f"{out}: the output is the input")
        if not os.path.isfile(path):
            raise PlotError(f"{path}: not a readable file")
        try:
            import matplotlib  # noqa: F401
            import pandas  # noqa: F401
        except ImportError as e:
            print(f"plot: {e.name} is missing: apt-get install python3-pandas python3-matplotlib", file=sys.stderr)
            return 1
        what = {"window": lambda: window(path, out), "heatmap": lambda: heatmap(path, out, extra),
                "latency": lambda: latency(path, out, extra), "probe": lambda: probe(path, out, extra)}[kind]()
    except PlotError as e:
        print(f"plot: {e}", file=sys.stderr)
        return 2
    print(f"plot: wrote {out} ({what})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
