#include "sim/sweep/grid.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "sim/engine/rng.h"
#include "sim/io/input.h"
#include "sim/scenario/load.h"
#include "sim/sweep/budget.h"
#include "sim/version.h"

namespace consim::sweep {

namespace {

using json = nlohmann::json;

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

}  // namespace

std::uint64_t run_seed(std::uint64_t base_seed, const std::string& coords, std::uint32_t seed_index) {
  std::uint64_t state = base_seed ^ stream_id(fmt::format("{};seed#{}", coords, seed_index + 1));
  // 53 bits: a seed every reader of the tables loads exactly (a double, a JSON number, R's numeric).
  return splitmix64(state) & ((std::uint64_t{1} << 53) - 1);
}

Grid expand_grid(const SweepOptions& opt) {
  if (opt.seeds < 1) throw InputError("--seeds must be at least 1");
  check_grid_size(1, opt.seeds);  // before a single point is built
  Grid g;
  g.seeds = opt.seeds;
  g.per_seed = opt.per_seed;
  std::optional<std::vector<ListItem>> w_items, r_items;
  if (opt.w_list) w_items = parse_quorum_list(*opt.w_list, "--w");
  if (opt.r_list) r_items = parse_quorum_list(*opt.r_list, "--r");
  {
    // A lower bound of the grid's size (each --vary list, and the largest
    // single item of --w and --r), so that a grid far past the budget is
    // refused before it is built.
    auto largest = [](const std::optional<std::vector<ListItem>>& items) {
      std::uint64_t m = 1;
      if (items)
        for (const ListItem& it : *items)
          if (it.kind == ListItem::Kind::range) m = std::max<std::uint64_t>(m, static_cast<std::uint64_t>(it.hi - it.lo + 1));
      return m;
    };
    std::uint64_t at_least = largest(w_items) * largest(r_items);  // each below kMaxRange
    for (const VaryAxis& ax : opt.vary)
      at_least = std::min<std::uint64_t>(at_least * std::max<std::size_t>(1, ax.values.size()), kMaxSweepRuns + 1);
    check_grid_size(static_cast<std::size_t>(at_least), opt.seeds);
  }
  for (const VaryAxis& ax : opt.vary) {
    if (ax.values.empty()) throw InputError(fmt::format("--vary {}: empty LIST", excerpt(ax.path)));
    if (std::find(g.vary_paths.begin(), g.vary_paths.end(), ax.path) != g.vary_paths.end())
      throw InputError(fmt::format("--vary {}: the same PATH is given twice", excerpt(ax.path)));
    if (ax.path == "cluster.write_quorum" || ax.path == "cluster.read_quorum")
      throw InputError(fmt::format("--vary {}: sweep the quorums with --w and --r", excerpt(ax.path)));
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
    auto at = [&](const std::string& c) { return c.empty() ? std::string("the scenario") : "sweep point " + excerpt(c, 120); };
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
        throw InputError(fmt::format("--w {}: W={} is outside 1..N with N={} at {}", excerpt(*opt.w_list), w, n,
                                     where.empty() ? "every point" : "sweep point " + excerpt(where, 120)));
      for (long long r : rs) {
        if (r_items && (r < 1 || r > n))
          throw InputError(fmt::format("--r {}: R={} is outside 1..N with N={} at {}", excerpt(*opt.r_list), r, n,
                                       where.empty() ? "every point" : "sweep point " + excerpt(where, 120)));
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
        check_grid_size(g.points.size(), g.seeds);
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
  // The build too (version and commit): shards and partial files of different builds never mix.
  std::string def = fmt::format("consim-sweep v1\nconsim {} {}\nscenario {}\nvary", version(), build_commit(),
                                opt.scenario.dump());
  for (const std::string& pth : g.vary_paths) def += " " + pth;
  def += fmt::format("\nseeds {}\nper_seed {}\nlevels {}\nprobe_levels {}\npoints {}\n", g.seeds, g.per_seed ? 1 : 0,
                     level_list(g.levels), level_list(g.probe_levels), g.points.size());
  for (const GridPoint& p : g.points) def += fmt::format("{} base_seed={}\n", p.coords, p.scenario.seed);
  g.hash = fmt::format("{:016x}", stream_id(def));
  return g;
}

}  // namespace consim::sweep
