// core/ring.h: a growable ring buffer (FIFO with random access).
//
// Used instead of std::deque on the steady-state path: once the ring has
// grown to its working size, push/pop never allocate (std::deque allocates
// and frees a block every few elements as it slides).
//
// For trivially copyable element types only (the log's entries, pending
// writes, events, indices): a slot holds an element from push_back() to
// pop, growth copies the elements held and leaves the new free slots
// untouched (nothing is zero-filled that push_back() will overwrite).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace consim {

template <class T>
class Ring {
  static_assert(std::is_trivially_copyable<T>::value && std::is_trivially_destructible<T>::value,
                "Ring holds trivially copyable, trivially destructible elements");

 public:
  Ring() = default;
  Ring(const Ring& o) { *this = o; }
  Ring& operator=(const Ring& o) {
    if (this == &o) return *this;
    clear();
    reserve_at_least(o.count_);
    for (std::size_t i = 0; i < o.count_; ++i) push_back(o[i]);
    return *this;
  }
  Ring(Ring&& o) noexcept { swap(o); }
  Ring& operator=(Ring&& o) noexcept {
    Ring gone;
    gone.swap(o);
    swap(gone);
    return *this;
  }
  ~Ring() {
    if (buf_) std::allocator<T>().deallocate(buf_, capacity_);
  }

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // REQUIRES: i < size(). Element i counted from the front.
  T& operator[](std::size_t i) {
    assert(i < count_);
    return buf_[(head_ + i) & (capacity_ - 1)];
  }
  const T& operator[](std::size_t i) const {
    assert(i < count_);
    return buf_[(head_ + i) & (capacity_ - 1)];
  }
  T& front() { return (*this)[0]; }
  T& back() { return (*this)[count_ - 1]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[count_ - 1]; }

  void push_back(const T& v) {
    if (count_ == capacity_) grow();
    ::new (static_cast<void*>(buf_ + ((head_ + count_) & (capacity_ - 1)))) T(v);
    ++count_;
  }
  // REQUIRES: !empty().
  void pop_front() {
    assert(count_ > 0);
    head_ = (head_ + 1) & (capacity_ - 1);
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
  void swap(Ring& o) noexcept {
    std::swap(buf_, o.buf_);
    std::swap(capacity_, o.capacity_);
    std::swap(head_, o.head_);
    std::swap(count_, o.count_);
  }
  void reserve_at_least(std::size_t n) {
    while (capacity_ < n) grow();
  }
  // Doubles the capacity (always a power of two), copying the elements to
  // the start of the new buffer.
  void grow() {
    const std::size_t size = capacity_ == 0 ? 16 : capacity_ * 2;
    T* bigger = std::allocator<T>().allocate(size);
    const std::size_t first = count_ == 0 ? 0 : std::min(count_, capacity_ - head_);  // from head_ to the end
    if (first > 0) std::memcpy(static_cast<void*>(bigger), buf_ + head_, first * sizeof(T));
    if (count_ > first) std::memcpy(static_cast<void*>(bigger + first), buf_, (count_ - first) * sizeof(T));
    if (buf_) std::allocator<T>().deallocate(buf_, capacity_);
    buf_ = bigger;
    capacity_ = size;
    head_ = 0;
  }

  T* buf_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace consim
