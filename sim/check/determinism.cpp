#include "sim/check/determinism.h"

#include <vector>

#include <fmt/format.h>

#include "sim/world/world.h"

namespace consim {

namespace {

std::uint64_t fold(std::uint64_t running, std::uint64_t h) {
  std::uint64_t z = running ^ (h + 0x9e3779b97f4a7c15ULL + (running << 6) + (running >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string kind_text(const EventInfo& e) {
  std::string k = World::event_kind_name(e.kind, e.msg_kind);
  if (e.msg_kind >= 0) return fmt::format("{} {}->{}", k, e.from, e.to);
  if (k == "timer") return fmt::format("timer node {} id {}", e.from, e.to);
  return k;
}

DeterminismEvent capture(const EventInfo& e) { return DeterminismEvent{true, e.time, kind_text(e), e.hash}; }

struct Recorder : WorldObserver {
  std::vector<std::uint64_t> hashes;
  std::uint64_t running = 0;
  void on_event(const EventInfo& e) override {
    hashes.push_back(e.hash);
    running = fold(running, e.hash);
  }
};

struct Comparer : WorldObserver {
  const std::vector<std::uint64_t>& ref;
  std::uint64_t running = 0;
  std::uint64_t count = 0;
  bool differs = false;
  std::uint64_t first = 0;
  DeterminismEvent at;
  explicit Comparer(const std::vector<std::uint64_t>& r) : ref(r) {}
  void on_event(const EventInfo& e) override {
    running = fold(running, e.hash);
    if (!differs && (e.index >= ref.size() || ref[e.index] != e.hash)) {
      differs = true;
      first = e.index;
      at = capture(e);
    }
    ++count;
  }
};

struct Catcher : WorldObserver {
  std::uint64_t want;
  DeterminismEvent at;
  explicit Catcher(std::uint64_t w) : want(w) {}
  void on_event(const EventInfo& e) override {
    if (e.index == want) at = capture(e);
  }
};

}  // namespace

DeterminismResult compare_runs(const Scenario& a, const Scenario& b) {
  DeterminismResult r;
  Recorder rec;
  {
    World w(a);
    w.set_observer(&rec);
    w.run();
  }
  Comparer cmp(rec.hashes);
  {
    World w(b);
    w.set_observer(&cmp);
    w.run();
  }
  r.events_a = rec.hashes.size();
  r.events_b = cmp.count;
  r.hash_a = rec.running;
  r.hash_b = cmp.running;
  if (!cmp.differs && r.events_a == r.events_b) {
    r.identical = r.hash_a == r.hash_b;
    if (r.identical) return r;
  }
  r.first_difference = cmp.differs ? cmp.first : r.events_b;  // b ended early otherwise
  r.b = cmp.differs ? cmp.at : DeterminismEvent{};
  if (r.first_difference < r.events_a) {
    Catcher c(r.first_difference);  // a third run to name the event of the first
    World w(a);
    w.set_observer(&c);
    w.run();
    r.a = c.at;
  }
  return r;
}

std::string describe(const DeterminismResult& r) {
  if (r.identical)
    return fmt::format("determinism: 2 runs, {} events, identical (hash 0x{:016x})", r.events_a, r.hash_a);
  auto ev = [](const DeterminismEvent& e) {
    return e.present ? fmt::format("t={} ns {} (event hash 0x{:016x})", e.time, e.kind, e.hash)
                     : std::string("(run had ended)");
  };
  return fmt::format(
      "determinism: runs DIFFER at event {}: run 1 {}; run 2 {} ({} vs {} events, hash 0x{:016x} vs 0x{:016x})",
      r.first_difference, ev(r.a), ev(r.b), r.events_a, r.events_b, r.hash_a, r.hash_b);
}

}  // namespace consim
