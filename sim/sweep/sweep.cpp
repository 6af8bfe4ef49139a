#include "sim/sweep/sweep.h"

#include <algorithm>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <charconv>
#include <cmath>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "sim/io/wallclock.h"
#include "sim/engine/histogram.h"
#include "sim/check/metrics.h"
#include "sim/engine/rng.h"
#include "sim/scenario/load.h"
#include "sim/io/trace.h"
#include "sim/world/world.h"

namespace consim::sweep {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxPoints = 10'000'000;
constexpr long long kMaxRange = 1'000'000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_ll(std::string_view s, long long& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e && b != e;
}

// "a..b" with integers on both sides.
bool parse_range(std::string_view s, long long& lo, long long& hi) {
  const std::size_t d = s.find("..");
  if (d == std::string_view::npos) return false;
  return parse_ll(trim(s.substr(0, d)), lo) && parse_ll(trim(s.substr(d + 2)), hi);
}

std::vector<std::string_view> split_simple(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (true) {
    const std::size_t d = s.find(sep, b);
    out.push_back(s.substr(b, d == std::string_view::npos ? std::string_view::npos : d - b));
    if (d == std::string_view::npos) break;
    b = d + 1;
  }
  return out;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string value_cell(const json& v) { return csv_field(v.is_string() ? v.get<std::string>() : v.dump()); }

std::string ms3(Time ns) { return fmt::format("{:.3f}", static_cast<double>(ns) / 1e6); }

std::string rate6(std::uint64_t part, std::uint64_t whole) {
  return whole ? fmt::format("{:.6f}", static_cast<double>(part) / static_cast<double>(whole)) : std::string();
}

std::string quantile_ms(const Histogram& h, double q) { return h.count() ? ms3(h.quantile(q)) : std::string(); }

// The 95% Wilson score interval of a proportion, k successes out of n.
void wilson(std::uint64_t k, std::uint64_t n, std::string& lo, std::string& hi) {
  if (n == 0) {
    lo.clear();
    hi.clear();
    return;
  }
  const double z = 1.959963984540054;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
  lo = fmt::format("{:.6f}", std::max(0.0, centre - half));
  hi = fmt::format("{:.6f}", std::min(1.0, centre + half));
}

std::string level_list(const std::vector<Level>& ls) {
  std::string s;
  for (Level l : ls) s += fmt::format("{}{}", s.empty() ? "" : ",", to_string(l));
  return s;
}

std::vector<std::string> all_level_names() {
  std::vector<std::string> v;
  for (int i = 0; i < kLevelCount; ++i) v.emplace_back(to_string(static_cast<Level>(i)));
  return v;
}

// The number of nodes a scenario JSON asks for, without validating the rest.
// 0 when absent-or-invalid is to be reported by the validator.
std::uint32_t nodes_of(const json& j, std::uint32_t fallback) {
  if (!j.is_object()) return 0;
  auto c = j.find("cluster");
  if (c == j.end()) return fallback;
  if (!c->is_object()) return 0;
  auto n = c->find("nodes");
  if (n == c->end()) return fallback;
  if (!n->is_number_integer()) return 0;
  const long long v = n->get<long long>();
  return v >= 1 && v <= static_cast<long long>(kMaxNodes) ? static_cast<std::uint32_t>(v) : 0;
}

// The N of the quorum rule: the replicas per key in leaderless mode (when
// given as a valid number), else the node count `n`. The loader has the last word.
std::uint32_t quorum_base(const json& j, std::uint32_t n) {
  auto c = j.find("cluster");
  if (c == j.end() || !c->is_object()) return n;
  auto mode = c->find("replication");
  if (mode == c->end() || *mode != "leaderless") return n;
  auto r = c->find("replicas");
  if (r == c->end() || !r->is_number_integer()) return n;
  const long long v = r->get<long long>();
  return v >= 1 && v <= static_cast<long long>(n) ? static_cast<std::uint32_t>(v) : n;
}

// ---------------------------------------------------------------- one run

struct LevelAgg {
  std::uint64_t reads = 0, answered = 0, stale = 0, failed = 0;
  Histogram latency;
  void add(const LevelAgg& o) {
    reads += o.reads;
    answered += o.answered;
    stale += o.stale;
    failed += o.failed;
    latency.merge(o.latency);
  }
};

struct WriteAgg {
  std::uint64_t writes = 0, failed = 0;
  Histogram latency;
  void add(const WriteAgg& o) {
    writes += o.writes;
    failed += o.failed;
    latency.merge(o.latency);
  }
};

struct RunData {
  std::uint64_t seed = 0;
  std::vector<LevelAgg> levels;                     // per Grid::levels
  WriteAgg writes;
  std::vector<std::vector<WindowBucket>> window;    // per Grid::levels
  std::vector<std::vector<ProbeCell>> probe;        // per Grid::probe_levels (empty: not probed)
  std::vector<std::vector<ProbeCell>> probe_main;   // per Grid::levels (empty: not probed)
};

// Pool the probe cells of several runs (same delays in every run of a point).
void pool_cells(std::vector<ProbeCell>& into, const std::vector<ProbeCell>& from) {
  if (into.empty()) {
    into = from;
    return;
  }
  for (std::size_t c = 0; c < into.size() && c < from.size(); ++c) into[c].add(from[c]);
}

// The main table's probe_t_below_target_ms cell: empty when not probed or never below.
std::string t_below_cell(const std::vector<ProbeCell>& cells, double target) {
  if (cells.empty()) return std::string();
  const Time t = probe_t_below_target(cells, target);
  return t < 0 ? std::string() : ms3(t);
}

bool probes_level(const Scenario& sc, Level l) {
  if (!sc.probe.enabled) return false;
  return std::find(sc.probe.levels.begin(), sc.probe.levels.end(), l) != sc.probe.levels.end();
}

RunData run_one(const Grid& g, const GridPoint& p, std::uint32_t k) {
  Scenario sc = p.scenario;
  sc.seed = run_seed(p.scenario.seed, p.coords, k);
  World world(sc);
  world.run();
  const Metrics& m = world.metrics();
  RunData d;
  d.seed = sc.seed;
  for (Level l : g.levels) {
    const ReadStats& rs = m.reads[static_cast<int>(l)];
    LevelAgg a;
    a.reads = rs.reads;
    a.answered = rs.answered();
    a.stale = rs.stale;
    a.failed = rs.failed;
    a.latency = rs.latency;
    d.levels.push_back(std::move(a));
    d.window.push_back(m.window[static_cast<int>(l)]);
    d.probe_main.push_back(probes_level(sc, l) ? m.probe[static_cast<int>(l)] : std::vector<ProbeCell>{});
  }
  for (OpType t : {OpType::put, OpType::del}) {
    const WriteStats& ws = m.writes[static_cast<int>(t)];
    d.writes.writes += ws.writes;
    d.writes.failed += ws.failed;
    d.writes.latency.merge(ws.latency);
  }
  for (Level l : g.probe_levels)
    d.probe.push_back(probes_level(sc, l) ? m.probe[static_cast<int>(l)] : std::vector<ProbeCell>{});
  return d;
}

std::string row_prefix(const Grid& g, const GridPoint& p, Level l) {
  std::string s = fmt::format("{},{},{},{}", p.n, p.w, p.r, to_string(l));
  for (const json& v : p.vary_values) s += "," + value_cell(v);
  return s;
}

std::string main_row(const Grid& g, const GridPoint& p, Level l, const std::string* seed, std::uint32_t seeds,
                     const LevelAgg& a, const WriteAgg& w, const std::string& t_below) {
  std::string lo, hi;
  wilson(a.stale, a.answered, lo, hi);
  std::string s = row_prefix(g, p, l);
  if (g.per_seed) s += "," + *seed;
  s += fmt::format(",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", seeds, a.reads, a.answered, a.stale,
                   rate6(a.stale, a.answered), lo, hi, a.failed, quantile_ms(a.latency, 0.5),
                   quantile_ms(a.latency, 0.99), w.writes, w.failed, quantile_ms(w.latency, 0.5),
                   quantile_ms(w.latency, 0.99), p.w + p.r > p.n ? 1 : 0, t_below);
  return s;
}

PointRows format_point(const Grid& g, const GridPoint& p, const std::vector<RunData>& runs) {
  PointRows out;
  WriteAgg wall;
  for (const RunData& d : runs) wall.add(d.writes);
  const std::string all = "all";
  for (std::size_t li = 0; li < g.levels.size(); ++li) {
    const Level l = g.levels[li];
    LevelAgg a;
    for (const RunData& d : runs) a.add(d.levels[li]);
    const double target = p.scenario.probe.target_stale;
    std::vector<ProbeCell> pcells;
    for (const RunData& d : runs) pool_cells(pcells, d.probe_main[li]);
    out[0] += main_row(g, p, l, &all, g.seeds, a, wall, t_below_cell(pcells, target));
    if (g.per_seed) {
      for (const RunData& d : runs) {
        const std::string seed = std::to_string(d.seed);
        out[0] += main_row(g, p, l, &seed, 1, d.levels[li], d.writes, t_below_cell(d.probe_main[li], target));
      }
    }
    // The window, pooled: same buckets in every run of the point.
    std::vector<WindowBucket> wb = runs.front().window[li];
    for (std::size_t r = 1; r < runs.size(); ++r)
      for (std::size_t b = 0; b < wb.size() && b < runs[r].window[li].size(); ++b) {
        wb[b].reads += runs[r].window[li][b].reads;
        wb[b].stale += runs[r].window[li][b].stale;
      }
    for (const WindowBucket& b : wb)
      out[1] += fmt::format("{},{},{},{},{},{}\n", row_prefix(g, p, l), ms3(b.lo), b.hi == kNever ? "inf" : ms3(b.hi),
                            b.reads, b.stale, rate6(b.stale, b.reads));
  }
  for (std::size_t pi = 0; pi < g.probe_levels.size(); ++pi) {
    const Level l = g.probe_levels[pi];
    std::vector<ProbeCell> cells;
    for (const RunData& d : runs) pool_cells(cells, d.probe[pi]);
    for (const ProbeCell& c : cells)
      out[2] += fmt::format("{},{},{},{},{},{},{},{},{}\n", row_prefix(g, p, l), ms3(c.delay), c.reads, c.stale,
                            rate6(c.stale, c.reads), c.failed, rate6(c.reads - c.stale, c.reads),
                            rate6(c.within(2), c.reads), rate6(c.within(3), c.reads));
  }
  return out;
}

std::vector<std::string_view> lines_of(const std::string& text, bool& complete_last) {
  std::vector<std::string_view> out;
  std::string_view s(text);
  std::size_t b = 0;
  while (b < s.size()) {
    const std::size_t e = s.find('\n', b);
    if (e == std::string_view::npos) {
      complete_last = false;
      return out;  // an unterminated last line is not a whole line
    }
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  complete_last = true;
  return out;
}

// The leading "point," field of a shard or partial row.
bool split_point(std::string_view line, std::size_t& point, std::string_view& rest) {
  const std::size_t c = line.find(',');
  if (c == std::string_view::npos) return false;
  long long v = 0;
  if (!parse_ll(line.substr(0, c), v) || v < 0) return false;
  point = static_cast<std::size_t>(v);
  rest = line.substr(c + 1);
  return true;
}

struct Tag {
  std::string table, hash;
  Shard shard;
  std::size_t points = 0;
  bool partial = false;
};

bool parse_tag(std::string_view line, Tag& t) {
  const std::string_view head = "# consim-sweep v1 ";
  if (line.substr(0, head.size()) != head) return false;
  bool has_table = false, has_hash = false, has_shard = false, has_points = false;
  for (std::string_view tok : split_simple(line.substr(head.size()), ' ')) {
    if (tok.empty()) continue;
    if (tok == "partial") {
      t.partial = true;
    } else if (tok.substr(0, 6) == "table=") {
      t.table = std::string(tok.substr(6));
      has_table = true;
    } else if (tok.substr(0, 6) == "sweep=") {
      t.hash = std::string(tok.substr(6));
      has_hash = true;
    } else if (tok.substr(0, 6) == "shard=") {
      try {
        t.shard = parse_shard(tok.substr(6));
      } catch (const InputError&) {
        return false;
      }
      has_shard = true;
    } else if (tok.substr(0, 7) == "points=") {
      long long v = 0;
      if (!parse_ll(tok.substr(7), v) || v < 0) return false;
      t.points = static_cast<std::size_t>(v);
      has_points = true;
    }
  }
  return has_table && has_hash && has_shard && has_points;
}

std::string shard_text(const Shard& s) { return fmt::format("{}/{}", s.index, s.count); }

}  // namespace

// ---------------------------------------------------------------- lists

std::vector<ListItem> parse_quorum_list(std::string_view text, std::string_view what) {
  auto fail = [&](const std::string& problem) {
    throw InputError(fmt::format("{} {}: {}", what, text, problem));
  };
  if (trim(text).empty()) fail("empty LIST; expected e.g. 1..5, 1,2,4, all, majority or n");
  std::vector<ListItem> items;
  for (std::string_view raw : split_simple(text, ',')) {
    const std::string_view s = trim(raw);
    ListItem it;
    if (s.empty()) fail("empty item in LIST; expected e.g. 1..5, 1,2,4, all, majority or n");
    if (s == "all") {
      it.kind = ListItem::Kind::all;
    } else if (s == "majority") {
      it.kind = ListItem::Kind::majority;
    } else if (s == "n" || s == "N") {
      it.kind = ListItem::Kind::n;
    } else if (s.find("..") != std::string_view::npos) {
      if (!parse_range(s, it.lo, it.hi))
        fail(fmt::format("\"{}\" is not a range of integers a..b", s));
      if (it.lo > it.hi) fail(fmt::format("the range {} is empty (expected a..b with a <= b)", s));
      if (it.hi - it.lo >= kMaxRange) fail(fmt::format("the range {} is too large", s));
      it.kind = ListItem::Kind::range;
    } else if (parse_ll(s, it.lo)) {
      it.kind = ListItem::Kind::number;
      it.hi = it.lo;
    } else {
      fail(fmt::format("\"{}\" is not a number, a range a..b, all, majority or n", s));
    }
    items.push_back(it);
  }
  return items;
}

std::vector<long long> resolve_quorum_list(const std::vector<ListItem>& items, std::uint32_t n) {
  std::vector<long long> out;
  auto add = [&](long long v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  for (const ListItem& it : items) {
    switch (it.kind) {
      case ListItem::Kind::number: add(it.lo); break;
      case ListItem::Kind::range:
        for (long long v = it.lo; v <= it.hi; ++v) add(v);
        break;
      case ListItem::Kind::all:
        for (long long v = 1; v <= static_cast<long long>(n); ++v) add(v);
        break;
      case ListItem::Kind::majority: add(static_cast<long long>(n / 2 + 1)); break;
      case ListItem::Kind::n: add(static_cast<long long>(n)); break;
    }
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool in_str = false, esc = false;
  for (char c : text) {
    if (in_str) {
      cur += c;
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(cur);
  return out;
}

VaryAxis parse_vary(std::string_view arg) {
  const std::size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw InputError(fmt::format("--vary {}: expected PATH=LIST, e.g. network.loss=0,0.01 or cluster.nodes=3..7", arg));
  VaryAxis ax;
  ax.path = std::string(trim(arg.substr(0, eq)));
  for (std::string_view seg : split_simple(ax.path, '.'))
    if (seg.empty())
      throw InputError(fmt::format("--vary {}: empty name in PATH \"{}\"", arg, ax.path));
  if (ax.path == "cluster.write_quorum" || ax.path == "cluster.read_quorum")
    throw InputError(fmt::format("--vary {}: sweep the quorums with --w and --r", arg));
  const std::string_view list = arg.substr(eq + 1);
  if (trim(list).empty()) throw InputError(fmt::format("--vary {}: empty LIST", arg));
  std::set<std::string> seen;
  auto add = [&](json v) {
    if (seen.insert(v.dump()).second) ax.values.push_back(std::move(v));
  };
  for (const std::string& item : split_list(list)) {
    const std::string_view s = trim(item);
    if (s.empty()) throw InputError(fmt::format("--vary {}: empty item in LIST", arg));
    long long lo = 0, hi = 0;
    if (parse_range(s, lo, hi)) {
      if (lo > hi) throw InputError(fmt::format("--vary {}: the range {} is empty (expected a..b with a <= b)", arg, s));
      if (hi - lo >= kMaxRange) throw InputError(fmt::format("--vary {}: the range {} is too large", arg, s));
      for (long long v = lo; v <= hi; ++v) add(json(v));
      continue;
    }
    json v = json::parse(item, nullptr, false);
    if (v.is_discarded()) v = item;  // like --set: not JSON, so a string
    add(std::move(v));
  }
  return ax;
}

std::vector<Level> parse_levels(std::string_view text) {
  std::vector<Level> out;
  auto add = [&](Level l) {
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  };
  if (trim(text).empty()) throw InputError("--levels: empty LIST; expected level names or all");
  for (std::string_view raw : split_simple(text, ',')) {
    std::string s(trim(raw));
    std::replace(s.begin(), s.end(), '-', '_');
    if (s == "all") {
      for (int i = 0; i < kLevelCount; ++i) add(static_cast<Level>(i));
      continue;
    }
    Level l;
    if (!parse_level(s, l)) {
      const std::string near = nearest_name(s, all_level_names());
      throw InputError(fmt::format("--levels {}: unknown level \"{}\"{}; expected {} or all", text, s,
                                   near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near),
                                   level_list({Level::eventual, Level::strong, Level::read_your_writes,
                                               Level::monotonic_reads, Level::causal, Level::leader})));
    }
    add(l);
  }
  return out;
}

Shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  long long i = 0, n = 0;
  if (slash == std::string_view::npos || !parse_ll(text.substr(0, slash), i) || !parse_ll(text.substr(slash + 1), n) ||
      n < 1 || i < 1 || i > n || n > 1'000'000)
    throw InputError(fmt::format("--shard {}: expected I/N with 1 <= I <= N, e.g. 2/8", text));
  return Shard{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
}

// ---------------------------------------------------------------- the grid

std::uint64_t run_seed(std::uint64_t base_seed, const std::string& coords, std::uint32_t seed_index) {
  std::uint64_t state = base_seed ^ stream_id(fmt::format("{};seed#{}", coords, seed_index + 1));
  return splitmix64(state);
}

Grid expand_grid(const SweepOptions& opt) {
  if (opt.seeds < 1) throw InputError("--seeds must be at least 1");
  Grid g;
  g.seeds = opt.seeds;
  g.per_seed = opt.per_seed;
  std::optional<std::vector<ListItem>> w_items, r_items;
  if (opt.w_list) w_items = parse_quorum_list(*opt.w_list, "--w");
  if (opt.r_list) r_items = parse_quorum_list(*opt.r_list, "--r");
  for (const VaryAxis& ax : opt.vary) {
    if (ax.values.empty()) throw InputError(fmt::format("--vary {}: empty LIST", ax.path));
    if (std::find(g.vary_paths.begin(), g.vary_paths.end(), ax.path) != g.vary_paths.end())
      throw InputError(fmt::format("--vary {}: the same PATH is given twice", ax.path));
    if (ax.path == "cluster.write_quorum" || ax.path == "cluster.read_quorum")
      throw InputError(fmt::format("--vary {}: sweep the quorums with --w and --r", ax.path));
    g.vary_paths.push_back(ax.path);
  }

  const std::uint32_t default_nodes = ClusterSpec{}.nodes;
  std::vector<std::size_t> odo(opt.vary.size(), 0);
  bool more = true;
  while (more) {
    json j = opt.scenario;
    std::string vcoords;
    std::vector<json> values;
    for (std::size_t a = 0; a < opt.vary.size(); ++a) {
      const json& v = opt.vary[a].values[odo[a]];
      values.push_back(v);
      vcoords += fmt::format("{}={};", opt.vary[a].path, v.dump());
    }
    const std::string where = vcoords.empty() ? std::string() : vcoords.substr(0, vcoords.size() - 1);
    auto at = [&](const std::string& c) { return c.empty() ? std::string("the scenario") : "sweep point " + c; };
    try {
      for (std::size_t a = 0; a < opt.vary.size(); ++a) apply_set(j, opt.vary[a].path + "=" + values[a].dump(), opt.source);
    } catch (const InputError& e) {
      std::string msg = e.what();
      if (msg.rfind("--set ", 0) == 0) msg = "--vary " + msg.substr(6);
      throw InputError(msg);
    }
    const std::uint32_t nodes = nodes_of(j, default_nodes);
    if (nodes == 0) {
      try {
        scenario_from_json(j, opt.source);
      } catch (const InputError& e) {
        throw InputError(fmt::format("{}: {}", at(where), e.what()));
      }
      throw InputError(fmt::format("{}: cluster.nodes must be within 1..{}", at(where), kMaxNodes));
    }
    const std::uint32_t n = quorum_base(j, nodes);  // N of --w/--r: the replicas per key
    const std::vector<long long> ws = w_items ? resolve_quorum_list(*w_items, n) : std::vector<long long>{-1};
    const std::vector<long long> rs = r_items ? resolve_quorum_list(*r_items, n) : std::vector<long long>{-1};
    for (long long w : ws) {
      if (w_items && (w < 1 || w > n))
        throw InputError(fmt::format("--w {}: W={} is outside 1..N with N={} at {}", *opt.w_list, w, n,
                                     where.empty() ? "every point" : "sweep point " + where));
      for (long long r : rs) {
        if (r_items && (r < 1 || r > n))
          throw InputError(fmt::format("--r {}: R={} is outside 1..N with N={} at {}", *opt.r_list, r, n,
                                       where.empty() ? "every point" : "sweep point " + where));
        json pj = j;
        if (w_items) apply_set(pj, fmt::format("cluster.write_quorum={}", w), opt.source);
        if (r_items) apply_set(pj, fmt::format("cluster.read_quorum={}", r), opt.source);
        GridPoint p;
        try {
          p.scenario = scenario_from_json(pj, opt.source);
        } catch (const InputError& e) {
          std::string c = vcoords;
          if (w_items) c += fmt::format("w={};", w);
          if (r_items) c += fmt::format("r={};", r);
          if (!c.empty()) c.pop_back();
          throw InputError(fmt::format("{}: {}", at(c), e.what()));
        }
        p.index = g.points.size();
        p.vary_values = values;
        p.n = p.scenario.cluster.replicas;  // == nodes in leader mode
        p.w = p.scenario.cluster.write_quorum;
        p.r = p.scenario.cluster.read_quorum;
        p.coords = fmt::format("{}w={};r={}", vcoords, p.w, p.r);
        g.points.push_back(std::move(p));
        if (g.points.size() > kMaxPoints)
          throw InputError(fmt::format("the grid has more than {} points; split the sweep", kMaxPoints));
      }
    }
    // Next combination: the last axis varies fastest.
    more = false;
    for (std::size_t a = opt.vary.size(); a-- > 0;) {
      if (++odo[a] < opt.vary[a].values.size()) {
        more = true;
        break;
      }
      odo[a] = 0;
    }
  }
  if (g.points.empty()) throw InputError("the sweep's grid is empty");

  // Levels: given, or every level a point's workload or script reads at.
  std::array<bool, kLevelCount> used{}, probed{};
  for (const GridPoint& p : g.points) {
    const Scenario& sc = p.scenario;
    if (sc.workload.enabled)
      for (int l = 0; l < kLevelCount; ++l)
        if (sc.workload.level_weights[l] > 0) used[l] = true;
    for (const ScriptedOp& op : sc.script)
      if (op.op == OpType::get) used[static_cast<int>(op.level)] = true;
    if (sc.probe.enabled)
      for (Level l : sc.probe.levels) probed[static_cast<int>(l)] = true;
  }
  if (opt.levels) {
    if (opt.levels->empty()) throw InputError("--levels: empty LIST");
    g.levels = *opt.levels;
    for (Level l : *opt.levels)
      if (probed[static_cast<int>(l)]) g.probe_levels.push_back(l);
  } else {
    for (int l = 0; l < kLevelCount; ++l)
      if (used[l]) g.levels.push_back(static_cast<Level>(l));
    for (int l = 0; l < kLevelCount; ++l)
      if (probed[l]) g.probe_levels.push_back(static_cast<Level>(l));
    if (g.levels.empty()) g.levels = g.probe_levels;
    if (g.levels.empty())
      throw InputError("the scenario reads at no consistency level (no workload, script or probe reads); give --levels");
  }

  // The sweep's identity: everything that decides the bytes of its tables.
  std::string def = fmt::format("consim-sweep v1\nconsim {}\nscenario {}\nvary", CONSIM_VERSION, opt.scenario.dump());
  for (const std::string& pth : g.vary_paths) def += " " + pth;
  def += fmt::format("\nseeds {}\nper_seed {}\nlevels {}\nprobe_levels {}\npoints {}\n", g.seeds, g.per_seed ? 1 : 0,
                     level_list(g.levels), level_list(g.probe_levels), g.points.size());
  for (const GridPoint& p : g.points) def += fmt::format("{} base_seed={}\n", p.coords, p.scenario.seed);
  g.hash = fmt::format("{:016x}", stream_id(def));
  return g;
}

// ---------------------------------------------------------------- tables

std::string_view to_string(Table t) {
  switch (t) {
    case Table::main: return "main";
    case Table::window: return "window";
    case Table::probe: return "probe";
  }
  return "?";
}

std::string table_header(const Grid& g, Table t, bool with_point) {
  std::string s = with_point ? "point,n,w,r,level" : "n,w,r,level";
  for (const std::string& p : g.vary_paths) s += "," + csv_field(p);
  switch (t) {
    case Table::main:
      if (g.per_seed) s += ",seed";
      s += ",seeds,reads,answered,stale_reads,stale_rate,stale_rate_ci_low,stale_rate_ci_high,failed_reads,"
           "read_p50_ms,read_p99_ms,writes,failed_writes,write_p50_ms,write_p99_ms,strict_quorum,"
           "probe_t_below_target_ms";
      break;
    case Table::window: s += ",delta_lo_ms,delta_hi_ms,reads,stale_reads,stale_rate"; break;
    case Table::probe:
      s += ",delay_ms,reads,stale_reads,stale_rate,failed_reads,p_consistent,p_within_k2,p_within_k3";
      break;
  }
  return s + "\n";
}

void run_points(const Grid& g, const std::vector<std::size_t>& points, unsigned jobs,
                const std::function<void(std::size_t, const PointRows&)>& on_point,
                const std::function<void(std::size_t, std::size_t)>& on_run) {
  const std::size_t K = g.seeds;
  const std::size_t total = points.size() * K;
  if (total == 0) return;
  struct Slot {
    std::vector<RunData> runs;
    std::atomic<std::size_t> left{0};
  };
  std::unique_ptr<Slot[]> slots(new Slot[points.size()]);
  for (std::size_t i = 0; i < points.size(); ++i) {
    slots[i].runs.resize(K);
    slots[i].left.store(K);
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::exception_ptr error;
  std::size_t done = 0;

  auto worker = [&]() {
    while (!stop.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= total) return;
      const std::size_t slot = i / K;
      const auto k = static_cast<std::uint32_t>(i % K);
      try {
        const GridPoint& p = g.points.at(points[slot]);
        slots[slot].runs[k] = run_one(g, p, k);
        const bool last = slots[slot].left.fetch_sub(1, std::memory_order_acq_rel) == 1;
        PointRows rows;
        if (last) {
          rows = format_point(g, p, slots[slot].runs);
          std::vector<RunData>().swap(slots[slot].runs);
        }
        std::lock_guard<std::mutex> lock(mu);
        if (stop.load()) return;
        ++done;
        if (last) on_point(p.index, rows);
        if (on_run) on_run(done, total);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        stop.store(true);
        return;
      }
    }
  };
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), total));
  if (n == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned t = 0; t < n; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);
}

std::array<std::string, kTableCount> run_sweep_text(const Grid& g, unsigned jobs, Shard shard) {
  std::vector<std::size_t> pts;
  for (const GridPoint& p : g.points)
    if (shard.contains(p.index)) pts.push_back(p.index);
  std::array<std::map<std::size_t, std::string>, kTableCount> rows;
  run_points(g, pts, jobs, [&](std::size_t p, const PointRows& r) {
    for (int t = 0; t < kTableCount; ++t) rows[t][p] = r[t];
  });
  std::array<std::string, kTableCount> out;
  for (int t = 0; t < kTableCount; ++t) out[t] = final_text(g, static_cast<Table>(t), shard, shard.count > 1, rows[t]);
  return out;
}

// ---------------------------------------------------------------- files

std::string file_tag(const Grid& g, Table t, Shard shard, bool partial) {
  return fmt::format("# consim-sweep v1 table={} sweep={} shard={} points={}{}", to_string(t), g.hash,
                     shard_text(shard), g.points.size(), partial ? " partial" : "");
}

std::string final_text(const Grid& g, Table t, Shard shard, bool sharded, const std::map<std::size_t, std::string>& rows) {
  std::string out;
  if (sharded) out += file_tag(g, t, shard, false) + "\n";
  out += table_header(g, t, sharded);
  std::size_t count = 0;
  for (const GridPoint& p : g.points) {
    if (!shard.contains(p.index)) continue;
    auto it = rows.find(p.index);
    if (it == rows.end()) throw std::logic_error(fmt::format("sweep: no rows for point {}", p.index));
    if (!sharded) {
      out += it->second;
      continue;
    }
    bool whole = true;
    for (std::string_view line : lines_of(it->second, whole)) {
      out += fmt::format("{},{}\n", p.index, line);
      ++count;
    }
  }
  if (sharded) out += fmt::format("# end rows={}\n", count);
  return out;
}

std::string partial_block(std::size_t point, const std::string& rows) {
  std::string out;
  bool whole = true;
  for (std::string_view line : lines_of(rows, whole)) out += fmt::format("{},{}\n", point, line);
  out += fmt::format("# done {}\n", point);
  return out;
}

std::map<std::size_t, std::string> parse_partial(const Grid& g, Table t, Shard shard, const std::string& text,
                                                 const std::string& name) {
  bool whole = true;
  const std::vector<std::string_view> lines = lines_of(text, whole);
  std::map<std::size_t, std::string> out;
  if (lines.empty()) return out;  // killed before the header was written
  const std::string tag = file_tag(g, t, shard, true);
  if (lines[0] != tag) {
    Tag got;
    if (!parse_tag(lines[0], got))
      throw InputError(fmt::format("{}: not a consim sweep partial file; remove it or run without --resume", name));
    if (got.hash != g.hash)
      throw InputError(fmt::format("{}: written by a different sweep (sweep={}, this sweep is sweep={}); "
                                   "remove it or run without --resume to start over", name, got.hash, g.hash));
    if (got.table != to_string(t))
      throw InputError(fmt::format("{}: holds the {} table, not the {} table", name, got.table, to_string(t)));
    if (got.shard.index != shard.index || got.shard.count != shard.count)
      throw InputError(fmt::format("{}: written for --shard {}, not {}", name, shard_text(got.shard), shard_text(shard)));
    throw InputError(fmt::format("{}: not a partial file of this sweep (first line \"{}\")", name, lines[0]));
  }
  if (lines.size() < 2) return out;
  std::string header = table_header(g, t, true);
  header.pop_back();
  if (lines[1] != header)
    throw InputError(fmt::format("{}: unexpected CSV header; remove it or run without --resume", name));
  std::string pending;
  std::size_t pending_point = SIZE_MAX;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    auto corrupt = [&]() {
      return InputError(fmt::format("{}:{}: corrupt partial file; remove it or run without --resume", name, i + 1));
    };
    if (line.rfind("# done ", 0) == 0) {
      long long v = 0;
      if (!parse_ll(line.substr(7), v) || v < 0) throw corrupt();
      const auto p = static_cast<std::size_t>(v);
      if (p >= g.points.size() || !shard.contains(p) || out.count(p) ||
          (pending_point != SIZE_MAX && pending_point != p))
        throw corrupt();
      out[p] = pending;
      pending.clear();
      pending_point = SIZE_MAX;
      continue;
    }
    std::size_t p = 0;
    std::string_view rest;
    if (!split_point(line, p, rest) || (pending_point != SIZE_MAX && p != pending_point)) throw corrupt();
    pending_point = p;
    pending += std::string(rest) + "\n";
  }
  return out;
}

std::string merge_shards(const std::vector<std::pair<std::string, std::string>>& files) {
  if (files.empty()) throw InputError("merge: no shard files given");
  struct In {
    std::string name;
    Tag tag;
    std::string header;
    std::vector<std::pair<std::size_t, std::string_view>> rows;
  };
  std::vector<In> ins;
  for (const auto& [name, text] : files) {
    In in;
    in.name = name;
    bool whole = true;
    const std::vector<std::string_view> lines = lines_of(text, whole);
    if (lines.empty() || !parse_tag(lines[0], in.tag))
      throw InputError(fmt::format("merge: {}: not a consim sweep shard file (its first line should be "
                                   "\"# consim-sweep v1 ...\"; was it written with --shard?)", name));
    if (in.tag.partial)
      throw InputError(fmt::format("merge: {}: an unfinished partial file; finish its shard (--resume) first", name));
    if (!whole || lines.size() < 3 || lines.back().rfind("# end rows=", 0) != 0)
      throw InputError(fmt::format("merge: {}: truncated (no \"# end\" line); run its shard again", name));
    long long nrows = 0;
    if (!parse_ll(lines.back().substr(11), nrows) || nrows != static_cast<long long>(lines.size()) - 3)
      throw InputError(fmt::format("merge: {}: truncated or edited (row count does not match its \"# end\" line)", name));
    in.header = std::string(lines[1]);
    if (in.header.rfind("point,", 0) != 0)
      throw InputError(fmt::format("merge: {}: unexpected CSV header (expected a leading point column)", name));
    for (std::size_t i = 2; i + 1 < lines.size(); ++i) {
      std::size_t p = 0;
      std::string_view rest;
      if (!split_point(lines[i], p, rest) || p >= in.tag.points || !in.tag.shard.contains(p))
        throw InputError(fmt::format("merge: {}:{}: a row that does not belong to shard {}", name, i + 1,
                                     shard_text(in.tag.shard)));
      in.rows.emplace_back(p, rest);
    }
    ins.push_back(std::move(in));
  }
  const In& first = ins.front();
  std::vector<const In*> by_index(first.tag.shard.count, nullptr);
  for (const In& in : ins) {
    if (in.tag.hash != first.tag.hash)
      throw InputError(fmt::format("merge: {} and {} are shards of different sweeps (sweep={} and sweep={})",
                                   first.name, in.name, first.tag.hash, in.tag.hash));
    if (in.tag.table != first.tag.table)
      throw InputError(fmt::format("merge: {} holds the {} table and {} the {} table", first.name, first.tag.table,
                                   in.name, in.tag.table));
    if (in.tag.shard.count != first.tag.shard.count || in.tag.points != first.tag.points)
      throw InputError(fmt::format("merge: {} is shard {} and {} is shard {}: the sweep was split in different ways",
                                   first.name, shard_text(first.tag.shard), in.name, shard_text(in.tag.shard)));
    if (in.header != first.header)
      throw InputError(fmt::format("merge: {} and {} have different CSV headers", first.name, in.name));
    const In*& slot = by_index[in.tag.shard.index - 1];
    if (slot)
      throw InputError(fmt::format("merge: {} and {} are both shard {}", slot->name, in.name, shard_text(in.tag.shard)));
    slot = &in;
  }
  std::string missing;
  for (std::size_t i = 0; i < by_index.size(); ++i)
    if (!by_index[i]) missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i + 1, by_index.size());
  if (!missing.empty())
    throw InputError(fmt::format("merge: incomplete set of shards: missing {} (got {} of {})", missing, ins.size(),
                                 by_index.size()));

