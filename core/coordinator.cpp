// core/coordinator.cpp: the leaderless quorum coordinator (see coordinator.h).
#include "core/coordinator.h"

#include <algorithm>
#include <cassert>

#include "core/placement.h"

namespace consim {

namespace {
std::uint32_t popcount(std::uint64_t m) { return static_cast<std::uint32_t>(__builtin_popcountll(m)); }
std::uint64_t bit(NodeId n) { return std::uint64_t{1} << n; }
// The lowest node of a non-empty mask.
NodeId lowest(std::uint64_t m) { return static_cast<NodeId>(__builtin_ctzll(m)); }
}  // namespace

Coordinator::Coordinator(const CoordinatorConfig& cfg, std::uint64_t timer_id) : cfg_(cfg), timer_id_(timer_id) {
  assert(cfg_.nodes >= 1 && cfg_.nodes <= kMaxNodes);
  assert(cfg_.replicas >= 1 && cfg_.replicas <= cfg_.nodes);
  assert(cfg_.write_quorum >= 1 && cfg_.write_quorum <= cfg_.replicas);
  assert(cfg_.read_quorum >= 1 && cfg_.read_quorum <= cfg_.replicas);
}

void Coordinator::reset(std::uint64_t timer_id) {
  writes_.clear();
  reads_.clear();
  timer_armed_ = false;
  timer_id_ = timer_id;
}

Message& Coordinator::send(MsgKind k, EndpointId to, Outputs& out) const {
  Message& m = out.messages.emplace_back();
  m.kind = k;
  m.from = cfg_.self;
  m.to = to;
  return m;
}

void Coordinator::reply(EndpointId client, std::uint64_t op, Key key, Status s, const Record& rec,
                        Outputs& out) const {
  Message& r = send(MsgKind::client_reply, client, out);
  r.op = op;
  r.key = key;
  r.status = s;
  r.rec = rec;
}

// One live deadline timer: re-requested only for an earlier deadline. A
// superseded later request still fires; expiring early is harmless.
void Coordinator::arm(Time at, Outputs& out) {
  if (timer_armed_ && timer_at_ <= at) return;
  out.timers.push_back({timer_id_, at, at});
  timer_armed_ = true;
  timer_at_ = at;
}

// The first node after the key's replicas, in ring order, believed up and
// not already used by this operation; kNoNode if none.
NodeId Coordinator::fallback_for(Key key, std::uint64_t alive, std::uint64_t taken) const {
  for (std::uint32_t j = cfg_.replicas; j < cfg_.nodes; ++j) {
    const NodeId f = ring_node(key, cfg_.nodes, j);
    if ((alive & bit(f)) && !(taken & bit(f))) return f;
  }
  return kNoNode;
}

// ---------------------------------------------------------------- writes

void Coordinator::write(Time now, const Message& m, std::uint64_t alive, Outputs& out) {
  const Time ts = std::max(cfg_.clock.read(now), last_ts_);
  last_ts_ = ts;
  PendingWrite& pw = writes_.emplace_back();
  pw.id = ++next_id_;
  pw.client = m.from;
  pw.client_op = m.op;
  pw.key = m.key;
  pw.rec.version = lww_version(ts, cfg_.self, ++counter_);
  pw.rec.tombstone = m.kind == MsgKind::client_delete;
  pw.rec.value = pw.rec.tombstone ? 0 : m.rec.value;
  pw.deadline = now + cfg_.write_timeout;
  std::uint64_t taken = replica_mask(m.key, cfg_.nodes, cfg_.replicas);
  for (std::uint32_t j = 0; j < cfg_.replicas; ++j) {
    const NodeId r = ring_node(m.key, cfg_.nodes, j);
    NodeId to = r;
    NodeId hint = kNoNode;
    if (cfg_.sloppy_quorum && !(alive & bit(r))) {
      const NodeId f = fallback_for(m.key, alive, taken);
      if (f != kNoNode) {
        to = f;
        hint = r;
        taken |= bit(f);
        ++counters_.hinted_writes;
      }
    }
    Message& w = send(MsgKind::replica_write, to, out);
    w.op = pw.id;
    w.key = pw.key;
    w.rec = pw.rec;
    w.hint = hint;
  }
  arm(pw.deadline, out);
}

bool Coordinator::handle_write_ack(Time now, const Message& m, Outputs& out) {
  if (m.from >= cfg_.nodes) return false;
  for (std::size_t i = 0; i < writes_.size(); ++i) {
    PendingWrite& pw = writes_[i];
    if (pw.id != m.op) continue;
    pw.acked |= bit(m.from);
    if (popcount(pw.acked) >= cfg_.write_quorum) {
      reply(pw.client, pw.client_op, pw.key, Status::ok, pw.rec, out);
      writes_.erase(writes_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return true;
  }
  for (PendingRead& pr : reads_) {  // a blocking read repair's ack
    if (pr.id != m.op) continue;
    pr.repair_wait &= ~bit(m.from);
    if (pr.repairing && pr.repair_wait == 0) {
      pr.repairing = false;
      answer_read(pr, pr.answer, out);
    }
    return true;
  }
  return (m.op >> 63) == 0 && m.op <= next_id_;  // ours, but finished
}

// ---------------------------------------------------------------- reads

void Coordinator::ask(PendingRead& pr, NodeId n, Outputs& out) {
  pr.asked |= bit(n);
  Message& q = send(MsgKind::replica_read, n, out);
  q.op = pr.id;
  q.key = pr.key;
}

void Coordinator::read(Time now, const Message& m, std::uint64_t alive, Outputs& out) {
  PendingRead& ref = reads_.emplace_back();
  ref.id = ++next_id_;
  ref.client = m.from;
  ref.client_op = m.op;
  ref.key = m.key;
  ref.session = m.level == Level::read_your_writes || m.level == Level::monotonic_reads ||
                m.level == Level::causal;
  ref.token = ref.session ? m.token : Version{};
  ref.need = m.level == Level::eventual ? 1 : cfg_.read_quorum;
  ref.deadline = now + cfg_.read_timeout;

  // Whom to ask, in order: the coordinator itself if it is a replica, then
  // replicas believed up, then the others; with sloppy_quorum a replica
  // believed down is replaced by a fallback believed up.
  NodeId order[kMaxNodes];
  std::uint32_t count = 0;
  const std::uint64_t mask = replica_mask(m.key, cfg_.nodes, cfg_.replicas);
  if (cfg_.self < cfg_.nodes && (mask & bit(cfg_.self))) order[count++] = cfg_.self;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::uint32_t j = 0; j < cfg_.replicas; ++j) {
      const NodeId r = ring_node(m.key, cfg_.nodes, j);
      if (r == cfg_.self || ((alive & bit(r)) != 0) != (pass == 0)) continue;
      order[count++] = r;
    }
  }
  std::uint64_t taken = mask;
  const std::uint32_t limit = cfg_.read_fanout == ReadFanout::all ? count : std::min(count, ref.need);
  PendingRead& pr = ref;  // reads_ does not grow below (only `out` does)
  for (std::uint32_t i = 0; i < limit; ++i) {
    NodeId to = order[i];
    if (cfg_.sloppy_quorum && !(alive & bit(to))) {
      const NodeId f = fallback_for(m.key, alive, taken);
      if (f != kNoNode) {
        to = f;
        taken |= bit(f);
      }
    }
    ask(pr, to, out);
  }
  arm(pr.deadline, out);
}

void Coordinator::send_repairs(PendingRead& pr, std::uint64_t to, bool want_ack, Outputs& out) {
  for (; to != 0; to &= to - 1) {  // in node order
    const NodeId n = lowest(to);
    Message& r = send(MsgKind::repair, n, out);
    r.key = pr.key;
    r.rec = pr.best;
    r.op = want_ack ? pr.id : 0;
    pr.repair_sent |= bit(n);
    ++counters_.repairs_sent;
  }
}

void Coordinator::answer_read(PendingRead& pr, const Record& rec, Outputs& out) {
  pr.answered = true;
  reply(pr.client, pr.client_op, pr.key, rec.present() ? Status::ok : Status::not_found, rec, out);
}

// Repliers holding an older version than `best` (pr.older) that were not
// sent it yet.
void Coordinator::try_answer(PendingRead& pr, Outputs& out) {
  if (pr.answered || pr.repairing) {
    if (!cfg_.read_repair) return;
    const std::uint64_t stale = pr.older & ~pr.repair_sent;
    if (stale) send_repairs(pr, stale, false, out);
    return;
  }
  if (popcount(pr.replied) >= pr.need && pr.best.version >= pr.token) {
    pr.used = pr.replied;
    const std::uint64_t stale = cfg_.read_repair ? pr.older : 0;
    if (stale && cfg_.read_repair_blocking) {
      pr.repairing = true;
      pr.answer = pr.best;
      pr.repair_wait = stale;
      send_repairs(pr, stale, true, out);
      return;
    }
    answer_read(pr, pr.best, out);
    if (stale) send_repairs(pr, stale, false, out);
    return;
  }
  if (pr.replied == pr.asked && pr.session) {
    // Every replica asked answered without the client's token: ask the
    // others of the key, if any, else the read is behind.
    std::uint64_t rest = replica_mask(pr.key, cfg_.nodes, cfg_.replicas) & ~pr.asked;
    if (rest) {
      for (; rest != 0; rest &= rest - 1) ask(pr, lowest(rest), out);  // in node order
      return;
    }
    pr.answered = true;
    reply(pr.client, pr.client_op, pr.key, Status::behind, pr.best, out);
  }
}

void Coordinator::handle_read_reply(Time now, const Message& m, Outputs& out) {
  if (m.from >= cfg_.nodes) return;
  for (std::size_t i = 0; i < reads_.size(); ++i) {
    PendingRead& pr = reads_[i];
    if (pr.id != m.op) continue;
    if ((pr.replied & bit(m.from)) || !(pr.asked & bit(m.from))) return;
    if (m.rec.version > pr.best.version) {
      pr.best = m.rec;
      pr.older = pr.replied;  // every earlier replier had at most the old best
      pr.repair_sent = 0;     // a newer record: everyone older needs it
    } else if (m.rec.version < pr.best.version) {
      pr.older |= bit(m.from);
    }
    pr.replied |= bit(m.from);
    try_answer(pr, out);
    // Done: answered, no repair ack awaited, and nothing more to learn
    // (every replica asked replied, or repairs are off).
    if (pr.answered && !pr.repairing && (!cfg_.read_repair || pr.replied == pr.asked))
      reads_.erase(reads_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

void Coordinator::on_timer(Time now, Outputs& out) {
  if (timer_armed_ && now >= timer_at_) timer_armed_ = false;
  Time next = kNever;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < writes_.size(); ++i) {
    if (writes_[i].deadline <= now) {
      reply(writes_[i].client, writes_[i].client_op, writes_[i].key, Status::timeout, Record{}, out);
      continue;
    }
    next = std::min(next, writes_[i].deadline);
    if (keep != i) writes_[keep] = writes_[i];
    ++keep;
  }
  writes_.resize(keep);
  keep = 0;
  for (std::size_t i = 0; i < reads_.size(); ++i) {
    if (reads_[i].deadline <= now) {
      if (!reads_[i].answered)
        reply(reads_[i].client, reads_[i].client_op, reads_[i].key, Status::timeout, Record{}, out);
      continue;
    }
    next = std::min(next, reads_[i].deadline);
    if (keep != i) reads_[keep] = reads_[i];
    ++keep;
  }
  reads_.resize(keep);
  if (next != kNever) arm(next, out);
}

}  // namespace consim
