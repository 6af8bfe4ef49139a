// The checker on hand-built histories whose answers are known by construction.
#include <doctest/doctest.h>

#include "sim/check/checker.h"

using namespace consim;

namespace {
Version v(std::uint64_t term, std::uint64_t index) { return Version{term, index}; }
constexpr Time ms = kMillisecond;
}  // namespace

TEST_CASE("a read of the newest acknowledged version is not stale") {
  Checker c;
  c.write_acknowledged(7, v(1, 1), 10 * ms, 0);
  auto st = c.read_invoked(7, 1, 20 * ms);
  auto verdict = c.read_answered(7, 1, st, v(1, 1));
  CHECK_FALSE(verdict.stale);
  CHECK(verdict.since_newest == 10 * ms);
}

TEST_CASE("a read older than a write acknowledged before it began is stale, and says by how much") {
  Checker c;
  c.write_acknowledged(1, v(1, 1), 10 * ms, 0);
  c.write_acknowledged(1, v(1, 2), 20 * ms, 0);
  c.write_acknowledged(1, v(1, 3), 30 * ms, 0);
  auto st = c.read_invoked(1, 5, 35 * ms);
  auto verdict = c.read_answered(1, 5, st, v(1, 1));
  CHECK(verdict.stale);
  CHECK(verdict.versions_behind == 2);       // missed (1,2) and (1,3)
  CHECK(verdict.stale_age == 15 * ms);       // (1,2) was acknowledged at 20 ms
  CHECK(verdict.since_newest == 5 * ms);     // (1,3) at 30 ms
}

TEST_CASE("a write still in flight when the read began may be missed without staleness") {
  Checker c;
  c.write_acknowledged(1, v(1, 1), 10 * ms, 0);
  auto st = c.read_invoked(1, 2, 15 * ms);
  c.write_acknowledged(1, v(1, 2), 16 * ms, 0);  // acknowledged after the read began
  CHECK_FALSE(c.read_answered(1, 2, st, v(1, 1)).stale);
  // and seeing it is fine too
  auto st2 = c.read_invoked(1, 2, 15 * ms);
  CHECK_FALSE(c.read_answered(1, 2, st2, v(1, 2)).stale);
}

TEST_CASE("reading a key never written is not stale; reading nothing after a write is") {
  Checker c;
  auto st = c.read_invoked(3, 0, 1 * ms);
  CHECK_FALSE(st.any_write);
  CHECK_FALSE(c.read_answered(3, 0, st, Version{}).stale);
  c.write_acknowledged(3, v(1, 4), 2 * ms, 9);
  auto st2 = c.read_invoked(3, 0, 3 * ms);
  CHECK(c.read_answered(3, 0, st2, Version{}).stale);
}

TEST_CASE("a delete is a versioned write: a read that misses the tombstone is stale") {
  Checker c;
  c.write_acknowledged(2, v(1, 1), 1 * ms, 0);  // put
  c.write_acknowledged(2, v(1, 2), 2 * ms, 0);  // delete (tombstone version)
  auto st = c.read_invoked(2, 1, 3 * ms);
  CHECK(c.read_answered(2, 1, st, v(1, 1)).stale);
  auto st2 = c.read_invoked(2, 1, 3 * ms);
  CHECK_FALSE(c.read_answered(2, 1, st2, v(1, 2)).stale);
}

TEST_CASE("versions order by term first: a newer term's write is newer whatever its index") {
  Checker c;
  c.write_acknowledged(1, v(1, 9), 1 * ms, 0);
  c.write_acknowledged(1, v(2, 3), 2 * ms, 0);
  auto st = c.read_invoked(1, 1, 3 * ms);
  CHECK(st.newest == v(2, 3));
  CHECK(c.read_answered(1, 1, st, v(1, 9)).stale);
}

TEST_CASE("read-your-writes violations count only the client's own acknowledged writes") {
  Checker c;
  c.write_acknowledged(1, v(1, 1), 1 * ms, /*client*/ 0);
  c.write_acknowledged(1, v(1, 2), 2 * ms, /*client*/ 1);
  // client 0 reads (1,1): stale (client 1's write is newer) but not a violation for client 0
  auto st0 = c.read_invoked(1, 0, 3 * ms);
  auto r0 = c.read_answered(1, 0, st0, v(1, 1));
  CHECK(r0.stale);
  CHECK_FALSE(r0.read_your_writes_violation);
  // client 1 reads (1,1): a violation of its own write
  auto st1 = c.read_invoked(1, 1, 3 * ms);
  CHECK(c.read_answered(1, 1, st1, v(1, 1)).read_your_writes_violation);
}

TEST_CASE("monotonic-read violations: going back to an older version than one already read") {
  Checker c;
  auto a = c.read_invoked(4, 0, 1 * ms);
  CHECK_FALSE(c.read_answered(4, 0, a, v(1, 5)).monotonic_violation);
  auto b = c.read_invoked(4, 0, 2 * ms);
  CHECK(c.read_answered(4, 0, b, v(1, 3)).monotonic_violation);
  auto d = c.read_invoked(4, 0, 3 * ms);
  CHECK_FALSE(c.read_answered(4, 0, d, v(1, 5)).monotonic_violation);
  // another client has its own history
  auto e = c.read_invoked(4, 1, 4 * ms);
  CHECK_FALSE(c.read_answered(4, 1, e, v(1, 3)).monotonic_violation);
}

TEST_CASE("lost writes: acknowledged versions newer than the final state") {
  Checker c(8);
  c.write_acknowledged(0, v(1, 1), 1 * ms, 0);
  c.write_acknowledged(0, v(1, 2), 2 * ms, 0);
  c.write_acknowledged(0, v(2, 3), 3 * ms, 0);  // a minority leader's write, later truncated
  c.write_acknowledged(1, v(1, 4), 4 * ms, 0);
  auto lw = c.lost_writes([](Key k) { return k == 0 ? v(1, 2) : v(1, 4); });
  CHECK(lw.checked == 4);
  CHECK(lw.lost == 1);
  auto none = c.lost_writes([](Key k) { return k == 0 ? v(2, 3) : v(1, 4); });
  CHECK(none.lost == 0);
}

TEST_CASE("lost-write memory is bounded by the window per key") {
  Checker c(4);
  for (std::uint64_t i = 1; i <= 100; ++i) c.write_acknowledged(0, v(1, i), static_cast<Time>(i) * ms, 0);
  auto lw = c.lost_writes([](Key) { return Version{}; });
  CHECK(lw.checked == 4);
  CHECK(lw.lost == 4);
}

TEST_CASE("convergence: time from acknowledgement until every live replica holds the write") {
  ConvergenceTracker t;
  const std::uint64_t live = 0b111;
  t.track(5, v(1, 1), 10 * ms, /*holders*/ 0b011, live);
  t.applied(5, v(1, 1), 2, 25 * ms, live);
  t.track(6, v(1, 2), 10 * ms, 0b111, live);  // already everywhere
  t.track(7, v(1, 3), 10 * ms, 0b001, live);
  t.applied(7, v(1, 4), 1, 12 * ms, live);  // a newer version also counts as holding it
  ConvergenceStats s;
  t.finish(s);
  CHECK(s.tracked == 3);
  CHECK(s.converged == 2);
  CHECK(s.unconverged_at_end == 1);
  CHECK(s.time.max() == 15 * ms);
  CHECK(s.time.min() == 0);
}
