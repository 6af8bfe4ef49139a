// sim/world/world.cpp: the event loop, the timeline, and the wiring of the
// world's units (world.h).
#include "sim/world/world.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <vector>

#include <fmt/format.h>

#include "core/placement.h"
#include "sim/check/checker.h"
#include "sim/check/elections.h"
#include "sim/check/linearizability.h"
#include "sim/engine/event_queue.h"
#include "sim/io/input.h"
#include "sim/world/audit.h"
#include "sim/world/clients.h"
#include "sim/world/events.h"
#include "sim/world/history_sink.h"
#include "sim/world/host.h"
#include "sim/world/keyspace.h"
#include "sim/world/network.h"
#include "sim/world/node_configs.h"
#include "sim/world/timers.h"
#include "sim/world/trace_jsonl.h"
#include "sim/world/transport.h"
#include "sim/world/workload.h"

namespace consim {

// Node i's configuration, as the scenario sets it.
static NodeConfig node_config(const Scenario& sc, NodeId i, std::uint32_t key_space) {
  const ClusterSpec& c = sc.cluster;
  NodeConfig cfg;
  cfg.id = i;
  cfg.nodes = c.nodes;
  cfg.write_quorum = c.write_quorum;
  cfg.read_quorum = c.read_quorum;
  cfg.key_space = key_space;
  cfg.election = c.election;
  cfg.heartbeat_interval = c.heartbeat_interval;
  cfg.election_timeout = c.election_timeout;
  cfg.write_timeout = c.write_timeout;
  cfg.read_timeout = c.read_timeout;
  cfg.read_repair = c.read_repair;
  cfg.session_behind = c.session_behind;
  cfg.bootstrap_leader = c.bootstrap_leader;
  cfg.replication = c.replication;
  cfg.replicas = c.replicas;
  cfg.read_fanout = c.read_fanout;
  cfg.read_repair_blocking = c.read_repair_blocking;
  cfg.sloppy_quorum = c.sloppy_quorum;
  cfg.anti_entropy_interval = c.anti_entropy_interval;
  if (i < c.clock_offset.size()) cfg.clock.offset = c.clock_offset[i];
  if (i < c.clock_drift_ppb.size()) cfg.clock.drift_ppb = c.clock_drift_ppb[i];
  return cfg;
}

std::vector<NodeConfig> node_configs(const Scenario& sc, std::uint32_t key_space) {
  std::vector<NodeConfig> v;
  for (NodeId i = 0; i < sc.cluster.nodes; ++i) v.push_back(node_config(sc, i, key_space));
  return v;
}

namespace {

// Several sinks behind one.
class Tee final : public TraceSink {
 public:
  std::vector<TraceSink*> sinks;
  void message(Time t, Wire w, const Message& m, DropReason r) override {
    for (TraceSink* s : sinks) s->message(t, w, m, r);
  }
  void applied(Time t, NodeId n, Key k, Version v) override {
    for (TraceSink* s : sinks) s->applied(t, n, k, v);
  }
  void role(Time t, NodeId n, const RoleChange& rc) override {
    for (TraceSink* s : sinks) s->role(t, n, rc);
  }
  void timer(Time t, bool c, std::uint32_t o, std::uint64_t id) override {
    for (TraceSink* s : sinks) s->timer(t, c, o, id);
  }
  void fault(Time t, const TimelineEvent& te) override {
    for (TraceSink* s : sinks) s->fault(t, te);
  }
  void invoked(Time t, const OpView& op) override {
    for (TraceSink* s : sinks) s->invoked(t, op);
  }
  void completed(Time t, const OpView& op, const Message& r, bool stale, Time latency) override {
    for (TraceSink* s : sinks) s->completed(t, op, r, stale, latency);
  }
  void failed(Time t, const OpView& op, FailReason why) override {
    for (TraceSink* s : sinks) s->failed(t, op, why);
  }
  void ended(Time t, std::uint64_t in_flight) override {
    for (TraceSink* s : sinks) s->ended(t, in_flight);
  }
};

}  // namespace

struct World::Impl {
  const Scenario sc;
  WorldObserver* observer = nullptr;
  std::unique_ptr<JsonlTrace> jsonl;
  Tee tee;
  TraceSink* trace = nullptr;  // null, the one sink, or `tee`
  const std::uint32_t n;
  const Time end_time;

