// core/types.h: the vocabulary shared by the node state machine and the world.
//
// Everything here is plain data. Virtual time is an integer count of
// nanoseconds; core/ never reads a clock, the caller passes `now`.
#pragma once

#include <cstdint>
#include <string_view>

namespace consim {

using Time = std::int64_t;  // virtual nanoseconds since the start of the run
constexpr Time kNanosecond = 1;
constexpr Time kMicrosecond = 1000;
constexpr Time kMillisecond = 1000 * kMicrosecond;
constexpr Time kSecond = 1000 * kMillisecond;
constexpr Time kNever = INT64_MAX;

// Endpoints are nodes (0 .. N-1) and, in the simulator, clients (N and up).
// core/ treats a client endpoint as an opaque address to reply to.
using EndpointId = std::uint32_t;
using NodeId = std::uint32_t;
constexpr NodeId kNoNode = UINT32_MAX;
constexpr std::uint32_t kMaxNodes = 64;  // quorum bookkeeping uses 64-bit masks

using Key = std::uint32_t;     // small dense integer; the world maps names to ids
using Value = std::uint64_t;   // opaque payload; the world maps it to text

// A version orders the writes to one key. In leader mode it is the
// (term, index) of the log entry that wrote it; terms are unique per leader,
// so no two writes share a version (except after a non-durable restart
// reused a term: the log tells such entries apart by their leadership,
// LogEntry::lead, and the leader's state replaces a follower's). {0,0} means "never written".
// In leaderless mode it is last-writer-wins: term = the coordinator's clock
// reading, index = (coordinator + 1) * 2^40 + the coordinator's counter
// (core/lww.h). Nothing in the metrics assumes more than a total order.
struct Version {
  std::uint64_t term = 0;
  std::uint64_t index = 0;

  bool is_zero() const { return term == 0 && index == 0; }
  friend bool operator==(const Version& a, const Version& b) {
    return a.term == b.term && a.index == b.index;
  }
  friend bool operator!=(const Version& a, const Version& b) { return !(a == b); }
  friend bool operator<(const Version& a, const Version& b) {
    return a.term != b.term ? a.term < b.term : a.index < b.index;
  }
  friend bool operator>(const Version& a, const Version& b) { return b < a; }
  friend bool operator<=(const Version& a, const Version& b) { return !(b < a); }
  friend bool operator>=(const Version& a, const Version& b) { return !(a < b); }
};

// The state of one key on one replica. A delete is a tombstone with a version.
struct Record {
  Version version;     // zero: the key was never written here
  Value value = 0;
  bool tombstone = false;

  bool present() const { return !version.is_zero() && !tombstone; }
};

enum class Level : std::uint8_t {
  eventual = 0,         // the serving node's local state
  strong = 1,           // R replies, serving node included; newest version wins
  read_your_writes = 2, // serving node must have the client's last write
  monotonic_reads = 3,  // serving node must have what the client last read
  causal = 4,           // both of the above
  leader = 5,           // served by the node that believes it is leader
};
constexpr int kLevelCount = 6;
static_assert(static_cast<int>(Level::leader) + 1 == kLevelCount, "kLevelCount counts every Level");

inline std::string_view to_string(Level l) {
  switch (l) {
    case Level::eventual: return "eventual";
    case Level::strong: return "strong";
    case Level::read_your_writes: return "read_your_writes";
    case Level::monotonic_reads: return "monotonic_reads";
    case Level::causal: return "causal";
    case Level::leader: return "leader";
  }
  return "?";
}

inline bool parse_level(std::string_view s, Level& out) {
  for (int i = 0; i < kLevelCount; ++i) {
    if (to_string(static_cast<Level>(i)) == s) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

enum class Election : std::uint8_t {
  lowest_alive,  // the chapter's rule: the lowest id heard from recently leads
  majority,      // Raft: terms, votes, randomized timeouts
};

// What a node does when a session read (read_your_writes, monotonic_reads,
// causal) arrives and its state is older than the client's token.
enum class SessionPolicy : std::uint8_t {
  wait,     // hold the read until the node catches up, or fail at read_timeout
  fail,     // answer `behind` at once; the client may retry elsewhere
  forward,  // answer `not_leader` with the leader hint; the client goes there
};

// How writes are ordered and replicated (docs/consistency.md, "Two modes").
enum class Replication : std::uint8_t {
  leader,      // one leader orders writes in a log; followers copy it
  leaderless,  // Dynamo-style: any coordinator writes to the replicas, LWW versions
};

// Leaderless reads: which replicas a coordinator asks.
enum class ReadFanout : std::uint8_t {
  all,  // every replica of the key; the first R replies decide
  r,    // only as many as the read needs (the coordinator first, if a replica)
};

}  // namespace consim
