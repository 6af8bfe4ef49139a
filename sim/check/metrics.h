// sim/check/metrics.h: what a run measures. Everything here is streamed: memory
// grows with keys and operations in flight, never with the length of the run.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/coordinator.h"
#include "core/message.h"
#include "core/types.h"
#include "sim/engine/histogram.h"
#include "sim/world/network.h"
#include "sim/scenario/scenario.h"

namespace consim {

// Why a client operation did not succeed.
enum class FailReason : std::uint8_t {
  node_timeout,    // the node answered timeout (W acks / R replies / session wait)
  client_timeout,  // no answer within request_timeout (loss, crash, partition)
  no_leader,       // not_leader with no hint, or too many redirects
  behind,          // session read refused (session_behind = fail)
};
constexpr int kFailReasonCount = 4;
static_assert(static_cast<int>(FailReason::behind) + 1 == kFailReasonCount, "kFailReasonCount counts every FailReason");
std::string_view to_string(FailReason r);

struct ReadStats {
  std::uint64_t reads = 0;       // completed or failed, invoked after warmup
  std::uint64_t ok = 0;          // answered with a present value
  std::uint64_t not_found = 0;   // answered: absent or deleted
  std::uint64_t failed = 0;
  std::array<std::uint64_t, kFailReasonCount> failed_by{};
  std::uint64_t stale = 0;       // answered with a version older than the newest acknowledged before invocation
  std::uint64_t after_write = 0; // answered reads of a key that had an acknowledged write (the window's population)
  std::uint64_t versions_behind_sum = 0;
  std::uint64_t versions_behind_max = 0;
  Histogram stale_age;           // for stale reads: invocation - ack time of the oldest missed write
  Histogram latency;             // answered reads: invocation to answer at the client
  std::uint64_t redirects = 0;

  std::uint64_t answered() const { return ok + not_found; }
  double stale_rate() const { return answered() ? double(stale) / double(answered()) : 0.0; }
};

struct WindowBucket {
  Time lo = 0;
  Time hi = kNever;  // [lo, hi)
  std::uint64_t reads = 0;
  std::uint64_t stale = 0;
};

struct ProbeCell {
  Time delay = 0;
  std::uint64_t reads = 0;   // answered
  std::uint64_t stale = 0;
  std::uint64_t failed = 0;
  // Answered reads by rank: how many acknowledged writes of the key newer than
  // the returned version there were at invocation (0 = the newest; rank r >=
  // kMaxProbeK is not counted here). Always kept up to kMaxProbeK, whatever
  // probe.k_max is (which only limits what the report shows).
  std::array<std::uint64_t, kMaxProbeK> by_rank{};