  Metrics m;
  EventQueue queue;
  Network network;
  Transport wire;
  Timers timers;
  KeySpace keys;
  const ScenarioKeys ids;
  Host host;
  Checker checker;
  ConvergenceTracker convergence;
  LeaderTracker leaders;
  Clients clients;
  Workloads workloads;
  std::vector<std::vector<Event>> deferred;  // per node: events held while it is paused
  std::uint64_t event_limit = UINT64_MAX;
  std::function<void(Time, std::uint64_t)> progress;
  std::uint64_t progress_every = UINT64_MAX;
  bool stopped_early = false;
  // measure.linearizability: the run's history, then its check after run().
  std::unique_ptr<HistorySink> history;
  std::unique_ptr<LinearizabilityResult> linearizability;

  Impl(const Scenario& s, TraceWriter* t)
      : sc(s),
        n(s.cluster.nodes),
        end_time(s.duration + s.drain),
        network(s.cluster.nodes, s.network, s.seed),
        wire(queue, network, m.engine, trace),
        timers(queue, m.engine),
        keys(s.workload.enabled ? s.workload.keys : 0),
        ids(name_scenario_keys(sc, keys)),
        host(node_configs(sc, keys.size()), Host::Options{s.seed, Host::TimerChoice::random}),
        checker(s.measure.lost_write_window),
        leaders(s.cluster.nodes, m.elections),
        clients(Clients::Deps{sc, queue, wire, timers, host, checker, convergence, m, trace},
                coordinator_config(host.node(0).config())),
        workloads(sc, ids, queue, clients, keys),
        deferred(s.cluster.nodes) {
    clients.set_listener(&workloads);
    prepare_metrics(sc, m);
    if (t) {
      jsonl = std::make_unique<JsonlTrace>(*t);
      add_sink(jsonl.get());
    }
  }

  void add_sink(TraceSink* s) {
    if (trace == nullptr) {
      trace = s;
      return;
    }
    if (trace != &tee) {
      tee.sinks.push_back(trace);
      trace = &tee;
    }
    tee.sinks.push_back(s);
  }

  std::uint64_t replicas_of(Key key) const { return replica_mask(key, n, sc.cluster.replicas); }

  // Carry out what a node asked for: its messages go on the wire, then its
  // timers on the queue; then what it applied and its role are observed.
  [[gnu::always_inline]] void execute(const Effects& fx) {
    const NodeId i = fx.node;
    const Time now = queue.now();
    for (const Message& msg : fx.out.messages) wire.send(msg, fx.out);
    for (const TimerAt& t : fx.timers) timers.schedule(t.at, t.timer);
    const std::uint64_t live = host.up_mask();
    for (const Applied& a : fx.out.applied) {
      convergence.applied(a.key, a.version, i, now, live & replicas_of(a.key));
      if (trace) trace->applied(now, i, a.key, a.version);
    }
    for (const RoleChange& rc : fx.out.roles) {
      if (observer) observer->on_role(now, i, rc.role, rc.term);
      leaders.set(i, rc.role == Role::leader, now);
      leaders.saw_term(rc.term);
      if (trace) trace->role(now, i, rc);
    }
  }

  // ---------------------------------------------------------------- the loop

