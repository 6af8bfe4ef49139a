// sim/predict/predict_report.cpp: predictions as text, JSON and CSV
// (sim/predict/predict_report.h).
#include "sim/predict/predict_report.h"

#include <fmt/format.h>

#include <cmath>

#include "sim/report/section.h"
#include "sim/scenario/names.h"
#include "sim/sweep/table.h"

namespace consim {

using ojson = nlohmann::ordered_json;

namespace {

double r6(double x) { return std::round(x * 1e6) / 1e6; }

ojson time_or_null(Time t) { return t < 0 ? ojson(nullptr) : ojson(ms_json(t)); }

std::string ms_text(Time t) { return t < 0 ? std::string("never") : format_ms_json(ms_json(t)) + " ms"; }

ojson quantiles_json(const PbsQuantiles& q) {
  ojson j;
  j["p50"] = ms_json(q.p50);
  j["p99"] = ms_json(q.p99);
  j["p999"] = ms_json(q.p999);
  return j;
}

std::string coordinators(const PbsPrediction& p) {
  if (p.replication == Replication::leader) return "leader mode: writes at the leader, reads at a follower";
  return p.client_coordinator ? "client coordinators (no replica at zero delay)"
                              : "node coordinators (the coordinator's own "
                                "replica at zero delay)";
}

const PbsCell* find_cell(const PbsPrediction& p, Level l, std::uint32_t r, std::uint32_t w) {
  for (const PbsCell& c : p.cells)
    if (c.level == l && c.r == r && c.w == w) return &c;
  return nullptr;
}

}  // namespace

ojson predict_json(const Scenario& sc, const PbsPrediction& p) {
  ojson j;
  j["consim_version"] = CONSIM_VERSION;
  j["scenario"] = {{"name", sc.name}, {"source", sc.source}, {"seed", std::to_string(sc.seed)}};
  ojson m;
  m["model"] = "PBS WARS Monte Carlo (Bailis et al., VLDB 2012)";
  m["replication"] = std::string(to_string(p.replication));
  m["n"] = p.n;
  m["nodes"] = p.nodes;
  if (p.replication == Replication::leaderless) m["read_fanout"] = std::string(to_string(p.fanout));
  m["coordinators"] = p.replication == Replication::leader ? "leader" : p.client_coordinator ? "client" : "node";
  m["trials"] = p.trials;
  m["target_stale"] = p.target_stale;
  m["k_max"] = p.k_max;
  ojson d = ojson::array();
  for (Time t : p.delays) d.push_back(ms_json(t));
  m["delays_ms"] = d;
  ojson legs = ojson::object();
  for (const auto& [k, v] : p.legs) legs[k] = v;
  m["legs"] = legs;
  j["model"] = m;
  j["notes"] = p.notes;
  ojson cells = ojson::array();
  for (const PbsCell& c : p.cells) {
    ojson x;
    x["level"] = std::string(to_string(c.level));
    x["r"] = c.r;
    x["w"] = c.w;
    x["strict_quorum"] = c.strict;
    x["by_construction"] = c.by_construction;
    ojson pc = ojson::array();
    for (double v : c.p_consistent) pc.push_back(r6(v));
    x["p_consistent"] = pc;
    x["t_target_ms"] = time_or_null(c.t_target);
    x["probe_t_below_target_ms"] = time_or_null(c.probe_t_below_target);
    x["k_miss"] = r6(c.k_miss);
    ojson wk = ojson::array();
    for (double v : c.p_within_k) wk.push_back(r6(v));
    x["p_within_k"] = wk;
    x["read_latency_ms"] = quantiles_json(c.read_latency);
    x["write_latency_ms"] = quantiles_json(c.write_latency);
    cells.push_back(x);
  }
  j["cells"] = cells;
  return j;
}

std::string predict_text(const Scenario& sc, const PbsPrediction& p) {
  std::string out;
  auto o = std::back_inserter(out);
  fmt::format_to(o, "consim {}: predict \"{}\" ({}), seed {}\n", CONSIM_VERSION, sc.name, sc.source, sc.seed);
  fmt::format_to(o,
                 "PBS model (Bailis et al., VLDB 2012): WARS Monte Carlo, {} "
                 "trials; {}, N = {}{}{}\n",
                 p.trials, to_string(p.replication), p.n, p.replication == Replication::leader ? " nodes" : " replicas",
                 p.replication == Replication::leaderless ? fmt::format(", read fanout {}", to_string(p.fanout)) : "");
  fmt::format_to(o, "{}\n", coordinators(p));
  fmt::format_to(o, "Delays (from the scenario's network):\n");
  for (const auto& [k, v] : p.legs) fmt::format_to(o, "  {:<24} {}\n", k, v);
  fmt::format_to(o,
                 "Assumes one write at a time, no read repair, no failures, "
                 "no message loss (docs/predict.md).\n");
  for (const std::string& n : p.notes) fmt::format_to(o, "Note: {}\n", n);

  std::vector<Level> levels;
  for (const PbsCell& c : p.cells)
    if (levels.empty() || levels.back() != c.level) levels.push_back(c.level);
  for (Level l : levels) {
    fmt::format_to(o,
                   "\nLevel {}: P(consistent) t after the write's "
                   "acknowledgement reached the client\n",
                   to_string(l));
    if (l == Level::eventual) fmt::format_to(o, "(an eventual read takes the first answer: R does not matter)\n");
    fmt::format_to(o, "{:>3} {:>3} {:>6}", "R", "W", "R+W>N");
    for (Time t : p.delays) fmt::format_to(o, " {:>8}", format_ms_json(ms_json(t)) + "ms");
    fmt::format_to(o, "\n");
    for (const PbsCell& c : p.cells) {
      if (c.level != l) continue;
      fmt::format_to(o, "{:>3} {:>3} {:>6}", c.r, c.w, c.strict ? "yes" : "no");
      for (double v : c.p_consistent) fmt::format_to(o, " {:>8.4f}", v);
      fmt::format_to(o, "{}\n", c.by_construction ? "  (by construction)" : "");
    }
    fmt::format_to(o, "{:>3} {:>3} {:>14} {:>12} {:>24} {:>26} {:>26}\n", "R", "W",
                   fmt::format("t(<{})", format_ms_json(p.target_stale * 100) + "%"), "probe grid",
                   fmt::format("P(within k), k=1..{}", p.k_max), "read p50/p99/p999 ms", "write p50/p99/p999 ms");
    for (const PbsCell& c : p.cells) {
      if (c.level != l) continue;
      std::string wk;
      for (double v : c.p_within_k) wk += fmt::format("{}{:.4f}", wk.empty() ? "" : " ", v);
      auto q = [](const PbsQuantiles& x) {
        return fmt::format("{}/{}/{}", format_ms_json(ms_json(x.p50)), format_ms_json(ms_json(x.p99)),
                           format_ms_json(ms_json(x.p999)));
      };
      fmt::format_to(o, "{:>3} {:>3} {:>14} {:>12} {:>24} {:>26} {:>26}\n", c.r, c.w, ms_text(c.t_target),
                     ms_text(c.probe_t_below_target), wk, q(c.read_latency), q(c.write_latency));
    }
  }
  return out;
}

std::string predict_csv(const PbsPrediction& p) {
  std::string out =
      "level,r,w,strict_quorum,by_construction,delay_ms,p_"
      "consistent,t_target_ms,probe_t_below_target_ms";
  for (std::uint32_t k = 1; k <= p.k_max; ++k) out += fmt::format(",p_within_{}", k);
  out +=
      ",read_p50_ms,read_p99_ms,read_p999_ms,write_p50_ms,write_p99_ms,"
      "write_p999_ms\n";
  auto o = std::back_inserter(out);
  auto t = [](Time x) { return x < 0 ? std::string() : format_ms_json(ms_json(x)); };
  for (const PbsCell& c : p.cells) {
    for (std::size_t d = 0; d < p.delays.size(); ++d) {
      fmt::format_to(o, "{},{},{},{},{},{},{:.6f},{},{}", to_string(c.level), c.r, c.w, c.strict ? "true" : "false",
                     c.by_construction ? "true" : "false", format_ms_json(ms_json(p.delays[d])), c.p_consistent[d],
                     t(c.t_target), t(c.probe_t_below_target));
      for (double v : c.p_within_k) fmt::format_to(o, ",{:.6f}", v);
      fmt::format_to(o, ",{},{},{},{},{},{}\n", t(c.read_latency.p50), t(c.read_latency.p99), t(c.read_latency.p999),
                     t(c.write_latency.p50), t(c.write_latency.p99), t(c.write_latency.p999));
    }
  }
  return out;
}

ojson predicted_vs_measured_json(const PbsPrediction& p, const ojson& report) {
  ojson out = ojson::object();
  if (!report.contains("probe") || p.cells.empty()) return out;
  const std::uint32_t r = p.cells.front().r, w = p.cells.front().w;
  for (const auto& [name, cells] : report.at("probe").items()) {
    Level level = Level::eventual;
    if (!parse_level(name, level)) continue;
    const PbsCell* c = find_cell(p, level, r, w);
    if (!c) continue;
    ojson rows = ojson::array();
    for (std::size_t d = 0; d < cells.size() && d < c->p_consistent.size(); ++d) {
      const std::uint64_t reads = cells.at(d).at("reads").get<std::uint64_t>();
      const std::uint64_t stale = cells.at(d).at("stale_reads").get<std::uint64_t>();
      ojson x;
      x["delay_ms"] = cells.at(d).at("delay_ms");
      x["reads"] = reads;
      x["stale_reads"] = stale;
      const double pred = 1.0 - c->p_consistent[d];
      x["predicted_stale_rate"] = r6(pred);
      if (reads) {
        const sweep::Interval ci = sweep::derived_wilson_interval(stale, reads);
        x["stale_rate"] = r6(static_cast<double>(stale) / static_cast<double>(reads));
        x["stale_rate_ci"] = ojson::array({r6(ci.lo), r6(ci.hi)});
        x["prediction_inside_ci"] = pred >= ci.lo && pred <= ci.hi;
      } else {
        x["stale_rate"] = nullptr;
        x["stale_rate_ci"] = nullptr;
        x["prediction_inside_ci"] = nullptr;
      }
      rows.push_back(x);
    }
    ojson lv;
    lv["r"] = r;
    lv["w"] = w;
    lv["trials"] = p.trials;
    lv["predicted_t_target_ms"] = time_or_null(c->t_target);
    lv["predicted_probe_t_below_target_ms"] = time_or_null(c->probe_t_below_target);
    lv["by_delay"] = rows;
    out[name] = lv;
  }
  return out;
}

std::string predicted_vs_measured_text(const ojson& comparison) {
  std::string out;
  auto o = std::back_inserter(out);
  for (const auto& [level, lv] : comparison.items()) {
    fmt::format_to(o,
                   "\nPredicted (PBS, {} trials, R = {}, W = {}) beside "
                   "measured, level {}\n",
                   lv.at("trials").get<std::uint64_t>(), lv.at("r").get<std::uint32_t>(),
                   lv.at("w").get<std::uint32_t>(), level);
    fmt::format_to(o, "{:<12} {:>22} {:>22} {:>12} {:>8}\n", "delay", "measured P(stale)", "95% Wilson interval",
                   "predicted", "inside");
    for (const ojson& x : lv.at("by_delay")) {
      const std::uint64_t reads = x.at("reads").get<std::uint64_t>();
      std::string meas = "-", ci = "-", inside = "-";
      if (reads) {
        meas = fmt::format("{:.4f} ({}/{})", x.at("stale_rate").get<double>(), x.at("stale_reads").get<std::uint64_t>(),
                           reads);
        ci = fmt::format("[{:.4f}, {:.4f}]", x.at("stale_rate_ci").at(0).get<double>(),
                         x.at("stale_rate_ci").at(1).get<double>());
        inside = x.at("prediction_inside_ci").get<bool>() ? "yes" : "no";
      }
      fmt::format_to(o, "{:<12} {:>22} {:>22} {:>12.4f} {:>8}\n",
                     format_ms_json(x.at("delay_ms").get<double>()) + " ms", meas, ci,
                     x.at("predicted_stale_rate").get<double>(), inside);
    }
    const ojson& t = lv.at("predicted_probe_t_below_target_ms");
    fmt::format_to(o, "predicted: P(stale) below target from {} on the probe's delays\n",
                   t.is_null() ? std::string("never") : format_ms_json(t.get<double>()) + " ms");
  }
  return out;
}

}  // namespace consim
