// sim/predict/pbs.h: the PBS model of a scenario (Bailis et al.,
// "Probabilistically Bounded Staleness for Practical Partial Quorums", VLDB
// 2012): the WARS Monte Carlo, fed by the scenario's own delay distributions.
//
// One trial is one write followed, t after its acknowledgement reached the
// client, by one read of the same key, as consim's probe does it:
//   W = the write's trip to a replica (replica_write; append in leader mode),
//   A = that replica's acknowledgement (replica_write_ack; append_reply),
//   R = the read's request to a replica (replica_read; read_query),
//   S = that replica's reply (replica_read_reply; read_reply),
// plus the client's legs (client_put, client_get, client_reply) when a node
// coordinates. Each delay is drawn from the distribution the network would
// use for that message on that link (sim/world/network.h, precedence
// included), with the project's Rng, one draw per statement. A replica
// that is its own coordinator is reached at zero delay (core/coordinator.h).
// The trial's draws are shared by every (R, W) and level, so the cells are
// compared on common random numbers and P(consistent) is monotone in t, R
// and W trial by trial. The model and its leader-mode analogue:
// docs/predict.md.
//
// Assumptions (what a run has and the model has not): one write at a time,
// no read repair, no anti-entropy, no failures, no message loss, no
// timeline (partitions, crashes, set_network), no clock skew.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim {

struct PbsOptions {
  std::uint64_t trials = 100000;  // kMinPbsTrials..kMaxPbsTrials
  bool scenario_quorums = false;  // only the scenario's (R, W), not every pair 1..N
};
constexpr std::uint64_t kMinPbsTrials = 100;
constexpr std::uint64_t kMaxPbsTrials = 10000000;
// trials x cells (levels x (R, W) pairs) at most this: the samples kept for
// the quantiles (16 bytes each: at most 128 MiB).
constexpr std::uint64_t kMaxPbsSamples = std::uint64_t{1} << 23;

struct PbsQuantiles {
  Time p50 = 0, p99 = 0, p999 = 0;  // nearest rank, ns
};

struct PbsCell {
  Level level = Level::strong;
  std::uint32_t r = 1, w = 1;
  bool strict = false;               // q + W > N, q = R (1 at eventual: one answer counts)
  bool by_construction = false;      // a level consistent whenever it answers
                                     // (session levels, leader): not a WARS result
  std::vector<double> p_consistent;  // at each of PbsPrediction::delays
  // The smallest t (ns) with P(stale at t) < target over the trials; -1 when
  // even the largest staleness seen leaves too many trials stale (never, as
  // far as the trials tell: fewer than 1/target of them).
  Time t_target = -1;
  // The smallest probe delay from which on P(stale) < target at every
  // probe delay (as the run's probe_summary reports it); -1: never.
  Time probe_t_below_target = -1;
  double k_miss = 0;               // closed form: P(one read misses one write)
  std::vector<double> p_within_k;  // closed form, k = 1..k_max
  PbsQuantiles read_latency, write_latency;
};

struct PbsPrediction {
  Replication replication = Replication::leaderless;
  std::uint32_t n = 3;  // replicas per key (nodes in leader mode)
  std::uint32_t nodes = 3;
  ReadFanout fanout = ReadFanout::all;
  bool client_coordinator = false;  // routing client: no replica at zero delay
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  std::vector<Time> delays;  // the probe's delays (or a default list)
  double target_stale = 0.001;
  std::uint32_t k_max = 3;
  std::vector<PbsCell> cells;  // by level (probe order), then R, then W
  // The distributions used, "W" -> "lognormal(...)" (node 0 -> node 1 links,
  // client -> node 0), for the report.
  std::vector<std::pair<std::string, std::string>> legs;
  // What the scenario has that the model leaves out, one sentence each.
  std::vector<std::string> notes;
};

// The prediction for `sc` (a loaded scenario). Levels: the probe's (probe
// enabled), else eventual and strong; delays: the probe's, else 0, 1, 2, 5,
// 10, 20, 50, 100, 200, 500 and 1000 ms. Throws InputError (sim/io/input.h)
// when trials is out of range or trials x cells exceeds kMaxPbsSamples, with
// the numbers and what to lower. Same scenario and options: the same result,
// bit for bit.
PbsPrediction predict_pbs(const Scenario& sc, const PbsOptions& opt);

}  // namespace consim