  void run() {
    for (NodeId i = 0; i < n; ++i) execute(host.start(i, 0));
    for (std::uint32_t i = 0; i < sc.timeline.size(); ++i) queue.push(sc.timeline[i].at, kTimeline, i);
    workloads.start();
    Time last = -1;
    std::uint64_t at_last = 0;  // events processed at virtual time `last`
    // One comparison per event for both the limit and the progress tick.
    std::uint64_t next_check = std::min(event_limit, progress_every);
    Event e;
    for (;;) {
      if (m.engine.events >= next_check) {
        if (queue.empty() || queue.top().time > end_time) break;
        if (m.engine.events >= event_limit) {
          stopped_early = true;
          break;
        }
        progress(queue.top().time, m.engine.events);
        next_check = std::min(event_limit, m.engine.events + progress_every);
      }
      if (!queue.pop_until(end_time, e)) break;
      if (e.time != last) {
        last = e.time;
        at_last = 0;
      } else if (++at_last >= kMaxEventsAtOneInstant - kStuckSample) {
        note_stuck(e);
      }
      if (observer) observe(e);
      ++m.engine.events;
      handle(e);
    }
    finish();
  }

  // Virtual time must advance (docs/reliability.md, "Budgets"). A run whose
  // events keep happening at one instant (zero think time over links of zero
  // delay, say) would never end: after kMaxEventsAtOneInstant events at one
  // virtual time it stops with a message naming what kept happening (the
  // kinds of the last kStuckSample events). The loader rejects the cases it
  // can see; this catches the rest.
  static constexpr std::uint64_t kMaxEventsAtOneInstant = 10'000'000;
  static constexpr std::uint64_t kStuckSample = 1000;
  std::array<std::uint64_t, kEventKindCount> stuck_kinds{};
  std::array<std::uint64_t, kMsgKindCount> stuck_msgs{};
  std::uint64_t stuck_seen = 0;

  void note_stuck(const Event& e) {
    ++stuck_kinds[e.kind()];
    if (e.kind() == kDeliver) ++stuck_msgs[static_cast<int>(wire.at(e.index()).kind)];
    if (++stuck_seen < kStuckSample) return;
    std::string what;
    for (std::uint32_t k = 0; k < kEventKindCount; ++k) {
      if (!stuck_kinds[k] || k == kDeliver) continue;
      what += fmt::format("{}{} {}", what.empty() ? "" : ", ", event_kind_name(k), stuck_kinds[k]);
    }
    for (int k = 0; k < kMsgKindCount; ++k)
      if (stuck_msgs[k])
        what += fmt::format("{}deliver {} {}", what.empty() ? "" : ", ", to_string(static_cast<MsgKind>(k)), stuck_msgs[k]);
    throw InputError(fmt::format(
        "{}: virtual time stopped advancing: {} events at t = {} ms without time moving (the last {}: {}); "
        "operations that follow one another with zero think time over links of zero delay never let time pass: "
        "give the workload's think time or the network's delays a value above 0",
        sc.source, kMaxEventsAtOneInstant, static_cast<double>(e.time) / 1e6, kStuckSample, what));
  }

  static_assert(kEventKindCount - 1 <= Event::kMaxKind, "every event kind fits an Event's kind bits");
  void handle(const Event& e) {
    switch (e.kind()) {
      case kDeliver: return deliver(e);
      case kTimer: return fire_timer(e);
      case kArrival: return workloads.on_arrival();
      case kThink: return workloads.on_think(e.index());
      case kOpTimeout: return clients.on_timeout(e.index());
      case kProbeWrite: return workloads.on_probe_write();
      case kProbeRead: return workloads.on_probe_read(e.index());
      case kScript: return workloads.on_script(e.index());
      case kTimeline: return on_timeline(e.index());
    }
    assert(false && "unknown event kind");
  }

  void deliver(const Event& e) {
    const Message& msg = wire.at(e.index());
    const Time now = queue.now();
    if (msg.to < n) {
      const NodeId to = msg.to;
      if (!host.up(to)) {
        wire.count_drop(DropReason::node_down);
        if (trace) trace->message(now, TraceSink::Wire::dropped, msg, DropReason::node_down);
        wire.release(e.index());
        return;
      }
      if (host.paused(to)) {
        deferred[to].push_back(e);
        return;
      }
      wire.count_delivered();
      if (trace) trace->message(now, TraceSink::Wire::delivered, msg, DropReason::none);
      // The node only appends to its Effects; nothing is sent (and no slot
      // taken) until execute(), so `msg` stays valid until released here.
      const Effects& fx = host.deliver(now, msg);
      wire.release(e.index());
      execute(fx);
      return;
    }
    wire.count_delivered();
    if (trace) trace->message(now, TraceSink::Wire::delivered, msg, DropReason::none);
    const Message copy = msg;
    wire.release(e.index());
    clients.on_message(copy);
  }

