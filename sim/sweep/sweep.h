// sim/sweep/sweep.h: parameter sweeps over a scenario, and merging sweep shards.
//
// A sweep runs one scenario at every point of a grid (the --vary axes, then
// W, then R) with K seeds per point, and writes tidy CSV: one row per point
// and level, pooled over the seeds. Everything that reaches a CSV is a pure
// function of the sweep's definition: the seed of each run is derived from
// the base seed and the run's grid coordinates, never from execution order,
// so the output is byte-identical for any --jobs and any --shard split.
// docs/sweep.md documents the command line, the CSV columns and the formats.
//
// The units, each with its own contract:
//   lists.h    LIST, --vary, --levels, --shard syntax        (pure)
//   grid.h     the grid: expansion, validation, seeds, hash   (pure)
//   budget.h   work and memory estimated against budgets      (pure)
//   measure.h  one run's measurements, and a point's pool    (runs a World)
//   table.h    the CSV tables, one declaration per column     (pure)
//   provenance.h  the --meta-output JSON: build, hash, columns (pure)
//   pool.h     the runs on worker threads                     (threads)
//   files.h    shard, partial and merge formats (pure), and   (files)
//              run_sweep_files(), the only part touching files
// sim/cli/sweep.cpp is the command line around them.
#pragma once

#include "sim/sweep/budget.h"
#include "sim/sweep/files.h"
#include "sim/sweep/grid.h"
#include "sim/sweep/lists.h"
#include "sim/sweep/measure.h"
#include "sim/sweep/pool.h"
#include "sim/sweep/provenance.h"
#include "sim/sweep/table.h"
