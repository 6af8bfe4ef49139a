// sim/sweep/measure.h: what one run of a grid point measured, and a point's runs pooled.
//
// measure_run() runs one World (no I/O, no threads) and keeps only what the
// sweep's tables need, per level of the grid. PointPool adds runs up as they
// finish: counts are summed and histograms merged, all in integers, so the
// pool of a point is the same whatever order its runs finish in (the tables
// are byte-identical for any --jobs). A pool holds one set of histograms per
// level however many runs it has seen, so memory does not grow with --seeds.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/check/metrics.h"
#include "sim/engine/histogram.h"
#include "sim/sweep/grid.h"

namespace consim::sweep {

// Reads of one level.
struct ReadTotals {
  std::uint64_t reads = 0, answered = 0, stale = 0, failed = 0;
  Histogram latency;  // answered reads
  void add(const ReadTotals& o);
};

// Puts and deletes together (they do not depend on the level).
struct WriteTotals {
  std::uint64_t writes = 0, failed = 0;
  Histogram latency;  // acknowledged writes
  void add(const WriteTotals& o);
};

// What one run measured. Vectors are indexed like Grid::levels, except
// `probe`, indexed like Grid::probe_levels. A probe vector is empty when the
// run's scenario does not probe that level.
struct RunResult {
  std::uint64_t seed = 0;  // the run's derived seed (run_seed)
  std::vector<ReadTotals> levels;
  WriteTotals writes;
  std::vector<std::vector<WindowBucket>> window;
  std::vector<std::vector<ProbeCell>> probe;       // per Grid::probe_levels
  std::vector<std::vector<ProbeCell>> probe_main;  // per Grid::levels: for probe_t_below_target_ms
};

// Run number k (0-based) of point p.
RunResult measure_run(const Grid& g, const GridPoint& p, std::uint32_t k);

// The runs of one point, pooled. Window buckets and probe cells are the same
// in every run of a point (they come from the point's scenario), so they are
// added cell by cell.
struct PointPool {
  std::uint32_t runs = 0;
  std::vector<ReadTotals> levels;
  WriteTotals writes;
  std::vector<std::vector<WindowBucket>> window;
  std::vector<std::vector<ProbeCell>> probe;
  std::vector<std::vector<ProbeCell>> probe_main;
  void add(const RunResult& r);
};

}  // namespace consim::sweep
