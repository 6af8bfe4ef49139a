// sim/world.h: the simulated world: virtual clock, event queue, network,
// faults, clients and the checker, around N core::Node state machines.
//
// A World runs one scenario once. Same binary, scenario and seed: the same
// events in the same order, the same metrics, the same trace bytes.
// Randomness: one Rng stream per component, derived from the scenario seed
// and the component's name: "network", "workload", "client"/i, "node"/i
// (timer jitter), so adding a client does not change the network's delays.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/node.h"
#include "sim/metrics.h"
#include "sim/scenario.h"

namespace consim {

class TraceWriter;

class World {
 public:
  // REQUIRES: `scenario` was validated by scenario_from_json().
  // `trace` (optional) receives one JSON line per event; it must outlive run().
  explicit World(const Scenario& scenario, TraceWriter* trace = nullptr);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Run from time 0 to duration + drain, then close the books.
  void run();

  const Scenario& scenario() const;
  const Metrics& metrics() const;
  std::vector<NodeStatus> node_statuses() const;
  std::vector<bool> nodes_up() const;
  std::string key_name(Key k) const;
  std::string value_text(const Record& r) const;

  // Test hooks: read-only access to a node's state.
  const Node& node(NodeId n) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace consim