  // Answered reads that returned one of the last k versions (rank < k), k >= 1.
  std::uint64_t within(std::uint32_t k) const {
    std::uint64_t s = 0;
    for (std::uint32_t r = 0; r < k && r < kMaxProbeK; ++r) s += by_rank[r];
    return s;
  }
  void add(const ProbeCell& o) {
    reads += o.reads;
    stale += o.stale;
    failed += o.failed;
    for (std::uint32_t r = 0; r < kMaxProbeK; ++r) by_rank[r] += o.by_rank[r];
  }
};

// The smallest probed delay from which on P(stale) < target at every probed
// delay (cells with the same delay pooled; delays without answered reads
// ignored). -1 when there is none: P(stale) at the largest probed delay with
// reads is not below target, or no probe read was answered.
// docs/consistency.md, "Probe statistics".
inline Time probe_t_below_target(const std::vector<ProbeCell>& cells, double target) {
  std::vector<std::pair<Time, std::pair<std::uint64_t, std::uint64_t>>> by_delay;  // delay -> (reads, stale)
  by_delay.reserve(cells.size());
  for (const ProbeCell& c : cells) {
    if (c.reads == 0) continue;
    bool merged = false;
    for (auto& d : by_delay)
      if (d.first == c.delay) {
        d.second.first += c.reads;
        d.second.second += c.stale;
        merged = true;
      }
    if (!merged) by_delay.push_back({c.delay, {c.reads, c.stale}});
  }
  std::sort(by_delay.begin(), by_delay.end());
  Time t = -1;
  for (std::size_t i = by_delay.size(); i-- > 0;) {
    const double p = static_cast<double>(by_delay[i].second.second) / static_cast<double>(by_delay[i].second.first);
    if (!(p < target)) break;
    t = by_delay[i].first;
  }
  return t;
}

struct WriteStats {
  std::uint64_t writes = 0;  // invoked after warmup
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::array<std::uint64_t, kFailReasonCount> failed_by{};
  Histogram latency;         // acknowledged writes
  std::uint64_t redirects = 0;
};

struct ConvergenceStats {
  std::uint64_t tracked = 0;          // acknowledged writes followed
  std::uint64_t converged = 0;        // reached every live replica
  std::uint64_t unconverged_at_end = 0;
  std::uint64_t untracked = 0;        // dropped from tracking (too many pending on one key)
  Histogram time;                     // acknowledgement -> held by every live replica
  bool cluster_converged = false;     // at the end, all live replicas hold the same versions
  std::uint32_t keys_diverged = 0;
};

struct ViolationStats {
  std::uint64_t read_your_writes = 0;  // a read older than the client's own acknowledged write to the key
  std::uint64_t monotonic_reads = 0;   // a read older than what the client read before from the key
  // An acknowledged write whose version orders before a write to the key
  // acknowledged before it was invoked: a later write that lost (LWW with
  // skewed clocks; split-brain leaders).
  std::uint64_t writes_reordered = 0;
};

struct LostWriteStats {
  std::uint64_t checked = 0;  // acknowledged writes still remembered at the end
  std::uint64_t lost = 0;     // newer than the final state of their key
  NodeId reference = kNoNode; // the node whose state counts as final
};

struct EngineStats {
  std::uint64_t events = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t messages_dropped = 0;
  std::array<std::uint64_t, kDropReasonCount> dropped_by{};
  std::uint64_t messages_duplicated = 0;
  std::uint64_t messages_in_flight_at_end = 0;
  std::array<std::uint64_t, kMsgKindCount> sent_by_kind{};
  std::uint64_t timers = 0;
  Time end_time = 0;
};

struct ElectionStats {
  std::uint64_t leader_changes = 0;   // times some node became leader
  std::uint64_t max_term = 0;
  std::uint32_t max_simultaneous_leaders = 0;
  Time time_without_leader = 0;       // virtual time with no node believing itself leader
};

struct ScriptResult {
  std::size_t index = 0;   // into Scenario::script
  Time invoked = 0;
  Time completed = -1;     // -1: never completed
  bool failed = false;
  FailReason reason = FailReason::client_timeout;
  NodeId served_by = kNoNode;
  Record rec;
  bool stale = false;
  Version newest_acked;    // at invocation
};

// What a run measures, sized for the scenario before it starts: a window
// bucket per measure.window_edges_ms entry and a probe cell per probe delay,
// for every level; level_used for the levels the workload, the script and
// the probe read at.
struct Metrics;
void prepare_metrics(const Scenario& sc, Metrics& m);

struct Metrics {
  std::array<ReadStats, kLevelCount> reads{};
  std::array<std::vector<WindowBucket>, kLevelCount> window;
  std::array<std::vector<ProbeCell>, kLevelCount> probe;
  std::array<WriteStats, kOpTypeCount> writes{};  // indexed by OpType (get unused)
  ConvergenceStats convergence;
  ViolationStats violations;
  LostWriteStats lost;
  EngineStats engine;
  ElectionStats elections;
  LeaderlessCounters leaderless;  // leaderless mode: repairs, hints, anti-entropy
  std::vector<ScriptResult> script;
  std::array<bool, kLevelCount> level_used{};  // a level some read asked for
};

}  // namespace consim