  void fire_timer(const Event& e) {
    const HostTimer t = timers.at(e.index());
    if (t.node >= n) {  // a client coordinator's deadline
      timers.release(e.index());
      clients.on_timer(t.node - n, t.id);
      return;
    }
    if (!host.is_current(t)) {
      timers.release(e.index());
      return;
    }
    if (host.paused(t.node)) {
      deferred[t.node].push_back(e);
      return;
    }
    timers.release(e.index());
    if (trace) trace->timer(queue.now(), false, t.node, t.id);
    execute(host.fire(queue.now(), t));
  }

  // ---------------------------------------------------------------- the timeline

  void on_timeline(std::uint32_t idx) {
    const TimelineEvent& te = sc.timeline[idx];
    const Time now = queue.now();
    using K = TimelineEvent::Kind;
    if (trace) trace->fault(now, te);
    switch (te.kind) {
      case K::crash:
        for (NodeId x : te.nodes) {
          if (!host.crash(x)) continue;
          leaders.set(x, false, now);
          for (const Event& d : deferred[x]) release_held(d);
          deferred[x].clear();
        }
        break;
      case K::restart:
        for (NodeId x : te.nodes)
          if (const Effects* fx = host.restart(x, now, sc.cluster.durable)) execute(*fx);
        break;
      case K::pause:
        for (NodeId x : te.nodes) host.pause(x);
        break;
      case K::resume:
        for (NodeId x : te.nodes) {
          if (!host.resume(x)) continue;
          std::vector<Event> held;
          held.swap(deferred[x]);
          for (const Event& d : held) handle(d);
        }
        break;
      case K::partition: network.partition(te.groups); break;
      case K::heal: network.heal(); break;
      case K::cut: network.cut(te.from, te.to, true); break;
      case K::restore: network.cut(te.from, te.to, false); break;
      case K::set_network: network.configure(te.network); break;
    }
  }

  // An event held for a node that crashed: its message is lost.
  void release_held(const Event& e) {
    if (e.kind() == kDeliver) {
      wire.count_drop(DropReason::node_down);
      if (trace) trace->message(queue.now(), TraceSink::Wire::dropped, wire.at(e.index()), DropReason::node_down);
      wire.release(e.index());
    } else if (e.kind() == kTimer) {
      timers.release(e.index());
    }
  }

  // ---------------------------------------------------------------- the end

  void finish() {
    const Time now = std::max(queue.now(), end_time);
    m.engine.end_time = end_time;
    leaders.finish(now);
    m.engine.messages_in_flight_at_end = wire.in_flight();
    // Operations still open at the end: the client never heard back. (Their
    // timeout events lie beyond the end of the run.) Collected in slot order
    // so the result does not depend on the heap.
    std::vector<std::uint32_t> open;
    while (!queue.empty()) {
      const Event e = queue.pop();
      if (e.kind() == kOpTimeout) open.push_back(e.index());
    }
    std::sort(open.begin(), open.end());
    clients.fail_open(open);
    if (trace) trace->ended(std::max(queue.now(), end_time), m.engine.messages_in_flight_at_end);
    audit_final_state(sc, host, leaders, checker, convergence, clients, keys.size(), m);
  }

  // ---------------------------------------------------------------- observation

