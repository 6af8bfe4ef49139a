// core/node_impl.h: the state of a Node and its handlers (private to core/).
//
// The handlers are split by concept over four files:
//   node.cpp             public API, dispatch, timers, roles and elections
//   node_replication.cpp the log: append, heartbeat, snapshot, catch-up
//   node_client.cpp      client requests, quorum reads, session reads, repair
//   node_leaderless.cpp  leaderless mode: replica, hints, anti-entropy; its
//                        client requests go to a Coordinator (coordinator.h)
//
// What a reader must know (details at each function):
//  - timer ids: kind in the high 8 bits, restart epoch in the low 56 bits;
//    one live timer per kind, re-armed from a stored deadline (TimerKind).
//  - terms: bootstrap leader node 0 leads term N; lowest_alive leaders take
//    the smallest t > term with t % N == id (node.cpp).
//  - leaderships: lead_id() (leader id + restart count) names one node's
//    leadership in a term; every entry records the leadership that created
//    it, and log matching compares (index, term, lead), since a non-durable
//    restart can reuse a term number (core/log.h, node_replication.cpp).
//  - heartbeat.hint = the sender's leader belief; replication meaning iff
//    hint == from (lowest_alive followers' heartbeats are liveness pings).
//  - session tokens: has_token() (node_client.cpp).
//  - read repair spreads only records a replier knows committed
//    (read_reply.commit); a repaired record beyond the receiver's log is
//    tentative until the log reaches its index (Tentative).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/log.h"
#include "core/message.h"
#include "core/node.h"
#include "core/ring.h"
#include "core/types.h"

namespace consim {

// Timer ids: the high 8 bits name the kind, the low 56 bits hold the node's
// epoch (incremented by restart()), so timers requested before a crash are
// recognised as stale. At most one timer of each kind is live per node: each
// kind stores its own deadline and re-requests itself when it fires early.
enum class TimerKind : std::uint8_t {
  tick = 1,      // periodic: heartbeats, lowest_alive decisions
  election = 2,  // majority: election deadline
  writes = 3,    // leader: oldest pending write's deadline
  reads = 4,     // oldest pending strong / parked session read's deadline
  coordinator = 5,   // leaderless: the coordinator's deadlines
  anti_entropy = 6,  // leaderless: next anti-entropy exchange
};
constexpr int kTimerKindShift = 56;
constexpr std::uint64_t kTimerEpochMask = (std::uint64_t{1} << kTimerKindShift) - 1;

inline std::uint64_t timer_id(TimerKind k, std::uint64_t epoch) {
  return (std::uint64_t{static_cast<std::uint8_t>(k)} << kTimerKindShift) |
         (epoch & kTimerEpochMask);
}

// At most this many early (out of order) entries are buffered by a follower.
constexpr std::size_t kReorderLimit = 1024;
// At most this many repaired records ahead of the log are held by a node.
constexpr std::size_t kTentativeLimit = 256;

struct Node::Impl {
  // A client write waiting for W holders. Ordered by index; since every
  // deadline is now + write_timeout, deadlines are ordered too.
  struct PendingWrite {
    std::uint64_t index = 0;
    EndpointId client = 0;
    std::uint64_t op = 0;
    Key key = 0;
    Record rec;
    Time deadline = 0;
  };
  // A strong read waiting for R replies (this node's own counts as one).
  struct PendingRead {
    std::uint64_t id = 0;
    EndpointId client = 0;
    std::uint64_t op = 0;
    Key key = 0;
    Time deadline = 0;
    std::uint32_t replies = 0;
    std::uint64_t replied = 0;  // mask of nodes that replied (self included)
    Record best;                // newest record seen
    bool best_safe = false;     // a replier holding `best` knows it committed
    std::array<Version, kMaxNodes> seen{};  // each replier's version (repair)
  };
  // A session read parked until the node has the client's token.
  struct ParkedRead {
    EndpointId client = 0;
    std::uint64_t op = 0;
    Key key = 0;
    Version token;
    Time deadline = 0;
  };
  // An append that arrived before its predecessor (same leader term).
  struct EarlyEntry {
    std::uint64_t index = 0;
    std::uint64_t prev_term = 0;
    std::uint64_t prev_lead = 0;
    std::uint64_t lead = 0;
    Key key = 0;
    Record rec;
  };
  // A record a read repair put in the store ahead of our log: the log has
  // not reached its index yet. When it does, the log decides: the entry is
  // the same write (confirmed) or the repaired write is not in our history
  // (a phantom: the key returns to `prev`, the log's view of it).
  struct Tentative {
    Key key = 0;
    Version version;
    Record prev;
  };
  // One timer kind's bookkeeping (see TimerKind).
  struct TimerSlot {
    bool armed = false;
    Time at = 0;
  };

  explicit Impl(const NodeConfig& c);

