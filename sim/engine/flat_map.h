// sim/engine/flat_map.h: a hash map from 64-bit keys to small values, for
// lookups on the per-event path (open addressing, linear probing).
//
// What a caller may rely on:
//   - find() and operator[] cost a multiply, a shift and (at a load of at
//     most three quarters) a few probes on average; no allocation except
//     when the table doubles; a slot is the key and the value, nothing more;
//   - keys are any 64-bit value but kEmpty (all ones), which marks a free
//     slot (REQUIRES in both calls);
//   - operator[] inserts a value-initialised V when the key is absent;
//   - references stay valid until the next insertion of a new key;
//   - there is no iteration: the table's order cannot reach an output.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace consim {

template <class V>
class FlatMap64 {
 public:
  // The value of `key`, or nullptr.
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

  const V* find(std::uint64_t key) const {
    assert(key != kEmpty);
    if (slots_.empty()) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == kEmpty) return nullptr;
    }
  }
  V& operator[](std::uint64_t key) {
    assert(key != kEmpty);
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.key == kEmpty) {
        s.key = key;
        s.value = V{};
        ++size_;
        return s.value;
      }
      if (s.key == key) return s.value;
    }
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key = kEmpty;
    V value{};
  };
  // Fibonacci hashing: the top bits of key * 2^64 / phi.
  std::size_t home(std::uint64_t key) const { return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift_); }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    const std::size_t capacity = old.empty() ? 64 : old.size() * 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (const Slot& s : old)
      if (s.key != kEmpty) (*this)[s.key] = s.value;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace consim
