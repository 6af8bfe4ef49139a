// core/node_leaderless.cpp: a node in leaderless mode: a replica of the keys
// core/placement.h gives it, the host of a Coordinator for the client
// requests it receives, a fallback holding hints for replicas that are down,
// and a partner in anti-entropy.
//
// Replica rules (docs/consistency.md, "Leaderless mode"):
//  - replica_write / repair / sync: a record replaces ours only if its version
//    is greater (LWW); the answer carries the version we now hold;
//  - a replica_write with hint = another node is a sloppy-quorum write: we
//    keep it apart (a hint), answer reads of that key from it, and hand it
//    back on every tick while its node is believed up, until acknowledged;
//  - liveness: every node pings every other each heartbeat_interval; a peer
//    not heard from (any message) within election_timeout is believed down.
#include <algorithm>

#include "core/node_impl.h"
#include "core/placement.h"

namespace consim {

namespace {
constexpr std::uint64_t kHandoffBit = std::uint64_t{1} << 63;  // hand-off op ids; coordinator ids never set it
}

std::uint64_t Node::Impl::alive_mask(Time now) const {
  std::uint64_t m = std::uint64_t{1} << cfg.id;
  for (NodeId n = 0; n < cfg.nodes; ++n)
    if (n != cfg.id && now - last_heard[n] <= cfg.election_timeout) m |= std::uint64_t{1} << n;
  return m;
}

bool Node::Impl::replicates(Key k) const {
  return (replica_mask(k, cfg.nodes, replicas()) >> cfg.id) & 1;
}

void Node::Impl::loopback_leaderless(Time now, std::size_t from, Outputs& out) {
  for (std::size_t i = from; i < out.messages.size();) {
    if (out.messages[i].to != cfg.id) {
      ++i;
      continue;
    }
    Message m = std::move(out.messages[i]);
    out.messages.erase(out.messages.begin() + static_cast<std::ptrdiff_t>(i));
    step(now, m, out);  // may append more, self-addressed ones included
  }
}

void Node::Impl::step_leaderless(Time now, const Message& m, Outputs& out) {
  switch (m.kind) {
    case MsgKind::client_get: coord->read(now, m, alive_mask(now), out); break;
    case MsgKind::client_put:
    case MsgKind::client_delete: coord->write(now, m, alive_mask(now), out); break;
    case MsgKind::replica_write: handle_replica_write(m, out); break;
    case MsgKind::replica_write_ack:
      if (!coord->handle_write_ack(now, m, out)) handle_handoff_ack(m);
      break;
    case MsgKind::replica_read: handle_replica_read(m, out); break;
    case MsgKind::replica_read_reply: coord->handle_read_reply(now, m, out); break;
    case MsgKind::repair: handle_repair_leaderless(m, out); break;
    case MsgKind::sync: handle_sync(m, out); break;
    case MsgKind::sync_reply: handle_sync_reply(m, out); break;
    default: break;  // heartbeat: liveness only (last_heard); leader-mode kinds: not ours
  }
}

void Node::Impl::handle_replica_write(const Message& m, Outputs& out) {
  const bool for_other = m.hint != kNoNode && m.hint != cfg.id;  // a hint we hold for m.hint
  if (for_other) {
    Hint* h = nullptr;
    for (Hint& x : hints)
      if (x.for_node == m.hint && x.key == m.key) h = &x;
    if (h == nullptr) {
      hints.push_back(Hint{m.hint, m.key, m.rec, 0});
      ++ll.hints_stored;
    } else if (m.rec.version > h->rec.version) {
      h->rec = m.rec;
      h->handoff = 0;
      ++ll.hints_stored;
    }
  } else {
    apply_if_newer(m.key, m.rec, out);
  }
  Message& a = send(MsgKind::replica_write_ack, m.from, out);
  a.op = m.op;
  a.key = m.key;
  a.rec.version = for_other ? m.rec.version : local(m.key).version;
}

void Node::Impl::handle_replica_read(const Message& m, Outputs& out) {
  Message& r = send(MsgKind::replica_read_reply, m.from, out);
  r.op = m.op;
  r.key = m.key;
  if (replicates(m.key)) {
    r.rec = local(m.key);
    return;
  }
  for (const Hint& h : hints)  // a fallback: the newest write it holds for others
    if (h.key == m.key && h.rec.version > r.rec.version) r.rec = h.rec;
}

void Node::Impl::handle_repair_leaderless(const Message& m, Outputs& out) {
  if (replicates(m.key) && apply_if_newer(m.key, m.rec, out)) ++ll.repairs_applied;
  if (m.op == 0) return;
  Message& a = send(MsgKind::replica_write_ack, m.from, out);
  a.op = m.op;
  a.key = m.key;
  a.rec.version = local(m.key).version;
}

void Node::Impl::handle_handoff_ack(const Message& m) {
  if (!(m.op & kHandoffBit) || !is_node(m.from)) return;
  for (std::size_t i = 0; i < hints.size(); ++i) {
    const Hint& h = hints[i];
    if (h.handoff != m.op || h.for_node != m.from) continue;
    if (m.rec.version >= h.rec.version) {
      hints.erase(hints.begin() + static_cast<std::ptrdiff_t>(i));
      ++ll.hints_delivered;
    }
    return;
  }
}

// Every heartbeat_interval: liveness pings, then hints handed back to their
// nodes believed up (each hint re-sent until acknowledged).
void Node::Impl::on_tick_leaderless(Time now, Outputs& out) {
  request_timer(TimerKind::tick, now + cfg.heartbeat_interval, now + cfg.heartbeat_interval, out);
  tick_armed = true;
  for (NodeId n = 0; n < cfg.nodes; ++n)
    if (n != cfg.id) send(MsgKind::heartbeat, n, out);
  if (hints.empty()) return;
  const std::uint64_t alive = alive_mask(now);
  for (Hint& h : hints) {
    if (!((alive >> h.for_node) & 1)) continue;
    h.handoff = kHandoffBit | ++next_handoff;
    Message& w = send(MsgKind::replica_write, h.for_node, out);
    w.op = h.handoff;
    w.key = h.key;
    w.rec = h.rec;
  }
}

// Each anti_entropy_interval, exchange records with the next peer believed
// up, round-robin. One exchange stands for a Merkle-tree comparison: both
// sides end with the newer record of every key they both replicate.
void Node::Impl::on_anti_entropy(Time now, Outputs& out) {
  request_timer(TimerKind::anti_entropy, now + cfg.anti_entropy_interval,
                now + cfg.anti_entropy_interval, out);
  if (cfg.nodes < 2) return;
  const std::uint64_t alive = alive_mask(now);
  for (std::uint32_t tries = 0; tries + 1 < cfg.nodes; ++tries) {
    const NodeId peer = (cfg.id + 1 + (sync_round++ % (cfg.nodes - 1))) % cfg.nodes;
    if (!((alive >> peer) & 1)) continue;
    auto snap = std::make_shared<Snapshot>();
    snap->records = store;
    ++ll.sync_rounds;
    Message& s = send(MsgKind::sync, peer, out);
    s.snapshot = out.hold(std::move(snap));
    return;
  }
}

// Applies their newer records of keys we both replicate; fills `newer_here`
// (if given) with ours that are newer. Returns how many of ours changed.
std::uint32_t Node::Impl::sync_records(const Snapshot& theirs, NodeId peer, Snapshot* newer_here,
                                       Outputs& out) {
  std::uint32_t changed = 0;
  const std::size_t keys = std::max(theirs.records.size(), store.size());
  if (newer_here) newer_here->records.assign(keys, Record{});
  for (Key k = 0; k < keys; ++k) {
    const std::uint64_t mask = replica_mask(k, cfg.nodes, replicas());
    if (!((mask >> cfg.id) & 1) || !((mask >> peer) & 1)) continue;
    const Record none{};
    const Record& t = k < theirs.records.size() ? theirs.records[k] : none;
    if (apply_if_newer(k, t, out)) {
      ++changed;
    } else if (newer_here && local(k).version > t.version) {
      newer_here->records[k] = local(k);
    }
  }
  ll.keys_synchronised += changed;
  return changed;
}

void Node::Impl::handle_sync(const Message& m, Outputs& out) {
  if (!m.snapshot || !is_node(m.from)) return;
  auto reply = std::make_shared<Snapshot>();
  sync_records(*m.snapshot, m.from, reply.get(), out);
  Message& r = send(MsgKind::sync_reply, m.from, out);
  r.snapshot = out.hold(std::move(reply));
}

void Node::Impl::handle_sync_reply(const Message& m, Outputs& out) {
  if (!m.snapshot || !is_node(m.from)) return;
  sync_records(*m.snapshot, m.from, nullptr, out);
}

}  // namespace consim