  // Fold the event's time, kind and payload's key fields into a hash (FNV-1a
  // over 64-bit words) and hand it to the observer.
  void observe(const Event& e) {
    EventInfo info;
    info.index = m.engine.events;
    info.time = e.time;
    info.kind = e.kind();
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](std::uint64_t x) {
      for (int b = 0; b < 8; ++b) {
        h ^= (x >> (8 * b)) & 0xff;
        h *= 0x100000001b3ULL;
      }
    };
    mix(static_cast<std::uint64_t>(e.time));
    mix(e.kind());
    switch (e.kind()) {
      case kDeliver: {
        const Message& msg = wire.at(e.index());
        info.msg_kind = static_cast<int>(msg.kind);
        info.from = msg.from;
        info.to = msg.to;
        mix(static_cast<std::uint64_t>(msg.kind));
        mix(msg.from);
        mix(msg.to);
        mix(msg.term);
        mix(msg.index);
        mix(msg.key);
        mix(msg.op);
        mix(static_cast<std::uint64_t>(msg.status));
        mix(msg.rec.version.term);
        mix(msg.rec.version.index);
        break;
      }
      case kTimer:
        info.from = timers.at(e.index()).node;
        info.to = timers.at(e.index()).id;
        mix(info.from);
        mix(info.to);
        break;
      case kOpTimeout:
      case kProbeRead: {
        const Op& op = clients.op(e.index());
        mix(op.id);
        mix(op.client);
        mix(static_cast<std::uint64_t>(op.type));
        mix(op.key);
        break;
      }
      default: mix(e.index()); break;  // arrival, think (client), script, timeline, probe write
    }
    info.hash = h;
    observer->on_event(info);
  }
};

World::World(const Scenario& scenario, TraceWriter* trace) : impl_(std::make_unique<Impl>(scenario, trace)) {
  if (impl_->sc.measure.linearizability) {
    impl_->history = std::make_unique<HistorySink>(*this);
    impl_->add_sink(impl_->history.get());
  }
}
World::~World() = default;
void World::run() {
  impl_->run();
  if (impl_->history)
    impl_->linearizability = std::make_unique<LinearizabilityResult>(check_linearizability(impl_->history->history()));
}
const LinearizabilityResult* World::linearizability() const { return impl_->linearizability.get(); }
void World::set_observer(WorldObserver* observer) { impl_->observer = observer; }
void World::add_sink(TraceSink* sink) { impl_->add_sink(sink); }
void World::set_event_limit(std::uint64_t events) { impl_->event_limit = events; }
void World::set_progress(std::function<void(Time, std::uint64_t)> tick, std::uint64_t every) {
  impl_->progress = std::move(tick);
  impl_->progress_every = impl_->progress ? std::max<std::uint64_t>(every, 1) : UINT64_MAX;
}
bool World::stopped_early() const { return impl_->stopped_early; }

std::string World::event_kind_name(std::uint32_t kind, int msg_kind) {
  switch (kind) {
    case kDeliver:
      return msg_kind >= 0 ? fmt::format("deliver {}", to_string(static_cast<MsgKind>(msg_kind))) : "deliver";
    case kTimer: return "timer";
    case kArrival: return "arrival";
    case kThink: return "think";
    case kOpTimeout: return "op-timeout";
    case kProbeWrite: return "probe-write";
    case kProbeRead: return "probe-read";
    case kScript: return "script";
    case kTimeline: return "timeline";
  }
  return fmt::format("kind#{}", kind);
}

const Scenario& World::scenario() const { return impl_->sc; }
const Metrics& World::metrics() const { return impl_->m; }
const Node& World::node(NodeId n) const { return impl_->host.node(n); }

std::vector<NodeStatus> World::node_statuses() const {
  std::vector<NodeStatus> v;
  for (NodeId i = 0; i < impl_->n; ++i) v.push_back(impl_->host.node(i).status());
  return v;
}

std::vector<bool> World::nodes_up() const {
  std::vector<bool> v;
  for (NodeId i = 0; i < impl_->n; ++i) v.push_back(impl_->host.up(i));
  return v;
}

std::string World::key_name(Key k) const { return impl_->keys.name(k); }
std::string World::value_text(const Record& r) const { return impl_->keys.value_text(r); }

}  // namespace consim
