#include "sim/report/report.h"

#include "core/lww.h"

#include <cmath>

#include <fmt/format.h>

#include "sim/report/derived.h"
#include "sim/world/world.h"

namespace consim {

namespace {

using ojson = nlohmann::ordered_json;


// A JSON number in ms, rounded to the nanosecond so text is stable.
double ms_json(Time ns) { return std::round(static_cast<double>(ns)) / 1e6; }

// Round a ratio to 6 decimals for the JSON report (stable, readable).
double r6(double x) { return std::round(x * 1e6) / 1e6; }

ojson latency_json(const Histogram& h) {
  ojson j;
  j["count"] = h.count();
  j["mean"] = r6(h.mean() / 1e6);
  j["p50"] = ms_json(h.quantile(0.5));
  j["p90"] = ms_json(h.quantile(0.9));
  j["p99"] = ms_json(h.quantile(0.99));
  j["p999"] = ms_json(h.quantile(0.999));
  j["max"] = ms_json(h.max());
  return j;
}

ojson failed_by_json(const std::array<std::uint64_t, kFailReasonCount>& a) {
  ojson j = ojson::object();
  for (int i = 0; i < kFailReasonCount; ++i) j[std::string(to_string(static_cast<FailReason>(i)))] = a[i];
  return j;
}

std::string node_name(NodeId n) { return n == kNoNode ? std::string("none") : fmt::format("node-{}", n + 1); }

// ---- Enum names, spelled here until each enum has its one name table with
// to_string() (sim/scenario/, core/). Each is one function: swap its body for
// the to_string() call. Names as in scenario JSON.
std::string election_name(Election e) { return e == Election::majority ? "majority" : "lowest-alive"; }
std::string session_name(SessionPolicy p) {
  switch (p) {
    case SessionPolicy::wait: return "wait";
    case SessionPolicy::fail: return "fail";
    case SessionPolicy::forward: return "forward";
  }
  return "?";
}
std::string read_fanout_name(ReadFanout f) { return f == ReadFanout::all ? "all" : "r"; }
std::string replication_name(Replication r) { return r == Replication::leaderless ? "leaderless" : "leader"; }
// Two booleans today (read_repair, read_repair_blocking), one mode in JSON.
std::string repair_name(const ClusterSpec& c) {
  return !c.read_repair ? "off" : c.read_repair_blocking ? "blocking" : "async";
}
std::string workload_mode_name(WorkloadSpec::Mode m) { return m == WorkloadSpec::Mode::open ? "open" : "closed"; }
// ---- end of enum names

std::string pct(std::uint64_t part, std::uint64_t whole) {
  if (!whole) return "-";
  return fmt::format("{:.2f}%", 100.0 * rate(part, whole));
}

// A probability as a short percentage: 0.001 -> "0.1%".
std::string pct_text(double p) { return fmt::format("{:g}%", 100.0 * p); }

}  // namespace

std::string format_ms(long long ns) {
  std::string s = fmt::format("{:.3f}", static_cast<double>(ns) / 1e6);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string version_text(const Version& v, const Scenario& sc) {
  if (sc.cluster.replication != Replication::leaderless || v.is_zero())
    return fmt::format("v({},{})", v.term, v.index);
  const std::uint64_t coord = (v.index >> kLwwCoordinatorShift) - 1;
  const std::uint64_t counter = v.index & ((std::uint64_t{1} << kLwwCoordinatorShift) - 1);
  const std::string who = coord < sc.cluster.nodes ? fmt::format("N{}", coord + 1)
                                                   : fmt::format("C{}", coord - sc.cluster.nodes + 1);
  return fmt::format("v({}ms,{},{})", format_ms(static_cast<long long>(v.term)), who, counter);
}

nlohmann::ordered_json report_json(const World& world) {
  const Scenario& sc = world.scenario();
  const Metrics& m = world.metrics();
  ojson j;
  j["consim_version"] = CONSIM_VERSION;
  {
    ojson s;
    s["name"] = sc.name;
    s["source"] = sc.source;
    s["seed"] = sc.seed;
    s["duration_ms"] = ms_json(sc.duration);
    const ClusterSpec& c = sc.cluster;
    const bool ll = c.replication == Replication::leaderless;
    s["replication"] = replication_name(c.replication);
    s["nodes"] = c.nodes;
    s["replicas"] = c.replicas;
    s["write_quorum"] = c.write_quorum;
    s["read_quorum"] = c.read_quorum;
    s["strict_quorum"] = strict_quorum(c);
    if (!ll) s["election"] = election_name(c.election);
    s["read_repair"] = c.read_repair;
    s["read_repair_mode"] = repair_name(c);
    if (!ll) s["session_behind"] = session_name(c.session_behind);
    if (ll) {
      s["read_fanout"] = read_fanout_name(c.read_fanout);
      s["sloppy_quorum"] = c.sloppy_quorum;
      s["anti_entropy_interval_ms"] = ms_json(c.anti_entropy_interval);
      s["clock_skew"] = clock_skew(c);
    }
    s["description"] = sc.description;
    s["drain_ms"] = ms_json(sc.drain);
    s["faults_scheduled"] = sc.timeline.size();
    s["heartbeat_interval_ms"] = ms_json(c.heartbeat_interval);
    s["election_timeout_ms"] = ms_json(c.election_timeout);
    s["durable"] = c.durable;
    {
      ojson n;
      n["delay_text"] = sc.network.delay.describe();
      n["loss"] = sc.network.loss;
      n["duplicate"] = sc.network.duplicate;
      n["link_overrides"] = sc.network.links.size();
      s["network"] = n;
    }
    {
      const WorkloadSpec& w = sc.workload;
      ojson x;
      x["enabled"] = w.enabled;
      if (w.enabled) {
        const bool open = w.mode == WorkloadSpec::Mode::open;
        x["mode"] = workload_mode_name(w.mode);
        if (open) x["rate_per_s"] = w.rate_per_s;
        else x["think_text"] = w.think.describe();
        x["clients"] = w.clients;
        x["read_fraction"] = w.read_fraction;
        x["write_fraction"] = w.write_fraction;
        x["delete_fraction"] = w.delete_fraction;
        x["keys"] = w.keys;
        x["zipf"] = w.zipf;
        ojson ls = ojson::array();
        for (Level l : workload_levels(w)) ls.push_back(std::string(to_string(l)));
        x["levels"] = ls;
        x["routing"] = std::string(to_string(w.routing));
      }
      s["workload"] = x;
    }
    s["scripted_ops"] = sc.script.size();
    j["scenario"] = s;
  }
  ojson levels = ojson::object();
  ojson window = ojson::object();
  ojson probe = ojson::object();
  for (int l = 0; l < kLevelCount; ++l) {
    if (!m.level_used[l]) continue;
    const std::string name(to_string(static_cast<Level>(l)));
    const ReadStats& rs = m.reads[l];
    if (reads_reported(sc)) {
      ojson r;
      r["reads"] = rs.reads;
      r["answered"] = rs.answered();
      r["ok"] = rs.ok;
      r["not_found"] = rs.not_found;
      r["failed"] = rs.failed;
      r["failed_by"] = failed_by_json(rs.failed_by);
      r["stale_reads"] = rs.stale;
      r["stale_rate"] = r6(stale_rate(rs.stale, rs.answered()));
      r["versions_behind_mean"] = r6(versions_behind_mean(rs.versions_behind_sum, rs.stale));
      r["versions_behind_max"] = rs.versions_behind_max;
      r["stale_age_ms"] = latency_json(rs.stale_age);
      r["latency_ms"] = latency_json(rs.latency);
      r["redirects"] = rs.redirects;
      r["answered_after_write"] = rs.after_write;
      r["versions_behind_sum"] = rs.versions_behind_sum;
      levels[name] = r;
      ojson w = ojson::array();
      for (const WindowBucket& b : m.window[l]) {
        ojson x;
        x["lo_ms"] = ms_json(b.lo);
        x["hi_ms"] = b.hi == kNever ? ojson(nullptr) : ojson(ms_json(b.hi));
        x["reads"] = b.reads;
        x["stale_reads"] = b.stale;
        x["stale_rate"] = r6(stale_rate(b.stale, b.reads));
        w.push_back(x);
      }
      window[name] = w;
    }
    if (!m.probe[l].empty()) {
      if (level_probed(sc.probe, static_cast<Level>(l))) {
        ojson p = ojson::array();
        for (const ProbeCell& c : m.probe[l]) {
          ojson x;
          x["delay_ms"] = ms_json(c.delay);
          x["reads"] = c.reads;
          x["stale_reads"] = c.stale;
          x["stale_rate"] = r6(stale_rate(c.stale, c.reads));
          x["failed"] = c.failed;
          x["p_consistent"] = c.reads ? ojson(r6(p_consistent(c.reads, c.stale))) : ojson(nullptr);
          ojson wk = ojson::array();
          for (std::uint32_t k = 1; k <= sc.probe.k_max; ++k)
            wk.push_back(c.reads ? ojson(r6(rate(c.within(k), c.reads))) : ojson(nullptr));
          x["p_within_k"] = wk;
          ojson ck = ojson::array();
          for (std::uint32_t k = 1; k <= sc.probe.k_max; ++k) ck.push_back(c.within(k));
          x["reads_within_k"] = ck;
          p.push_back(x);
        }
        probe[name] = p;
      }
    }
  }
  j["levels"] = levels;
  j["window"] = window;
  j["probe"] = probe;
  if (sc.probe.enabled) {
    // Per-level probe statistics (a separate key: "probe" maps level names only).
    ojson ps;
    ps["target_stale"] = sc.probe.target_stale;
    if (sc.cluster.replication == Replication::leaderless) ps["routing"] = std::string(to_string(sc.probe.routing));
    ps["k_max"] = sc.probe.k_max;
    ojson pl = ojson::object();
    for (Level l : sc.probe.levels) {
      const std::vector<ProbeCell>& cells = m.probe[static_cast<int>(l)];
      ProbeCell all;
      for (const ProbeCell& c : cells) all.add(c);
      ojson x;
      const Time t = probe_t_below_target(cells, sc.probe.target_stale);
      x["t_below_target_ms"] = t < 0 ? ojson(nullptr) : ojson(ms_json(t));
      x["reads"] = all.reads;
      x["p_consistent"] = all.reads ? ojson(r6(p_consistent(all.reads, all.stale))) : ojson(nullptr);
      ojson wk = ojson::array();
      for (std::uint32_t k = 1; k <= sc.probe.k_max; ++k)
        wk.push_back(all.reads ? ojson(r6(rate(all.within(k), all.reads))) : ojson(nullptr));
      x["p_within_k"] = wk;
      pl[std::string(to_string(l))] = x;
    }
    ps["levels"] = pl;
    ps["interval_ms"] = ms_json(sc.probe.interval);
    j["probe_summary"] = ps;
  }
  {
    ojson w = ojson::object();
    for (OpType t : {OpType::put, OpType::del}) {
      const WriteStats& ws = m.writes[static_cast<int>(t)];
      ojson x;
      x["writes"] = ws.writes;
      x["acked"] = ws.acked;
      x["failed"] = ws.failed;
      x["failed_by"] = failed_by_json(ws.failed_by);
      x["latency_ms"] = latency_json(ws.latency);
      x["redirects"] = ws.redirects;
      w[t == OpType::put ? "put" : "delete"] = x;
    }
    j["writes"] = w;
  }
  {
    const ConvergenceStats& c = m.convergence;
    ojson x;
    x["tracked"] = c.tracked;
    x["converged"] = c.converged;
    x["unconverged_at_end"] = c.unconverged_at_end;
    x["untracked"] = c.untracked;
    x["time_ms"] = latency_json(c.time);
    x["cluster_converged"] = c.cluster_converged;
    x["keys_diverged"] = c.keys_diverged;
    j["convergence"] = x;
  }
  {
    ojson x;
    x["read_your_writes"] = m.violations.read_your_writes;
    x["monotonic_reads"] = m.violations.monotonic_reads;
    x["writes_reordered"] = m.violations.writes_reordered;
    j["violations"] = x;
  }
  {
    ojson x;
    x["checked"] = m.lost.checked;
    x["lost"] = m.lost.lost;
    x["reference"] = sc.cluster.replication == Replication::leaderless ? std::string("newest-live-replica")
                                                                          : node_name(m.lost.reference);
    j["lost_writes"] = x;
  }
  if (sc.cluster.replication == Replication::leaderless) {
    const LeaderlessCounters& l = m.leaderless;
    ojson x;
    x["repairs_sent"] = l.repairs_sent;
    x["repairs_applied"] = l.repairs_applied;
    x["hinted_writes"] = l.hinted_writes;
    x["hints_stored"] = l.hints_stored;
    x["hints_delivered"] = l.hints_delivered;
    x["sync_rounds"] = l.sync_rounds;
    x["keys_synchronised"] = l.keys_synchronised;
    j["leaderless"] = x;
  } else {
    ojson x;
    x["leader_changes"] = m.elections.leader_changes;
    x["max_term"] = m.elections.max_term;
    x["max_simultaneous_leaders"] = m.elections.max_simultaneous_leaders;
    x["time_without_leader_ms"] = ms_json(m.elections.time_without_leader);
    j["elections"] = x;
  }
  {
    const EngineStats& e = m.engine;
    ojson x;
    x["events"] = e.events;
    x["messages_sent"] = e.messages_sent;
    x["messages_delivered"] = e.messages_delivered;
    x["messages_dropped"] = e.messages_dropped;
    ojson d = ojson::object();
    for (int i = 1; i < kDropReasonCount; ++i) d[std::string(to_string(static_cast<DropReason>(i)))] = e.dropped_by[i];
    x["dropped_by"] = d;
    x["messages_duplicated"] = e.messages_duplicated;
    x["messages_in_flight_at_end"] = e.messages_in_flight_at_end;
    ojson k = ojson::object();
    for (int i = 0; i < kMsgKindCount; ++i) k[std::string(to_string(static_cast<MsgKind>(i)))] = e.sent_by_kind[i];
    x["sent_by_kind"] = k;
    x["timers"] = e.timers;
    x["end_time_ms"] = ms_json(e.end_time);
    j["engine"] = x;
  }
  {
    ojson s = ojson::array();
    for (const ScriptResult& r : m.script) {
      const ScriptedOp& op = sc.script[r.index];
      ojson x;
      x["at_ms"] = ms_json(op.at);
      x["client"] = op.client + 1;
      x["node"] = node_name(op.node);
      x["op"] = std::string(to_string(op.op));
      x["key"] = op.key;
      if (op.op == OpType::get) x["level"] = std::string(to_string(op.level));
      if (!op.label.empty()) x["label"] = op.label;
      x["ok"] = !r.failed;
      const ojson latency = r.completed >= 0 ? ojson(ms_json(r.completed - r.invoked)) : ojson(nullptr);
      if (r.failed) {
        x["error"] = std::string(to_string(r.reason));
        x["latency_ms"] = latency;
      } else {
        x["served_by"] = node_name(r.served_by);
        x["value"] = op.op == OpType::get ? ojson(world.value_text(r.rec)) : ojson(nullptr);
        x["version"] = {r.rec.version.term, r.rec.version.index};
        if (op.op == OpType::get) x["stale"] = r.stale;
        x["latency_ms"] = latency;
        x["version_text"] = version_text(r.rec.version, sc);
        if (op.op == OpType::get) {
          x["newest_acked"] = {r.newest_acked.term, r.newest_acked.index};
          x["newest_acked_text"] = version_text(r.newest_acked, sc);
        }
      }
      if (op.op == OpType::put) x["put_value"] = op.value;
      s.push_back(x);
    }
    j["script"] = s;
  }
  {
    ojson ns = ojson::array();
    const auto st = world.node_statuses();
    const auto up = world.nodes_up();
    for (std::size_t i = 0; i < st.size(); ++i) {
      ojson x;
      x["node"] = node_name(static_cast<NodeId>(i));
      x["up"] = static_cast<bool>(up[i]);
      x["role"] = std::string(to_string(st[i].role));
      x["term"] = st[i].term;
      x["leader"] = node_name(st[i].leader);
      x["last_index"] = st[i].last_index;
      x["commit_index"] = st[i].commit_index;
      x["keys"] = st[i].keys_present;
      ns.push_back(x);
    }
    j["nodes"] = ns;
  }
  return j;
}

std::string report_text(const World& world) {
  const Scenario& sc = world.scenario();
  const Metrics& m = world.metrics();
  const ClusterSpec& c = sc.cluster;
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);

  fmt::format_to(out, "consim {} | scenario \"{}\" ({}) | seed {}\n", CONSIM_VERSION, sc.name, sc.source, sc.seed);
  if (!sc.description.empty()) fmt::format_to(out, "{}\n", sc.description);
  fmt::format_to(out, "\n");
  const bool ll = c.replication == Replication::leaderless;
  const bool strict = strict_quorum(c);
  if (ll) {
    fmt::format_to(out, "Cluster   leaderless, {} nodes, {} replicas per key, W={}, R={}: R+W={} {} N={} ({})\n", c.nodes,
                   c.replicas, c.write_quorum, c.read_quorum, c.write_quorum + c.read_quorum, strict ? ">" : "<=",
                   c.replicas,
                   !strict           ? "quorum reads may be stale"
                   : c.sloppy_quorum ? "quorum reads overlap every acknowledged write, unless fallbacks took it"
                                     : "quorum reads overlap every acknowledged write");
    fmt::format_to(out, "          read fanout {}, read repair {}, sloppy quorum {}, anti-entropy {}, failure timeout {} ms, {}\n",
                   read_fanout_name(c.read_fanout), repair_name(c), c.sloppy_quorum ? "on" : "off",
                   c.anti_entropy_interval > 0 ? fmt::format("every {} ms", format_ms(c.anti_entropy_interval)) : "off",
                   format_ms(c.election_timeout), c.durable ? "durable" : "not durable");
  } else {
    fmt::format_to(out, "Cluster   {} nodes, W={}, R={}: R+W={} {} N={} ({})\n", c.nodes, c.write_quorum, c.read_quorum,
                   c.write_quorum + c.read_quorum, strict ? ">" : "<=", c.nodes,
                   strict ? "strong reads see every acknowledged write" : "strong reads may be stale");
    fmt::format_to(out, "          election {}, heartbeat {} ms, election timeout {} ms, read repair {}, {}\n",
                   election_name(c.election), format_ms(c.heartbeat_interval), format_ms(c.election_timeout),
                   c.read_repair ? "on" : "off", c.durable ? "durable" : "not durable");
  }
  fmt::format_to(out, "Network   delay {}, loss {}, duplicate {}{}\n", sc.network.delay.describe(), sc.network.loss,
                 sc.network.duplicate, sc.network.links.empty() ? "" : fmt::format(", {} link override(s)", sc.network.links.size()));
  if (sc.workload.enabled) {
    const WorkloadSpec& w = sc.workload;
    std::string levels;
    for (Level l : workload_levels(w)) levels += fmt::format("{}{}", levels.empty() ? "" : ", ", to_string(l));
    fmt::format_to(out, "Workload  {}, {} clients, {:.0f}% reads / {:.0f}% writes / {:.0f}% deletes, {} keys{}, levels {}, routing {}\n",
                   w.mode == WorkloadSpec::Mode::open ? fmt::format("open loop {} ops/s", w.rate_per_s)
                                                      : fmt::format("closed loop, think {}", w.think.describe()),
                   w.clients, 100 * w.read_fraction, 100 * w.write_fraction, 100 * w.delete_fraction, w.keys,
                   w.zipf > 0 ? fmt::format(" (zipf {})", w.zipf) : std::string(" (uniform)"), levels, to_string(w.routing));
  }
  fmt::format_to(out, "Run       {} s (+{} s drain), {} faults scheduled, {} events\n", format_ms(sc.duration / 1000),
                 format_ms(sc.drain / 1000), sc.timeline.size(), m.engine.events);

  const bool any_reads = reads_reported(sc);
  if (any_reads) {
    fmt::format_to(out, "\nReads by consistency level (stale: older than the newest write acknowledged before the read began)\n");
    fmt::format_to(out, "{:<18} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "level", "reads", "stale",
                   "stale%", "failed", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
    for (int l = 0; l < kLevelCount; ++l) {
      if (!m.level_used[l]) continue;
      const ReadStats& rs = m.reads[l];
      if (rs.reads == 0) continue;
      fmt::format_to(out, "{:<18} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
                     to_string(static_cast<Level>(l)), rs.reads, rs.stale, pct(rs.stale, rs.answered()), rs.failed,
                     format_ms(rs.latency.quantile(0.5)), format_ms(rs.latency.quantile(0.9)),
                     format_ms(rs.latency.quantile(0.99)), format_ms(rs.latency.quantile(0.999)),
                     format_ms(rs.latency.max()));
    }
    bool any_stale = false;
    for (int l = 0; l < kLevelCount; ++l) any_stale |= m.reads[l].stale > 0;
    if (any_stale) {
      fmt::format_to(out, "\nHow stale (stale reads only)\n");
      fmt::format_to(out, "{:<18} {:>14} {:>13} {:>16} {:>16}\n", "level", "versions mean", "versions max",
                     "age p50 ms", "age p99 ms");
      for (int l = 0; l < kLevelCount; ++l) {
        const ReadStats& rs = m.reads[l];
        if (!rs.stale) continue;
        fmt::format_to(out, "{:<18} {:>14.2f} {:>13} {:>16} {:>16}\n", to_string(static_cast<Level>(l)),
                       versions_behind_mean(rs.versions_behind_sum, rs.stale), rs.versions_behind_max,
                       format_ms(rs.stale_age.quantile(0.5)), format_ms(rs.stale_age.quantile(0.99)));
      }
    }
    bool any_failed = false;
    for (int l = 0; l < kLevelCount; ++l) any_failed |= m.reads[l].failed > 0;
    if (any_failed) {
      fmt::format_to(out, "\nFailed reads by reason\n");
      fmt::format_to(out, "{:<18} {:>13} {:>15} {:>10} {:>8}\n", "level", "node_timeout", "client_timeout", "no_leader",
                     "behind");
      for (int l = 0; l < kLevelCount; ++l) {
        const ReadStats& rs = m.reads[l];
        if (!rs.failed) continue;
        fmt::format_to(out, "{:<18} {:>13} {:>15} {:>10} {:>8}\n", to_string(static_cast<Level>(l)), rs.failed_by[0],
                       rs.failed_by[1], rs.failed_by[2], rs.failed_by[3]);
      }
    }

    // The window: one column per level used.
    std::vector<int> cols;
    for (int l = 0; l < kLevelCount; ++l)
      if (m.level_used[l] && m.reads[l].after_write) cols.push_back(l);
    if (!cols.empty()) {
      fmt::format_to(out, "\nStale-read window: P(stale) by time from the newest acknowledged write to the read\n");
      fmt::format_to(out, "{:<16}", "since write");
      for (int l : cols) fmt::format_to(out, " {:>22}", to_string(static_cast<Level>(l)));
      fmt::format_to(out, "\n");
      const auto& edges = m.window[cols[0]];
      for (std::size_t i = 0; i < edges.size(); ++i) {
        std::uint64_t total = 0;
        for (int l : cols) total += m.window[l][i].reads;
        if (!total) continue;
        const std::string range = edges[i].hi == kNever ? fmt::format(">= {} ms", format_ms(edges[i].lo))
                                                        : fmt::format("{}-{} ms", format_ms(edges[i].lo), format_ms(edges[i].hi));
        fmt::format_to(out, "{:<16}", range);
        for (int l : cols) {
          const WindowBucket& wb = m.window[l][i];
          fmt::format_to(out, " {:>22}", wb.reads ? fmt::format("{} ({}/{})", pct(wb.stale, wb.reads), wb.stale, wb.reads) : "-");
        }
        fmt::format_to(out, "\n");
      }
    }
  }

  if (sc.probe.enabled) {
    if (sc.cluster.replication == Replication::leaderless)
      fmt::format_to(out, "\nProbe: a write every {} ms, read back this long after its acknowledgement, coordinators by routing {}\n",
                     format_ms(sc.probe.interval), to_string(sc.probe.routing));
    else
      fmt::format_to(out, "\nProbe: a write every {} ms, read back from another node this long after its acknowledgement\n",
                     format_ms(sc.probe.interval));
    fmt::format_to(out, "{:<12}", "delay");
    for (Level l : sc.probe.levels) fmt::format_to(out, " {:>26}", to_string(l));
    fmt::format_to(out, "\n");
    for (std::size_t d = 0; d < sc.probe.delays.size(); ++d) {
      fmt::format_to(out, "{:<12}", fmt::format("{} ms", format_ms(sc.probe.delays[d])));
      for (Level l : sc.probe.levels) {
        const ProbeCell& pc = m.probe[static_cast<int>(l)][d];
        std::string cell = pc.reads ? fmt::format("{} stale ({}/{})", pct(pc.stale, pc.reads), pc.stale, pc.reads) : "-";
        if (pc.failed) cell += fmt::format(" +{} failed", pc.failed);
        fmt::format_to(out, " {:>26}", cell);
      }
      fmt::format_to(out, "\n");
    }
    fmt::format_to(out, "{:<12}", fmt::format("< {} from", pct_text(sc.probe.target_stale)));
    for (Level l : sc.probe.levels) {
      const Time t = probe_t_below_target(m.probe[static_cast<int>(l)], sc.probe.target_stale);
      fmt::format_to(out, " {:>26}", t < 0 ? std::string("never") : fmt::format("{} ms", format_ms(t)));
    }
    fmt::format_to(out, "\n");
    const std::uint32_t K = sc.probe.k_max;
    fmt::format_to(out, "P(one of the last k versions), k = 1..{} (k = 1: P(consistent))\n", K);
    for (std::size_t d = 0; d < sc.probe.delays.size(); ++d) {
      fmt::format_to(out, "{:<12}", fmt::format("{} ms", format_ms(sc.probe.delays[d])));
      for (Level l : sc.probe.levels) {
        const ProbeCell& pc = m.probe[static_cast<int>(l)][d];
        std::string cell;
        for (std::uint32_t k = 1; k <= K && pc.reads; ++k)
          cell += fmt::format("{}{:.1f}", k > 1 ? " " : "", 100.0 * rate(pc.within(k), pc.reads));
        fmt::format_to(out, " {:>26}", pc.reads ? cell + "%" : std::string("-"));
      }
      fmt::format_to(out, "\n");
    }
  }

  if (any_reads) {
    fmt::format_to(out, "\nWrites (acknowledged once W={} nodes hold them)\n", c.write_quorum);
    fmt::format_to(out, "{:<8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}   {}\n", "op", "writes", "acked", "failed",
                   "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "failed by reason");
    for (OpType t : {OpType::put, OpType::del}) {
      const WriteStats& ws = m.writes[static_cast<int>(t)];
      if (!ws.writes) continue;
      std::string reasons;
      for (int r = 0; r < kFailReasonCount; ++r)
        if (ws.failed_by[r])
          reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", to_string(static_cast<FailReason>(r)), ws.failed_by[r]);
      fmt::format_to(out, "{:<8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}   {}\n", t == OpType::put ? "put" : "delete",
                     ws.writes, ws.acked, ws.failed, format_ms(ws.latency.quantile(0.5)),
                     format_ms(ws.latency.quantile(0.9)), format_ms(ws.latency.quantile(0.99)),
                     format_ms(ws.latency.quantile(0.999)), format_ms(ws.latency.max()), reasons.empty() ? "-" : reasons);
    }
  }

  const ConvergenceStats& cv = m.convergence;
  fmt::format_to(out, "\nConvergence: {} of {} acknowledged writes reached every live replica; time after ack p50 {} ms, p99 {} ms, max {} ms\n",
                 cv.converged, cv.tracked, format_ms(cv.time.quantile(0.5)), format_ms(cv.time.quantile(0.99)),
                 format_ms(cv.time.max()));
  fmt::format_to(out, "             at the end the live replicas {}\n",
                 cv.cluster_converged ? "hold identical data"
                                      : fmt::format("differ on {} key(s); {} write(s) had not reached every live replica",
                                                    cv.keys_diverged, cv.unconverged_at_end));
  fmt::format_to(out, "Session violations (over all reads, whatever their level): read-your-writes {}, monotonic reads {}\n",
                 m.violations.read_your_writes, m.violations.monotonic_reads);
  if (ll || m.violations.writes_reordered)
    fmt::format_to(out, "Writes reordered (acknowledged, yet ordered before a write acknowledged before they began): {}\n",
                   m.violations.writes_reordered);
  fmt::format_to(out, "Lost writes: {} of the {} acknowledged writes checked are missing from the final state ({})\n",
                 m.lost.lost, m.lost.checked, ll ? std::string("newest version on a live replica") : node_name(m.lost.reference));
  if (ll) {
    const LeaderlessCounters& l = m.leaderless;
    fmt::format_to(out, "Leaderless: read repair {} sent, {} applied; hinted writes {}, hints stored {}, delivered {}; "
                   "anti-entropy {} rounds, {} keys synchronised\n",
                   l.repairs_sent, l.repairs_applied, l.hinted_writes, l.hints_stored, l.hints_delivered, l.sync_rounds,
                   l.keys_synchronised);
  } else {
    fmt::format_to(out, "Elections: {} time(s) a node became leader, highest term {}, at most {} leader(s) at once, {} ms without a leader\n",
                   m.elections.leader_changes, m.elections.max_term, m.elections.max_simultaneous_leaders,
                   format_ms(m.elections.time_without_leader));
  }
  const EngineStats& e = m.engine;
  fmt::format_to(out, "Messages: {} sent, {} delivered, {} dropped", e.messages_sent, e.messages_delivered, e.messages_dropped);
  std::string drops;
  for (int i = 1; i < kDropReasonCount; ++i)
    if (e.dropped_by[i]) drops += fmt::format("{}{} {}", drops.empty() ? "" : ", ", to_string(static_cast<DropReason>(i)), e.dropped_by[i]);
  if (!drops.empty()) fmt::format_to(out, " ({})", drops);
  fmt::format_to(out, ", {} duplicated\n", e.messages_duplicated);

  const auto st = world.node_statuses();
  const auto up = world.nodes_up();
  fmt::format_to(out, "Nodes at the end:");
  for (std::size_t i = 0; i < st.size(); ++i) {
    if (ll)
      fmt::format_to(out, "{} {} {}{} keys", i ? ";" : "", node_name(static_cast<NodeId>(i)), up[i] ? "" : "DOWN ",
                     st[i].keys_present);
    else
      fmt::format_to(out, "{} {} {}{} term {} index {}", i ? ";" : "", node_name(static_cast<NodeId>(i)),
                     up[i] ? "" : "DOWN ", to_string(st[i].role), st[i].term, st[i].last_index);
  }
  fmt::format_to(out, "\n");

  if (!m.script.empty()) {
    fmt::format_to(out, "\nScripted operations\n");
    for (const ScriptResult& r : m.script) {
      const ScriptedOp& op = sc.script[r.index];
      std::string what = op.op == OpType::get ? fmt::format("GET {} ({})", op.key, to_string(op.level))
                         : op.op == OpType::put ? fmt::format("PUT {} = {}", op.key, op.value)
                                                : fmt::format("DELETE {}", op.key);
      std::string result;
      if (r.failed) {
        result = fmt::format("FAILED: {}", to_string(r.reason));
      } else if (op.op == OpType::get) {
        result = fmt::format("-> {} {} from {}{}", world.value_text(r.rec), version_text(r.rec.version, sc),
                             node_name(r.served_by),
                             r.stale ? fmt::format("  STALE (newest acknowledged: {})", version_text(r.newest_acked, sc)) : "");
      } else {
        result = fmt::format("-> ok {}", version_text(r.rec.version, sc));
      }
      fmt::format_to(out, "  {:>10} ms  client-{} -> {}  {:<34} {}  [{} ms]{}\n", format_ms(op.at), op.client + 1,
                     node_name(op.node), what, result, r.completed >= 0 ? format_ms(r.completed - r.invoked) : "-",
                     op.label.empty() ? "" : "  # " + op.label);
    }
  }
  return fmt::to_string(b);
}

}  // namespace consim
