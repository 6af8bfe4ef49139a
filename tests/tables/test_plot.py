#!/usr/bin/env python3
"""tools/plot.py draws what the tables hold, and refuses what it cannot read.

  python3 tests/tables/test_plot.py build/consim

One sweep with two --vary values, one of which holds a comma (the case that
made the old awk plotter draw a stale rate of 836900%), a one-point sweep,
a probe table and a JSON report. Checks, reading the CSV with Python's own
csv module (not pandas, which the plotter uses):
  - every plot kind writes its picture; the same input gives the same SVG bytes;
  - the heat map has one panel per metric, facet and level, one cell per row,
    and every cell's stale rate and interval, as the CSV has them, is a text
    of the SVG; the comma value is one facet, named whole;
  - a CSV that is not a consim table, or a number column holding text, is
    refused with exit 2 and a message, and nothing is written.
"""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PLOT = os.path.join(HERE, "..", "..", "tools", "plot.py")


def fail(msg):
    print(f"test_plot: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def run(args, ok=True):
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if ok and r.returncode != 0:
        fail(f"{' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r


def plot(*args, ok=True):
    return run([sys.executable, PLOT, *args], ok)


def main():
    consim = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="consim-plot-") as d:
        p = lambda f: os.path.join(d, f)  # noqa: E731
        run([consim, "sweep", "--w", "all", "--r", "1,2", "--seeds", "1", "-q", "--set", "duration_ms=4000",
             "--vary", 'name="a,b","c"', "-o", p("s.csv"), "--probe-output", p("p.csv")])
        run([consim, "sweep", "--w", "2", "--r", "1", "--seeds", "1", "-q", "--set", "duration_ms=3000",
             "-o", p("one.csv")])
        run([consim, "run", "-q", "--format", "json", "--set", "duration_ms=8000", "-o", p("r.json")])

        rows = list(csv.DictReader(open(p("s.csv"), newline="")))
        levels = list(dict.fromkeys(r["level"] for r in rows))
        names = list(dict.fromkeys(r["name"] for r in rows))
        if names != ["a,b", "c"]:
            fail(f"the sweep's name values read back as {names}")
        r = plot("heatmap", p("s.csv"), p("h.svg"))
        want = f"({2 * len(names) * len(levels)} panels, {2 * len(rows)} cells, {len(names)} facet(s))"
        if want not in r.stdout:
            fail(f"heatmap drew {r.stdout.strip()}, the CSV has {want}")
        svg = open(p("h.svg")).read()
        for row in rows:
            rate = float(row["stale_rate"])
            text = f"{100 * rate:.2f}%"
            if text not in svg:
                fail(f"the stale rate {text} of W={row['w']} R={row['r']} {row['level']} is not drawn")
        if "name=a,b" not in svg:
            fail("the facet of the value 'a,b' is not named whole")
        plot("heatmap", p("s.csv"), p("h2.svg"))
        if open(p("h2.svg"), "rb").read() != open(p("h.svg"), "rb").read():
            fail("the same table gave two different SVG files")

        # The page: one hover per cell, holding the CSV's counts and interval; nothing fetched.
        r = plot("heatmap", p("s.csv"), p("h.html"))
        if want not in r.stdout:
            fail(f"the heatmap page drew {r.stdout.strip()}, the CSV has {want}")
        page = open(p("h.html")).read()
        n_cells = page.count('<g class="cell"')
        if n_cells != 2 * len(rows):
            fail(f"the page has {n_cells} cells for {len(rows)} rows x 2 metrics")
        for row in rows:
            hover = (f"W={row['w']} R={row['r']} {row['level']}: stale {row['stale_reads']}/{row['answered']} = "
                     f"{100 * float(row['stale_rate']):.2f}%, 95% interval [{100 * float(row['stale_rate_ci_low']):.2f}%, "
                     f"{100 * float(row['stale_rate_ci_high']):.2f}%]")
            if hover not in page:
                fail(f"no hover {hover!r} in the page")
        for bad in ("http://", "https://", "src=", "<link"):
            if bad in page:
                fail(f"the page is not self-contained: it holds {bad!r}")
        if "N=3, name=a,b" not in page:
            fail("the page's facet of the value 'a,b' is not named whole")
        r = plot("heatmap", p("one.csv"), p("one.png"), "eventual")
        if "(2 panels, 2 cells, 1 facet(s))" not in r.stdout:
            fail(f"a one-point grid drew {r.stdout.strip()}")
        if open(p("one.png"), "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            fail("one.png is not a PNG")
        plot("latency", p("s.csv"), p("l.svg"))
        r = plot("probe", p("p.csv"), p("p.svg"), ok=False)
        if r.returncode not in (0, 2) or (r.returncode == 2 and "never stale" not in r.stderr):
            fail(f"probe: exit {r.returncode}: {r.stderr.strip()}")
        plot("window", p("r.json"), p("w.svg"))
        for f in ["l.svg", "w.svg"]:
            if not open(p(f)).read(200).lstrip().startswith("<?xml"):
                fail(f"{f} is not an SVG file")

        # Refused, exit 2, nothing written.
        open(p("x.csv"), "w").write("a,b\n1,2\n")
        bad = open(p("s.csv")).read().replace(rows[0]["stale_rate"], "abc", 1)
        open(p("bad.csv"), "w").write(bad)
        for args, msg in [(("heatmap", p("x.csv"), p("out.svg")), "not a consim"),
                          (("heatmap", p("bad.csv"), p("out.svg")), "is not a number"),
                          (("heatmap", p("s.csv"), p("out.txt")), "must end in .svg, .png or .html"),
                          (("window", p("s.csv"), p("out.svg")), "not a JSON report")]:
            r = plot(*args, ok=False)
            if r.returncode != 2 or msg not in r.stderr:
                fail(f"{args[0]} {os.path.basename(args[1])}: exit {r.returncode}, {r.stderr.strip()!r}; "
                     f"expected exit 2 and {msg!r}")
            if os.path.exists(p("out.svg")) or os.path.exists(p("out.txt")):
                fail(f"{args[0]} {os.path.basename(args[1])} wrote its output although refused")
    print("test_plot: heatmap, latency, probe and window drawn from what the tables hold; bad input refused")
    return 0


if __name__ == "__main__":
    sys.exit(main())