  // ---- node.cpp: lifecycle, dispatch, timers, roles, elections
  void boot(Time now, bool bootstrap, Outputs& out);
  void wipe_volatile();
  void wipe_durable(Outputs& out);
  void step(Time now, const Message& m, Outputs& out);
  void on_timer(Time now, std::uint64_t id, Outputs& out);
  void request_timer(TimerKind k, Time at_min, Time at_max, Outputs& out);
  void arm_deadline_timer(TimerKind k, TimerSlot& slot, Time at, Outputs& out);
  void on_tick(Time now, Outputs& out);
  void on_election_timer(Time now, Outputs& out);
  void reset_election_deadline(Time now, Outputs& out);
  bool observe_term(Time now, std::uint64_t t, Outputs& out);
  void observe_leader(Time now, std::uint64_t t, NodeId leader, std::uint64_t lead,
                      Outputs& out);
  void step_down(Time now, std::uint64_t t, NodeId leader, Outputs& out);
  void become_leader(Time now, std::uint64_t t, Outputs& out);
  void start_election(Time now, Outputs& out);
  void handle_request_vote(Time now, const Message& m, Outputs& out);
  void handle_vote_reply(Time now, const Message& m, Outputs& out);
  void note_role(Outputs& out);
  NodeId lowest_alive(Time now) const;
  bool may_claim(Time now) const;
  bool reclaim_lead(Time now, const Message& m, Outputs& out);
  std::uint64_t next_unique_term() const;
  // This node's leadership identity for the current restart: unique per
  // (node, restart count), never 0. A term plus lead_id() names one
  // leadership even when a non-durable restart reuses the term number.
  std::uint64_t lead_id() const { return epoch * kMaxNodes + cfg.id + 1; }
  Message& send(MsgKind k, EndpointId to, Outputs& out) const;
  bool is_node(EndpointId e) const { return e < cfg.nodes; }
  std::uint32_t majority() const { return cfg.nodes / 2 + 1; }

  // ---- node_replication.cpp: the log
  void append_local(Time now, Key key, const Record& rec, std::uint64_t lead, Outputs& out);
  void truncate_from(std::uint64_t index, Outputs& out);
  void drop_foreign_suffix(std::uint64_t after, std::uint64_t t, std::uint64_t lead,
                           Outputs& out);
  void after_log_change(Time now, Outputs& out);
  void broadcast_append(std::uint64_t index, Outputs& out);
  void send_entry(NodeId f, std::uint64_t index, Outputs& out);
  void send_batch(NodeId f, std::uint64_t from, Outputs& out);
  void send_probe(NodeId f, std::uint64_t at, Outputs& out);
  void send_snapshot(NodeId f, Outputs& out);
  void broadcast_heartbeat(Outputs& out);
  void handle_append(Time now, const Message& m, Outputs& out);
  void reply_append(const Message& m, Status s, std::uint64_t hint_index,
                    std::uint64_t hint_term, Outputs& out);
  void stash_early(const Message& m);
  void drain_early(Time now, Outputs& out);
  void handle_append_reply(Time now, const Message& m, Outputs& out);
  void handle_heartbeat(Time now, const Message& m, Outputs& out);
  void handle_heartbeat_reply(Time now, const Message& m, Outputs& out);
  void handle_install_snapshot(Time now, const Message& m, Outputs& out);
  void note_follower_at(Time now, NodeId f, std::uint64_t index, Outputs& out);
  void start_quorum();
  void count_own_append();
  void pop_acknowledged();
  void advance_writes(Outputs& out);
  void fail_pending_writes(NodeId hint, Outputs& out);
  void expire_writes(Time now, Outputs& out);

  // ---- node_client.cpp: client requests and reads
  void handle_client_get(Time now, const Message& m, Outputs& out);
  void handle_client_put(Time now, const Message& m, Outputs& out);
  void start_quorum_read(Time now, const Message& m, Outputs& out);
  void handle_read_query(const Message& m, Outputs& out);
  void handle_read_reply(const Message& m, Outputs& out);
  void finish_quorum_read(std::size_t i, Outputs& out);
  void handle_repair(const Message& m, Outputs& out);
  Tentative* find_tentative(Key k);
  void drop_tentative(const Tentative* t);
  void drop_phantoms(std::uint64_t above_index, std::uint64_t through_index,
                     std::uint64_t below_term, Outputs& out);
  bool has_token(const Version& token) const;
  std::uint64_t safe_prefix() const;
  std::uint64_t compactable_prefix() const;
  void recheck_parked(Outputs& out);
  void expire_reads(Time now, Outputs& out);
  void reply_client(EndpointId client, std::uint64_t op, Key key, Status s,
                    const Record& rec, Outputs& out) const;
  void reply_local(EndpointId client, std::uint64_t op, Key key, Outputs& out) const;

