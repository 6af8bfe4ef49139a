// sim/sweep/table.h: the sweep's CSV tables, each declared once as a list of columns.
//
// Every column of every table is one entry (name, type, unit, one line of
// documentation, and how to compute its cell) in table.cpp. The header line,
// every row and the column tables of docs/sweep.md all come from those
// entries, so a new column is one entry (tests/test_sweep.cpp checks the docs
// against column_docs_markdown()).
//
// Five tables, each one observational unit (tidy data: a sum over any column
// of any table never counts a thing twice):
//   main    one row per point and level: reads, pooled over the seeds
//   window  one row per point, level and Δ bucket: the stale-read window
//   probe   one row per point, probed level and delay: the probe
//   writes  one row per point: writes, pooled (they do not depend on the level)
//   seeds   one row per point, level and seed: main's columns for one run
// A row starts with the key columns (n, w, r, and level but in the writes
// table), then one column per --vary PATH, then the table's own columns. Formatting is fixed: counts as
// integers, rates with 6 decimals, milliseconds with 3, an undefined value
// (nothing to divide by, a percentile of nothing) as an empty cell. Rows are
// pure functions of the grid and the pooled measurements: no I/O.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sweep/grid.h"
#include "sim/sweep/measure.h"

namespace consim::sweep {

enum class Table : int { main = 0, window = 1, probe = 2, writes = 3, seeds = 4 };
constexpr int kTableCount = 5;
std::string_view to_string(Table t);
// The option that names the table's file: --output, --window-output, ...
std::string_view output_option(Table t);
// Whether the table's rows carry the level key column (all but writes).
bool has_level(Table t);

// The CSV header line (with "\n"); with_point adds the leading "point"
// column of shard and partial files (files.h).
std::string table_header(const Grid& g, Table t, bool with_point);

// A point's rows, per table, without the point column, each "\n"-terminated.
using PointRows = std::array<std::string, kTableCount>;

// The seeds table's rows for one run (one per level, in Grid::levels order);
// empty unless g.per_seed (--seeds-output). Made as each run ends, so a point
// keeps strings, not measurements, for its seeds.
std::vector<std::string> seed_rows(const Grid& g, const GridPoint& p, const RunResult& run);

// Every row of a point, per table: main (per level), window (per level and
// bucket), probe (per probed level and delay), writes (one row), seeds (per
// level, the rows seed_rows[k][level] in seed order).
PointRows point_rows(const Grid& g, const GridPoint& p, const PointPool& pool,
                     const std::vector<std::vector<std::string>>& seed_rows);

// The documentation of a table's columns, in order (the key columns and the
// --vary placeholder first), and the same as a Markdown table for docs/sweep.md.
struct ColumnDoc {
  std::string_view name, type, unit, doc;
};
std::vector<ColumnDoc> column_docs(Table t);
std::string column_docs_markdown(Table t);

// ------------------------------------------------------------ derived values
// Computed by the sweep in one place each (table.cpp), so that a shared
// definition (sim/report/derived.h) can replace them one by one.

// R + W > N at the point: a strict quorum, where a quorum read meets every acknowledged write.
bool derived_strict_quorum(const GridPoint& p);

// The 95% Wilson score interval of k successes out of n (n > 0).
struct Interval {
  double lo = 0, hi = 0;
};
Interval derived_wilson_interval(std::uint64_t k, std::uint64_t n);

// The probe's t below target for one level's pooled cells, in ns; -1 when
// the level is not probed (no cells) or P(stale) never gets below target.
Time derived_t_below_target(const std::vector<ProbeCell>& cells, double target);

}  // namespace consim::sweep
