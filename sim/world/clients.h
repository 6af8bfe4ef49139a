// sim/world/clients.h: the clients of a run and their operations.
//
// Clients are endpoints N, N+1, ... (after the nodes): first the workload's
// clients, then one per scripted client number (in order of first use),
// then the probe's. Each has its own random stream ("client"/i,
// "script-client"/number, "probe-client"), a leader hint, and session
// tokens. In leaderless mode with routing "client" a client coordinates its
// own requests (core/coordinator.h).
//
// An operation lives in an op slot from new_op() until it is answered or
// given up on and its timeout event has fired. Its life:
//   invoke()     -> the request is sent (or coordinated), a timeout queued
//   on_message() -> a reply: a redirect is followed (at most max_redirects),
//                   an answer completes it (judged by the Checker, recorded
//                   in Metrics), a failure fails it
//   on_timeout() -> no answer within request_timeout: it fails
// Every end of an operation is reported to the OpListener (the workloads:
// think time, probe read-backs) and to the trace.
//
// What callers may rely on: an op id is (generation << 32) | slot, so a late
// reply to a finished operation is recognised and ignored; metrics count
// only operations invoked at or after measure.warmup, and never probe
// operations outside the probe's own cells.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/coordinator.h"
#include "core/message.h"
#include "sim/check/checker.h"
#include "sim/check/history.h"
#include "sim/check/metrics.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/pool.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"
#include "sim/world/host.h"
#include "sim/world/timers.h"
#include "sim/world/trace_events.h"
#include "sim/world/transport.h"

namespace consim {

struct Op {
  std::uint64_t id = 0;  // (generation << 32) | slot
  std::uint32_t client = 0;
  OpType type = OpType::get;
  Level level = Level::eventual;
  OpSource source = OpSource::workload;
  bool done = false;
  bool timeout_fired = false;
  bool counted = false;    // invoked after warmup
  bool scheduled = false;  // a probe read waiting for its time
  Key key = 0;
  Value value = 0;
  Time invoked = 0;
  NodeId node = 0;
  std::uint32_t redirects = 0;
  std::uint32_t source_index = 0;  // script index, or probe delay index
  Checker::ReadStart start;
};

struct Client {
  EndpointId endpoint = 0;
  Rng rng;
  NodeId leader_hint = 0;
  Version written;  // session token parts (leader mode; leaderless: per key, from op.start)
  Version read;
  std::unique_ptr<Coordinator> coord;  // leaderless with routing "client"
  Client(EndpointId ep, std::uint64_t seed, std::uint64_t stream) : endpoint(ep), rng(seed, stream) {}
};

// Told when an operation ends, before its slot can be reused.
class OpListener {
 public:
  virtual ~OpListener() = default;
  // `slot`'s operation was answered (ok) or failed; `by` answered it.
  virtual void op_finished(std::uint32_t slot, bool ok, EndpointId by) = 0;
};

class Clients {
 public:
  struct Deps {
    const Scenario& scenario;
    EventQueue& queue;
    Transport& wire;
    Timers& timers;
    const Host& host;
    Checker& checker;
    ConvergenceTracker& convergence;
    Metrics& metrics;
    TraceSink* const& trace;
  };
  // `coordinator` is a node's coordinator settings (core/node.h
  // coordinator_config), given to clients that coordinate for themselves.
  Clients(const Deps& deps, const CoordinatorConfig& coordinator);

  void set_listener(OpListener* l) { listener_ = l; }

  std::uint32_t size() const { return static_cast<std::uint32_t>(clients_.size()); }
  Client& client(std::uint32_t i) { return clients_[i]; }
  const Client& client(std::uint32_t i) const { return clients_[i]; }
  // The index of scripted client `number` (0-based JSON client number).
  std::uint32_t script_client(std::uint32_t number) const { return script_client_.at(number); }
  std::uint32_t probe_client() const { return probe_client_; }

  // A new operation in a fresh slot (not yet invoked).
  std::uint32_t new_op(std::uint32_t client, OpType type, Key key, Level level, OpSource source);
  Op& op(std::uint32_t slot) { return ops_[slot]; }
  // The node client `ci` sends its next request to; kNoNode for "client".
  NodeId route(std::uint32_t ci, Routing routing);
  // Invoke op `slot` now, sending it to `node`.
  void invoke(std::uint32_t slot, NodeId node);

  // A message delivered to a client endpoint (a reply, or a replica's
  // answer to a client coordinator).
  void on_message(const Message& m);
  // Client `ci`'s coordinator timer `id` came due.
  void on_timer(std::uint32_t ci, std::uint64_t id);
  // The timeout event of op `slot`.
  void on_timeout(std::uint32_t slot);
  // The run is over: operations still open (slots of their pending timeout
  // events, ascending) fail as client timeouts.
  void fail_open(const std::vector<std::uint32_t>& timeout_slots);
  // What the client coordinators did.
  LeaderlessCounters coordinator_counters() const;

 private:
  void send_request(std::uint32_t slot);
  void execute_coordinator(std::uint32_t ci);
  void complete_ok(std::uint32_t slot, const Message& msg);
  void complete_failed(std::uint32_t slot, FailReason why, EndpointId from);
  void record_read(const Op& op, const Message& msg, const Checker::ReadVerdict& v, Time latency);
  ScriptResult& script_result(const Op& op, EndpointId from);
  void after_completion(std::uint32_t slot, bool ok, EndpointId by);
  OpView view(const Op& op) const;
  void on_reply(const Message& msg);

  const Scenario& sc_;
  EventQueue& queue_;
  Transport& wire_;
  Timers& timers_;
  const Host& host_;
  Checker& checker_;
  ConvergenceTracker& convergence_;
  Metrics& m_;
  TraceSink* const& trace_;
  OpListener* listener_ = nullptr;
  const std::uint32_t n_;
  const bool leaderless_;

  std::vector<Client> clients_;
  std::map<std::uint32_t, std::uint32_t> script_client_;  // JSON client number -> index
  std::uint32_t probe_client_ = 0;
  Pool<Op> ops_;
  std::vector<std::uint32_t> generation_;
  Outputs out_;                          // a client coordinator's outputs
  std::vector<Message> replies_;         // reused: answers a coordinator gave its own client
};

}  // namespace consim
