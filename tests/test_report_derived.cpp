// tests/test_report_derived.cpp: the report's derived values (sim/report/derived.h)
// against answers worked out by hand.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "sim/report/derived.h"

using namespace consim;

TEST_CASE("derived: strict_quorum is R + W > N, N the replicas per key") {
  CHECK(strict_quorum(2, 2, 3));       // 4 > 3
  CHECK_FALSE(strict_quorum(2, 1, 3)); // 3 > 3 is false: a read of 1 may miss a write on the other 2
  CHECK_FALSE(strict_quorum(1, 1, 3));
  CHECK(strict_quorum(1, 1, 1));       // one node: it holds everything
  CHECK(strict_quorum(3, 1, 3));       // W = N
  CHECK(strict_quorum(1, 5, 5));       // R = N
  CHECK_FALSE(strict_quorum(3, 2, 5));
  // 32-bit operands would wrap to 4294967294 and say false.
  const std::uint64_t big = std::numeric_limits<std::uint32_t>::max();
  CHECK(strict_quorum(big, big, big));

  // Leaderless, 5 nodes but 3 replicas per key: W=2, R=2 overlap (4 > 3),
  // although 2 + 2 is not more than the 5 nodes.
  ClusterSpec c;
  c.replication = Replication::leaderless;
  c.nodes = 5;
  c.replicas = 3;
  c.write_quorum = 2;
  c.read_quorum = 2;
  CHECK(strict_quorum(c));
  c.read_quorum = 1;
  CHECK_FALSE(strict_quorum(c));
}

TEST_CASE("derived: rates are part / whole, 0 with no whole") {
  CHECK(rate(1, 4) == 0.25);
  CHECK(rate(3, 3) == 1.0);
  CHECK(rate(0, 7) == 0.0);
  CHECK(rate(0, 0) == 0.0);
  CHECK(rate(5, 0) == 0.0);
  CHECK(rate(2, 3) == 2.0 / 3.0);
  CHECK(stale_rate(13, 60) == 13.0 / 60.0);
  CHECK(stale_rate(0, 0) == 0.0);
  // docs/report-format.md's probe example: 60 reads, 13 stale: P(consistent) = 47/60 = 0.78333...
  CHECK(p_consistent(60, 13) == 47.0 / 60.0);
  CHECK(p_consistent(60, 0) == 1.0);
  CHECK(p_consistent(60, 60) == 0.0);
  CHECK(p_consistent(0, 0) == 0.0);
  // 4 stale reads, 1 + 1 + 2 + 3 = 7 versions behind in all: 1.75 on average.
  CHECK(versions_behind_mean(7, 4) == 1.75);
  CHECK(versions_behind_mean(0, 0) == 0.0);
}

TEST_CASE("derived: client reads are reported with a workload or a script, not for a probe alone") {
  CHECK_FALSE(reads_reported(false, 0));
  CHECK(reads_reported(true, 0));
  CHECK(reads_reported(false, 2));
  CHECK(reads_reported(true, 2));
  Scenario sc;
  sc.probe.enabled = true;
  CHECK_FALSE(reads_reported(sc));
  sc.script.push_back(ScriptedOp{});
  CHECK(reads_reported(sc));
  sc.script.clear();
  sc.workload.enabled = true;
  CHECK(reads_reported(sc));
}

TEST_CASE("derived: which levels the probe and the workload read at") {
  ProbeSpec p;
  p.levels = {Level::strong, Level::causal};
  p.enabled = false;
  CHECK_FALSE(level_probed(p, Level::strong));  // no probe: nothing probed, whatever its list says
  p.enabled = true;
  CHECK(level_probed(p, Level::strong));
  CHECK(level_probed(p, Level::causal));
  CHECK_FALSE(level_probed(p, Level::eventual));
  CHECK_FALSE(level_probed(p, Level::leader));

  WorkloadSpec w;
  w.level_weights[static_cast<int>(Level::causal)] = 2;
  w.level_weights[static_cast<int>(Level::eventual)] = 0.5;
  w.level_weights[static_cast<int>(Level::strong)] = 0;
  CHECK(workload_levels(w) == std::vector<Level>{Level::eventual, Level::causal});  // Level order, weight > 0
  CHECK(workload_levels(WorkloadSpec{}).empty());
}

