#include "sim/sweep/measure.h"

#include <algorithm>

#include "sim/world/world.h"

namespace consim::sweep {

namespace {

bool probes_level(const Scenario& sc, Level l) {
  if (!sc.probe.enabled) return false;
  return std::find(sc.probe.levels.begin(), sc.probe.levels.end(), l) != sc.probe.levels.end();
}

// Cell-by-cell sums; the first run's cells give the pool its shape.
void pool_cells(std::vector<ProbeCell>& into, const std::vector<ProbeCell>& from) {
  if (into.empty()) {
    into = from;
    return;
  }
  for (std::size_t c = 0; c < into.size() && c < from.size(); ++c) into[c].add(from[c]);
}

void pool_buckets(std::vector<WindowBucket>& into, const std::vector<WindowBucket>& from, bool first) {
  if (first) {
    into = from;
    return;
  }
  for (std::size_t b = 0; b < into.size() && b < from.size(); ++b) {
    into[b].reads += from[b].reads;
    into[b].stale += from[b].stale;
  }
}

}  // namespace

void ReadTotals::add(const ReadTotals& o) {
  reads += o.reads;
  answered += o.answered;
  stale += o.stale;
  failed += o.failed;
  latency.merge(o.latency);
}

void WriteTotals::add(const WriteTotals& o) {
  writes += o.writes;
  failed += o.failed;
  latency.merge(o.latency);
}

RunResult measure_run(const Grid& g, const GridPoint& p, std::uint32_t k) {
  Scenario sc = p.scenario;
  sc.seed = run_seed(p.scenario.seed, p.coords, k);
  World world(sc);
  world.run();
  const Metrics& m = world.metrics();
  RunResult d;
  d.seed = sc.seed;
  for (Level l : g.levels) {
    const ReadStats& rs = m.reads[static_cast<int>(l)];
    ReadTotals a;
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
    const consim::WriteStats& ws = m.writes[static_cast<int>(t)];
    d.writes.writes += ws.writes;
    d.writes.failed += ws.failed;
    d.writes.latency.merge(ws.latency);
  }
  for (Level l : g.probe_levels)
    d.probe.push_back(probes_level(sc, l) ? m.probe[static_cast<int>(l)] : std::vector<ProbeCell>{});
  return d;
}

void PointPool::add(const RunResult& r) {
  const bool first = runs == 0;
  if (first) {
    levels.resize(r.levels.size());
    window.resize(r.window.size());
    probe.resize(r.probe.size());
    probe_main.resize(r.probe_main.size());
  }
  for (std::size_t i = 0; i < levels.size() && i < r.levels.size(); ++i) levels[i].add(r.levels[i]);
  writes.add(r.writes);
  for (std::size_t i = 0; i < window.size() && i < r.window.size(); ++i) pool_buckets(window[i], r.window[i], first);
  for (std::size_t i = 0; i < probe.size() && i < r.probe.size(); ++i) pool_cells(probe[i], r.probe[i]);
  for (std::size_t i = 0; i < probe_main.size() && i < r.probe_main.size(); ++i) pool_cells(probe_main[i], r.probe_main[i]);
  ++runs;
}

}  // namespace consim::sweep
