// sim/sweep/grid.h: a sweep's definition expanded into validated grid points.
//
// expand_grid() builds every point (the scenario JSON, each --vary value
// applied like --set, then W and R) and validates it like a scenario file,
// before anything runs: it returns a complete Grid or throws InputError
// naming the first bad point. No I/O.
//
// Determinism: the seed of each run is a pure function of the point's base
// seed, its coordinates and the run's number (run_seed), never of the order
// in which runs execute, of --jobs or of --shard. The grid's hash names
// everything that decides the bytes of its tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "sim/scenario/scenario.h"
#include "sim/sweep/lists.h"

namespace consim::sweep {

struct SweepOptions {
  nlohmann::json scenario;            // the scenario JSON after --set and --seed
  std::string source = "<default>";   // names the scenario in messages
  std::vector<VaryAxis> vary;         // outermost first
  std::optional<std::string> w_list;  // unset: the scenario's write_quorum
  std::optional<std::string> r_list;  // unset: the scenario's read_quorum
  std::uint32_t seeds = 3;            // runs per point (K)
  std::optional<std::vector<Level>> levels;  // unset: the levels the workload and script read at
  bool per_seed = false;
};

struct GridPoint {
  std::size_t index = 0;                   // position in grid order
  std::vector<nlohmann::json> vary_values; // one per axis
  std::uint32_t n = 0, w = 0, r = 0;
  std::string coords;                      // canonical: "cluster.nodes=5;w=2;r=3"
  Scenario scenario;                       // validated; seed = the point's base seed
};

struct Grid {
  std::vector<GridPoint> points;
  std::vector<std::string> vary_paths;
  std::vector<Level> levels;        // rows of the main and window tables
  std::vector<Level> probe_levels;  // rows of the probe table
  std::uint32_t seeds = 1;
  bool per_seed = false;
  std::string hash;                 // 16 hex digits: the sweep's definition
};

// Expand and validate every point (InputError naming the point on the first
// bad one) before anything runs. Order: the --vary axes (first outermost),
// then W in --w order, then R in --r order.
Grid expand_grid(const SweepOptions& opt);

// The seed of run `seed_index` (0-based) of the point with coordinates
// `coords`: splitmix64 of (base seed XOR FNV-1a of "<coords>;seed#<index+1>"),
// its low 53 bits (below 2^53, so that every CSV and JSON reader loads it exactly).
std::uint64_t run_seed(std::uint64_t base_seed, const std::string& coords, std::uint32_t seed_index);

}  // namespace consim::sweep
