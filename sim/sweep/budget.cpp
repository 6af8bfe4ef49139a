#include "sim/sweep/budget.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/engine/histogram.h"
#include "sim/io/input.h"
#include "sim/scenario/budget.h"
#include "sim/sweep/measure.h"
#include "sim/sweep/text.h"

namespace consim::sweep {

namespace {

// The widest a cell of a number column can be: 20 digits of a count, or a
// millisecond value of up to 1e9 ms with 3 decimals, plus its comma.
constexpr std::uint64_t kNumberCellBytes = 24;
// Beyond the vectors counted one by one, what a point's scenario holds on the heap.
constexpr std::uint64_t kScenarioHeapBytes = 4096;

std::uint64_t columns_of(Table t) {
  std::uint64_t n = 0;
  for (const ColumnDoc& c : column_docs(t))
    if (c.name != "<PATH>" && c.name != "n" && c.name != "w" && c.name != "r" && c.name != "level") ++n;
  return n;
}

std::string gib(std::uint64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30)); }

}  // namespace

void check_grid_size(std::size_t points, std::uint32_t seeds) {
  if (points > kMaxSweepPoints)
    throw InputError(fmt::format("the sweep's grid has more than {} points (the limit, docs/reliability.md \"Budgets\"); "
                                 "use shorter --vary, --w or --r lists, or split the sweep into several",
                                 kMaxSweepPoints));
  const std::uint64_t runs = static_cast<std::uint64_t>(points) * seeds;
  if (runs > kMaxSweepRuns)
    throw InputError(fmt::format("the sweep would make {} runs or more ({} point(s) or more x --seeds {}); the limit is {} "
                                 "(docs/reliability.md \"Budgets\"): lower --seeds or the grid's size",
                                 runs, points, seeds, kMaxSweepRuns));
}

std::uint64_t per_run_memory_bytes(const Scenario& sc) {
  // The loader's worst case for one run (sim/scenario/budget.h), at most
  // kMaxRunMemoryBytes since the loader accepted it.
  return static_cast<std::uint64_t>(estimate_run_cost(sc).bytes);
}

SweepCost estimate_sweep_cost(const Grid& g, Shard shard, bool sharded, unsigned jobs) {
  SweepCost c;
  c.sharded = sharded;
  if (sharded && shard.count > 1) c.merged_bytes = estimate_sweep_cost(g, Shard{}, true, jobs).table_bytes;
  const std::uint64_t levels = g.levels.size();
  std::array<std::uint64_t, kTableCount> cols{};
  for (int t = 0; t < kTableCount; ++t) cols[t] = columns_of(static_cast<Table>(t));
  std::uint64_t grid_bytes = 0, max_run = 0;
  for (const GridPoint& p : g.points) {
    const Scenario& sc = p.scenario;
    grid_bytes += sizeof(GridPoint) + kScenarioHeapBytes + p.coords.size() +
                  sizeof(Time) * (sc.probe.delays.size() + sc.measure.window_edges.size()) +
                  64 * (sc.timeline.size() + sc.script.size());
    for (const auto& v : p.vary_values) grid_bytes += 64 + v.dump().size();
    if (!shard.contains(p.index)) continue;
    ++c.points;
    max_run = std::max(max_run, per_run_memory_bytes(sc));
    // The key cells of a row: n, w, r, level, the --vary values; the point column and "# done" lines when sharded.
    std::uint64_t key = 3 * 3 + 17;
    for (const auto& v : p.vary_values) key += 1 + text::csv_field(v.is_string() ? v.get<std::string>() : v.dump()).size();
    if (sharded) key += 21;
    std::uint64_t probed = 0;
    if (sc.probe.enabled)
      for (Level l : g.probe_levels)
        if (std::find(sc.probe.levels.begin(), sc.probe.levels.end(), l) != sc.probe.levels.end()) ++probed;
    const std::array<std::uint64_t, kTableCount> rows = {levels, levels * sc.measure.window_edges.size(),
                                                         probed * sc.probe.delays.size(), 1,
                                                         g.per_seed ? levels * g.seeds : 0};
    for (int t = 0; t < kTableCount; ++t)
      c.table_bytes[t] += rows[t] * (key + cols[t] * kNumberCellBytes) + (sharded ? 64 : 0);
  }
  // Each file's header line, and a shard file's first and last lines.
  for (int t = 0; t < kTableCount; ++t)
    c.table_bytes[t] += table_header(g, static_cast<Table>(t), sharded).size() + (sharded ? 256 : 0);
  c.runs = static_cast<std::uint64_t>(c.points) * g.seeds;
  // Points in progress hold one pool each (measure.h): histograms per level and for the writes.
  const std::uint64_t pool = (levels + 1) * sizeof(Histogram) + 4096;
  const std::uint64_t concurrent = std::min<std::uint64_t>(std::max(1u, jobs), std::max<std::uint64_t>(1, c.runs));
  c.memory_bytes = grid_bytes + (concurrent + 1) * pool + concurrent * max_run;
  for (std::uint64_t b : c.table_bytes) c.memory_bytes += 2 * b;
  return c;
}

void check_sweep_budget(const SweepCost& cost, const std::array<bool, kTableCount>& tables) {
  std::uint64_t memory = cost.memory_bytes;
  for (int t = 0; t < kTableCount; ++t) {
    if (!tables[t]) {
      memory -= 2 * cost.table_bytes[t];
      continue;
    }
    if (cost.table_bytes[t] > kMaxTableBytes)
      throw InputError(fmt::format("{} would be up to {} bytes ({} point(s)), more than the {} bytes merge and --resume "
                                   "read (docs/reliability.md \"Budgets\"); split the sweep with --shard, or use "
                                   "fewer --seeds with --seeds-output, fewer levels or a smaller grid",
                                   output_option(static_cast<Table>(t)), cost.table_bytes[t], cost.points, kMaxTableBytes));
    if (cost.merged_bytes[t] > kMaxMergeBytes)
      throw InputError(fmt::format("{}: the shards of this sweep would be up to {} bytes together, more than the {} "
                                   "bytes consim merge reads (docs/reliability.md \"Budgets\"); use fewer --seeds "
                                   "with --seeds-output, fewer levels or a smaller grid",
                                   output_option(static_cast<Table>(t)), cost.merged_bytes[t], kMaxMergeBytes));
  }
  if (memory > kMaxSweepMemoryBytes)
    throw InputError(fmt::format("the sweep would need about {} of memory, more than its budget of {} "
                                 "(docs/reliability.md \"Budgets\"); lower --jobs, split the sweep with --shard, or "
                                 "make the grid smaller",
                                 gib(memory), gib(kMaxSweepMemoryBytes)));
}

}  // namespace consim::sweep
