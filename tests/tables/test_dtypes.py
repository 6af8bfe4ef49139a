#!/usr/bin/env python3
"""The sweep's five tables, loaded as a pandas user loads them.

  python3 tests/tables/test_dtypes.py build/consim

Runs one small sweep that writes every table and its provenance file
(--meta-output), then checks, from the provenance file's column list (the
same declarations as docs/sweep.md's column tables):
  - each table's header is the declared columns, in order;
  - pandas.read_csv, given no dtypes, infers int64 for every `integer` and
    `0 or 1` column and float64 for every `decimal` one; the declared
    dtypes ("pandas") load every table without error;
  - the seed column holds integers below 2^53 (exact in every reader);
  - `decimal or never` cells are a number, `never` or empty;
  - every table has one row per thing: its key columns are unique;
  - no sum counts a thing twice: the seeds table's counts add up to main's
    pooled rows, the window's stale reads to main's, and writes are in the
    writes table only, one row per grid point.
Exit status 0 when all hold; otherwise the first failure, and 1.
"""
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd

COUNTS = ["reads", "answered", "stale_reads", "failed_reads"]


def fail(msg):
    print(f"test_dtypes: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    consim = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="consim-dtypes-") as d:
        f = {t: os.path.join(d, t + ".csv") for t in ["main", "window", "probe", "writes", "seeds"]}
        meta_path = os.path.join(d, "meta.json")
        cmd = [consim, "sweep", "--w", "all", "--r", "1,2", "--seeds", "2", "--jobs", "2", "-q",
               "--set", "duration_ms=4000", "--vary", "network.loss=0,0.05",
               "--output", f["main"], "--window-output", f["window"], "--probe-output", f["probe"],
               "--writes-output", f["writes"], "--seeds-output", f["seeds"], "--meta-output", meta_path]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        check(r.returncode == 0, f"consim sweep exited {r.returncode}: {r.stderr.strip()}")
        with open(meta_path) as fh:
            meta = json.load(fh)
        check(set(meta["tables"]) == set(f), f"the provenance file lists tables {sorted(meta['tables'])}")
        vary = meta["sweep"]["vary"]
        check(vary == ["network.loss"], f"provenance vary {vary}")
        points = meta["sweep"]["points"]
        check(points == 3 * 2 * 2, f"provenance points {points}, expected 12 (W 1..3, R 1..2, 2 loss values)")
        levels = set(meta["sweep"]["levels"])

        tables, keys = {}, {}
        for name, path in f.items():
            cols = meta["tables"][name]["columns"]
            check(meta["tables"][name]["file"] == path, f"{name}: provenance file {meta['tables'][name]['file']}")
            names = [c["name"] for c in cols]
            inferred = pd.read_csv(path)
            check(list(inferred.columns) == names, f"{name}: header {list(inferred.columns)} is not {names}")
            check(len(inferred) > 0, f"{name}: no rows")
            for c in cols:
                got = str(inferred[c["name"]].dtype)
                if c["type"] in ("integer", "0 or 1"):
                    check(got == "int64", f"{name}.{c['name']} ({c['type']}) loads as {got}, not int64")
                elif c["type"] == "decimal":
                    check(got == "float64", f"{name}.{c['name']} (decimal) loads as {got}, not float64")
            dtypes = {c["name"]: c["pandas"] for c in cols if c["pandas"]}
            df = pd.read_csv(path, dtype=dtypes)
            for c in cols:
                col = df[c["name"]]
                if c["type"] == "0 or 1":
                    check(set(col.unique()) <= {0, 1}, f"{name}.{c['name']}: values {sorted(col.unique())}")
                if c["type"] == "decimal or `never`":
                    for v in col.dropna():
                        if v != "never":
                            try:
                                float(v)
                            except ValueError:
                                fail(f"{name}.{c['name']}: cell {v!r} is neither a number nor 'never'")
                if c["name"] == "level":
                    check(set(col) <= levels, f"{name}.level: {sorted(set(col))}")
            if "seed" in df.columns:
                check(df["seed"].between(0, 2**53 - 1).all(), f"{name}.seed: a seed at or above 2^53")
            point = ["n", "w", "r"] + vary
            keys[name] = point + (["level"] if "level" in df.columns else [])
            tables[name] = df

        # One row per thing.
        extra = {"main": [], "writes": [], "seeds": ["seed"], "window": ["delta_lo_ms"], "probe": ["delay_ms"]}
        for name, df in tables.items():
            k = keys[name] + extra[name]
            dup = df.duplicated(subset=k)
            check(not dup.any(), f"{name}: {dup.sum()} rows repeat the key {k}")
        main, seeds, window, writes = tables["main"], tables["seeds"], tables["window"], tables["writes"]
        check(len(writes) == points, f"writes: {len(writes)} rows for {points} points")
        check(len(main) == points * len(levels), f"main: {len(main)} rows for {points} points x {len(levels)} levels")

        # The seeds' counts add up to main's pooled rows; main's seeds is the number of seed rows.
        k = keys["main"]
        per = seeds.groupby(k)[COUNTS].sum()
        pooled = main.set_index(k)[COUNTS]
        check(per.sort_index().equals(pooled.sort_index()), "seeds: the per-seed counts do not add up to main's")
        n_seeds = seeds.groupby(k).size()
        check((n_seeds.sort_index() == main.set_index(k)["seeds"].sort_index()).all(),
              "seeds: the number of seed rows is not main's seeds")
        check((seeds["seeds"] == 1).all(), "seeds: a per-seed row pools more than one run")

        # The window's stale reads are main's; its reads never exceed main's answered reads.
        w = window.groupby(k)[["reads", "stale_reads"]].sum().sort_index()
        m = main.set_index(k).sort_index()
        check((w["stale_reads"] == m["stale_reads"]).all(), "window: stale reads differ from main's")
        check((w["reads"] <= m["answered"]).all(), "window: more reads than main's answered reads")
        check(m["stale_reads"].sum() > 0, "the sweep saw no stale read: the sums above checked nothing")

        # Writes live in the writes table only.
        write_counts = [c["name"] for c in meta["tables"]["writes"]["columns"]
                        if c["name"].startswith("write") or c["name"].endswith("_writes")]
        check(write_counts, "writes: no write columns")
        for name in ("main", "seeds", "window", "probe"):
            both = set(write_counts) & set(tables[name].columns)
            check(not both, f"{name} repeats the writes table's {sorted(both)}: a sum would count them again")
        check(writes["writes"].sum() > 0, "writes: no writes")

    print(f"test_dtypes: 5 tables, {points} points: dtypes, keys and sums hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