TEST_CASE("derived: the levels client reads ask for: the workload's and the scripted gets'") {
  Scenario sc;
  sc.workload.level_weights[static_cast<int>(Level::strong)] = 1;
  ScriptedOp get, put;
  get.op = OpType::get;
  get.level = Level::causal;
  put.op = OpType::put;
  put.level = Level::leader;  // a put has no level: ignored
  sc.script = {get, put};
  sc.probe.enabled = true;
  sc.probe.levels = {Level::eventual};  // probe reads are not client reads
  std::array<bool, kLevelCount> want{};
  want[static_cast<int>(Level::causal)] = true;
  CHECK(client_read_levels(sc) == want);  // the workload is off: its weights do not count
  sc.workload.enabled = true;
  want[static_cast<int>(Level::strong)] = true;
  CHECK(client_read_levels(sc) == want);
}

TEST_CASE("derived: clock skew is any node's offset or drift") {
  ClusterSpec c;
  CHECK_FALSE(clock_skew(c));  // leader mode: no clocks at all
  c.clock_offset.assign(3, 0);
  c.clock_drift_ppb.assign(3, 0);
  CHECK_FALSE(clock_skew(c));
  c.clock_offset[2] = -100 * kMillisecond;
  CHECK(clock_skew(c));
  c.clock_offset[2] = 0;
  c.clock_drift_ppb[1] = 5;
  CHECK(clock_skew(c));
}

TEST_CASE("derived: wilson_interval is the 95% Wilson score interval, worked by hand") {
  // k = 5, n = 10: p = 0.5, z^2 = 3.8415; centre = (0.5 + 0.19207) / 1.38415 = 0.5,
  // half = 1.96 / 1.38415 * sqrt(0.025 + 0.0096037) = 0.26335: [0.23659, 0.76341].
  const Interval half = wilson_interval(5, 10);
  CHECK(half.lo == doctest::Approx(0.23659).epsilon(1e-4));
  CHECK(half.hi == doctest::Approx(0.76341).epsilon(1e-4));
  // k = 0: lo is 0 and hi is z^2 / (n + z^2) = 3.8415 / 13.8415 = 0.27753.
  const Interval none = wilson_interval(0, 10);
  CHECK(none.lo == doctest::Approx(0.0));
  CHECK(none.hi == doctest::Approx(0.27753).epsilon(1e-4));
  // k = n: the mirror image: [1 - 0.27753, 1].
  const Interval all = wilson_interval(10, 10);
  CHECK(all.lo == doctest::Approx(0.72247).epsilon(1e-4));
  CHECK(all.hi == doctest::Approx(1.0));
  // k = 1, n = 100: centre = (0.01 + 0.019207) / 1.038415 = 0.028127,
  // half = 1.96 / 1.038415 * sqrt(0.000099 + 0.000096037) = 0.026354: [0.00177, 0.05449].
  const Interval one = wilson_interval(1, 100);
  CHECK(one.lo == doctest::Approx(0.001767).epsilon(1e-3));
  CHECK(one.hi == doctest::Approx(0.054486).epsilon(1e-3));
  // More reads, a narrower interval around the same rate.
  const Interval wide = wilson_interval(2, 10), narrow = wilson_interval(200, 1000);
  CHECK(narrow.hi - narrow.lo < wide.hi - wide.lo);
  CHECK(narrow.lo < 0.2);
  CHECK(narrow.hi > 0.2);
  // No reads: nothing is known.
  const Interval empty = wilson_interval(0, 0);
  CHECK(empty.lo == 0.0);
  CHECK(empty.hi == 1.0);
}
