// tests/test_event_queue.cpp: the agenda pops in (time, sequence) order.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "sim/engine/event_queue.h"
#include "sim/engine/rng.h"

using consim::Event;
using consim::EventQueue;
using consim::Rng;
using consim::Time;

namespace {

using Pending = std::vector<std::tuple<Time, std::uint64_t, std::uint32_t>>;

// Pops everything left and checks it against the reference: (time,
// scheduling order), the queue empty at the end.
void drain_in_order(EventQueue& q, Pending& pending) {
  std::sort(pending.begin(), pending.end());
  for (const auto& p : pending) {
    const Event e = q.pop();
    REQUIRE(e.time == std::get<0>(p));
    REQUIRE(e.index() == std::get<2>(p));
  }
  pending.clear();
  CHECK(q.empty());
}

// Checks that top() and then pop() give the reference's earliest event,
// which it drops.
void pop_earliest(EventQueue& q, Pending& pending) {
  const auto it = std::min_element(pending.begin(), pending.end());
  REQUIRE(q.top().time == std::get<0>(*it));
  REQUIRE(q.top().index() == std::get<2>(*it));
  const Event e = q.pop();
  REQUIRE(e.time == std::get<0>(*it));
  REQUIRE(e.index() == std::get<2>(*it));
  REQUIRE(q.now() == e.time);
  pending.erase(it);
}

}  // namespace

TEST_CASE("event queue: pops in time order and advances now()") {
  EventQueue q;
  CHECK(q.empty());
  CHECK(q.now() == 0);
  const Time times[] = {50, 10, 40, 20, 30};
  for (std::uint32_t i = 0; i < 5; ++i) q.push(times[i], 1, i);
  CHECK(q.size() == 5);
  CHECK(q.scheduled() == 5);
  CHECK(q.top().time == 10);
  const std::uint32_t order[] = {1, 3, 4, 2, 0};
  Time last = 0;
  for (std::uint32_t expected : order) {
    const Event e = q.pop();
    CHECK(e.index() == expected);
    CHECK(e.time >= last);
    CHECK(q.now() == e.time);
    last = e.time;
  }
  CHECK(q.empty());
  CHECK(q.now() == 50);
}

TEST_CASE("event queue: ties pop in push order") {
  EventQueue q;
  for (std::uint32_t i = 0; i < 100; ++i) q.push(7, i % 3, i);
  q.push(3, 9, 1000);
  CHECK(q.pop().index() == 1000);
  for (std::uint32_t i = 0; i < 100; ++i) {
    const Event e = q.pop();
    CHECK(e.index() == i);
    CHECK(e.kind() == i % 3);
    CHECK(e.seq() == i);
  }
  // Scheduling at now() is allowed and still FIFO after earlier ones.
  q.push(7, 0, 1);
  q.push(7, 0, 2);
  CHECK(q.pop().index() == 1);
  CHECK(q.pop().index() == 2);
}

TEST_CASE("event queue: random interleaved pushes and pops match a sorted reference") {
  Rng rng(4242, 0);
  EventQueue q;
  // Reference: pending (time, seq, index), popped as the minimum.
  Pending pending;
  std::uint64_t seq = 0;
  std::uint32_t next_index = 0;
  std::size_t pops = 0;
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t action = rng.next_below(5);
    if (action < 3 || pending.empty()) {
      // Push 1..3 events at now() plus a small delay (coarse, so ties happen).
      const std::uint64_t k = rng.next_below(3);
      for (std::uint64_t j = 0; j <= k; ++j) {
        const std::uint64_t delay = rng.next_below(20);
        const Time t = q.now() + static_cast<Time>(delay);
        q.push(t, 0, next_index);
        pending.emplace_back(t, seq++, next_index);
        ++next_index;
      }
    } else {
      pop_earliest(q, pending);
      ++pops;
    }
    REQUIRE(q.size() == pending.size());
  }
  drain_in_order(q, pending);
  CHECK(pops > 1000);
  CHECK(q.scheduled() == seq);
}

// Few pending events, as in a run with one operation in flight: the heap
// then holds at most a handful, all children of its root, and pops take the
// short path. Times spread over a few hundred ns (several to a bucket, equal
// ones too), pushes at now() into the heap itself, over many seeds.
TEST_CASE("event queue: a handful pending pops in exact order, heap sizes 1..6") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Rng rng(seed, 7);
    EventQueue q;
    Pending pending;
    std::uint64_t seq = 0;
    std::uint32_t next_index = 0;
    for (int step = 0; step < 4000; ++step) {
      const std::uint64_t cap = 1 + rng.next_below(6);
      if (pending.size() < cap) {
        const std::uint64_t span = rng.next_below(2) == 0 ? 1 : 300;
        const std::uint64_t delay = rng.next_below(span);
        const Time t = q.now() + static_cast<Time>(delay);
        q.push(t, 0, next_index);
        pending.emplace_back(t, seq++, next_index++);
      } else {
        pop_earliest(q, pending);
      }
      REQUIRE(q.size() == pending.size());
    }
    drain_in_order(q, pending);
  }
}

