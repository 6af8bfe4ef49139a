// sim/check/checker.h: judges client histories against the definitions in
// docs/consistency.md, as they stream by.
//
// Stale read: a read that returns a version older than the newest version
// (in version order) among the writes to that key acknowledged to any client
// before the read was invoked. Writes still in flight when the read starts
// may be seen or not: either is fine.
//
// Session violations, whatever level the read asked for:
//  - read-your-writes: the read returns a version older than the newest write
//    to the key that this client had seen acknowledged before invoking it;
//  - monotonic reads: the read returns a version older than one this client
//    had already read from the key before invoking it.
//
// Lost write: an acknowledged write whose version is newer than the version
// of its key in the final state (so neither it nor anything after it
// survived). Only the last `lost_write_window` acknowledged writes of each key
// are remembered, which bounds memory.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/types.h"
#include "sim/check/metrics.h"
#include "sim/engine/flat_map.h"

namespace consim {

class Checker {
 public:
  explicit Checker(std::uint32_t lost_write_window = 64);

  // What the checker knew when a read was invoked.
  struct ReadStart {
    Time invoked = 0;
    bool any_write = false;  // some write to the key had been acknowledged
    Version newest;          // newest acknowledged version of the key
    Time newest_at = 0;      // when that write was acknowledged
    Version own_write;       // newest version this client saw acknowledged for the key
    Version own_read;        // newest version this client had read from the key
  };

  struct ReadVerdict {
    bool stale = false;
    std::uint64_t versions_behind = 0;  // acknowledged writes missed (lower bound past the window)
    Time stale_age = 0;                 // invoked - ack time of the oldest missed write
    Time since_newest = 0;              // invoked - ack time of the newest acknowledged write
    bool read_your_writes_violation = false;
    bool monotonic_violation = false;
  };

  // A write of `version` to `key` was acknowledged to `client` at `at`.
  void write_acknowledged(Key key, Version version, Time at, std::uint32_t client);

  // REQUIRES: called when the read is invoked, before it can complete.
  ReadStart read_invoked(Key key, std::uint32_t client, Time now) const;

  // The newest acknowledged version of `key`; zero if none was acknowledged.
  Version newest_acknowledged(Key key) const {
    return key < keys_.size() && keys_[key].any ? keys_[key].newest : Version{};
  }

  // The read answered `got` (zero version: the key was never written there).
  // Updates the client's read history.
  ReadVerdict read_answered(Key key, std::uint32_t client, const ReadStart& start, Version got);

  // Count lost writes against the final version of each key.
  LostWriteStats lost_writes(const std::function<Version(Key)>& final_version) const;

 private:
  struct Acked {
    Version version;
    Time at = 0;
  };
  struct KeyState {
    Version newest;
    Time newest_at = 0;
    bool any = false;
    std::vector<Acked> ring;  // last `window_` acknowledged writes
    std::uint32_t next = 0;   // ring write position once full
  };
  struct SessionKey {
    Version written;
    Version read;
  };
  // Never FlatMap64::kEmpty: client ids stay far below 2^32 - 1 (the loader's budgets).
  static std::uint64_t session_key(std::uint32_t client, Key key) {
    return (static_cast<std::uint64_t>(client) << 32) | key;
  }

  std::uint32_t window_;
  std::vector<KeyState> keys_;  // indexed by Key
  // Looked up, never iterated: its order cannot reach an output.
  FlatMap64<SessionKey> sessions_;
};

// Follows acknowledged writes until every live replica holds them (or a newer
// version of the key), and reports how long that took.
class ConvergenceTracker {
 public:
  explicit ConvergenceTracker(std::uint32_t max_pending_per_key = 64) : max_pending_(max_pending_per_key) {}

  // A write was acknowledged at `now`; `holders` are the nodes already
  // holding it (or newer). Converged at once if holders cover `live`.
  void track(Key key, Version version, Time now, std::uint64_t holders, std::uint64_t live);

  // Node `node` now holds `version` of `key`.
  void applied(Key key, Version version, NodeId node, Time now, std::uint64_t live);

  // Close the books: what is still pending did not converge.
  void finish(ConvergenceStats& out);

  const ConvergenceStats& stats() const { return stats_; }

 private:
  struct Pending {
    Version version;
    Time acked = 0;
    std::uint64_t holders = 0;
  };
  std::uint32_t max_pending_;
  std::vector<std::vector<Pending>> keys_;
  ConvergenceStats stats_;
};

}  // namespace consim
