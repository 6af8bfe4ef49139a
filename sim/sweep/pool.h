// sim/sweep/pool.h: the runs of a sweep on worker threads.
//
// run_points() is the only part of the sweep with threads. Each run is one
// World on one thread (nothing shared between runs); workers take the next
// run from a shared counter, in grid order (point by point, seed by seed).
// A point's runs are pooled as they end (measure.h), so a point in progress
// holds one pool, not K runs; at most about jobs + 1 points are in progress.
// The rows handed to on_point do not depend on jobs or on timing.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "sim/sweep/grid.h"
#include "sim/sweep/table.h"

namespace consim::sweep {

// Run the given points (indices into g.points), each with g.seeds seeds, on
// `jobs` threads (at least 1). on_point is called once per point as soon as
// its last run ends; on_run after every run. Both are serialised (never two
// at once, never concurrently with each other), in completion order. The
// first exception from a run or a callback stops the sweep (runs in progress
// finish, no new one starts) and is rethrown here.
void run_points(const Grid& g, const std::vector<std::size_t>& points, unsigned jobs,
                const std::function<void(std::size_t point, const PointRows& rows)>& on_point,
                const std::function<void(std::size_t runs_done, std::size_t runs_total)>& on_run = {});

}  // namespace consim::sweep
