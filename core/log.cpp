// core/log.cpp: the replicated log.
#include "core/log.h"

#include <cassert>

namespace consim {

void Log::compact(std::size_t retain, std::uint64_t upto) {
  while (entries_.size() > retain && snapshot_index_ < upto) {
    snapshot_term_ = entries_.front().term;
    snapshot_lead_ = entries_.front().lead;
    ++snapshot_index_;
    entries_.pop_front();
  }
}

void Log::reset(std::uint64_t index, std::uint64_t term, std::uint64_t lead) {
  entries_.clear();
  snapshot_index_ = index;
  snapshot_term_ = term;
  snapshot_lead_ = lead;
}

// Terms never decrease along a log, so both searches are binary.
std::uint64_t Log::first_index_of_term_at(std::uint64_t i) const {
  assert(contains(i));
  const std::uint64_t t = term_at(i);
  std::uint64_t lo = snapshot_index_ + 1, hi = i;  // answer in [lo, hi]
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    if (term_at(mid) < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

std::uint64_t Log::last_index_of_term(std::uint64_t t) const {
  // The last held index whose term is <= t, then check it is exactly t.
  std::uint64_t lo = snapshot_index_ + 1, hi = last_index();
  if (lo > hi || term_at(lo) > t) return 0;
  while (lo < hi) {  // invariant: term_at(lo) <= t
    std::uint64_t mid = lo + (hi - lo + 1) / 2;
    if (term_at(mid) <= t) lo = mid; else hi = mid - 1;
  }
  return term_at(lo) == t ? lo : 0;
}

}  // namespace consim
