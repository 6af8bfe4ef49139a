// tools/bench/phold.cpp: the engine's floor. A sequential PHOLD (Fujimoto's
// synthetic benchmark): L logical processes, 16 events each in flight; each
// event, when it happens, schedules one more at now + 0.1 + Exp(0.9) (times
// in units of 1 ms), to itself or, with probability 0.1, to another LP
// chosen uniformly. Nothing else happens, so the run measures the event
// queue alone.
//
// The same run on two queues, for a side-by-side ratio:
//   --queue bare     std::priority_queue of (time, seq, lp): the textbook floor;
//   --queue consim   consim's EventQueue (sim/engine/event_queue.h), push() and pop().
// Both order events by (time, seq) and draw the same numbers (the project's
// xoshiro256**, sim/engine/rng.h), so they process the same events in the same
// order: the printed checksum must match.
//
//   consim_phold --queue bare|consim --pending 1024 --events 2000000
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "sim/engine/event_queue.h"
#include "sim/engine/rng.h"

namespace {

using consim::Time;

constexpr Time kUnit = 1'000'000;  // 1 ms in ns
constexpr int kPerLp = 16;
constexpr double kRemote = 0.1;

struct Draws {
  consim::Rng rng{1, consim::stream_id("phold")};
  std::uint32_t lps;
  explicit Draws(std::uint32_t n) : lps(n) {}
  Time delay() {
    const double u = rng.next_double_open0();
    const double x = -std::log(u) * 0.9;
    return kUnit / 10 + static_cast<Time>(x * static_cast<double>(kUnit) + 0.5);
  }
  std::uint32_t target(std::uint32_t lp) {
    const bool remote = rng.bernoulli(kRemote);
    if (!remote || lps == 1) return lp;
    const std::uint32_t other = static_cast<std::uint32_t>(rng.next_below(lps - 1));
    return other >= lp ? other + 1 : other;
  }
};

struct BareEvent {
  Time time;
  std::uint64_t seq;
  std::uint32_t lp;
  bool operator>(const BareEvent& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

std::uint64_t run_bare(std::uint32_t lps, std::uint64_t events) {
  Draws d(lps);
  std::priority_queue<BareEvent, std::vector<BareEvent>, std::greater<BareEvent>> q;
  std::uint64_t seq = 0;
  for (std::uint32_t lp = 0; lp < lps; ++lp)
    for (int k = 0; k < kPerLp; ++k) q.push({d.delay(), seq++, lp});
  std::uint64_t sum = 0;
  for (std::uint64_t n = 0; n < events; ++n) {
    const BareEvent e = q.top();
    q.pop();
    sum += static_cast<std::uint64_t>(e.time) ^ e.lp;
    const Time at = e.time + d.delay();
    q.push({at, seq++, d.target(e.lp)});
  }
  return sum;
}

std::uint64_t run_consim(std::uint32_t lps, std::uint64_t events) {
  Draws d(lps);
  consim::EventQueue q;
  for (std::uint32_t lp = 0; lp < lps; ++lp)
    for (int k = 0; k < kPerLp; ++k) q.push(d.delay(), 0, lp);
  std::uint64_t sum = 0;
  for (std::uint64_t n = 0; n < events; ++n) {
    const consim::Event e = q.pop();
    sum += static_cast<std::uint64_t>(e.time) ^ e.index();
    const Time at = e.time + d.delay();
    q.push(at, 0, d.target(e.index()));
  }
  return sum;
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: consim_phold --queue bare|consim [--pending N] [--events N]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string queue;
  std::uint64_t pending = 1024, events = 2'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage();
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--queue") {
      queue = v;
    } else if (a == "--pending" || a == "--events") {
      const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-' || x == 0 || x > 1'000'000'000ull) usage();
      (a == "--pending" ? pending : events) = x;
    } else {
      usage();
    }
  }
  if (queue != "bare" && queue != "consim") usage();
  const std::uint32_t lps = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, pending / kPerLp));
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t sum = queue == "bare" ? run_bare(lps, events) : run_consim(lps, events);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("phold %s: %u LPs, %llu pending, %llu events in %.3f s, %.2f M events/s, checksum %016llx\n",
              queue.c_str(), lps, static_cast<unsigned long long>(lps) * kPerLp,
              static_cast<unsigned long long>(events), s, static_cast<double>(events) / s / 1e6,
              static_cast<unsigned long long>(sum));
  return 0;
}
