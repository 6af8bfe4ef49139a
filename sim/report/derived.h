// sim/report/derived.h: the values a report derives from a run's counts and
// settings, each defined once.
//
// The JSON report computes them here, the text report reads them from the JSON
// (or recomputes them from the JSON's counts with these same functions), and a
// sweep's columns should call them too, so no two outputs can disagree on what
// "strict quorum" or "stale rate" means. Definitions: docs/consistency.md.
//
// Pure functions of their arguments: no I/O, no state, no allocation except
// workload_levels(). They accept any input; none of them fails.
//
// One derived value lives elsewhere: probe_t_below_target(), beside ProbeCell
// in sim/check/metrics.h (the sweep and the tests already call it there).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim {

// R + W > N: every read quorum shares a replica with every write quorum, so a
// quorum read overlaps every acknowledged write. N is the replicas per key
// (which is the node count in leader mode). Computed in 64 bits: no overflow.
constexpr bool strict_quorum(std::uint64_t write_quorum, std::uint64_t read_quorum, std::uint64_t replicas) {
  return write_quorum + read_quorum > replicas;
}
inline bool strict_quorum(const ClusterSpec& c) { return strict_quorum(c.write_quorum, c.read_quorum, c.replicas); }

// part / whole, and 0 when whole is 0: with no reads, none was stale. Every
// rate in the reports (stale_rate, p_consistent, p_within_k) is one of these.
constexpr double rate(std::uint64_t part, std::uint64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// P(stale) of a level, window bucket or probe cell: stale / answered.
constexpr double stale_rate(std::uint64_t stale, std::uint64_t answered) { return rate(stale, answered); }

// P(consistent): the share of answered reads that returned the newest
// acknowledged version. REQUIRES: stale <= answered.
constexpr double p_consistent(std::uint64_t answered, std::uint64_t stale) { return rate(answered - stale, answered); }

// The 95% Wilson score interval of a proportion: k successes out of n
// trials (a stale rate: k stale of n answered reads). Unlike p ± 1.96·se it
// stays inside [0, 1] and is not empty at k = 0 or k = n. With n = 0 it is
// [0, 1] (nothing is known). REQUIRES: k <= n.
struct Interval {
  double lo = 0, hi = 1;
};
inline Interval wilson_interval(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return Interval{0.0, 1.0};
  const double z = 1.959963984540054;  // the 97.5% quantile of the standard normal
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
  return Interval{std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

// Mean versions behind over the stale reads (0 when none was stale).
constexpr double versions_behind_mean(std::uint64_t versions_behind_sum, std::uint64_t stale) {
  return rate(versions_behind_sum, stale);
}

// Whether the run has client reads and writes to report (the levels, window
// and writes tables): a workload or a script. A probe alone does not: its
// reads are reported apart (probe, probe_summary).
constexpr bool reads_reported(bool workload_enabled, std::size_t scripted_ops) {
  return workload_enabled || scripted_ops > 0;
}
inline bool reads_reported(const Scenario& sc) { return reads_reported(sc.workload.enabled, sc.script.size()); }

// Whether the probe reads at `level` (false when there is no probe).
inline bool level_probed(const ProbeSpec& p, Level level) {
  if (!p.enabled) return false;
  for (Level l : p.levels)
    if (l == level) return true;
  return false;
}

// The levels the workload reads at (weight > 0), in Level order.
inline std::vector<Level> workload_levels(const WorkloadSpec& w) {
  std::vector<Level> out;
  for (int l = 0; l < kLevelCount; ++l)
    if (w.level_weights[l] > 0) out.push_back(static_cast<Level>(l));
  return out;
}

// The levels client reads ask for, by Level: the workload's (when enabled)
// and the scripted gets'. With the probe's levels (level_probed) these are
// the levels a run reports (Metrics::level_used, set in sim/world/world.cpp).
inline std::array<bool, kLevelCount> client_read_levels(const Scenario& sc) {
  std::array<bool, kLevelCount> used{};
  if (sc.workload.enabled)
    for (Level l : workload_levels(sc.workload)) used[static_cast<int>(l)] = true;
  for (const ScriptedOp& op : sc.script)
    if (op.op == OpType::get) used[static_cast<int>(op.level)] = true;
  return used;
}

// Whether some node's clock is off virtual time (an offset or a drift): then
// LWW stamps can order a later write before an earlier one.
inline bool clock_skew(const ClusterSpec& c) {
  for (std::size_t i = 0; i < c.clock_offset.size(); ++i)
    if (c.clock_offset[i] != 0) return true;
  for (std::size_t i = 0; i < c.clock_drift_ppb.size(); ++i)
    if (c.clock_drift_ppb[i] != 0) return true;
  return false;
}

}  // namespace consim
