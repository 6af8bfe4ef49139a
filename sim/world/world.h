// sim/world/world.h: one simulated run: the event loop and the timeline,
// around the units that do the rest.
//
//   Host       (host.h)      the nodes: start, deliver, timers, crash, restart, pause
//   Transport  (transport.h) messages on the wire: the Network's delay, loss, duplication
//   Clients    (clients.h)   operations: routing, session tokens, redirects, completion
//   Workloads  (workload.h)  open loop, closed loop, script, probe
//   KeySpace   (keyspace.h)  key names and value texts
//   audit      (audit.h)     the books closed at the end
//   TraceSink  (trace_events.h) every event, for the trace and the diagrams
//
// A World runs one scenario once. Same binary, scenario and seed: the same
// events in the same order, the same metrics, the same trace bytes.
// Randomness: one Rng stream per component, derived from the scenario seed
// and the component's name: "network", "workload", "client"/i, "node"/i
// (timer jitter), "script-client"/i, "probe-client", so adding a client does
// not change the network's delays.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/node.h"
#include "sim/check/metrics.h"
#include "sim/report/run_view.h"
#include "sim/scenario/scenario.h"

namespace consim {

class TraceWriter;
class TraceSink;

// What an observer sees of one processed event (sim/check/determinism.h uses it).
struct EventInfo {
  std::uint64_t index = 0;   // 0-based, in processing order
  Time time = 0;             // virtual time
  std::uint32_t kind = 0;    // the world's event kind; see World::event_kind_name()
  std::uint64_t hash = 0;    // a 64-bit hash of time, kind and the payload's key fields
  int msg_kind = -1;         // deliveries: the message's MsgKind, else -1
  std::uint64_t from = 0, to = 0;  // deliveries: endpoints; timers: node in `from`, timer id in `to`
};

// Optional observer of a run (determinism self-check, swarm tests).
// Off by default: with none set, the event loop pays one null-pointer check.
class WorldObserver {
 public:
  virtual ~WorldObserver() = default;
  virtual void on_event(const EventInfo& e) {}
  // A node's role changed, as reported by the node itself.
  virtual void on_role(Time t, NodeId node, Role role, std::uint64_t term) {}
};

class World final : public RunView {
 public:
  // REQUIRES: `scenario` was validated by scenario_from_json().
  // `trace` (optional) receives one JSON line per event; it must outlive run().
  explicit World(const Scenario& scenario, TraceWriter* trace = nullptr);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Run from time 0 to duration + drain, then close the books.
  void run();

  // RunView: the run, read-only (valid before and after run()).
  const Scenario& scenario() const override;
  const Metrics& metrics() const override;
  std::vector<NodeStatus> node_statuses() const override;
  std::vector<bool> nodes_up() const override;
  std::string key_name(Key k) const override;
  std::string value_text(const Record& r) const override;
  const LinearizabilityResult* linearizability() const override;

  // Observe every event and role change of run(); set before run(). Not owned.
  void set_observer(WorldObserver* observer);
  // Also report every event of run() to `sink`; add before run(). Not owned.
  void add_sink(TraceSink* sink);
  // Stop run() after `events` events, as if the run had ended then (for
  // bounding work per input, e.g. in fuzzing; default: no limit). Whether it
  // stopped early: stopped_early().
  void set_event_limit(std::uint64_t events);
  bool stopped_early() const;
  // Call tick(now, events) every `every` events of run() (a progress line;
  // nothing it does feeds back into the run). Set before run().
  void set_progress(std::function<void(Time now, std::uint64_t events)> tick, std::uint64_t every = 1u << 16);
  static std::string event_kind_name(std::uint32_t kind, int msg_kind = -1);

  // Test hooks: read-only access to a node's state.
  const Node& node(NodeId n) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace consim
