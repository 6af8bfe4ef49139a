// sim/engine/pool.h: a pool of T with a free list.
//
// Slots are reused, never freed: once the pool has grown to the run's
// high-water mark, acquire() and release() do not allocate. An index stays
// valid until it is released; references into the pool are invalidated by
// acquire() (the storage may grow), indices are not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace consim {

template <typename T>
class Pool {
 public:
  // A free slot (its T is whatever it held last: callers assign it).
  std::uint32_t acquire() {
    if (!free_.empty()) {
      const std::uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    items_.emplace_back();
    return static_cast<std::uint32_t>(items_.size() - 1);
  }
  // REQUIRES: i was acquired and not released since.
  void release(std::uint32_t i) { free_.push_back(i); }
  T& operator[](std::uint32_t i) { return items_[i]; }
  const T& operator[](std::uint32_t i) const { return items_[i]; }
  std::size_t in_use() const { return items_.size() - free_.size(); }

 private:
  std::vector<T> items_;
  std::vector<std::uint32_t> free_;
};

}  // namespace consim
