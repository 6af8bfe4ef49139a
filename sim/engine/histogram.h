// sim/engine/histogram.h: a streaming latency histogram with bounded memory.
//
// Log-linear buckets (HDR style): values below 64 ns are exact; above, each
// power of two is split into 32 sub-buckets, so a reported percentile is
// within ~3% of the true value. Memory is fixed (about 2 000 buckets) however
// many values are recorded. The count, min, max and sum are exact.
#pragma once

#include <array>
#include <cstdint>

#include "core/types.h"

namespace consim {

class Histogram {
 public:
  void record(Time v);               // v < 0 is recorded as 0
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  Time min() const { return count_ ? min_ : 0; }
  Time max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The q-quantile (0 <= q <= 1) by the nearest-rank rule: the smallest
  // recorded value v such that at least ceil(q*count) values are <= v,
  // reported as the midpoint of v's bucket, clamped to [min, max].
  // 0 when empty.
  Time quantile(double q) const;

 private:
  static constexpr int kSubBits = 5;
  static constexpr int kSub = 1 << kSubBits;  // 32
  static constexpr int kBuckets = 64 * kSub;
  static int bucket_of(std::uint64_t v);
  static std::uint64_t bucket_low(int b);
  static std::uint64_t bucket_high(int b);  // inclusive

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  Time min_ = 0;
  Time max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace consim
