// sim/engine/event_queue.h: the world's agenda, a 4-ary min-heap of small event keys.
//
// Events are ordered by (time, sequence number); the sequence number is the
// order in which events were scheduled, so two events at the same virtual
// time always run in the same order. An event is 24 bytes: the payload is a
// kind and an index into a pool the world owns (messages, timers, clients),
// so scheduling never allocates once the heap has grown.
//
// Events scheduled a fixed delay after "now" (client timeouts) arrive in
// time order, so they need no heap: push_lane() appends them to a FIFO lane
// and pop() takes whichever of the heap's top and the lane fronts comes first
// in (time, sequence) order. The order of events is exactly that of a single
// heap; the heap just stays small.
//
// Cost (what the loop pays per event): (time, sequence) compares times
// first (they nearly always differ); the heap is 4-ary, half the levels of
// a binary one; pop() sifts the hole left at the top down to a leaf (three
// branch-free comparisons a level, among siblings) and the last element back up
// (usually a level or so), instead of the textbook sift-down's comparison
// with the element as well at every level; lanes are ring buffers.
// pop_until() finds the earliest event once for both the "is it due" test
// and the pop. Measured against the binary heap it replaced (times-first
// comparisons throughout): bare PHOLD 1.5x faster (now at least as fast as a
// std::priority_queue), about the same instructions (docs/architecture.md,
// "Performance").
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <vector>

#include "core/ring.h"
#include "core/types.h"

namespace consim {

struct Event {
  Time time = 0;
  std::uint64_t seq = 0;
  std::uint32_t kind = 0;   // the world's event kind
  std::uint32_t index = 0;  // the world's payload index
};

class EventQueue {
 public:
  static constexpr int lanes() { return kLanes; }
  // Schedule at `time`, which must not be before the last popped time.
  void push(Time time, std::uint32_t kind, std::uint32_t index) {
    assert(time >= now_);
    heap_.push_back(Event{time, next_seq_++, kind, index});
    sift_up(heap_.size() - 1);
  }

  // Schedule on FIFO lane `lane` (< kLanes).
  // REQUIRES: time >= the time of every event already on that lane.
  void push_lane(int lane, Time time, std::uint32_t kind, std::uint32_t index) {
    assert(time >= now_);
    assert(lanes_[lane].empty() || lanes_[lane].back().time <= time);
    lanes_[lane].push_back(Event{time, next_seq_++, kind, index});
  }

  bool empty() const {
    if (!heap_.empty()) return false;
    for (const auto& l : lanes_)
      if (!l.empty()) return false;
    return true;
  }
  std::size_t size() const {
    std::size_t s = heap_.size();
    for (const auto& l : lanes_) s += l.size();
    return s;
  }
  // REQUIRES: !empty()
  const Event& top() const {
    const int from = earliest();
    return from < 0 ? heap_.front() : lanes_[from].front();
  }

  // Remove and return the earliest event; advances now(). REQUIRES: !empty()
  Event pop() {
    assert(!empty());
    return take(earliest());
  }

  // If the earliest event is at or before `limit`, removes it into `e`,
  // advances now() and returns true; otherwise (or when empty) returns false
  // and leaves the queue as it was.
  bool pop_until(Time limit, Event& e) {
    const int from = earliest();
    if (from == kNone) return false;
    const Event& best = from < 0 ? heap_.front() : lanes_[from].front();
    if (best.time > limit) return false;
    e = take(from);
    return true;
  }

  Time now() const { return now_; }
  std::uint64_t scheduled() const { return next_seq_; }

 private:
  // (time, seq) order, times first: they nearly always differ.
  static bool before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  // The same order as one unsigned 128-bit comparison (times are never
  // negative: the first is 0, and time >= now_), which compiles without a
  // branch. For choosing among siblings, where which comes first is data
  // the branch predictor cannot learn: the choice of the smallest of four
  // by branches cost more time than its extra instructions save.
  static bool before_key(const Event& a, const Event& b) {
    using Key = unsigned __int128;
    const Key ka = (static_cast<Key>(static_cast<std::uint64_t>(a.time)) << 64) | a.seq;
    const Key kb = (static_cast<Key>(static_cast<std::uint64_t>(b.time)) << 64) | b.seq;
    return ka < kb;
  }
  static constexpr int kNone = -2;  // earliest(): nothing pending
  static constexpr int kHeap = -1;  // earliest(): the heap's top

  // Where the earliest event is: kHeap, a lane, or kNone.
  int earliest() const {
    int from = heap_.empty() ? kNone : kHeap;
    const Event* best = from == kHeap ? &heap_.front() : nullptr;
    for (int i = 0; i < kLanes; ++i) {
      const auto& l = lanes_[i];
      if (l.empty()) continue;
      if (best == nullptr || before(l.front(), *best)) {
        best = &l.front();
        from = i;
      }
    }
    return from;
  }

  // REQUIRES: from is kHeap or a non-empty lane.
  Event take(int from) {
    Event e;
    if (from >= 0) {
      e = lanes_[from].front();
      lanes_[from].pop_front();
    } else {
      e = heap_.front();
      remove_top();
    }
    now_ = e.time;
    return e;
  }

  // A 4-ary heap: the children of i are 4i+1 .. 4i+4, its parent (i-1)/4.
  // Half the levels of a binary heap for at most three comparisons a level
  // on the way down and one on the way up; the four children are adjacent
  // (96 bytes, about a cache line and a half).
  static constexpr std::size_t kArity = 4;

  void sift_up(std::size_t i) {
    const Event e = heap_[i];
    while (i > 0) {
      const std::size_t p = (i - 1) / kArity;
      if (!before(e, heap_[p])) break;
      heap_[i] = heap_[p];
      i = p;
    }
    heap_[i] = e;
  }
  // Removes the top: the hole at the root goes down along the smallest child
  // to a leaf, and the last element fills it from there, moving up.
  void remove_top() {
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return;
    Event* const h = heap_.data();
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = kArity * i + 1;
      std::size_t c = first;
      if (first + kArity <= n) {
        // A tournament of branch-free selects.
        const std::size_t a = first + static_cast<std::size_t>(before_key(h[first + 1], h[first]));
        const std::size_t b = first + 2 + static_cast<std::size_t>(before_key(h[first + 3], h[first + 2]));
        c = before_key(h[b], h[a]) ? b : a;
      } else {
        if (first >= n) break;
        for (std::size_t k = first + 1; k < n; ++k)
          if (before(h[k], h[c])) c = k;
      }
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
    sift_up(i);
  }

  static constexpr int kLanes = 2;
  std::vector<Event> heap_;
  std::array<Ring<Event>, kLanes> lanes_;
  std::uint64_t next_seq_ = 0;
  Time now_ = 0;
};

}  // namespace consim