  // ---- node_leaderless.cpp: leaderless replica and coordinator host
  void step_leaderless(Time now, const Message& m, Outputs& out);
  void on_tick_leaderless(Time now, Outputs& out);
  void on_anti_entropy(Time now, Outputs& out);
  void handle_replica_write(const Message& m, Outputs& out);
  void handle_replica_read(const Message& m, Outputs& out);
  void handle_repair_leaderless(const Message& m, Outputs& out);
  void handle_handoff_ack(const Message& m);
  void handle_sync(const Message& m, Outputs& out);
  void handle_sync_reply(const Message& m, Outputs& out);
  std::uint32_t sync_records(const Snapshot& theirs, NodeId peer, Snapshot* newer_here, Outputs& out);
  std::uint64_t alive_mask(Time now) const;
  bool replicates(Key k) const;
  // Handles at once what the node addressed to itself among out.messages
  // from index `from` on (leaderless mode only; the test is inline, since
  // it runs for every input).
  void loopback(Time now, std::size_t from, Outputs& out) {
    if (cfg.replication == Replication::leaderless) loopback_leaderless(now, from, out);
  }
  void loopback_leaderless(Time now, std::size_t from, Outputs& out);
  std::uint32_t replicas() const { return cfg.replicas == 0 ? cfg.nodes : cfg.replicas; }

  // ---- the store
  const Record& local(Key k) const;
  // Sets the key's record, emitting Applied if it changed.
  void set_record(Key k, const Record& r, Outputs& out);
  // Applies r if it is newer than the stored record; returns whether it did.
  bool apply_if_newer(Key k, const Record& r, Outputs& out);

  const NodeConfig cfg;

  // Durable state (survives restart(durable=true)).
  std::uint64_t term = 0;
  NodeId voted_for = kNoNode;
  Log log;
  std::vector<Record> store;     // indexed by Key
  std::uint64_t store_gen = 0;   // bumped on every store change (snapshot cache)
  std::vector<Tentative> tentative;  // at most one per key, <= kTentativeLimit

  // Volatile state.
  Role role = Role::follower;
  NodeId leader = kNoNode;
  std::uint64_t commit_index = 0;
  // Follower: the highest commit index an append carried. Only compaction
  // uses it (compactable_prefix()); commit_index, which the status view
  // shows and read repair trusts, moves on heartbeats as before, so reports
  // keep their bytes.
  std::uint64_t appended_commit = 0;
  // Follower: our log equals the current term's leader's through this index
  // (0 when unknown). Older appends and snapshots at or below it are stale.
  std::uint64_t leader_match = 0;
  // Follower: the leadership (lead_id) of `leader` in `term`, 0 if unknown.
  // leader_match and `early` belong to that leadership.
  std::uint64_t leader_lead = 0;
  std::uint64_t epoch = 0;       // restart count; part of every timer id
  Time boot_time = 0;
  bool may_claim_at_once = false;  // lowest_alive: bootstrap grace waived
  Time election_deadline = kNever;
  bool election_armed = false;
  bool tick_armed = false;
  std::uint64_t votes = 0;       // mask of votes received as candidate
  std::array<Time, kMaxNodes> last_heard{};
  std::array<std::uint64_t, kMaxNodes> match{};        // leader: per follower
  std::array<std::uint64_t, kMaxNodes> catchup_end{};  // leader: pipeline mark
  std::array<std::uint64_t, kMaxNodes> hb_seen{};      // leader: last heartbeat_reply index
  // Leader: indexes in (quorum_base, last index] not yet held by W nodes,
  // each with how many nodes hold it (node_replication.cpp, start_quorum()).
  std::uint64_t quorum_base = 0;
  Ring<std::uint32_t> quorum_acks;
  std::vector<EarlyEntry> early;   // sorted by index, <= kReorderLimit
  Ring<PendingWrite> writes;       // ordered by index
  TimerSlot writes_timer;
  std::vector<PendingRead> reads;
  std::vector<ParkedRead> parked;
  TimerSlot reads_timer;
  std::uint64_t next_read = 0;
  RoleChange last_role{Role::follower, 0, kNoNode};
  bool role_noted = false;

  // Leaderless. A write held for another node (sloppy quorum): the newest
  // per (for_node, key); durable like the store.
  struct Hint {
    NodeId for_node = 0;
    Key key = 0;
    Record rec;
    std::uint64_t handoff = 0;  // op id of the hand-off in flight, 0 if none
  };
  std::unique_ptr<Coordinator> coord;  // leaderless only
  std::vector<Hint> hints;
  std::uint64_t next_handoff = 0;
  std::uint32_t sync_round = 0;
  LeaderlessCounters ll;  // observation only: survives restarts

  // Leader: cached snapshot of the store, valid while store_gen is unchanged.
  std::shared_ptr<const Snapshot> snap_cache;
  std::uint64_t snap_cache_gen = 0;
};

}  // namespace consim
