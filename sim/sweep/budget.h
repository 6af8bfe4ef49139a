// sim/sweep/budget.h: a sweep's work and memory, estimated before it runs.
//
// Every limit here is checked before any run starts and before any file is
// created; past one, the sweep is refused with InputError (exit 2, nothing
// written, no partial file) naming the options to change. The budgets
// (docs/reliability.md, "Budgets"):
//   - grid points (every point's scenario is kept in memory):  kMaxSweepPoints
//   - runs, grid points x --seeds, for the whole sweep:         kMaxSweepRuns
//   - --jobs:                                                   kMaxJobs
//   - each table's estimated size, so that merge and --resume
//     can read back what the sweep writes:                      kMaxTableBytes (sim/io/input.h)
//   - memory while running (grid, tables, pools, runs):         kMaxSweepMemoryBytes
//   - the shards of a sharded sweep together, estimated as the
//     unsharded table, so that merge can hold them:              kMaxMergeBytes
// expand_grid() checks the first two as it expands (so it never builds a
// grid past them); check_sweep_budget() the rest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sim/sweep/grid.h"
#include "sim/sweep/lists.h"
#include "sim/sweep/table.h"

namespace consim::sweep {

constexpr std::size_t kMaxSweepPoints = 100'000;
constexpr std::uint64_t kMaxSweepRuns = 10'000'000;
constexpr unsigned kMaxJobs = 1024;
constexpr std::uint64_t kMaxSweepMemoryBytes = 8ull << 30;
// What consim merge reads in all (it holds about three times that: the
// shards, their rows, the merged table).
constexpr std::uint64_t kMaxMergeBytes = 2ull << 30;

// InputError unless points x seeds fits kMaxSweepRuns and points fits
// kMaxSweepPoints. Called by expand_grid as the grid grows.
void check_grid_size(std::size_t points, std::uint32_t seeds);

struct SweepCost {
  std::size_t points = 0;                       // in this shard
  std::uint64_t runs = 0;                       // in this shard
  std::array<std::uint64_t, kTableCount> table_bytes{};  // estimated, upper bounds
  std::uint64_t memory_bytes = 0;               // estimated peak while running
  std::array<std::uint64_t, kTableCount> merged_bytes{};  // sharded: every shard's file together
  bool sharded = false;
};

// The estimate for running shard `shard` of `g` on `jobs` threads. Table
// sizes are upper bounds (every number at its widest); memory adds the grid,
// the tables held until the end (twice: rows and the final text), the pools
// of the points in progress and the runs in progress.
SweepCost estimate_sweep_cost(const Grid& g, Shard shard, bool sharded, unsigned jobs);

// InputError when the estimate is past a budget; `tables` says which tables
// are written (only those count).
void check_sweep_budget(const SweepCost& cost, const std::array<bool, kTableCount>& tables);

// One run's memory, in bytes. THE PLACE where the scenario loader's per-run
// estimate (nodes x keys, rates x duration, ...) is multiplied in: today it
// is not known here and counts 0, so memory is bounded by the grid, the
// tables and the pools only.
std::uint64_t per_run_memory_bytes(const Scenario& sc);

}  // namespace consim::sweep
