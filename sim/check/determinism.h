// sim/check/determinism.h: the determinism self-check (consim run FILE --check-determinism).
//
// Runs a scenario twice with a WorldObserver that hashes every processed event
// (time, kind and the payload's key fields; see World::Impl::observe) and
// compares the two sequences event by event. On a difference it names the
// first differing event: its index, virtual time and kind in both runs.
// Memory: 8 bytes per event of the first run.
#pragma once

#include <cstdint>
#include <string>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim {

struct DeterminismEvent {
  bool present = false;  // false: that run had ended before this index
  Time time = 0;
  std::string kind;      // e.g. "deliver append_entries 0->2", "timer node 1 id 3"
  std::uint64_t hash = 0;
};

struct DeterminismResult {
  bool identical = false;
  std::uint64_t events_a = 0, events_b = 0;
  std::uint64_t hash_a = 0, hash_b = 0;  // running hash over all events
  std::uint64_t first_difference = 0;    // event index (when !identical)
  DeterminismEvent a, b;                 // that event in each run
};

// Run `a` and then `b` (usually the same scenario) and compare their events.
DeterminismResult compare_runs(const Scenario& a, const Scenario& b);

// One line: "determinism: 2 runs, N events, identical (hash 0x...)" or a
// description of the first difference.
std::string describe(const DeterminismResult& r);

}  // namespace consim
