// sim/world/workload.h: where operations come from.
//
// Four sources put operations into the clients (sim/world/clients.h):
//   - the open loop: Poisson arrivals at rate_per_s, each given to a client
//     drawn uniformly (the "workload" stream);
//   - the closed loop: each client waits a think time after its previous
//     operation ends, then starts the next (its own stream);
//   - the script: each scripted operation at its time, to its node;
//   - the probe: a write every interval (round-robin over the probe keys);
//     when one is acknowledged, a read of its key at each probe delay and
//     level (leader mode: from a node other than the one that acknowledged).
// A workload operation picks its type, key (Zipf) and level from its
// client's stream, in that order, one draw each; then its node by routing.
// No operation starts at or after duration_ms (the drain lets the open ones
// finish).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/engine/distribution.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"
#include "sim/world/clients.h"
#include "sim/world/keyspace.h"

namespace consim {

// The scenario's keys, named in the key space in the order ids are given:
// workload keys (the KeySpace's own), probe keys, then the keys of the
// scripted operations; and the values scripted puts write.
struct ScenarioKeys {
  Key probe_base = 0;
  std::vector<Key> script_keys;    // per scripted operation
  std::vector<Value> script_values;  // per scripted operation (0 unless a put)
};
ScenarioKeys name_scenario_keys(const Scenario& sc, KeySpace& keys);

class Workloads final : public OpListener {
 public:
  Workloads(const Scenario& sc, const ScenarioKeys& ids, EventQueue& queue, Clients& clients, KeySpace& keys);

  // Queues the first event of each source (script, workload, probe, in that order).
  void start();
  void on_arrival();
  void on_think(std::uint32_t client);
  void on_script(std::uint32_t index);
  void on_probe_write();
  void on_probe_read(std::uint32_t slot);

  // OpListener: a closed-loop client thinks; an acknowledged probe write
  // schedules its read-backs.
  void op_finished(std::uint32_t slot, bool ok, EndpointId by) override;

 private:
  bool active(Time now) const;
  Time exp_interval();
  void start_workload_op(std::uint32_t client);
  void schedule_probe_reads(Key key, EndpointId acked_by);

  const Scenario& sc_;
  EventQueue& queue_;
  Clients& clients_;
  KeySpace& keys_;
  const std::uint32_t n_;
  const bool leaderless_;
  Rng rng_;  // "workload": open-loop arrivals
  ZipfSampler zipf_;
  std::array<double, kLevelCount> level_cdf_{};
  const ScenarioKeys ids_;
  std::uint32_t probe_seq_ = 0;
};

}  // namespace consim
