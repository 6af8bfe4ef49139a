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
// The logic lives in functions without I/O (grid expansion, seed derivation,
// row formatting, partial-file parsing, merging); run_points() is the only
// part with threads, and cmd_sweep()/cmd_merge() (sim/cli/sweep.cpp) do the
// file handling.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim {

namespace sweep {

// ---------------------------------------------------------------- lists

// One item of a LIST: a number, a range a..b, "all" (1..N), "majority"
// (floor(N/2)+1) or "n" (N itself). The last three need N: --w and --r only.
struct ListItem {
  enum class Kind : std::uint8_t { number, range, all, majority, n } kind = Kind::number;
  long long lo = 0;
  long long hi = 0;
};

// Parse a --w / --r LIST ("1..5", "1,2,4", "all", "majority", "1,n").
// `what` names the option in messages. Throws InputError when malformed.
std::vector<ListItem> parse_quorum_list(std::string_view text, std::string_view what);

// Resolve for a cluster of n nodes: values in list order, duplicates dropped.
// Values outside 1..n are kept (expand_grid reports them).
std::vector<long long> resolve_quorum_list(const std::vector<ListItem>& items, std::uint32_t n);

// Split a LIST at top-level commas (commas inside [], {} or "" are kept).
std::vector<std::string> split_list(std::string_view text);

// One --vary axis: PATH=LIST. Values are parsed like --set values (JSON if
// possible, else a string); an item a..b with integers a <= b expands to
// a, a+1, ..., b. Duplicates are dropped. Throws InputError when malformed.
struct VaryAxis {
  std::string path;
  std::vector<nlohmann::json> values;
};
VaryAxis parse_vary(std::string_view arg);

// "eventual,strong", "all". Hyphens are accepted for underscores.
std::vector<Level> parse_levels(std::string_view text);

// "I/N" with 1 <= I <= N.
struct Shard {
  std::uint32_t index = 1;  // 1-based
  std::uint32_t count = 1;
  bool contains(std::size_t point) const { return point % count == index - 1; }
};
Shard parse_shard(std::string_view text);

// ---------------------------------------------------------------- the grid

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
// bad one) before anything runs.
Grid expand_grid(const SweepOptions& opt);

// The seed of run `seed_index` (0-based) of the point with coordinates
// `coords`: splitmix64 of (base seed XOR FNV-1a of "<coords>;seed#<index+1>").
std::uint64_t run_seed(std::uint64_t base_seed, const std::string& coords, std::uint32_t seed_index);

// ---------------------------------------------------------------- tables

enum class Table : int { main = 0, window = 1, probe = 2 };
constexpr int kTableCount = 3;
std::string_view to_string(Table t);

// The CSV header line (with "\n"); with_point adds the leading "point" column
// used in shard and partial files.
std::string table_header(const Grid& g, Table t, bool with_point);

// The rows of one point, per table, without the point column, "\n"-terminated.
using PointRows = std::array<std::string, kTableCount>;

// Run the given points (indices into g.points), each with g.seeds seeds, on
// `jobs` threads. on_point is called once per point as soon as its last run
// ends, serialised (never two at once), in completion order; on_run after
// every run, serialised too. Exceptions from a run stop the sweep and are
// rethrown here.
void run_points(const Grid& g, const std::vector<std::size_t>& points, unsigned jobs,
                const std::function<void(std::size_t point, const PointRows& rows)>& on_point,
                const std::function<void(std::size_t runs_done, std::size_t runs_total)>& on_run = {});

// Convenience for tests: run every point of shard `shard` and return each
// table's final text (shard format when shard.count > 1, else plain CSV).
std::array<std::string, kTableCount> run_sweep_text(const Grid& g, unsigned jobs, Shard shard = {});

// ---------------------------------------------------------------- files

// First line of a shard or partial file:
//   # consim-sweep v1 table=main sweep=<hash> shard=I/N points=<total>[ partial]
std::string file_tag(const Grid& g, Table t, Shard shard, bool partial);

// The final text of one table from the rows of the shard's points (all of
// them must be present). Plain CSV for the unsharded sweep (shard 1/1 given
// as sharded=false); shard format otherwise: tag line, header with "point",
// rows, and a last line "# end rows=<count>".
std::string final_text(const Grid& g, Table t, Shard shard, bool sharded,
                       const std::map<std::size_t, std::string>& rows);

// A partial file's block for one finished point: its rows with the point
// column, then "# done <point>".
std::string partial_block(std::size_t point, const std::string& rows);

// Parse a partial file written by the same sweep: the rows of each point
// whose "# done" line is present. An unfinished last block is ignored.
// Throws InputError when the file belongs to another sweep or shard.
std::map<std::size_t, std::string> parse_partial(const Grid& g, Table t, Shard shard, const std::string& text,
                                                 const std::string& name);

// Merge shard files (name, text) into the unsharded CSV. Throws InputError
// for shards of different sweeps or tables, duplicates, an incomplete set,
// a truncated or foreign file.
std::string merge_shards(const std::vector<std::pair<std::string, std::string>>& files);

// ---------------------------------------------------------------- the files of a sweep

struct FilePlan {
  std::array<std::string, kTableCount> outputs;  // per Table; "" = not written
  Shard shard;
  bool sharded = false;   // write shard files (--shard given, even 1/1)
  bool resume = false;    // reuse "<output>.partial" files of the same sweep
  unsigned jobs = 1;
  bool progress = false;  // a progress line on stderr (done/total, elapsed, ETA)
  // Tests: stop after this many points have been appended to the partial
  // files and return without writing the outputs, as a killed sweep would.
  std::size_t stop_after_points = SIZE_MAX;
};

struct SweepSummary {
  std::size_t points = 0;   // grid points in this shard
  std::size_t resumed = 0;  // of which taken from partial files
  std::size_t runs = 0;     // runs done now
  bool found_partial = false;
  bool finished = false;
  double wall_seconds = 0;
};

// Run the sweep with its files: each output's rows are appended to
// "<output>.partial" (flushed) as points finish; at the end every output is
// written in grid order to a temporary file renamed into place, and the
// partial files are removed. With plan.resume, the points found finished in
// every output's partial file are not run again (InputError if a partial
// file belongs to another sweep or shard).
SweepSummary run_sweep_files(const Grid& g, const FilePlan& plan);

}  // namespace sweep
}  // namespace consim
