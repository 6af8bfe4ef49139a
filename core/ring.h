// core/ring.h: a growable ring buffer (FIFO with random access).
//
// Used instead of std::deque on the steady-state path: once the ring has
// grown to its working size, push/pop never allocate (std::deque allocates
// and frees a block every few elements as it slides).
#pragma once

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace consim {

template <class T>
class Ring {
 public:
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // REQUIRES: i < size(). Element i counted from the front.
  T& operator[](std::size_t i) {
    assert(i < count_);
    return buf_[(head_ + i) & (buf_.size() - 1)];
  }
  const T& operator[](std::size_t i) const {
    assert(i < count_);
    return buf_[(head_ + i) & (buf_.size() - 1)];
  }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[count_ - 1]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[count_ - 1]; }

  void push_back(const T& v) {
    if (count_ == buf_.size()) grow();
    buf_[(head_ + count_) & (buf_.size() - 1)] = v;
    ++count_;
  }
  // REQUIRES: !empty().
  void pop_front() {
    assert(count_ > 0);
    head_ = (head_ + 1) & (buf_.size() - 1);
    --count_;
  }
  // REQUIRES: !empty().
  void pop_back() {
    assert(count_ > 0);
    --count_;
  }
  // Keeps the capacity.
  void clear() {
    head_ = 0;
    count_ = 0;
  }

 private:
  // Doubles the capacity (always a power of two), moving the elements to the
  // start of the new buffer.
  // The elements are moved into place, only the new free half is
  // value-initialised.
  void grow() {
    const std::size_t size = buf_.empty() ? 16 : buf_.size() * 2;
    std::vector<T> bigger;
    bigger.reserve(size);
    for (std::size_t i = 0; i < count_; ++i) bigger.push_back(std::move((*this)[i]));
    bigger.resize(size);
    buf_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace consim
