// tests/test_ring.cpp: core/ring.h against std::deque, operation for operation.
#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <utility>

#include "core/ring.h"
#include "sim/engine/rng.h"

namespace {

struct Item {
  std::uint64_t a = 0;
  std::uint32_t b = 0;
};

// The ring holds what the deque holds, in the same order.
bool same(const consim::Ring<Item>& r, const std::deque<Item>& d) {
  if (r.size() != d.size() || r.empty() != d.empty()) return false;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (r[i].a != d[i].a || r[i].b != d[i].b) return false;
  return true;
}

}  // namespace

TEST_CASE("Ring: random pushes and pops, through growth with the front anywhere, match a deque") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    consim::Rng rng(seed, 0);
    consim::Ring<Item> r;
    std::deque<Item> d;
    std::uint64_t next = 0;
    for (int step = 0; step < 20000; ++step) {
      // Phases that mostly grow, then mostly shrink, so the front wraps
      // around and growth happens with it at every offset.
      const bool growing = (step / 1500) % 2 == 0;
      const std::uint64_t u = rng.next_below(10);
      if (d.empty() || u < (growing ? 7u : 3u)) {
        const Item it{next, static_cast<std::uint32_t>(next * 7)};
        ++next;
        r.push_back(it);
        d.push_back(it);
      } else if (u < 9) {
        r.pop_front();
        d.pop_front();
      } else {
        r.pop_back();
        d.pop_back();
      }
      if (!d.empty()) {
        REQUIRE(r.front().a == d.front().a);
        REQUIRE(r.back().a == d.back().a);
        const std::size_t i = rng.next_below(d.size());
        r[i].b += 1;
        d[i].b += 1;
      }
      if (step % 997 == 0) REQUIRE(same(r, d));
    }
    REQUIRE(same(r, d));
    SUBCASE("copies are deep; moves leave the source empty") {
      consim::Ring<Item> copy = r;
      REQUIRE(same(copy, d));
      if (!d.empty()) {
        copy[0].b += 100;
        CHECK(r[0].b == d[0].b);
      }
      consim::Ring<Item> moved = std::move(r);
      CHECK(same(moved, d));
      CHECK(r.empty());
      r.push_back(Item{1, 2});  // a moved-from ring is usable
      CHECK(r.size() == 1);
      moved = copy;
      CHECK(moved.size() == copy.size());
      moved.clear();
      CHECK(moved.empty());
      moved.push_back(Item{3, 4});
      CHECK(moved.front().a == 3);
    }
  }
}
