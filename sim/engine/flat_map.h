// sim/engine/flat_map.h: a hash map from 64-bit keys to small values, for
// lookups on the per-event path (open addressing, linear probing).
//
// What a caller may rely on:
//   - find() and operator[] cost a multiply, a shift and (at a load of at
//     most one half) about 1.5 probes on average; no allocation except when
//     the table doubles;
//   - operator[] inserts a value-initialised V when the key is absent;
//   - references stay valid until the next insertion of a new key;
//   - there is no iteration: the table's order cannot reach an output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace consim {

template <class V>
class FlatMap64 {
 public:
  // The value of `key`, or nullptr.
  const V* find(std::uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  V& operator[](std::uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) {
        s.used = true;
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
    std::uint64_t key = 0;
    V value{};
    bool used = false;
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
      if (s.used) (*this)[s.key] = s.value;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace consim
