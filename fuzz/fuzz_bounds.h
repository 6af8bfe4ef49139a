// fuzz/fuzz_bounds.h: bounding the work of one fuzzed scenario, shared by the
// fuzz target and the regression test (tests/test_regressions.cpp).
#pragma once

#include <algorithm>
#include <cstdint>

#include "sim/scenario/scenario.h"

namespace consim::fuzzing {

// Cap the run's length, keeping the loader's guarantees (times only shrink).
inline void bound(Scenario& sc) {
  sc.duration = std::min<Time>(sc.duration, 3 * kSecond);
  sc.drain = std::min<Time>(sc.drain, 1 * kSecond);
}

// A rough upper estimate of the events of a run.
inline double estimated_events(const Scenario& sc) {
  const double secs = static_cast<double>(sc.duration + sc.drain) / 1e9;
  const double n = sc.cluster.nodes;
  const double hb = std::max(1e-6, static_cast<double>(sc.cluster.heartbeat_interval) / 1e9);
  double ev = secs / hb * n * n * 4;
  if (sc.workload.enabled) {
    double rate = sc.workload.rate_per_s;
    if (sc.workload.mode == WorkloadSpec::Mode::closed) {
      const double think = std::max(1e-4, sc.workload.think.mean_ms() / 1e3);
      rate = sc.workload.clients / think;
    }
    ev += rate * secs * (4 + 4 * n);
  }
  if (sc.probe.enabled) {
    const double iv = std::max(1e-6, static_cast<double>(sc.probe.interval) / 1e9);
    ev += secs / iv * (1 + static_cast<double>(sc.probe.delays.size() * sc.probe.levels.size())) * (4 + 4 * n);
  }
  ev += static_cast<double>(sc.script.size()) * (4 + 4 * n) + static_cast<double>(sc.timeline.size()) * n * 4;
  if (sc.cluster.anti_entropy_interval > 0) {  // each exchange compares every key
    const double keys = (sc.workload.enabled ? double(sc.workload.keys) : 0.0) +
                        (sc.probe.enabled ? double(sc.probe.keys) : 0.0) + double(sc.script.size());
    ev += secs / (static_cast<double>(sc.cluster.anti_entropy_interval) / 1e9) * n * (2 + keys / 16);
  }
  return ev;
}

// Whatever the estimate below says, a fuzzed run stops after this many events:
// twice what small_enough() lets through, and a few seconds under the
// sanitizers, well inside libFuzzer's -timeout of 10 s. (At 2 000 000 the
// seed whose time cannot advance took 12 s there and was reported as a
// timeout.)
constexpr std::uint64_t kMaxEventsPerInput = 400'000;

// Worth running in a fuzz iteration: small enough to finish quickly.
inline bool small_enough(const Scenario& sc) {
  if (!(estimated_events(sc) <= 200000)) return false;
  if (sc.workload.enabled && (sc.workload.keys > 100000 || sc.workload.clients > 10000)) return false;
  if (sc.probe.enabled && sc.probe.keys > 100000) return false;
  return true;
}

}  // namespace consim::fuzzing
