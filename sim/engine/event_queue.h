// sim/engine/event_queue.h: the world's agenda: a ladder of a small 4-ary
// min-heap, a row of unsorted buckets and an unsorted far list, over small
// event keys.
//
// Events are ordered by (time, sequence number); the sequence number is the
// order in which events were scheduled, so two events at the same virtual
// time always run in the same order. An event is 16 bytes: its time, and a
// tag packing 32 bits of sequence number, the payload's kind (4 bits) and an
// index into a pool the world owns (messages, timers, clients; 28 bits), so
// scheduling never allocates once the queue has grown and four siblings of
// the heap fill one cache line. When 2^32 events have been scheduled the
// pending ones are renumbered, keeping their order.
//
// Where an event waits depends on its time alone, so events with equal times
// are always in the same place and the order is exactly that of one heap:
//   - the heap holds the near events, up to the end of the bucket it was
//     last filled from;
//   - then a row of buckets, each a power-of-two span of time, unsorted;
//   - then the far list, unsorted, for everything after the last bucket.
// When the heap runs empty it takes the next non-empty bucket; when the
// buckets run out, the far list is spread over a new row whose count and
// width come from the far events themselves (about one a bucket up to their
// median time). So the heap holds a bucket's few events instead of all that
// are pending, and an event costs a constant, not log(pending): pushed into
// a bucket or the far list, moved once or twice, popped from a tiny heap.
//
// Events scheduled a fixed delay after "now" (client timeouts) arrive in
// time order, so they need none of that: push_lane() appends them to a FIFO
// lane and pop() takes whichever of the heap's top and the lane fronts comes
// first in (time, sequence) order.
//
// Cost (what the loop pays per event): (time, sequence) compares times
// first (they nearly always differ); the heap is 4-ary, and pop() sifts the
// hole left at the top down to a leaf (three branch-free comparisons a
// level, among siblings) and the last element back up, or, when at most
// four are left (all children of the root), just picks the smallest; lanes
// are ring buffers. pop_until() finds the earliest event once for both the
// "is it due" test and the pop. Measured against the plain 4-ary heap it replaced
// (docs/architecture.md, "Performance"): bare PHOLD 0.83x the time at 1k
// pending events, 0.79x at 16k; consim bench 9% fewer instructions per
// event at 64 nodes, 4% at 3; every report byte the same.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ring.h"
#include "core/types.h"

namespace consim {

// 16 bytes: the time, then a tag holding the event's place in the
// scheduling order (its top 32 bits), the world's event kind (4 bits) and
// its payload index (28 bits). Four siblings of the heap fill one 64-byte
// cache line, and (time, tag) compares as one unsigned 128-bit number in
// (time, sequence) order, since no two pending events share a sequence.
struct Event {
  static constexpr int kKindBits = 4;
  static constexpr int kIndexBits = 28;
  static constexpr std::uint32_t kMaxKind = (1u << kKindBits) - 1;
  static constexpr std::uint32_t kMaxIndex = (1u << kIndexBits) - 1;

  Time time = 0;
  std::uint64_t tag = 0;

  std::uint32_t kind() const { return static_cast<std::uint32_t>(tag >> kIndexBits) & kMaxKind; }
  std::uint32_t index() const { return static_cast<std::uint32_t>(tag) & kMaxIndex; }
  // The place in the scheduling order among the events pending with it
  // (renumbered, order kept, when the 32-bit count runs out).
  std::uint32_t seq() const { return static_cast<std::uint32_t>(tag >> 32); }
};
static_assert(sizeof(Event) == 16, "four events to a cache line");

class EventQueue {
 public:
  static constexpr int lanes() { return kLanes; }
  EventQueue() = default;
  // For tests: renumber pending events whenever `seq_limit` have been
  // scheduled since the last renumbering (2^32 otherwise).
  explicit EventQueue(std::uint64_t seq_limit) : seq_limit_(seq_limit) {
    assert(seq_limit > 0 && seq_limit <= kSeqLimit);
  }

  // Schedule at `time`, which must not be before the last popped time.
  // Inlined into every caller: measured 17 fewer instructions per event on
  // consim bench (forcing remove_top() or the delay sample inline cost more).
  [[gnu::always_inline]] void push(Time time, std::uint32_t kind, std::uint32_t index) {
    assert(time >= now_);
    const Event e = make(time, kind, index);
    if (time <= near_last_) {
      heap_.push_back(e);
      sift_up(heap_.size() - 1);
      return;
    }
    const std::uint64_t b = static_cast<std::uint64_t>(time - base_) >> shift_;
    if (b < buckets_used_) {
      buckets_[b].push_back(e);
      ++in_buckets_;
    } else {
      far_.push_back(e);
    }
    if (heap_.empty()) refill();
  }

