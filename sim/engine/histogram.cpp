// sim/engine/histogram.cpp: the log-linear latency histogram.
//
// Bucket layout: values 0..63 have one bucket each (exact). A value v >= 64
// with top bit e (2^e <= v < 2^(e+1), 6 <= e <= 62 since Time is signed) goes
// to sub-bucket (v >> (e - 5)) & 31 of its power of two, i.e. bucket
// 64 + (e - 6) * 32 + sub, of width 2^(e - 5) <= v / 32.
#include "sim/engine/histogram.h"

#include <algorithm>
#include <cmath>

namespace consim {

int Histogram::bucket_of(std::uint64_t v) {
  if (v < 64) return static_cast<int>(v);
  const int e = 63 - __builtin_clzll(v);
  const int sub = static_cast<int>((v >> (e - kSubBits)) & (kSub - 1));
  return 64 + (e - 6) * kSub + sub;
}

std::uint64_t Histogram::bucket_low(int b) {
  if (b < 64) return static_cast<std::uint64_t>(b);
  const int e = 6 + (b - 64) / kSub;
  const std::uint64_t sub = static_cast<std::uint64_t>((b - 64) % kSub);
  return (static_cast<std::uint64_t>(kSub) + sub) << (e - kSubBits);
}

std::uint64_t Histogram::bucket_high(int b) {
  if (b < 64) return static_cast<std::uint64_t>(b);
  const int e = 6 + (b - 64) / kSub;
  return bucket_low(b) + ((std::uint64_t{1} << (e - kSubBits)) - 1);
}

void Histogram::record(Time v) {
  if (v < 0) v = 0;
  ++counts_[static_cast<std::size_t>(bucket_of(static_cast<std::uint64_t>(v)))];
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  ++count_;
  sum_ += v;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (int b = 0; b < kBuckets; ++b) counts_[static_cast<std::size_t>(b)] += other.counts_[static_cast<std::size_t>(b)];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

Time Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0)) q = 0;  // also maps NaN to 0
  if (q > 1) q = 1;
  // rank = ceil(q * count), at least 1; a product a hair above an integer
  // through rounding (0.07 * 100 = 7.000000000000001) counts as that integer.
  const double x = q * static_cast<double>(count_);
  const double nearest = std::round(x);
  double r = (std::fabs(x - nearest) <= 1e-9 * std::max(1.0, x)) ? nearest : std::ceil(x);
  std::uint64_t rank = r < 1 ? 1 : static_cast<std::uint64_t>(r);
  if (rank > count_) rank = count_;
  // The extreme ranks are the exact min and max, which we know exactly.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::uint64_t cum = 0;
  for (int b = 0; b < kBuckets; ++b) {
    cum += counts_[static_cast<std::size_t>(b)];
    if (cum >= rank) {
      const std::uint64_t lo = bucket_low(b);
      const std::uint64_t hi = bucket_high(b);
      const Time mid = static_cast<Time>(lo + (hi - lo) / 2);
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace consim
