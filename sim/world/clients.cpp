#include "sim/world/clients.h"

#include <algorithm>
#include <cassert>

#include "core/placement.h"
#include "sim/world/routing.h"

namespace consim {

Clients::Clients(const Deps& d, const CoordinatorConfig& coordinator)
    : sc_(d.scenario),
      queue_(d.queue),
      wire_(d.wire),
      timers_(d.timers),
      host_(d.host),
      checker_(d.checker),
      convergence_(d.convergence),
      m_(d.metrics),
      trace_(d.trace),
      n_(d.scenario.cluster.nodes),
      leaderless_(d.scenario.cluster.replication == Replication::leaderless) {
  const std::uint64_t seed = sc_.seed;
  const std::uint32_t wc = sc_.workload.enabled ? sc_.workload.clients : 0;
  clients_.reserve(wc + sc_.script.size() + 1);
  for (std::uint32_t i = 0; i < wc; ++i) clients_.emplace_back(n_ + i, seed, stream_id("client", i));
  for (const ScriptedOp& op : sc_.script) {
    if (script_client_.count(op.client)) continue;
    const auto idx = static_cast<std::uint32_t>(clients_.size());
    script_client_.emplace(op.client, idx);
    clients_.emplace_back(n_ + idx, seed, stream_id("script-client", op.client));
  }
  probe_client_ = static_cast<std::uint32_t>(clients_.size());
  if (sc_.probe.enabled) clients_.emplace_back(n_ + probe_client_, seed, stream_id("probe-client"));
  if (!leaderless_) return;
  // With routing "client", workload and probe clients coordinate for
  // themselves; a scripted operation names its node, which coordinates it.
  for (std::uint32_t i = 0; i < clients_.size(); ++i) {
    const bool workload_client = i < wc;
    if (!(workload_client && sc_.workload.routing == Routing::client) &&
        !(i == probe_client_ && sc_.probe.enabled && sc_.probe.routing == Routing::client))
      continue;
    // A node's settings, but its own identity and a clock that reads virtual time.
    CoordinatorConfig cc = coordinator;
    cc.self = clients_[i].endpoint;
    cc.clock = NodeClock{};
    clients_[i].coord = std::make_unique<Coordinator>(cc, 0);
  }
}

LeaderlessCounters Clients::coordinator_counters() const {
  LeaderlessCounters c;
  for (const Client& cl : clients_)
    if (cl.coord) c.add(cl.coord->counters());
  return c;
}

std::uint32_t Clients::new_op(std::uint32_t client, OpType type, Key key, Level level, OpSource source) {
  const std::uint32_t slot = ops_.acquire();
  if (slot >= generation_.size()) generation_.resize(slot + 1, 0);
  const std::uint32_t gen = ++generation_[slot];
  Op& op = ops_[slot];
  op = Op{};
  op.id = (static_cast<std::uint64_t>(gen) << 32) | slot;
  op.client = client;
  op.type = type;
  op.key = key;
  op.level = level;
  op.source = source;
  return slot;
}

NodeId Clients::route(std::uint32_t ci, Routing routing) {
  Client& c = clients_[ci];
  return route_node(routing, ci, n_, c.leader_hint, c.rng);
}

OpView Clients::view(const Op& op) const {
  OpView v;
  v.client = op.client;
  v.id = op.id;
  v.type = op.type;
  v.level = op.level;
  v.key = op.key;
  v.value = op.value;
  v.node = op.node;
  v.invoked = op.invoked;
  v.source = op.source;
  v.source_index = op.source_index;
  return v;
}

void Clients::invoke(std::uint32_t slot, NodeId node) {
  Op& op = ops_[slot];
  const Time now = queue_.now();
  op.invoked = now;
  op.node = node;
  op.scheduled = false;
  op.counted = now >= sc_.measure.warmup;
  // Reads: what the checker judges them by. Writes: the newest version
  // acknowledged before, to catch a write that orders before it (LWW).
  if (op.type == OpType::get)
    op.start = checker_.read_invoked(op.key, op.client, now);
  else
    op.start.newest = checker_.newest_acknowledged(op.key);
  if (op.counted && op.source != OpSource::probe) {
    if (op.type == OpType::get)
      ++m_.reads[static_cast<int>(op.level)].reads;
    else
      ++m_.writes[static_cast<int>(op.type)].writes;
  }
  if (trace_) trace_->invoked(now, view(op));
  queue_.push_lane(0, now + sc_.request_timeout, kOpTimeout, slot);  // a fixed delay: time-ordered
  send_request(slot);
}

void Clients::send_request(std::uint32_t slot) {
  Op& op = ops_[slot];
  Client& c = clients_[op.client];
  Message msg;
  msg.from = c.endpoint;
  msg.to = op.node;
  msg.op = op.id;
  msg.key = op.key;
  msg.level = op.level;
  switch (op.type) {
    case OpType::get: {
      msg.kind = MsgKind::client_get;
      // Leaderless: LWW stamps order only the writes to one key, so the
      // token is the client's history of this key, which the checker keeps
      // and op.start took at invocation.
      const Version written = leaderless_ ? op.start.own_write : c.written;
      const Version read = leaderless_ ? op.start.own_read : c.read;
      if (op.level == Level::read_your_writes)
        msg.token = written;
      else if (op.level == Level::monotonic_reads)
        msg.token = read;
      else if (op.level == Level::causal)
        msg.token = std::max(written, read);
      break;
    }
    case OpType::put:
      msg.kind = MsgKind::client_put;
      msg.rec.value = op.value;
      break;
    case OpType::del: msg.kind = MsgKind::client_delete; break;
  }
  if (c.coord && op.node == kNoNode) {  // client-side coordination
    const std::uint64_t all = n_ >= 64 ? ~0ULL : (1ULL << n_) - 1;  // no failure detector
    if (op.type == OpType::get)
      c.coord->read(queue_.now(), msg, all, out_);
    else
      c.coord->write(queue_.now(), msg, all, out_);
    execute_coordinator(op.client);
    return;
  }
  wire_.send(msg);
}

// What client `ci`'s coordinator asked for: replica requests go on the
// network; its answers to its own client are taken at once.
void Clients::execute_coordinator(std::uint32_t ci) {
  const Time now = queue_.now();
  const EndpointId self = clients_[ci].endpoint;
  std::vector<Message> replies;
  replies.swap(replies_);  // reentrancy: on_reply may coordinate again
  for (const Message& msg : out_.messages) {
    if (msg.kind == MsgKind::client_reply && msg.to == self)
      replies.push_back(msg);
    else
      wire_.send(msg);
  }
  for (const TimerRequest& t : out_.timers) timers_.schedule(std::max(t.at_min, now), HostTimer{n_ + ci, 0, t.id});
  out_.clear();
  for (const Message& r : replies) {
    if (trace_) trace_->message(now, TraceSink::Wire::local, r, DropReason::none);
    on_reply(r);
  }
  replies.clear();
  if (replies_.empty()) replies_.swap(replies);
}

void Clients::on_timer(std::uint32_t ci, std::uint64_t id) {
  if (trace_) trace_->timer(queue_.now(), true, ci, id);
  clients_[ci].coord->on_timer(queue_.now(), out_);
  execute_coordinator(ci);
}

void Clients::on_message(const Message& msg) {
  if (msg.kind == MsgKind::replica_write_ack || msg.kind == MsgKind::replica_read_reply) {
    const std::uint32_t ci = msg.to - n_;
    Coordinator* co = ci < clients_.size() ? clients_[ci].coord.get() : nullptr;
    if (co == nullptr) return;
    if (msg.kind == MsgKind::replica_write_ack)
      co->handle_write_ack(queue_.now(), msg, out_);
    else
      co->handle_read_reply(queue_.now(), msg, out_);
    execute_coordinator(ci);
    return;
  }
  on_reply(msg);
}

void Clients::on_reply(const Message& msg) {
  const auto slot = static_cast<std::uint32_t>(msg.op & 0xffffffffu);
  const auto gen = static_cast<std::uint32_t>(msg.op >> 32);
  if (slot >= generation_.size() || generation_[slot] != gen) return;  // a late answer to a finished op
  Op& op = ops_[slot];
  if (op.done || op.scheduled) return;
  Client& c = clients_[op.client];
  if (msg.status == Status::not_leader) {
    if (msg.hint != kNoNode) c.leader_hint = msg.hint;
    if (msg.hint != kNoNode && msg.hint != op.node && op.redirects < sc_.max_redirects) {
      ++op.redirects;
      op.node = msg.hint;
      if (op.counted && op.source != OpSource::probe) {
        if (op.type == OpType::get)
          ++m_.reads[static_cast<int>(op.level)].redirects;
        else
          ++m_.writes[static_cast<int>(op.type)].redirects;
      }
      send_request(slot);
      return;
    }
    return complete_failed(slot, FailReason::no_leader, msg.from);
  }
  if (msg.status == Status::timeout) return complete_failed(slot, FailReason::node_timeout, msg.from);
  if (msg.status == Status::behind) return complete_failed(slot, FailReason::behind, msg.from);
  assert(msg.status == Status::ok || msg.status == Status::not_found);
  complete_ok(slot, msg);
}

void Clients::complete_ok(std::uint32_t slot, const Message& msg) {
  Op& op = ops_[slot];
  Client& c = clients_[op.client];
  const Time now = queue_.now();
  const Time latency = now - op.invoked;
  op.done = true;
  bool stale = false;
  if (op.type == OpType::get) {
    const Version got = msg.rec.version;
    const Checker::ReadVerdict v = checker_.read_answered(op.key, op.client, op.start, got);
    stale = v.stale;
    if (got > c.read) c.read = got;
    if (op.counted) record_read(op, msg, v, latency);
  } else {
    const Version ver = msg.rec.version;
    if (op.counted && op.source != OpSource::probe && ver < op.start.newest)  // zero if none: never
      ++m_.violations.writes_reordered;
    checker_.write_acknowledged(op.key, ver, now, op.client);
    if (ver > c.written) c.written = ver;
    const std::uint64_t owners = replica_mask(op.key, n_, sc_.cluster.replicas);
    std::uint64_t holders = 0;
    for (NodeId i = 0; i < n_; ++i)
      if (host_.up(i) && ((owners >> i) & 1) && host_.node(i).record(op.key).version >= ver) holders |= 1ULL << i;
    convergence_.track(op.key, ver, now, holders, host_.up_mask() & owners);
    if (op.counted && op.source != OpSource::probe) {
      WriteStats& ws = m_.writes[static_cast<int>(op.type)];
      ++ws.acked;
      ws.latency.record(latency);
    }
  }
  if (op.source == OpSource::script) {
    ScriptResult& r = script_result(op, msg.from);
    r.rec = msg.rec;
    r.stale = stale;
  }
  if (trace_) trace_->completed(now, view(op), msg, stale, latency);
  after_completion(slot, true, msg.from);
}

void Clients::record_read(const Op& op, const Message& msg, const Checker::ReadVerdict& v, Time latency) {
  if (op.source == OpSource::probe) {
    ProbeCell& cell = m_.probe[static_cast<int>(op.level)][op.source_index];
    ++cell.reads;
    if (v.stale) ++cell.stale;
    const std::uint64_t rank = v.stale ? v.versions_behind : 0;  // >= 1 when stale
    if (rank < kMaxProbeK) ++cell.by_rank[rank];
    return;
  }
  ReadStats& rs = m_.reads[static_cast<int>(op.level)];
  if (msg.status == Status::ok)
    ++rs.ok;
  else
    ++rs.not_found;
  rs.latency.record(latency);
  if (op.start.any_write) {
    ++rs.after_write;
    auto& buckets = m_.window[static_cast<int>(op.level)];
    // buckets are few (tens): a linear scan from the right is cheap
    for (std::size_t b = buckets.size(); b-- > 0;) {
      if (v.since_newest >= buckets[b].lo) {
        ++buckets[b].reads;
        if (v.stale) ++buckets[b].stale;
        break;
      }
    }
  }
  if (v.stale) {
    ++rs.stale;
    rs.versions_behind_sum += v.versions_behind;
    rs.versions_behind_max = std::max(rs.versions_behind_max, v.versions_behind);
    rs.stale_age.record(v.stale_age);
  }
  if (v.read_your_writes_violation) ++m_.violations.read_your_writes;
  if (v.monotonic_violation) ++m_.violations.monotonic_reads;
}

void Clients::complete_failed(std::uint32_t slot, FailReason why, EndpointId from) {
  Op& op = ops_[slot];
  op.done = true;
  // A client that heard nothing from the node it believed to lead tries the
  // next node next time; that node answers or points to the leader.
  Client& c = clients_[op.client];
  if (why == FailReason::client_timeout && c.leader_hint == op.node && n_ > 1) c.leader_hint = (op.node + 1) % n_;
  if (op.counted) {
    if (op.source == OpSource::probe) {
      if (op.type == OpType::get) ++m_.probe[static_cast<int>(op.level)][op.source_index].failed;
    } else if (op.type == OpType::get) {
      ReadStats& rs = m_.reads[static_cast<int>(op.level)];
      ++rs.failed;
      ++rs.failed_by[static_cast<int>(why)];
    } else {
      WriteStats& ws = m_.writes[static_cast<int>(op.type)];
      ++ws.failed;
      ++ws.failed_by[static_cast<int>(why)];
    }
  }
  if (op.source == OpSource::script) {
    ScriptResult& r = script_result(op, from);
    r.failed = true;
    r.reason = why;
  }
  if (trace_) trace_->failed(queue_.now(), view(op), why);
  after_completion(slot, false, from);
}

// The result line of a scripted operation that ends now, answered by `from`.
ScriptResult& Clients::script_result(const Op& op, EndpointId from) {
  ScriptResult& r = m_.script.emplace_back();
  r.index = op.source_index;
  r.invoked = op.invoked;
  r.completed = queue_.now();
  r.served_by = from < n_ ? from : kNoNode;
  r.newest_acked = op.start.newest;
  return r;
}

// The listener comes first: it may take op slots (probe read-backs), which
// may move every Op, so `op` is looked up again after it.
void Clients::after_completion(std::uint32_t slot, bool ok, EndpointId by) {
  if (listener_) listener_->op_finished(slot, ok, by);
  if (ops_[slot].timeout_fired) ops_.release(slot);
}

void Clients::on_timeout(std::uint32_t slot) {
  Op& op = ops_[slot];
  op.timeout_fired = true;
  if (!op.done) {
    complete_failed(slot, FailReason::client_timeout, kNoNode);  // releases the slot
    return;
  }
  ops_.release(slot);
}

void Clients::fail_open(const std::vector<std::uint32_t>& timeout_slots) {
  for (std::uint32_t slot : timeout_slots) {
    Op& op = ops_[slot];
    op.timeout_fired = true;
    if (!op.done && !op.scheduled) complete_failed(slot, FailReason::client_timeout, kNoNode);
  }
}

}  // namespace consim