  // Schedule on FIFO lane `lane` (< kLanes).
  // REQUIRES: time >= the time of every event already on that lane.
  void push_lane(int lane, Time time, std::uint32_t kind, std::uint32_t index) {
    assert(time >= now_);
    assert(lanes_[lane].empty() || lanes_[lane].back().time <= time);
    lanes_[lane].push_back(make(time, kind, index));
  }

  bool empty() const {
    if (!heap_.empty()) return false;  // the buckets and far hold nothing then
    for (const auto& l : lanes_)
      if (!l.empty()) return false;
    return true;
  }
  std::size_t size() const {
    std::size_t s = heap_.size() + in_buckets_ + far_.size();
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

  // The event slots the queue holds storage for outside its lanes, pending
  // or not: bounded by the most events ever pending at once (times a small
  // factor), plus up to kKeepCapacity slots a bucket, however long the run.
  std::size_t slots_reserved() const {
    std::size_t n = heap_.capacity() + far_.capacity();
    for (const auto& b : buckets_) n += b.capacity();
    return n;
  }

  Time now() const { return now_; }
  // How many events have been scheduled, ever.
  std::uint64_t scheduled() const { return scheduled_; }

 private:
  // (time, seq) order, times first: they nearly always differ.
  static bool before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.tag < b.tag);
  }
  // The same order as one unsigned 128-bit comparison (times are never
  // negative: the first is 0, and time >= now_), which compiles without a
  // branch. For choosing among siblings, where which comes first is data
  // the branch predictor cannot learn: the choice of the smallest of four
  // by branches cost more time than its extra instructions save.
  static bool before_key(const Event& a, const Event& b) {
    using Key = unsigned __int128;
    const Key ka = (static_cast<Key>(static_cast<std::uint64_t>(a.time)) << 64) | a.tag;
    const Key kb = (static_cast<Key>(static_cast<std::uint64_t>(b.time)) << 64) | b.tag;
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
  // (64 bytes, one cache line when the heap's storage is so aligned).
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
    if (n == 0) {
      if (in_buckets_ + far_.size() > 0) refill();
      return;
    }
    Event* const h = heap_.data();
    if (n <= kArity) {
      // Everything left is a child of the root, as nearly always: the heap
      // holds one bucket's few events. The smallest of them and `last`
      // becomes the root; the others are leaves, in any order.
      std::size_t c = 1;
      for (std::size_t k = 2; k < n; ++k)
        if (before(h[k], h[c])) c = k;
      if (c < n && before(h[c], last)) {
        h[0] = h[c];
        h[c] = last;
      } else {
        h[0] = last;
      }
      return;
    }
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

  // The heap ran empty with events still in the buckets or far: move the
  // next non-empty bucket into it (first spreading far over new buckets
  // when none is left). REQUIRES: heap_ empty, in_buckets_ + far_ non-empty.
  void refill() {
    if (in_buckets_ == 0) reseat();
    while (buckets_[next_bucket_].empty()) ++next_bucket_;
    // The bucket becomes the heap, made one in place; the bucket takes the
    // heap's empty storage, so storage circulates and nothing allocates. A
    // bucket keeps at most kKeepCapacity slots of it: what the queue holds
    // stays bounded by what is pending, however the run's times fall.
    std::vector<Event>& bucket = buckets_[next_bucket_];
    heap_.swap(bucket);
    if (bucket.capacity() > kKeepCapacity) std::vector<Event>().swap(bucket);
    for (std::size_t i = 1; i < heap_.size(); ++i) sift_up(i);
    in_buckets_ -= heap_.size();
    ++next_bucket_;
    near_last_ = before_bucket(next_bucket_);
  }
  // The last time before bucket `b` (b >= 1) begins, or the largest time
  // when it would begin beyond it.
  Time before_bucket(std::uint64_t b) const {
    const std::uint64_t room = static_cast<std::uint64_t>(kMaxTime - base_) >> shift_;
    return b > room ? kMaxTime : base_ + static_cast<Time>(b << shift_) - 1;
  }
  // New buckets from the far events: the first starts at the earliest of
  // them; bucket count and width are powers of two, chosen so that half
  // the buckets reach the median far time, about one event a bucket below
  // it (two or four a bucket measured 1-3% more instructions). Those within
  // the buckets' reach move into them, the rest stay far. Each call moves
  // at least half of far (everything up to the median), so the work is a
  // constant per event. REQUIRES: far_ non-empty, no events in the buckets.
  void reseat() {
    const std::size_t n = far_.size();
    Time lo = far_.front().time;
    for (const Event& e : far_) lo = std::min(lo, e.time);
    const auto mid = far_.begin() + static_cast<std::ptrdiff_t>(n / 2);
    std::nth_element(far_.begin(), mid, far_.end(), [](const Event& a, const Event& b) { return a.time < b.time; });
    const std::uint64_t spread = static_cast<std::uint64_t>(mid->time - lo);
    std::uint64_t count = kMinBuckets;
    while (count < kMaxBuckets && count < n) count <<= 1;
    int shift = 0;
    while (shift < 62 && (spread >> shift) >= count / 2) ++shift;
    if (buckets_.size() < count) buckets_.resize(count);
    base_ = lo;
    shift_ = shift;
    buckets_used_ = count;
    next_bucket_ = 0;
    std::size_t kept = 0;
    for (const Event& e : far_) {
      const std::uint64_t b = static_cast<std::uint64_t>(e.time - base_) >> shift_;
      if (b < count) {
        buckets_[b].push_back(e);
        ++in_buckets_;
      } else {
        far_[kept++] = e;
      }
    }
    far_.resize(kept);
  }

  Event make(Time time, std::uint32_t kind, std::uint32_t index) {
    if (next_seq_ >= seq_limit_) renumber();
    assert(kind <= Event::kMaxKind);
    if (index > Event::kMaxIndex) too_many(index);
    ++scheduled_;
    return Event{time, (next_seq_++ << 32) | (std::uint64_t{kind} << Event::kIndexBits) | index};
  }
  // Payload indices are slots of the world's pools. A run that would hold
  // more than 2^28 of one kind pending at once (tens of GB of messages; the
  // memory budget at load refuses nearly all such runs) stops here rather
  // than mix its events up.
  [[noreturn]] static void too_many(std::uint32_t index) {
    throw std::length_error("event queue: payload index " + std::to_string(index) + " above the limit of " +
                            std::to_string(Event::kMaxIndex) + " (2^28 - 1)");
  }
  // The sequence numbers ran out: give the pending events new ones, 0..n-1
  // in their (time, sequence) order. Every comparison between them comes out
  // as before, so the heap and the lanes stay ordered, and so does
  // everything scheduled from here on. Once per 2^32 events scheduled.
  void renumber() {
    std::vector<Event*> all;
    all.reserve(size());
    for (Event& e : heap_) all.push_back(&e);
    for (std::size_t b = next_bucket_; b < buckets_used_; ++b)
      for (Event& e : buckets_[b]) all.push_back(&e);
    for (Event& e : far_) all.push_back(&e);
    for (auto& l : lanes_)
      for (std::size_t i = 0; i < l.size(); ++i) all.push_back(&l[i]);
    std::sort(all.begin(), all.end(), [](const Event* a, const Event* b) { return before(*a, *b); });
    std::uint64_t seq = 0;
    for (Event* e : all) e->tag = (seq++ << 32) | (e->tag & 0xffffffffu);
    assert(seq < kSeqLimit);
    next_seq_ = seq;
  }

  static constexpr int kLanes = 2;
  static constexpr Time kMaxTime = std::numeric_limits<Time>::max();
  static constexpr std::uint64_t kMinBuckets = 4;
  static constexpr std::uint64_t kMaxBuckets = 4096;
  static constexpr std::size_t kKeepCapacity = 64;
  // The near events, times <= near_last_. Empty only when the buckets and
  // far are empty too, so its top is the earliest of the three.
  std::vector<Event> heap_;
  Time near_last_ = -1;
  // Bucket b (next_bucket_ <= b < buckets_used_) holds, unsorted, the events
  // with times in [base_ + b * 2^shift_, base_ + (b + 1) * 2^shift_); the
  // first of them begins at near_last_ + 1.
  std::vector<std::vector<Event>> buckets_;
  std::uint64_t buckets_used_ = 0;
  std::uint64_t next_bucket_ = 0;
  std::size_t in_buckets_ = 0;
  Time base_ = 0;
  int shift_ = 0;
  // Events beyond the last bucket, unsorted.
  std::vector<Event> far_;
  std::array<Ring<Event>, kLanes> lanes_;
  static constexpr std::uint64_t kSeqLimit = std::uint64_t{1} << 32;
  std::uint64_t seq_limit_ = kSeqLimit;
  std::uint64_t next_seq_ = 0;  // the next event's sequence, < seq_limit_
  std::uint64_t scheduled_ = 0;
  Time now_ = 0;
};

}  // namespace consim
