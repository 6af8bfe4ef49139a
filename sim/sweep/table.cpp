#include "sim/sweep/table.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/report/derived.h"
#include "sim/sweep/text.h"

namespace consim::sweep {

namespace {

using json = nlohmann::json;

// ------------------------------------------------------------ cell formats

void ms3(std::string& o, Time ns) { fmt::format_to(std::back_inserter(o), "{:.3f}", static_cast<double>(ns) / 1e6); }

void rate6(std::string& o, std::uint64_t part, std::uint64_t whole) {
  if (whole) fmt::format_to(std::back_inserter(o), "{:.6f}", static_cast<double>(part) / static_cast<double>(whole));
}

void count(std::string& o, std::uint64_t v) { fmt::format_to(std::back_inserter(o), "{}", v); }

void quantile_ms(std::string& o, const Histogram& h, double q) {
  if (h.count()) ms3(o, h.quantile(q));
}

void fixed6(std::string& o, double v) { fmt::format_to(std::back_inserter(o), "{:.6f}", v); }

// ------------------------------------------------------------ what a row reads

struct Key {
  const GridPoint& p;
  Level level;
};

struct MainRow {
  Key key;
  std::uint64_t seed;  // the run's seed (seeds table only)
  std::uint32_t seeds;
  const ReadTotals& reads;
  const std::vector<ProbeCell>& probe;  // this level's probe cells (empty: not probed)
};

struct WritesRow {
  Key key;  // its level is not written
  std::uint32_t seeds;
  const WriteTotals& writes;
};

struct WindowRow {
  Key key;
  const WindowBucket& b;
};

struct ProbeRow {
  Key key;
  const ProbeCell& c;
};

template <class Row>
struct Column {
  std::string_view name, type, unit, doc;
  void (*cell)(const Row&, std::string& out);
};

// ------------------------------------------------------------ the columns

const Column<Key> kKeyColumns[] = {
    {"n", "integer", "", "the point's N: nodes, or in leaderless mode replicas per key (`cluster.replicas`)",
     [](const Key& k, std::string& o) { count(o, k.p.n); }},
    {"w", "integer", "", "the point's write quorum W", [](const Key& k, std::string& o) { count(o, k.p.w); }},
    {"r", "integer", "", "the point's read quorum R", [](const Key& k, std::string& o) { count(o, k.p.r); }},
    {"level", "text", "", "consistency level", [](const Key& k, std::string& o) { o += to_string(k.level); }},
};

// The --vary columns come after the key columns: one per PATH, named by it.
const ColumnDoc kVaryDoc = {"<PATH>", "as given", "",
                            "one column per `--vary` PATH, named by the PATH: the point's value (strings unquoted, "
                            "other JSON as compact JSON)"};

// The seeds table: this column, then main's.
const Column<MainRow> kSeedColumns[] = {
    {"seed", "integer", "",
     "the run's derived seed, below 2^53 so that every reader loads it exactly (`consim run FILE --set ... --seed "
     "SEED` replays the run)",
     [](const MainRow& r, std::string& o) { count(o, r.seed); }},
};

const Column<MainRow> kMainColumns[] = {
    {"seeds", "integer", "", "runs pooled in the row (K; 1 in the seeds table)",
     [](const MainRow& r, std::string& o) { count(o, r.seeds); }},
    {"reads", "integer", "", "reads invoked after warmup (answered + failed)",
     [](const MainRow& r, std::string& o) { count(o, r.reads.reads); }},
    {"answered", "integer", "", "reads that got an answer (found or not found)",
     [](const MainRow& r, std::string& o) { count(o, r.reads.answered); }},
    {"stale_reads", "integer", "", "answered reads that were stale (docs/consistency.md)",
     [](const MainRow& r, std::string& o) { count(o, r.reads.stale); }},
    {"stale_rate", "decimal", "", "stale_reads / answered",
     [](const MainRow& r, std::string& o) { rate6(o, r.reads.stale, r.reads.answered); }},
    {"stale_rate_ci_low", "decimal", "", "lower end of the 95% Wilson score interval of stale_rate",
     [](const MainRow& r, std::string& o) {
       if (r.reads.answered) fixed6(o, derived_wilson_interval(r.reads.stale, r.reads.answered).lo);
     }},
    {"stale_rate_ci_high", "decimal", "", "upper end of the 95% Wilson score interval of stale_rate",
     [](const MainRow& r, std::string& o) {
       if (r.reads.answered) fixed6(o, derived_wilson_interval(r.reads.stale, r.reads.answered).hi);
     }},
    {"failed_reads", "integer", "", "reads that failed (timeouts, no leader, refused)",
     [](const MainRow& r, std::string& o) { count(o, r.reads.failed); }},
    {"read_p50_ms", "decimal", "ms", "median latency of answered reads, the row's runs pooled",
     [](const MainRow& r, std::string& o) { quantile_ms(o, r.reads.latency, 0.5); }},
    {"read_p99_ms", "decimal", "ms", "99th percentile latency of answered reads, pooled",
     [](const MainRow& r, std::string& o) { quantile_ms(o, r.reads.latency, 0.99); }},
    {"strict_quorum", "0 or 1", "", "`1` when R + W > N, else `0`",
     [](const MainRow& r, std::string& o) { o += derived_strict_quorum(r.key.p) ? '1' : '0'; }},
    {"probe_t_below_target_ms", "decimal or `never`", "ms",
     "the smallest probed delay from which on the pooled P(stale) < `probe.target_stale` (docs/consistency.md, "
     "\"Probe statistics\"); `never` if P(stale) never gets below the target at the probed delays; empty if the "
     "scenario does not probe this level at this point; in the seeds table, from that seed's probe reads",
     [](const MainRow& r, std::string& o) {
       if (r.probe.empty()) return;
       const Time t = derived_t_below_target(r.probe, r.key.p.scenario.probe.target_stale);
       if (t >= 0)
         ms3(o, t);
       else
         o += "never";
     }},
};

const Column<WritesRow> kWritesColumns[] = {
    {"seeds", "integer", "", "runs pooled in the row (K)", [](const WritesRow& r, std::string& o) { count(o, r.seeds); }},
    {"writes", "integer", "", "puts and deletes invoked after warmup",
     [](const WritesRow& r, std::string& o) { count(o, r.writes.writes); }},
    {"failed_writes", "integer", "", "writes that failed",
     [](const WritesRow& r, std::string& o) { count(o, r.writes.failed); }},
    {"write_p50_ms", "decimal", "ms", "median latency of acknowledged writes, the row's runs pooled",
     [](const WritesRow& r, std::string& o) { quantile_ms(o, r.writes.latency, 0.5); }},
    {"write_p99_ms", "decimal", "ms", "99th percentile latency of acknowledged writes, pooled",
     [](const WritesRow& r, std::string& o) { quantile_ms(o, r.writes.latency, 0.99); }},
    {"strict_quorum", "0 or 1", "", "`1` when R + W > N, else `0`",
     [](const WritesRow& r, std::string& o) { o += derived_strict_quorum(r.key.p) ? '1' : '0'; }},
};

const Column<WindowRow> kWindowColumns[] = {
    {"delta_lo_ms", "decimal", "ms",
     "start of the bucket of Δ, the time from the newest acknowledged write of the key to the read",
     [](const WindowRow& r, std::string& o) { ms3(o, r.b.lo); }},
    {"delta_hi_ms", "decimal", "ms", "end of the bucket (exclusive); `inf` for the last bucket",
     [](const WindowRow& r, std::string& o) {
       if (r.b.hi == kNever)
         o += "inf";
       else
         ms3(o, r.b.hi);
     }},
    {"reads", "integer", "", "answered reads with Δ in the bucket", [](const WindowRow& r, std::string& o) { count(o, r.b.reads); }},
    {"stale_reads", "integer", "", "of which stale", [](const WindowRow& r, std::string& o) { count(o, r.b.stale); }},
    {"stale_rate", "decimal", "", "stale_reads / reads", [](const WindowRow& r, std::string& o) { rate6(o, r.b.stale, r.b.reads); }},
};

const Column<ProbeRow> kProbeColumns[] = {
    {"delay_ms", "decimal", "ms", "the probe's read-back delay after the write's acknowledgement",
     [](const ProbeRow& r, std::string& o) { ms3(o, r.c.delay); }},
    {"reads", "integer", "", "answered probe reads at that delay", [](const ProbeRow& r, std::string& o) { count(o, r.c.reads); }},
    {"stale_reads", "integer", "", "of which stale", [](const ProbeRow& r, std::string& o) { count(o, r.c.stale); }},
    {"stale_rate", "decimal", "", "stale_reads / reads", [](const ProbeRow& r, std::string& o) { rate6(o, r.c.stale, r.c.reads); }},
    {"failed_reads", "integer", "", "probe reads that failed", [](const ProbeRow& r, std::string& o) { count(o, r.c.failed); }},
    {"p_consistent", "decimal", "", "1 − stale_rate: the read returned the newest acknowledged version",
     [](const ProbeRow& r, std::string& o) { rate6(o, r.c.reads - r.c.stale, r.c.reads); }},
    {"p_within_k2", "decimal", "", "P(the read returned one of the last 2 acknowledged versions)",
     [](const ProbeRow& r, std::string& o) { rate6(o, r.c.within(2), r.c.reads); }},
    {"p_within_k3", "decimal", "", "P(the read returned one of the last 3 acknowledged versions)",
     [](const ProbeRow& r, std::string& o) { rate6(o, r.c.within(3), r.c.reads); }},
};

// ------------------------------------------------------------ rows

template <class Row, std::size_t N>
void header_of(const Column<Row> (&cols)[N], std::string& s) {
  for (const auto& c : cols) {
    s += ',';
    s += c.name;
  }
}

// The key columns a table has: all, or all but level.
bool key_column_in(std::string_view name, bool with_level) { return with_level || name != "level"; }

void key_cells(const Key& k, bool with_level, std::string& o) {
  bool first = true;
  for (const auto& c : kKeyColumns) {
    if (!key_column_in(c.name, with_level)) continue;
    if (!first) o += ',';
    first = false;
    c.cell(k, o);
  }
  for (const json& v : k.p.vary_values) {
    o += ',';
    o += text::csv_field(v.is_string() ? v.get<std::string>() : v.dump());
  }
}

template <class Row, std::size_t N>
void cells_of(const Column<Row> (&cols)[N], const Row& row, std::string& o) {
  for (const auto& c : cols) {
    o += ',';
    c.cell(row, o);
  }
}

template <class Row, std::size_t N>
void row_of(const Column<Row> (&cols)[N], const Row& row, std::string& o, bool with_level = true) {
  key_cells(row.key, with_level, o);
  cells_of(cols, row, o);
  o += '\n';
}

template <class Row, std::size_t N>
void docs_of(const Column<Row> (&cols)[N], std::vector<ColumnDoc>& out) {
  for (const auto& c : cols) out.push_back({c.name, c.type, c.unit, c.doc});
}

}  // namespace

// ------------------------------------------------------------ derived values

bool derived_strict_quorum(const GridPoint& p) { return p.w + p.r > p.n; }

Interval derived_wilson_interval(std::uint64_t k, std::uint64_t n) {
  const consim::Interval i = wilson_interval(k, n);  // sim/report/derived.h
  return Interval{i.lo, i.hi};
}

Time derived_t_below_target(const std::vector<ProbeCell>& cells, double target) {
  if (cells.empty()) return -1;
  return probe_t_below_target(cells, target);
}

// ------------------------------------------------------------ tables

std::string_view to_string(Table t) {
  switch (t) {
    case Table::main: return "main";
    case Table::window: return "window";
    case Table::probe: return "probe";
    case Table::writes: return "writes";
    case Table::seeds: return "seeds";
  }
  return "?";
}

std::string_view output_option(Table t) {
  switch (t) {
    case Table::main: return "--output";
    case Table::window: return "--window-output";
    case Table::probe: return "--probe-output";
    case Table::writes: return "--writes-output";
    case Table::seeds: return "--seeds-output";
  }
  return "?";
}

bool has_level(Table t) { return t != Table::writes; }

std::string table_header(const Grid& g, Table t, bool with_point) {
  std::string s = with_point ? "point," : "";
  bool first = true;
  for (const auto& c : kKeyColumns) {
    if (!key_column_in(c.name, has_level(t))) continue;
    if (!first) s += ',';
    first = false;
    s += c.name;
  }
  for (const std::string& p : g.vary_paths) s += "," + text::csv_field(p);
  switch (t) {
    case Table::main: header_of(kMainColumns, s); break;
    case Table::window: header_of(kWindowColumns, s); break;
    case Table::probe: header_of(kProbeColumns, s); break;
    case Table::writes: header_of(kWritesColumns, s); break;
    case Table::seeds:
      header_of(kSeedColumns, s);
      header_of(kMainColumns, s);
      break;
  }
  return s + "\n";
}

std::vector<std::string> seed_rows(const Grid& g, const GridPoint& p, const RunResult& run) {
  std::vector<std::string> out;
  if (!g.per_seed) return out;
  for (std::size_t li = 0; li < g.levels.size(); ++li) {
    const MainRow row{{p, g.levels[li]}, run.seed, 1, run.levels[li], run.probe_main[li]};
    std::string s;
    key_cells(row.key, true, s);
    cells_of(kSeedColumns, row, s);
    cells_of(kMainColumns, row, s);
    s += '\n';
    out.push_back(std::move(s));
  }
  return out;
}

PointRows point_rows(const Grid& g, const GridPoint& p, const PointPool& pool,
                     const std::vector<std::vector<std::string>>& per_seed) {
  PointRows out;
  for (std::size_t li = 0; li < g.levels.size(); ++li) {
    const Key key{p, g.levels[li]};
    row_of(kMainColumns, MainRow{key, 0, g.seeds, pool.levels[li], pool.probe_main[li]}, out[0]);
    for (const WindowBucket& b : pool.window[li]) row_of(kWindowColumns, WindowRow{key, b}, out[1]);
    if (g.per_seed)
      for (const std::vector<std::string>& rows : per_seed) out[4] += rows.at(li);
  }
  for (std::size_t pi = 0; pi < g.probe_levels.size(); ++pi)
    for (const ProbeCell& c : pool.probe[pi]) row_of(kProbeColumns, ProbeRow{{p, g.probe_levels[pi]}, c}, out[2]);
  // The level of a writes row's key is not written; any level makes the key.
  row_of(kWritesColumns, WritesRow{{p, g.levels.front()}, g.seeds, pool.writes}, out[3], false);
  return out;
}

std::vector<ColumnDoc> column_docs(Table t) {
  std::vector<ColumnDoc> out;
  for (const auto& c : kKeyColumns)
    if (key_column_in(c.name, has_level(t))) out.push_back({c.name, c.type, c.unit, c.doc});
  out.push_back(kVaryDoc);
  switch (t) {
    case Table::main: docs_of(kMainColumns, out); break;
    case Table::window: docs_of(kWindowColumns, out); break;
    case Table::probe: docs_of(kProbeColumns, out); break;
    case Table::writes: docs_of(kWritesColumns, out); break;
    case Table::seeds:
      docs_of(kSeedColumns, out);
      docs_of(kMainColumns, out);
      break;
  }
  return out;
}

std::string column_docs_markdown(Table t) {
  std::string s = "| column | type | unit | meaning |\n|---|---|---|---|\n";
  for (const ColumnDoc& c : column_docs(t))
    s += fmt::format("| `{}` | {} | {} | {} |\n", c.name, c.type, c.unit, c.doc);
  return s;
}

}  // namespace consim::sweep
