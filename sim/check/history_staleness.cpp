// sim/check/history_staleness.cpp: a saved history judged by the run's checker (history_staleness.h).
#include "sim/check/history_staleness.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/report/derived.h"

namespace consim {

namespace {

void add(StaleCount& c, bool answered, bool stale) {
  if (!answered) {
    ++c.failed;
    return;
  }
  ++c.reads;
  if (stale) ++c.stale;
}

std::string rate_cells(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return fmt::format("{:>8}  {:<18}", "-", "");
  const Interval ci = wilson_interval(k, n);
  return fmt::format("{:>8.4f}  [{:.4f}, {:.4f}]", static_cast<double>(k) / static_cast<double>(n), ci.lo, ci.hi);
}

std::string span(Time lo, Time hi) {
  auto ms = [](Time t) { return fmt::format("{:g}", static_cast<double>(t) / 1e6); };
  if (hi == kNever) return ms(lo) + "+ ms";
  return ms(lo) + "-" + ms(hi) + " ms";
}

nlohmann::ordered_json count_json(const StaleCount& c) {
  const Interval ci = wilson_interval(c.stale, c.reads);
  nlohmann::ordered_json j{{"reads", c.reads}, {"stale", c.stale}, {"failed", c.failed}};
  j["stale_rate"] = c.reads ? static_cast<double>(c.stale) / static_cast<double>(c.reads) : 0.0;
  j["ci95"] = {ci.lo, ci.hi};
  return j;
}

}  // namespace

HistoryStaleness judge_staleness(const History& h) {
  HistoryStaleness s;
  s.ops = h.ops.size();
  s.probe_delays = h.meta.probe_delays;
  s.probe.resize(s.probe_delays.size());
  const Time edges[] = {0, kMillisecond, 10 * kMillisecond, 100 * kMillisecond, kSecond, kNever};
  for (std::size_t i = 0; i + 1 < std::size(edges); ++i) s.window.push_back({edges[i], edges[i + 1], {}});

  std::map<std::string, Key> ids;
  auto id = [&](const std::string& name) { return ids.emplace(name, static_cast<Key>(ids.size())).first->second; };
  // (time, phase, index): 0 a write acknowledged, 1 a read invoked, 2 a read answered.
  std::vector<std::tuple<Time, int, std::uint64_t>> events;
  for (const HistoryOp& op : h.ops) {
    if (op.outcome == Outcome::ok)
      ++s.ok;
    else if (op.outcome == Outcome::fail)
      ++s.fail;
    else
      ++s.unknown;
    if (op.completed < 0) ++s.never_answered;
    if (op.type != OpType::get) {
      if (op.outcome == Outcome::ok && !op.version.is_zero()) events.emplace_back(op.completed, 0, op.index);
      continue;
    }
    events.emplace_back(op.invoked, 1, op.index);
    events.emplace_back(op.completed < 0 ? kNever : op.completed, 2, op.index);
  }
  std::sort(events.begin(), events.end());
  Checker checker(1024);
  std::vector<Checker::ReadStart> starts(h.ops.size());
  for (const auto& [t, phase, i] : events) {
    const HistoryOp& op = h.ops[i];
    const Key k = id(op.key);
    if (phase == 0) {
      checker.write_acknowledged(k, op.version, t, op.process);
      continue;
    }
    if (phase == 1) {
      starts[i] = checker.read_invoked(k, op.process, t);
      continue;
    }
    const bool answered = op.outcome == Outcome::ok;
    Checker::ReadVerdict v;
    if (answered) v = checker.read_answered(k, op.process, starts[i], op.version);
    const int l = static_cast<int>(op.level);
    if (answered) {
      if (v.read_your_writes_violation) ++s.sessions[l].ryw;
      if (v.monotonic_violation) ++s.sessions[l].monotonic;
    }
    add(s.sessions[l], answered, v.stale);
    if (op.source == OpSource::probe) {
      if (op.probe_delay >= 0 && static_cast<std::size_t>(op.probe_delay) < s.probe.size())
        add(s.probe[op.probe_delay][l], answered, v.stale);
      continue;
    }
    add(s.all, answered, v.stale);
    add(s.by_level[l], answered, v.stale);
    if (answered && starts[i].any_write) {
      for (auto& b : s.window)
        if (v.since_newest >= b.lo && v.since_newest < b.hi) add(b.c, true, v.stale);
    }
  }
  return s;
}

void staleness_text(const HistoryStaleness& s, std::string& out) {
  out += fmt::format("Operations: {} invoked: {} ok, {} failed, {} unknown ({} never answered)\n", s.ops, s.ok,
                     s.fail, s.unknown, s.never_answered);
  out +=
      "Stale reads (workload reads, answered; stale: older than the newest write acknowledged before the read "
      "began):\n";
  out += fmt::format("  {:<18} {:>7} {:>7} {:>7} {:>8}  {}\n", "level", "reads", "failed", "stale", "rate",
                     "95% interval");
  auto row = [&](const std::string& name, const StaleCount& c) {
    out += fmt::format("  {:<18} {:>7} {:>7} {:>7} {}\n", name, c.reads, c.failed, c.stale,
                       rate_cells(c.stale, c.reads));
  };
  row("all", s.all);
  for (int l = 0; l < kLevelCount; ++l)
    if (s.by_level[l].reads + s.by_level[l].failed) row(std::string(to_string(static_cast<Level>(l))), s.by_level[l]);
  out += "Window (those reads of a key already written, by time since its newest acknowledged write):\n";
  out += fmt::format("  {:<18} {:>7} {:>7} {:>7} {:>8}  {}\n", "since", "reads", "", "stale", "rate", "95% interval");
  for (const auto& b : s.window)
    out += fmt::format("  {:<18} {:>7} {:>7} {:>7} {}\n", span(b.lo, b.hi), b.c.reads, "", b.c.stale,
                       rate_cells(b.c.stale, b.c.reads));
  if (!s.probe.empty()) {
    out += "Probe (P(stale) t after the probe write's acknowledgement):\n";
    out += fmt::format("  {:>8}  {:<18} {:>7} {:>7} {:>7} {:>8}  {}\n", "t (ms)", "level", "reads", "failed", "stale",
                       "rate", "95% interval");
    for (std::size_t d = 0; d < s.probe.size(); ++d) {
      for (int l = 0; l < kLevelCount; ++l) {
        const StaleCount& c = s.probe[d][l];
        if (c.reads + c.failed == 0) continue;
        out += fmt::format("  {:>8g}  {:<18} {:>7} {:>7} {:>7} {}\n", static_cast<double>(s.probe_delays[d]) / 1e6,
                           to_string(static_cast<Level>(l)), c.reads, c.failed, c.stale, rate_cells(c.stale, c.reads));
      }
    }
  }
  out += "Sessions (answered reads, any source, that missed the client's own write or went back on its own read):\n";
  out += fmt::format("  {:<18} {:>7} {:>16} {:>10}\n", "level", "reads", "read_your_writes", "monotonic");
  for (int l = 0; l < kLevelCount; ++l) {
    const StaleCount& c = s.sessions[l];
    if (c.reads + c.failed == 0) continue;
    out += fmt::format("  {:<18} {:>7} {:>16} {:>10}\n", to_string(static_cast<Level>(l)), c.reads, c.ryw, c.monotonic);
  }
}

nlohmann::ordered_json staleness_json(const HistoryStaleness& s) {
  nlohmann::ordered_json j;
  j["operations"] = {{"invoked", s.ops}, {"ok", s.ok}, {"failed", s.fail}, {"unknown", s.unknown},
                     {"never_answered", s.never_answered}};
  j["reads"]["all"] = count_json(s.all);
  for (int l = 0; l < kLevelCount; ++l)
    if (s.by_level[l].reads + s.by_level[l].failed)
      j["reads"][std::string(to_string(static_cast<Level>(l)))] = count_json(s.by_level[l]);
  j["window"] = nlohmann::ordered_json::array();
  for (const auto& b : s.window) {
    nlohmann::ordered_json w = count_json(b.c);
    w["from_ns"] = b.lo;
    w["to_ns"] = b.hi == kNever ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(b.hi);
    j["window"].push_back(w);
  }
  j["probe"] = nlohmann::ordered_json::array();
  for (std::size_t d = 0; d < s.probe.size(); ++d) {
    for (int l = 0; l < kLevelCount; ++l) {
      const StaleCount& c = s.probe[d][l];
      if (c.reads + c.failed == 0) continue;
      nlohmann::ordered_json p = count_json(c);
      p["delay_ns"] = s.probe_delays[d];
      p["level"] = to_string(static_cast<Level>(l));
      j["probe"].push_back(p);
    }
  }
  j["sessions"] = nlohmann::ordered_json::object();
  for (int l = 0; l < kLevelCount; ++l) {
    const StaleCount& c = s.sessions[l];
    if (c.reads + c.failed == 0) continue;
    j["sessions"][std::string(to_string(static_cast<Level>(l)))] = {
        {"reads", c.reads}, {"read_your_writes_violations", c.ryw}, {"monotonic_violations", c.monotonic}};
  }
  return j;
}

}  // namespace consim
