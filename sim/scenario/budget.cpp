// sim/scenario/budget.cpp: a run's worst-case memory (budget.h).
#include "sim/scenario/budget.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/io/input.h"

namespace consim {

namespace {

std::string gib(double bytes) { return fmt::format("{:.3g} GiB", bytes / static_cast<double>(1ull << 30)); }

double ms(Time t) { return static_cast<double>(t) / 1e6; }

}  // namespace

RunCost estimate_run_cost(const Scenario& sc) {
  RunCost c;
  c.keys = (sc.workload.enabled ? static_cast<double>(sc.workload.keys) : 0.0) +
           (sc.probe.enabled ? static_cast<double>(sc.probe.keys) : 0.0) + static_cast<double>(sc.script.size());
  c.store_slots = static_cast<double>(sc.cluster.nodes) * c.keys;
  if (sc.workload.enabled) {
    if (sc.workload.mode == WorkloadSpec::Mode::closed) {
      c.ops_in_flight = sc.workload.clients;
    } else {
      // Arrivals stop at the end of the run; none outlives request_timeout.
      const double window_s = ms(std::min(sc.request_timeout, sc.duration)) / 1e3;
      c.ops_in_flight = sc.workload.rate_per_s * window_s;
    }
  }
  c.ops_in_flight += static_cast<double>(sc.script.size());
  if (sc.measure.linearizability) {
    const double run_ms = ms(sc.duration);
    if (sc.workload.enabled) {
      if (sc.workload.mode == WorkloadSpec::Mode::closed)
        c.history_ops = sc.workload.clients * run_ms / std::max(0.1, sc.workload.think.mean_ms());
      else
        c.history_ops = sc.workload.rate_per_s * run_ms / 1e3;
    }
    if (sc.probe.enabled)
      c.history_ops += run_ms / std::max(1e-6, ms(sc.probe.interval)) *
                       (1 + static_cast<double>(sc.probe.delays.size() * sc.probe.levels.size()));
    c.history_ops += static_cast<double>(sc.script.size());
  }
  c.bytes = c.store_bytes() + c.in_flight_bytes() + c.history_bytes();
  return c;
}

void check_run_budget(const Scenario& sc, const std::string& source) {
  const RunCost c = estimate_run_cost(sc);
  const double budget = static_cast<double>(kMaxRunMemoryBytes);
  if (c.bytes <= budget) return;
  if (c.history_bytes() >= c.store_bytes() && c.history_bytes() >= c.in_flight_bytes()) {
    throw InputError(fmt::format(
        "{}: $.measure.linearizability: the history the check keeps would hold about {:.3g} operations, about {} "
        "of memory with the rest of the run; the budget of a run is {} (docs/reliability.md \"Budgets\"): "
        "shorten duration_ms, lower the workload's rate, or check a shorter run",
        source, c.history_ops, gib(c.bytes), gib(budget)));
  }
  if (c.store_bytes() >= c.in_flight_bytes()) {
    throw InputError(fmt::format(
        "{}: $.workload.keys: the run would need about {} of memory for its stores ({} nodes x {:.6g} keys: "
        "every node keeps a slot per key of the workload, the probe and the script); the budget of a run is {} "
        "(docs/reliability.md \"Budgets\"): use fewer keys or nodes",
        source, gib(c.bytes), sc.cluster.nodes, c.keys, gib(budget)));
  }
  if (sc.workload.enabled && sc.workload.mode == WorkloadSpec::Mode::open) {
    throw InputError(fmt::format(
        "{}: $.workload.rate_per_s: up to {:.3g} operations could be in flight at once (rate_per_s {:g} x "
        "request_timeout_ms {:g}), about {} of memory; the budget of a run is {} (docs/reliability.md "
        "\"Budgets\"): lower rate_per_s or request_timeout_ms",
        source, c.ops_in_flight, sc.workload.rate_per_s, ms(std::min(sc.request_timeout, sc.duration)),
        gib(c.bytes), gib(budget)));
  }
  throw InputError(fmt::format(
      "{}: $.workload.clients: {:.6g} operations could be in flight at once (clients and scripted operations), "
      "about {} of memory; the budget of a run is {} (docs/reliability.md \"Budgets\"): use fewer clients",
      source, c.ops_in_flight, gib(c.bytes), gib(budget)));
}

}  // namespace consim