// Delays over many scales: ties at now(), a few nanoseconds, milliseconds,
// hours, and times near the largest a Time can hold. Events go through the
// heap, the buckets and the far list, and the far list is re-spread many
// times; the order must stay exactly (time, scheduling order).
TEST_CASE("event queue: delays over many scales pop in exact order through heap, buckets and far list") {
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    CAPTURE(seed);
    Rng rng(9001, seed);
    EventQueue q;
    Pending pending;
    std::uint64_t seq = 0;
    std::uint32_t next_index = 0;
    const Time kMax = std::numeric_limits<Time>::max();
    for (int step = 0; step < 30000; ++step) {
      // Grow to a few thousand pending, then shrink, then grow again. The
      // events near the end of time wait for the drain at the end.
      const bool grow = (step / 5000) % 2 == 0;
      const std::uint64_t action = rng.next_below(grow ? 3 : 5);
      auto it = pending.end();
      if (action >= 2 && !pending.empty()) it = std::min_element(pending.begin(), pending.end());
      if (it != pending.end() && std::get<0>(*it) < kMax / 2) {
        REQUIRE(q.top().index() == std::get<2>(*it));
        Event e;
        REQUIRE_FALSE(q.pop_until(std::get<0>(*it) - 1, e));
        REQUIRE(q.pop_until(std::get<0>(*it), e));
        REQUIRE(e.time == std::get<0>(*it));
        REQUIRE(e.index() == std::get<2>(*it));
        REQUIRE(q.now() == e.time);
        pending.erase(it);
      } else {
        const std::uint64_t scale = rng.next_below(16);
        std::uint64_t d = 0;
        if (scale < 2) {
          d = 0;
        } else if (scale < 8) {
          d = rng.next_below(20);
        } else if (scale < 13) {
          d = rng.next_below(3'000'000);
        } else if (scale < 15) {
          d = rng.next_below(10'000'000'000'000ull);
        } else {
          d = static_cast<std::uint64_t>(kMax - q.now()) - rng.next_below(1000);  // near the end of time
        }
        if (d > static_cast<std::uint64_t>(kMax - q.now())) d = static_cast<std::uint64_t>(kMax - q.now());
        const Time t = q.now() + static_cast<Time>(d);
        q.push(t, 1, next_index);
        pending.emplace_back(t, seq++, next_index++);
      }
      REQUIRE(q.size() == pending.size());
      REQUIRE(q.empty() == pending.empty());
    }
    drain_in_order(q, pending);
    CHECK(q.scheduled() == seq);
  }
}

