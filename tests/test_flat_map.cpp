// tests/test_flat_map.cpp: FlatMap64 against std::map on random keys.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>

#include "sim/engine/flat_map.h"
#include "sim/engine/rng.h"

TEST_CASE("FlatMap64: inserts, finds and updates as std::map does, across growth and colliding keys") {
  consim::Rng rng(5, 9);
  consim::FlatMap64<std::uint64_t> m;
  std::map<std::uint64_t, std::uint64_t> ref;
  CHECK(m.find(0) == nullptr);
  for (int i = 0; i < 200000; ++i) {
    // Keys as the checker makes them ((client << 32) | key), from a small
    // range so that finds hit, and some keys that differ only in high bits.
    const std::uint64_t client = rng.next_below(300);
    const std::uint64_t key = rng.next_below(500);
    const std::uint64_t k = (client << 32) | key;
    const std::uint64_t action = rng.next_below(3);
    if (action == 0) {
      const std::uint64_t v = rng.next_u64();
      m[k] = v;
      ref[k] = v;
    } else {
      const std::uint64_t* got = m.find(k);
      const auto it = ref.find(k);
      REQUIRE((got == nullptr) == (it == ref.end()));
      if (got) REQUIRE(*got == it->second);
    }
    REQUIRE(m.size() == ref.size());
  }
  CHECK(m.size() > 10000);
  // operator[] on an absent key inserts a value-initialised value; the
  // largest key but one is a key like any other.
  const std::uint64_t absent = (std::uint64_t{1000} << 32) | 7;
  REQUIRE(m.find(absent) == nullptr);
  CHECK(m[absent] == 0);
  CHECK(m.find(absent) != nullptr);
  m[~std::uint64_t{0} - 1] = 7;
  CHECK(*m.find(~std::uint64_t{0} - 1) == 7);
}
