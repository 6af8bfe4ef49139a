// sim/engine/event_queue.h: the world's agenda, a binary min-heap of small event keys.
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
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <deque>
#include <vector>

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
    const Event* best = heap_.empty() ? nullptr : &heap_.front();
    for (const auto& l : lanes_)
      if (!l.empty() && (!best || before(l.front(), *best))) best = &l.front();
    return *best;
  }

  // Remove and return the earliest event; advances now(). REQUIRES: !empty()
  Event pop() {
    int from = -1;  // -1: the heap
    const Event* best = heap_.empty() ? nullptr : &heap_.front();
    for (int i = 0; i < kLanes; ++i) {
      const auto& l = lanes_[i];
      if (!l.empty() && (!best || before(l.front(), *best))) {
        best = &l.front();
        from = i;
      }
    }
    Event e = *best;
    if (from >= 0) {
      lanes_[from].pop_front();
    } else {
      heap_.front() = heap_.back();
      heap_.pop_back();
      if (!heap_.empty()) sift_down(0);
    }
    now_ = e.time;
    return e;
  }

  Time now() const { return now_; }
  std::uint64_t scheduled() const { return next_seq_; }

 private:
  static bool before(const Event& a, const Event& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  }
  void sift_up(std::size_t i) {
    Event e = heap_[i];
    while (i > 0) {
      std::size_t p = (i - 1) / 2;
      if (!before(e, heap_[p])) break;
      heap_[i] = heap_[p];
      i = p;
    }
    heap_[i] = e;
  }
  void sift_down(std::size_t i) {
    const std::size_t n = heap_.size();
    Event e = heap_[i];
    for (;;) {
      std::size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap_[c + 1], heap_[c])) ++c;
      if (!before(heap_[c], e)) break;
      heap_[i] = heap_[c];
      i = c;
    }
    heap_[i] = e;
  }

  static constexpr int kLanes = 2;
  std::vector<Event> heap_;
  std::array<std::deque<Event>, kLanes> lanes_;
  std::uint64_t next_seq_ = 0;
  Time now_ = 0;
};

}  // namespace consim