// Storage goes round (a bucket becomes the heap, the heap's storage goes to
// the bucket), so a burst's storage could be left in one bucket after
// another. Bursts of K events at ever different times: what the queue holds
// must stay bounded by what is ever pending, not grow with the rounds.
TEST_CASE("event queue: storage stays bounded by what is pending, however many bursts") {
  Rng rng(5150, 0);
  EventQueue q;
  constexpr std::uint32_t kBurst = 5000;
  std::size_t most_pending = 0;
  std::size_t after_first_rounds = 0;
  for (int round = 0; round < 400; ++round) {
    const Time now = q.now();
    q.push(now + 1, 0, 0);
    const Time at = now + 2 + static_cast<Time>(rng.next_below(1'000'000'000));
    for (std::uint32_t i = 0; i < kBurst; ++i) q.push(at + static_cast<Time>(i % 7), 0, i);
    const Time tail = now + 2 + static_cast<Time>(rng.next_below(2'000'000'000));
    for (std::uint32_t i = 0; i < kBurst / 2; ++i) q.push(tail + static_cast<Time>(i % 5), 0, i);
    most_pending = std::max(most_pending, q.size());
    // Keep one round's events pending, so later bursts land among buckets
    // still in use.
    while (q.size() > kBurst + kBurst / 2 + 1) q.pop();
    if (round == 20) after_first_rounds = q.slots_reserved();
  }
  const std::size_t bound = 4 * most_pending + 4096 * 64;
  CAPTURE(most_pending);
  CAPTURE(after_first_rounds);
  CHECK(q.slots_reserved() <= bound);
  CHECK(q.slots_reserved() <= 2 * after_first_rounds + 4096 * 64);
}

TEST_CASE("event queue: the largest time, and events pushed at it after it is reached") {
  const Time kMax = std::numeric_limits<Time>::max();
  EventQueue q;
  q.push(kMax, 0, 1);
  q.push(kMax - 1, 0, 2);
  q.push(0, 0, 3);
  q.push(kMax, 0, 4);
  CHECK(q.pop().index() == 3);
  CHECK(q.pop().index() == 2);
  CHECK(q.pop().index() == 1);
  CHECK(q.now() == kMax);
  q.push(kMax, 0, 5);  // at now(), which is the end of time
  CHECK(q.pop().index() == 4);
  CHECK(q.pop().index() == 5);
  CHECK(q.empty());
}

TEST_CASE("FIFO lanes interleave with the heap in exact (time, sequence) order") {
  // Fixed-delay events go on lanes; the order popped must equal that of one heap.
  consim::Rng rng(11, 3);
  EventQueue q;
  Pending pending;
  std::uint64_t seq = 0;
  std::uint32_t next_index = 0;
  const Time lane_delay[2] = {50, 7};
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t action = rng.next_below(4);
    if (action < 2 || pending.empty()) {
      const std::uint64_t where = rng.next_below(3);  // 0: heap, 1..2: lanes
      Time t;
      if (where == 0) {
        const std::uint64_t d = rng.next_below(60);
        t = q.now() + static_cast<Time>(d);
        q.push(t, 0, next_index);
      } else {
        t = q.now() + lane_delay[where - 1];
        q.push_lane(static_cast<int>(where - 1), t, 0, next_index);
      }
      pending.emplace_back(t, seq++, next_index++);
    } else {
      pop_earliest(q, pending);
    }
    REQUIRE(q.size() == pending.size());
  }
  CHECK(q.empty() == pending.empty());
}

TEST_CASE("pop_until takes the earliest event only when it is due, from the heap or a lane") {
  EventQueue q;
  Event e;
  CHECK_FALSE(q.pop_until(100, e));  // empty
  q.push(30, 0, 1);
  q.push_lane(0, 20, 0, 2);
  q.push_lane(1, 20, 0, 3);  // same time as lane 0's, scheduled later
  CHECK_FALSE(q.pop_until(19, e));
  CHECK(q.size() == 3);
  CHECK(q.now() == 0);
  REQUIRE(q.pop_until(20, e));
  CHECK(e.index() == 2);
  REQUIRE(q.pop_until(20, e));
  CHECK(e.index() == 3);
  CHECK(q.now() == 20);
  CHECK_FALSE(q.pop_until(29, e));
  REQUIRE(q.pop_until(30, e));
  CHECK(e.index() == 1);
  CHECK(q.empty());
  CHECK_FALSE(q.pop_until(1000, e));
}

TEST_CASE("an event is 16 bytes and keeps its kind and index whole") {
  CHECK(sizeof(Event) == 16);
  EventQueue q;
  q.push(5, Event::kMaxKind, Event::kMaxIndex);
  q.push(5, 0, 0);
  q.push_lane(1, 5, 3, 12345678);
  Event e = q.pop();
  CHECK(e.kind() == Event::kMaxKind);
  CHECK(e.index() == Event::kMaxIndex);
  e = q.pop();
  CHECK(e.kind() == 0);
  CHECK(e.index() == 0);
  e = q.pop();
  CHECK(e.kind() == 3);
  CHECK(e.index() == 12345678);
}

// Sequence numbers are 32 bits; when they run out the pending events are
// renumbered in order. A small limit makes that happen every few pushes
// (every push, once more events are pending than the limit): the order must
// be exactly that of (time, scheduling order), heap and lanes together.
TEST_CASE("renumbering the sequence keeps the exact (time, sequence) order") {
  for (const std::uint64_t limit : {1ull, 2ull, 3ull, 17ull, 64ull, 1000ull}) {
    CAPTURE(limit);
    consim::Rng rng(77, limit);
    EventQueue q(limit);
    Pending pending;
    std::uint64_t seq = 0;
    std::uint32_t next_index = 0;
    for (int step = 0; step < 6000; ++step) {
      const std::uint64_t action = rng.next_below(2 + (pending.size() > 40 ? 1 : 0));
      if (action == 0 || pending.empty()) {
        const std::uint64_t where = rng.next_below(3);  // 0: heap, 1..2: lanes
        Time t;
        if (where == 0) {
          // Coarse, so many ties; one in eight far off, so the buckets and
          // the far list hold events when the renumbering comes.
          const std::uint64_t d = rng.next_below(8);
          const bool is_far = rng.next_below(8) == 0;
          const std::uint64_t far = 1000 * (1 + rng.next_below(1000));
          t = q.now() + static_cast<Time>(is_far ? d + far : d);
          q.push(t, 1, next_index);
        } else {
          t = q.now() + static_cast<Time>(where * 3);
          q.push_lane(static_cast<int>(where - 1), t, 2, next_index);
        }
        pending.emplace_back(t, seq++, next_index++);
      } else {
        pop_earliest(q, pending);
      }
      REQUIRE(q.size() == pending.size());
    }
    CHECK(q.scheduled() == seq);
    CHECK(seq > 2 * limit);  // renumbered at least twice
  }
}