  std::vector<std::vector<std::string_view>> per_point(first.tag.points);
  for (const In& in : ins)
    for (const auto& [p, row] : in.rows) per_point[p].push_back(row);
  std::string out = first.header.substr(6) + "\n";
  for (const auto& rows : per_point)
    for (std::string_view r : rows) {
      out += r;
      out += '\n';
    }
  return out;
}

// ---------------------------------------------------------------- the files of a sweep

namespace {

bool file_exists(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return static_cast<bool>(f);
}

std::string read_user_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read file: {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// An output's "<path>.partial": rows are appended, flushed, as points finish.
class PartialFile {
 public:
  PartialFile() = default;
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  ~PartialFile() {
    if (f_) std::fclose(f_);
  }
  void open(const std::string& path, const std::string& initial) {
    path_ = path;
    write_file_atomically(path, initial);  // fresh, or what a resume keeps of it
    f_ = std::fopen(path.c_str(), "ab");
    if (!f_) throw std::runtime_error(fmt::format("{}: cannot open for appending: {}", path, std::strerror(errno)));
  }
  void append(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), f_) != text.size() || std::fflush(f_) != 0)
      throw std::runtime_error(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
  }
  void close(bool remove) {
    if (f_) std::fclose(f_);
    f_ = nullptr;
    if (remove) std::remove(path_.c_str());
  }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  const long t = std::lround(s);
  if (s < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

}  // namespace

SweepSummary run_sweep_files(const Grid& g, const FilePlan& plan) {
  const double t0 = wall_seconds();
  SweepSummary sum;
  std::vector<std::size_t> mine;
  for (const GridPoint& p : g.points)
    if (plan.shard.contains(p.index)) mine.push_back(p.index);
  sum.points = mine.size();

  // Resume: the points finished in every written table's partial file.
  std::array<std::map<std::size_t, std::string>, kTableCount> rows;
  std::array<std::string, kTableCount> partial_path;
  std::set<std::size_t> done;
  if (plan.resume) done.insert(mine.begin(), mine.end());
  for (int t = 0; t < kTableCount; ++t) {
    if (plan.outputs[t].empty()) continue;
    partial_path[t] = plan.outputs[t] + ".partial";
    if (!plan.resume || !file_exists(partial_path[t])) {
      done.clear();
      continue;
    }
    sum.found_partial = true;
    rows[t] = parse_partial(g, static_cast<Table>(t), plan.shard, read_user_file(partial_path[t]), partial_path[t]);
    std::set<std::size_t> keep;
    for (std::size_t p : done)
      if (rows[t].count(p)) keep.insert(p);
    done.swap(keep);
  }
  sum.resumed = done.size();

  // (Re)write each partial file with what is kept, then append to it.
  std::array<PartialFile, kTableCount> partial;
  for (int t = 0; t < kTableCount; ++t) {
    if (plan.outputs[t].empty()) continue;
    const auto table = static_cast<Table>(t);
    std::string initial = file_tag(g, table, plan.shard, true) + "\n" + table_header(g, table, true);
    std::map<std::size_t, std::string> kept;
    for (std::size_t p : done) {
      initial += partial_block(p, rows[t][p]);
      kept[p] = rows[t][p];
    }
    rows[t].swap(kept);
    partial[t].open(partial_path[t], initial);
  }

  std::vector<std::size_t> todo;
  for (std::size_t p : mine)
    if (!done.count(p)) todo.push_back(p);
  const bool killed = todo.size() > plan.stop_after_points;
  if (killed) todo.resize(plan.stop_after_points);
  sum.runs = todo.size() * g.seeds;

  double last_print = -1;
  auto on_point = [&](std::size_t p, const PointRows& r) {
    for (int t = 0; t < kTableCount; ++t) {
      if (plan.outputs[t].empty()) continue;
      partial[t].append(partial_block(p, r[t]));
      rows[t][p] = r[t];
    }
  };
  auto on_run = [&](std::size_t n, std::size_t total) {
    if (!plan.progress) return;
    const double now = wall_seconds() - t0;
    if (n < total && now - last_print < 0.25) return;
    last_print = now;
    const double eta = now / static_cast<double>(n) * static_cast<double>(total - n);
    fmt::print(stderr, "\rconsim sweep: {}/{} runs, {} elapsed, ETA {}    ", n, total, format_duration(now),
               format_duration(eta));
    if (n == total) fmt::print(stderr, "\n");
  };
  run_points(g, todo, plan.jobs, on_point, on_run);
  if (killed) {
    for (auto& f : partial) f.close(false);
    sum.wall_seconds = wall_seconds() - t0;
    return sum;
  }

  for (int t = 0; t < kTableCount; ++t) {
    if (plan.outputs[t].empty()) continue;
    write_file_atomically(plan.outputs[t], final_text(g, static_cast<Table>(t), plan.shard, plan.sharded, rows[t]));
  }
  for (int t = 0; t < kTableCount; ++t) partial[t].close(!plan.outputs[t].empty());
  sum.finished = true;
  sum.wall_seconds = wall_seconds() - t0;
  return sum;
}

}  // namespace consim::sweep
