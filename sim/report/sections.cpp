// sim/report/sections.cpp: every section of the report, its builder (RunView ->
// JSON value) beside its text renderer (JSON value -> text); the table of
// sections is at the end. Contract: sim/report/section.h.
#include "sim/report/section.h"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/check/linearizability.h"
#include "sim/report/derived.h"
#include "sim/report/linearizability_section.h"
#include "sim/report/report.h"
#include "sim/report/run_view.h"
#include "sim/scenario/names.h"

namespace consim {

using ojson = nlohmann::ordered_json;

double ms_json(Time ns) { return std::round(static_cast<double>(ns)) / 1e6; }

std::string format_ms_json(double ms) {
  std::string s = fmt::format("{:.3f}", ms);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

Time ns_from_ms_json(double ms) { return static_cast<Time>(std::llround(ms * 1e6)); }

namespace {

// ---------------------------------------------------------------- helpers

// Enum names come from their tables (sim/scenario/names.h).
std::string election_name(Election e) { return std::string(to_string(e)); }
std::string session_name(SessionPolicy p) { return std::string(to_string(p)); }
std::string read_fanout_name(ReadFanout f) { return std::string(to_string(f)); }
std::string replication_name(Replication r) { return std::string(to_string(r)); }
std::string workload_mode_name(WorkloadSpec::Mode m) { return std::string(to_string(m)); }
std::string repair_name(const ClusterSpec& c) { return std::string(to_string(c.read_repair_mode())); }

std::string node_name(NodeId n) { return n == kNoNode ? std::string("none") : fmt::format("node-{}", n + 1); }

// Builders. A ratio rounded to 6 decimals (stable, readable); the counts
// beside it stay exact, and the text report computes from those.
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

// A level's reads are in "levels" and "window" when the run reports client
// reads and some read asked for that level.
bool level_reported(const RunView& w, int level) { return reads_reported(w.scenario()) && w.metrics().level_used[level]; }

// Renderers: reading the JSON report.
using Out = std::back_insert_iterator<std::string>;

std::uint64_t u64(const ojson& v, const char* key) { return v.at(key).get<std::uint64_t>(); }
double num(const ojson& v, const char* key) { return v.at(key).get<double>(); }
bool flag(const ojson& v, const char* key) { return v.at(key).get<bool>(); }
std::string str(const ojson& v, const char* key) { return v.at(key).get<std::string>(); }
std::string ms(const ojson& v, const char* key) { return format_ms_json(num(v, key)); }

bool leaderless(const ojson& report) { return str(report.at("scenario"), "replication") == "leaderless"; }
bool reads_reported_in(const ojson& report) {
  const ojson& s = report.at("scenario");
  return reads_reported(flag(s.at("workload"), "enabled"), u64(s, "scripted_ops"));
}

// A count as a share of another: "12.50%"; "-" when there is no whole.
std::string pct(std::uint64_t part, std::uint64_t whole) {
  if (!whole) return "-";
  return fmt::format("{:.2f}%", 100.0 * rate(part, whole));
}

// A probability as a short percentage: 0.001 -> "0.1%".
std::string pct_text(double p) { return fmt::format("{:g}%", 100.0 * p); }

// ---------------------------------------------------------------- consim_version

std::optional<ojson> build_version(const RunView&) { return ojson(CONSIM_VERSION); }

// ---------------------------------------------------------------- scenario: the run's setup

std::optional<ojson> build_scenario(const RunView& world) {
  const Scenario& sc = world.scenario();
  const ClusterSpec& c = sc.cluster;
  const bool ll = c.replication == Replication::leaderless;
  ojson s;
  s["name"] = sc.name;
  s["source"] = sc.source;
  s["seed"] = sc.seed;
  s["duration_ms"] = ms_json(sc.duration);
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
      x["mode"] = workload_mode_name(w.mode);
      if (w.mode == WorkloadSpec::Mode::open)
        x["rate_per_s"] = w.rate_per_s;
      else
        x["think_text"] = w.think.describe();
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
  return s;
}

void text_scenario(const ojson& s, const ojson& report, std::string& text) {
  Out out(text);
  fmt::format_to(out, "consim {} | scenario \"{}\" ({}) | seed {}\n", report.at("consim_version").get<std::string>(),
                 str(s, "name"), str(s, "source"), u64(s, "seed"));
  const std::string description = str(s, "description");
  if (!description.empty()) fmt::format_to(out, "{}\n", description);
  fmt::format_to(out, "\n");
  const std::uint64_t w = u64(s, "write_quorum"), r = u64(s, "read_quorum");
  const bool strict = flag(s, "strict_quorum");
  if (leaderless(report)) {
    const bool sloppy = flag(s, "sloppy_quorum");
    fmt::format_to(out, "Cluster   leaderless, {} nodes, {} replicas per key, W={}, R={}: R+W={} {} N={} ({})\n",
                   u64(s, "nodes"), u64(s, "replicas"), w, r, w + r, strict ? ">" : "<=", u64(s, "replicas"),
                   !strict  ? "quorum reads may be stale"
                   : sloppy ? "quorum reads overlap every acknowledged write, unless fallbacks took it"
                            : "quorum reads overlap every acknowledged write");
    fmt::format_to(out, "          read fanout {}, read repair {}, sloppy quorum {}, anti-entropy {}, failure timeout {} ms, {}\n",
                   str(s, "read_fanout"), str(s, "read_repair_mode"), sloppy ? "on" : "off",
                   num(s, "anti_entropy_interval_ms") > 0 ? fmt::format("every {} ms", ms(s, "anti_entropy_interval_ms"))
                                                         : std::string("off"),
                   ms(s, "election_timeout_ms"), flag(s, "durable") ? "durable" : "not durable");
  } else {
    fmt::format_to(out, "Cluster   {} nodes, W={}, R={}: R+W={} {} N={} ({})\n", u64(s, "nodes"), w, r, w + r,
                   strict ? ">" : "<=", u64(s, "nodes"),
                   strict ? "strong reads see every acknowledged write" : "strong reads may be stale");
    fmt::format_to(out, "          election {}, heartbeat {} ms, election timeout {} ms, read repair {}, {}\n",
                   str(s, "election"), ms(s, "heartbeat_interval_ms"), ms(s, "election_timeout_ms"),
                   flag(s, "read_repair") ? "on" : "off", flag(s, "durable") ? "durable" : "not durable");
  }
  const ojson& n = s.at("network");
  const std::uint64_t links = u64(n, "link_overrides");
  fmt::format_to(out, "Network   delay {}, loss {}, duplicate {}{}\n", str(n, "delay_text"), num(n, "loss"),
                 num(n, "duplicate"), links == 0 ? "" : fmt::format(", {} link override(s)", links));
  const ojson& wl = s.at("workload");
  if (flag(wl, "enabled")) {
    std::string levels;
    for (const ojson& l : wl.at("levels")) levels += fmt::format("{}{}", levels.empty() ? "" : ", ", l.get<std::string>());
    const double zipf = num(wl, "zipf");
    fmt::format_to(out, "Workload  {}, {} clients, {:.0f}% reads / {:.0f}% writes / {:.0f}% deletes, {} keys{}, levels {}, routing {}\n",
                   str(wl, "mode") == "open" ? fmt::format("open loop {} ops/s", num(wl, "rate_per_s"))
                                             : fmt::format("closed loop, think {}", str(wl, "think_text")),
                   u64(wl, "clients"), 100 * num(wl, "read_fraction"), 100 * num(wl, "write_fraction"),
                   100 * num(wl, "delete_fraction"), u64(wl, "keys"),
                   zipf > 0 ? fmt::format(" (zipf {})", zipf) : std::string(" (uniform)"), levels, str(wl, "routing"));
  }
  // In seconds: whole microseconds of the run, as milliseconds are written.
  fmt::format_to(out, "Run       {} s (+{} s drain), {} faults scheduled, {} events\n",
                 format_ms(ns_from_ms_json(num(s, "duration_ms")) / 1000),
                 format_ms(ns_from_ms_json(num(s, "drain_ms")) / 1000), u64(s, "faults_scheduled"),
                 u64(report.at("engine"), "events"));
}

// ---------------------------------------------------------------- levels: client reads per level

std::optional<ojson> build_levels(const RunView& world) {
  const Metrics& m = world.metrics();
  ojson levels = ojson::object();
  for (int l = 0; l < kLevelCount; ++l) {
    if (!level_reported(world, l)) continue;
    const ReadStats& rs = m.reads[l];
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
    levels[std::string(to_string(static_cast<Level>(l)))] = r;
  }
  return levels;
}

void text_levels(const ojson& levels, const ojson& report, std::string& text) {
  if (!reads_reported_in(report)) return;
  Out out(text);
  fmt::format_to(out, "\nReads by consistency level (stale: older than the newest write acknowledged before the read began)\n");
  fmt::format_to(out, "{:<18} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "level", "reads", "stale",
                 "stale%", "failed", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms");
  bool any_stale = false, any_failed = false;
  for (const auto& [name, r] : levels.items()) {
    any_stale |= u64(r, "stale_reads") > 0;
    any_failed |= u64(r, "failed") > 0;
    if (u64(r, "reads") == 0) continue;
    const ojson& lat = r.at("latency_ms");
    fmt::format_to(out, "{:<18} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", name, u64(r, "reads"),
                   u64(r, "stale_reads"), pct(u64(r, "stale_reads"), u64(r, "answered")), u64(r, "failed"),
                   ms(lat, "p50"), ms(lat, "p90"), ms(lat, "p99"), ms(lat, "p999"), ms(lat, "max"));
  }
  if (any_stale) {
    fmt::format_to(out, "\nHow stale (stale reads only)\n");
    fmt::format_to(out, "{:<18} {:>14} {:>13} {:>16} {:>16}\n", "level", "versions mean", "versions max", "age p50 ms",
                   "age p99 ms");
    for (const auto& [name, r] : levels.items()) {
      const std::uint64_t stale = u64(r, "stale_reads");
      if (!stale) continue;
      fmt::format_to(out, "{:<18} {:>14.2f} {:>13} {:>16} {:>16}\n", name,
                     versions_behind_mean(u64(r, "versions_behind_sum"), stale), u64(r, "versions_behind_max"),
                     ms(r.at("stale_age_ms"), "p50"), ms(r.at("stale_age_ms"), "p99"));
    }
  }
  if (any_failed) {
    fmt::format_to(out, "\nFailed reads by reason\n");
    fmt::format_to(out, "{:<18} {:>13} {:>15} {:>10} {:>8}\n", "level", "node_timeout", "client_timeout", "no_leader",
                   "behind");
    for (const auto& [name, r] : levels.items()) {
      if (!u64(r, "failed")) continue;
      const ojson& by = r.at("failed_by");
      fmt::format_to(out, "{:<18} {:>13} {:>15} {:>10} {:>8}\n", name, u64(by, "node_timeout"),
                     u64(by, "client_timeout"), u64(by, "no_leader"), u64(by, "behind"));
    }
  }
}

// ---------------------------------------------------------------- window: P(stale) by time since the write

std::optional<ojson> build_window(const RunView& world) {
  const Metrics& m = world.metrics();
  ojson window = ojson::object();
  for (int l = 0; l < kLevelCount; ++l) {
    if (!level_reported(world, l)) continue;
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
    window[std::string(to_string(static_cast<Level>(l)))] = w;
  }
  return window;
}

// One column per level with reads after a write; rows with no read are left out.
void text_window(const ojson& window, const ojson& report, std::string& text) {
  if (!reads_reported_in(report)) return;
  std::vector<std::string> cols;
  for (const auto& [name, r] : report.at("levels").items())
    if (u64(r, "answered_after_write") > 0) cols.push_back(name);
  if (cols.empty()) return;
  Out out(text);
  fmt::format_to(out, "\nStale-read window: P(stale) by time from the newest acknowledged write to the read\n");
  fmt::format_to(out, "{:<16}", "since write");
  for (const std::string& l : cols) fmt::format_to(out, " {:>22}", l);
  fmt::format_to(out, "\n");
  const ojson& edges = window.at(cols[0]);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    std::uint64_t total = 0;
    for (const std::string& l : cols) total += u64(window.at(l).at(i), "reads");
    if (!total) continue;
    const ojson& e = edges.at(i);
    const std::string range = e.at("hi_ms").is_null() ? fmt::format(">= {} ms", ms(e, "lo_ms"))
                                                       : fmt::format("{}-{} ms", ms(e, "lo_ms"), ms(e, "hi_ms"));
    fmt::format_to(out, "{:<16}", range);
    for (const std::string& l : cols) {
      const ojson& b = window.at(l).at(i);
      const std::uint64_t reads = u64(b, "reads"), stale = u64(b, "stale_reads");
      fmt::format_to(out, " {:>22}", reads ? fmt::format("{} ({}/{})", pct(stale, reads), stale, reads) : "-");
    }
    fmt::format_to(out, "\n");
  }
}

// ---------------------------------------------------------------- probe: each probed level's cells by delay

ojson within_k_json(const ProbeCell& c, std::uint32_t k_max) {
  ojson wk = ojson::array();
  for (std::uint32_t k = 1; k <= k_max; ++k) wk.push_back(c.reads ? ojson(r6(rate(c.within(k), c.reads))) : ojson(nullptr));
  return wk;
}

std::optional<ojson> build_probe(const RunView& world) {
  const Scenario& sc = world.scenario();
  const Metrics& m = world.metrics();
  ojson probe = ojson::object();
  for (int l = 0; l < kLevelCount; ++l) {
    if (!m.level_used[l] || m.probe[l].empty() || !level_probed(sc.probe, static_cast<Level>(l))) continue;
    ojson p = ojson::array();
    for (const ProbeCell& c : m.probe[l]) {
      ojson x;
      x["delay_ms"] = ms_json(c.delay);
      x["reads"] = c.reads;
      x["stale_reads"] = c.stale;
      x["stale_rate"] = r6(stale_rate(c.stale, c.reads));
      x["failed"] = c.failed;
      x["p_consistent"] = c.reads ? ojson(r6(p_consistent(c.reads, c.stale))) : ojson(nullptr);
      x["p_within_k"] = within_k_json(c, sc.probe.k_max);
      ojson counts = ojson::array();
      for (std::uint32_t k = 1; k <= sc.probe.k_max; ++k) counts.push_back(c.within(k));
      x["reads_within_k"] = counts;
      p.push_back(x);
    }
    probe[std::string(to_string(static_cast<Level>(l)))] = p;
  }
  return probe;
}

// ---------------------------------------------------------------- probe_summary: per probed level, over every delay

std::optional<ojson> build_probe_summary(const RunView& world) {
  const Scenario& sc = world.scenario();
  const Metrics& m = world.metrics();
  if (!sc.probe.enabled) return std::nullopt;
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
    x["p_within_k"] = within_k_json(all, sc.probe.k_max);
    pl[std::string(to_string(l))] = x;
  }
  ps["levels"] = pl;
  ps["interval_ms"] = ms_json(sc.probe.interval);
  return ps;
}

// The probe's tables: one column per probed level (probe_summary.levels, in
// the scenario's order), one row per delay (the cells of report.probe).
void text_probe(const ojson& ps, const ojson& report, std::string& text) {
  Out out(text);
  if (leaderless(report))
    fmt::format_to(out, "\nProbe: a write every {} ms, read back this long after its acknowledgement, coordinators by routing {}\n",
                   ms(ps, "interval_ms"), str(ps, "routing"));
  else
    fmt::format_to(out, "\nProbe: a write every {} ms, read back from another node this long after its acknowledgement\n",
                   ms(ps, "interval_ms"));
  const ojson& probe = report.at("probe");
  std::vector<std::string> cols;
  for (const auto& [name, summary] : ps.at("levels").items()) cols.push_back(name);
  const std::size_t delays = cols.empty() ? 0 : probe.at(cols[0]).size();
  auto delay_label = [&](std::size_t d) { return fmt::format("{} ms", ms(probe.at(cols[0]).at(d), "delay_ms")); };
  fmt::format_to(out, "{:<12}", "delay");
  for (const std::string& l : cols) fmt::format_to(out, " {:>26}", l);
  fmt::format_to(out, "\n");
  for (std::size_t d = 0; d < delays; ++d) {
    fmt::format_to(out, "{:<12}", delay_label(d));
    for (const std::string& l : cols) {
      const ojson& c = probe.at(l).at(d);
      const std::uint64_t reads = u64(c, "reads"), stale = u64(c, "stale_reads"), failed = u64(c, "failed");
      std::string cell = reads ? fmt::format("{} stale ({}/{})", pct(stale, reads), stale, reads) : "-";
      if (failed) cell += fmt::format(" +{} failed", failed);
      fmt::format_to(out, " {:>26}", cell);
    }
    fmt::format_to(out, "\n");
  }
  fmt::format_to(out, "{:<12}", fmt::format("< {} from", pct_text(num(ps, "target_stale"))));
  for (const std::string& l : cols) {
    const ojson& t = ps.at("levels").at(l).at("t_below_target_ms");
    fmt::format_to(out, " {:>26}", t.is_null() ? std::string("never") : fmt::format("{} ms", format_ms_json(t.get<double>())));
  }
  fmt::format_to(out, "\n");
  const std::uint64_t k_max = u64(ps, "k_max");
  fmt::format_to(out, "P(one of the last k versions), k = 1..{} (k = 1: P(consistent))\n", k_max);
  for (std::size_t d = 0; d < delays; ++d) {
    fmt::format_to(out, "{:<12}", delay_label(d));
    for (const std::string& l : cols) {
      const ojson& c = probe.at(l).at(d);
      const std::uint64_t reads = u64(c, "reads");
      const ojson& within = c.at("reads_within_k");
      std::string cell;
      for (std::uint64_t k = 1; k <= k_max && reads; ++k)
        cell += fmt::format("{}{:.1f}", k > 1 ? " " : "", 100.0 * rate(within.at(k - 1).get<std::uint64_t>(), reads));
      fmt::format_to(out, " {:>26}", reads ? cell + "%" : std::string("-"));
    }
    fmt::format_to(out, "\n");
  }
}

// ---------------------------------------------------------------- writes

std::optional<ojson> build_writes(const RunView& world) {
  const Metrics& m = world.metrics();
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
    w[std::string(to_string(t))] = x;
  }
  return w;
}

void text_writes(const ojson& writes, const ojson& report, std::string& text) {
  if (!reads_reported_in(report)) return;
  Out out(text);
  fmt::format_to(out, "\nWrites (acknowledged once W={} nodes hold them)\n", u64(report.at("scenario"), "write_quorum"));
  fmt::format_to(out, "{:<8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}   {}\n", "op", "writes", "acked", "failed",
                 "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "failed by reason");
  for (const auto& [op, x] : writes.items()) {
    if (!u64(x, "writes")) continue;
    std::string reasons;
    for (const auto& [reason, count] : x.at("failed_by").items())
      if (count.get<std::uint64_t>())
        reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason, count.get<std::uint64_t>());
    const ojson& lat = x.at("latency_ms");
    fmt::format_to(out, "{:<8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}   {}\n", op, u64(x, "writes"),
                   u64(x, "acked"), u64(x, "failed"), ms(lat, "p50"), ms(lat, "p90"), ms(lat, "p99"), ms(lat, "p999"),
                   ms(lat, "max"), reasons.empty() ? "-" : reasons);
  }
}

// ---------------------------------------------------------------- convergence

std::optional<ojson> build_convergence(const RunView& world) {
  const ConvergenceStats& c = world.metrics().convergence;
  ojson x;
  x["tracked"] = c.tracked;
  x["converged"] = c.converged;
  x["unconverged_at_end"] = c.unconverged_at_end;
  x["untracked"] = c.untracked;
  x["time_ms"] = latency_json(c.time);
  x["cluster_converged"] = c.cluster_converged;
  x["keys_diverged"] = c.keys_diverged;
  return x;
}

void text_convergence(const ojson& c, const ojson&, std::string& text) {
  Out out(text);
  const ojson& t = c.at("time_ms");
  fmt::format_to(out, "\nConvergence: {} of {} acknowledged writes reached every live replica; time after ack p50 {} ms, p99 {} ms, max {} ms\n",
                 u64(c, "converged"), u64(c, "tracked"), ms(t, "p50"), ms(t, "p99"), ms(t, "max"));
  fmt::format_to(out, "             at the end the live replicas {}\n",
                 flag(c, "cluster_converged")
                     ? std::string("hold identical data")
                     : fmt::format("differ on {} key(s); {} write(s) had not reached every live replica",
                                   u64(c, "keys_diverged"), u64(c, "unconverged_at_end")));
}

// ---------------------------------------------------------------- violations

// The session guarantees are checked on every answered workload and scripted
// read invoked after warm-up, at any level; never on probe reads
// (sim/world/world.cpp, record_read). docs/consistency.md, "Session guarantees".
std::optional<ojson> build_violations(const RunView& world) {
  const Scenario& sc = world.scenario();
  const Metrics& m = world.metrics();
  const ViolationStats& v = m.violations;
  ojson x;
  x["read_your_writes"] = v.read_your_writes;
  x["monotonic_reads"] = v.monotonic_reads;
  x["writes_reordered"] = v.writes_reordered;
  std::uint64_t checked = 0;
  for (const ReadStats& rs : m.reads) checked += rs.answered();
  x["reads_checked"] = checked;
  ojson from = ojson::array();
  if (sc.workload.enabled) from.push_back("workload");
  if (!sc.script.empty()) from.push_back("script");
  x["reads_checked_from"] = from;
  return x;
}

void text_violations(const ojson& v, const ojson& report, std::string& text) {
  Out out(text);
  fmt::format_to(out,
                 "Session violations ({} answered workload and scripted reads after warm-up, any level; probe reads "
                 "not checked): read-your-writes {}, monotonic reads {}\n",
                 u64(v, "reads_checked"), u64(v, "read_your_writes"), u64(v, "monotonic_reads"));
  if (leaderless(report) || u64(v, "writes_reordered"))
    fmt::format_to(out, "Writes reordered (acknowledged, yet ordered before a write acknowledged before they began): {}\n",
                   u64(v, "writes_reordered"));
}

// ---------------------------------------------------------------- lost_writes

std::optional<ojson> build_lost_writes(const RunView& world) {
  const LostWriteStats& l = world.metrics().lost;
  ojson x;
  x["checked"] = l.checked;
  x["lost"] = l.lost;
  x["reference"] = world.scenario().cluster.replication == Replication::leaderless ? std::string("newest-live-replica")
                                                                                  : node_name(l.reference);
  return x;
}

void text_lost_writes(const ojson& l, const ojson& report, std::string& text) {
  fmt::format_to(Out(text), "Lost writes: {} of the {} acknowledged writes checked are missing from the final state ({})\n",
                 u64(l, "lost"), u64(l, "checked"),
                 leaderless(report) ? std::string("newest version on a live replica") : str(l, "reference"));
}

// ---------------------------------------------------------------- linearizability (measure.linearizability)

std::optional<ojson> build_linearizability(const RunView& world) {
  const LinearizabilityResult* r = world.linearizability();
  if (r == nullptr) return std::nullopt;
  return linearizability_json(*r);
}

void text_linearizability(const ojson& l, const ojson&, std::string& text) { linearizability_text(l, text); }

// ---------------------------------------------------------------- leaderless (leaderless mode) / elections (leader mode)

std::optional<ojson> build_leaderless(const RunView& world) {
  if (world.scenario().cluster.replication != Replication::leaderless) return std::nullopt;
  const LeaderlessCounters& l = world.metrics().leaderless;
  ojson x;
  x["repairs_sent"] = l.repairs_sent;
  x["repairs_applied"] = l.repairs_applied;
  x["hinted_writes"] = l.hinted_writes;
  x["hints_stored"] = l.hints_stored;
  x["hints_delivered"] = l.hints_delivered;
  x["sync_rounds"] = l.sync_rounds;
  x["keys_synchronised"] = l.keys_synchronised;
  return x;
}

void text_leaderless(const ojson& l, const ojson&, std::string& text) {
  fmt::format_to(Out(text),
                 "Leaderless: read repair {} sent, {} applied; hinted writes {}, hints stored {}, delivered {}; "
                 "anti-entropy {} rounds, {} keys synchronised\n",
                 u64(l, "repairs_sent"), u64(l, "repairs_applied"), u64(l, "hinted_writes"), u64(l, "hints_stored"),
                 u64(l, "hints_delivered"), u64(l, "sync_rounds"), u64(l, "keys_synchronised"));
}

std::optional<ojson> build_elections(const RunView& world) {
  if (world.scenario().cluster.replication == Replication::leaderless) return std::nullopt;
  const ElectionStats& e = world.metrics().elections;
  ojson x;
  x["leader_changes"] = e.leader_changes;
  x["max_term"] = e.max_term;
  x["max_simultaneous_leaders"] = e.max_simultaneous_leaders;
  x["time_without_leader_ms"] = ms_json(e.time_without_leader);
  return x;
}

void text_elections(const ojson& e, const ojson&, std::string& text) {
  fmt::format_to(Out(text),
                 "Elections: {} time(s) a node became leader, highest term {}, at most {} leader(s) at once, {} ms without a leader\n",
                 u64(e, "leader_changes"), u64(e, "max_term"), u64(e, "max_simultaneous_leaders"),
                 ms(e, "time_without_leader_ms"));
}

// ---------------------------------------------------------------- engine: events and messages

std::optional<ojson> build_engine(const RunView& world) {
  const EngineStats& e = world.metrics().engine;
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
  return x;
}

void text_engine(const ojson& e, const ojson&, std::string& text) {
  Out out(text);
  fmt::format_to(out, "Messages: {} sent, {} delivered, {} dropped", u64(e, "messages_sent"), u64(e, "messages_delivered"),
                 u64(e, "messages_dropped"));
  std::string drops;
  for (const auto& [reason, count] : e.at("dropped_by").items())
    if (count.get<std::uint64_t>())
      drops += fmt::format("{}{} {}", drops.empty() ? "" : ", ", reason, count.get<std::uint64_t>());
  if (!drops.empty()) fmt::format_to(out, " ({})", drops);
  fmt::format_to(out, ", {} duplicated\n", u64(e, "messages_duplicated"));
}

// ---------------------------------------------------------------- script: each scripted operation's result

std::optional<ojson> build_script(const RunView& world) {
  const Scenario& sc = world.scenario();
  ojson s = ojson::array();
  for (const ScriptResult& r : world.metrics().script) {
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
  return s;
}

void text_script(const ojson& script, const ojson&, std::string& text) {
  if (script.empty()) return;
  Out out(text);
  fmt::format_to(out, "\nScripted operations\n");
  for (const ojson& x : script) {
    const std::string op = str(x, "op");
    const bool get = op == "get";
    const std::string what = get           ? fmt::format("GET {} ({})", str(x, "key"), str(x, "level"))
                             : op == "put" ? fmt::format("PUT {} = {}", str(x, "key"), str(x, "put_value"))
                                           : fmt::format("DELETE {}", str(x, "key"));
    std::string result;
    if (!flag(x, "ok")) {
      result = fmt::format("FAILED: {}", str(x, "error"));
    } else if (get) {
      result = fmt::format("-> {} {} from {}{}", str(x, "value"), str(x, "version_text"), str(x, "served_by"),
                           flag(x, "stale") ? fmt::format("  STALE (newest acknowledged: {})", str(x, "newest_acked_text"))
                                            : std::string());
    } else {
      result = fmt::format("-> ok {}", str(x, "version_text"));
    }
    const ojson& latency = x.at("latency_ms");
    fmt::format_to(out, "  {:>10} ms  client-{} -> {}  {:<34} {}  [{} ms]{}\n", ms(x, "at_ms"), u64(x, "client"),
                   str(x, "node"), what, result, latency.is_null() ? "-" : format_ms_json(latency.get<double>()),
                   x.contains("label") ? "  # " + str(x, "label") : std::string());
  }
}

// ---------------------------------------------------------------- nodes: each node at the end

std::optional<ojson> build_nodes(const RunView& world) {
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
  return ns;
}

void text_nodes(const ojson& nodes, const ojson& report, std::string& text) {
  Out out(text);
  const bool ll = leaderless(report);
  fmt::format_to(out, "Nodes at the end:");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const ojson& x = nodes.at(i);
    const char* down = flag(x, "up") ? "" : "DOWN ";
    if (ll)
      fmt::format_to(out, "{} {} {}{} keys", i ? ";" : "", str(x, "node"), down, u64(x, "keys"));
    else
      fmt::format_to(out, "{} {} {}{} term {} index {}", i ? ";" : "", str(x, "node"), down, str(x, "role"),
                     u64(x, "term"), u64(x, "last_index"));
  }
  fmt::format_to(out, "\n");
}

}  // namespace

// ---------------------------------------------------------------- the table

const std::vector<ReportSection>& report_sections() {
  // JSON order: the order of this table. Text order: text_order.
  static const std::vector<ReportSection> sections = {
      {"consim_version", build_version, nullptr, 0},  // in the scenario's first line
      {"scenario", build_scenario, text_scenario, 1},
      {"levels", build_levels, text_levels, 2},
      {"window", build_window, text_window, 3},
      {"probe", build_probe, nullptr, 0},  // in probe_summary's tables
      {"probe_summary", build_probe_summary, text_probe, 4},
      {"writes", build_writes, text_writes, 5},
      {"convergence", build_convergence, text_convergence, 6},
      {"violations", build_violations, text_violations, 7},
      {"lost_writes", build_lost_writes, text_lost_writes, 8},
      {"leaderless", build_leaderless, text_leaderless, 9},
      {"elections", build_elections, text_elections, 9},
      {"engine", build_engine, text_engine, 10},
      {"script", build_script, text_script, 12},  // the text ends with the scripted operations
      {"nodes", build_nodes, text_nodes, 11},
      {"linearizability", build_linearizability, text_linearizability, 8},  // only with measure.linearizability
  };
  return sections;
}

}  // namespace consim
