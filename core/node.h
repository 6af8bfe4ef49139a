// core/node.h: the replicated key-value store node, as a sans-IO state machine.
//
// A Node is the chapter's store working as it is meant to: a leader that
// assigns versions and replicates entry by entry, followers that apply what
// they receive, quorum reads, session reads, read repair, and two ways of
// electing the leader. With NodeConfig::replication = leaderless it is
// instead a Dynamo-style replica that coordinates the client requests it
// receives (core/coordinator.h): no leader, last-writer-wins versions. It never reads a clock, sends on a socket or draws a
// random number: every call passes the virtual time `now`, and everything the
// node wants done comes back in an Outputs value that the caller executes.
//
// The caller (the simulator, or one day a real network loop) must:
//   - call start() once, before anything else, and restart() after a crash;
//   - deliver each message addressed to this node with step();
//   - when a requested timer comes due, call on_timer() with its id, at a time
//     in [at_min, at_max] that the caller chose (the caller owns randomness:
//     election jitter is drawn by the caller, not here);
//   - send every message in Outputs::messages, honour Outputs::timers, and may
//     read Outputs::applied and Outputs::roles for observation.
// Timers are never cancelled: a stale timer is recognised and ignored by the
// node, so the caller may fire every timer it was asked for.
//
// Every call appends to `out`; it never clears it. Calls are cheap: no
// allocation on the steady-state path once containers have grown.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/coordinator.h"
#include "core/message.h"
#include "core/outputs.h"
#include "core/types.h"

namespace consim {

struct NodeConfig {
  NodeId id = 0;
  std::uint32_t nodes = 3;          // N
  std::uint32_t write_quorum = 2;   // W: acks (leader included) before a write is acknowledged
  std::uint32_t read_quorum = 1;    // R: replies (serving node included) for a strong read
  std::uint32_t key_space = 0;      // hint: keys are < key_space (the store grows if not)
  Election election = Election::lowest_alive;
  Time heartbeat_interval = 2 * kSecond;
  Time election_timeout = 6 * kSecond;  // majority: randomized in [T, 2T)
  Time write_timeout = 1 * kSecond;
  Time read_timeout = 1 * kSecond;
  bool read_repair = false;
  SessionPolicy session_behind = SessionPolicy::wait;
  bool bootstrap_leader = true;     // node 0 starts as leader of term N, others follow it
  std::uint32_t catchup_batch = 256;  // entries resent to one follower per heartbeat
  std::uint32_t log_retain = 4096;    // entries kept before compaction (older ones: snapshot)

  // Leaderless mode (core/coordinator.h). In it the node never leads: it is a
  // replica of the keys core/placement.h gives it, and it coordinates the
  // client requests it receives. heartbeat_interval paces liveness pings and
  // hint hand-off; a peer not heard from within election_timeout is believed
  // down. Unused in leader mode except `replication`.
  Replication replication = Replication::leader;
  std::uint32_t replicas = 0;         // per key; 0 means nodes
  ReadFanout read_fanout = ReadFanout::all;
  bool read_repair_blocking = false;  // with read_repair: answer after the repairs are acknowledged
  bool sloppy_quorum = false;         // writes for replicas believed down go to fallbacks (hints)
  Time anti_entropy_interval = 0;     // 0: off; else each node syncs with one peer per interval
  NodeClock clock;                    // stamps LWW versions

  // The rules a config must satisfy, which the node relies on instead of
  // guarding each use: 1 <= nodes <= kMaxNodes; id < nodes; 1 <= W, R <=
  // N (N = replicas in leaderless mode, where 0 <= replicas <= nodes and 0
  // means nodes); heartbeat_interval, election_timeout, write_timeout and
  // read_timeout > 0; catchup_batch, log_retain >= 1; anti_entropy_interval
  // >= 0; read_repair_blocking only with read_repair in leaderless mode.
  // Returns "" when they hold, else the first broken rule, in one line.
  // The Node constructor asserts it (a config that breaks it is a bug of
  // the caller: the scenario loader rejects every such input).
  std::string validate() const;
};

// The coordinator settings of a leaderless node with this config (self = id).
// A client coordinating for itself takes them and sets its own self and clock.
CoordinatorConfig coordinator_config(const NodeConfig& c);

// What a status view (the chapter's GET /status) shows.
struct NodeStatus {
  NodeId id = 0;
  Role role = Role::follower;
  std::uint64_t term = 0;
  NodeId leader = kNoNode;
  std::uint64_t last_index = 0;
  std::uint64_t last_term = 0;
  std::uint64_t commit_index = 0;
  std::uint64_t keys_present = 0;
};

// What a node holds that could grow with the length of a run, counted in
// items (not bytes), for tests that check memory stays flat. Every count is
// bounded by the config and the operations in flight, never by run length.
struct NodeRetained {
  std::uint64_t log_entries = 0;  // held, not compacted (<= log_retain + uncommitted)
  std::uint64_t early = 0;        // out-of-order appends buffered
  std::uint64_t tentative = 0;    // repaired records ahead of the log
  std::uint64_t pending = 0;      // client operations in flight (writes, reads, parked
                                  // reads; leaderless: the coordinator's)
  std::uint64_t hints = 0;        // leaderless: writes held for other nodes
  std::uint64_t total() const { return log_entries + early + tentative + pending + hints; }
};

class Node {
 public:
  explicit Node(const NodeConfig& cfg);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Boot. Requests the node's periodic timers.
  void start(Time now, Outputs& out);

  // Come back after a crash. durable: term, vote, log and store survive
  // (as if on disk); otherwise all state is lost. Volatile state (role,
  // leader, pending client operations) is always lost.
  void restart(Time now, bool durable, Outputs& out);

  // Handle one message addressed to this node.
  void step(Time now, const Message& m, Outputs& out);

  // A timer this node asked for is due.
  void on_timer(Time now, std::uint64_t timer_id, Outputs& out);

  // Read-only views, for the status endpoint, checkers and tests.
  NodeStatus status() const;
  Record record(Key k) const;          // zero record if never written
  std::uint32_t key_count() const;     // size of the key space held
  bool is_leader() const;
  std::uint64_t term() const;
  NodeId leader_hint() const;
  const NodeConfig& config() const;
  // Leaderless: what this node did as coordinator and replica (zero in leader mode).
  LeaderlessCounters leaderless_counters() const;
  NodeRetained retained() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace consim
