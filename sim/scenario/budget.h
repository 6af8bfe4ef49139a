// sim/scenario/budget.h: the memory one run may need at its worst, estimated
// from the scenario alone, before anything runs.
//
// The loader refuses a scenario whose estimate passes kMaxRunMemoryBytes
// (InputError naming the fields, exit 2), and a sweep multiplies the same
// estimate by the runs it holds in progress (sim/sweep/budget.h). The
// estimate is an upper bound of what grows with the input: node stores
// (every node holds a slot per key of the key space), the key space itself
// (names, checker state), and operations in flight (an open loop can start
// rate_per_s x request_timeout operations before the first one gives up:
// with every reply lost, all of them are in flight at once), and, with
// measure.linearizability, the history it keeps: one record per operation of
// the run (open loop: rate x duration; closed loop: clients x duration over
// the mean think time, at least 0.1 ms; script and probe). What does not
// grow with the input (a few MiB) is left out. Work is bounded elsewhere:
// operations, probe reads, heartbeats and anti-entropy in the loader, and
// events at one instant in the World.
#pragma once

#include <cstdint>
#include <string>

#include "sim/scenario/scenario.h"

namespace consim {

// The budget of one run (docs/reliability.md, "Budgets").
constexpr std::uint64_t kMaxRunMemoryBytes = 4ull << 30;

// Bytes per unit, measured on x86-64 (docs/reliability.md gives the runs).
constexpr double kStoreSlotBytes = 32;      // one key's slot in one node's store
constexpr double kKeyBytes = 128;           // one key: its name, the checker's and the workload's state
constexpr double kOpInFlightBytes = 1024;   // one operation in flight, with its messages and timers
constexpr double kHistoryOpBytes = 512;     // one operation's record in the history (measure.linearizability)

struct RunCost {
  double keys = 0;            // the key space: workload, probe and scripted keys
  double store_slots = 0;     // nodes x keys
  double ops_in_flight = 0;   // at most, at one time
  double history_ops = 0;     // measure.linearizability: operations recorded over the run
  double bytes = 0;           // the estimate

  double store_bytes() const { return store_slots * kStoreSlotBytes + keys * kKeyBytes; }
  double in_flight_bytes() const { return ops_in_flight * kOpInFlightBytes; }
  double history_bytes() const { return history_ops * kHistoryOpBytes; }
};

// The estimate for a loaded scenario (its ranges already checked).
RunCost estimate_run_cost(const Scenario& sc);

// InputError "<source>: $.<field>: ..." when the estimate passes the budget,
// naming the fields that make it and what to lower.
void check_run_budget(const Scenario& sc, const std::string& source);

}  // namespace consim
