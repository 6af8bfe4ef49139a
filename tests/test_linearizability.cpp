// The linearizability checker (sim/check/linearizability.h) on hand-built
// histories with answers worked by hand, against a brute-force search on
// small random histories, and on histories generated from a sequential
// execution (linearizable by construction) with and without one read mutated.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/check/linearizability.h"
#include "sim/engine/rng.h"
#include "sim/scenario/load.h"
#include "sim/world/history_sink.h"
#include "sim/world/world.h"

using namespace consim;

namespace {

// A history built by hand: times in ms, one key unless named.
struct Builder {
  History h;
  HistoryOp& add(std::uint32_t p, OpType t, const std::string& key, Time call, Time ret, Outcome o) {
    HistoryOp& op = h.ops.emplace_back();
    op.index = h.ops.size() - 1;
    op.process = p;
    op.type = t;
    op.level = Level::strong;
    op.key = key;
    op.invoked = call;
    op.completed = ret;
    op.outcome = o;
    return op;
  }
  Builder& put(std::uint32_t p, const std::string& v, Time call, Time ret, const std::string& key = "x") {
    add(p, OpType::put, key, call, ret, Outcome::ok).value = v;
    return *this;
  }
  // A write whose outcome is unknown (timed out at `ret`, or still open: ret -1).
  Builder& put_unknown(std::uint32_t p, const std::string& v, Time call, Time ret = -1, const std::string& key = "x") {
    add(p, OpType::put, key, call, ret, Outcome::unknown).value = v;
    return *this;
  }
  Builder& del(std::uint32_t p, Time call, Time ret, Outcome o = Outcome::ok, const std::string& key = "x") {
    add(p, OpType::del, key, call, ret, o);
    return *this;
  }
  Builder& get(std::uint32_t p, const std::string& v, Time call, Time ret, const std::string& key = "x",
               Level l = Level::strong) {
    HistoryOp& op = add(p, OpType::get, key, call, ret, Outcome::ok);
    op.value = v;
    op.found = true;
    op.level = l;
    return *this;
  }
  Builder& absent(std::uint32_t p, Time call, Time ret, const std::string& key = "x") {
    add(p, OpType::get, key, call, ret, Outcome::ok);
    return *this;
  }
  Builder& failed_get(std::uint32_t p, Time call, Time ret, const std::string& key = "x") {
    add(p, OpType::get, key, call, ret, Outcome::fail).value = "garbage";
    return *this;
  }
  LinVerdict verdict(const LinearizabilityLimits& lim = {}) const { return check_key_linearizable(h.ops, lim).verdict; }
  KeyLinearizability key(const LinearizabilityLimits& lim = {}) const { return check_key_linearizable(h.ops, lim); }
};

constexpr LinVerdict kLin = LinVerdict::linearizable;
constexpr LinVerdict kNot = LinVerdict::not_linearizable;

std::vector<std::uint64_t> indices(const std::vector<HistoryOp>& ops) {
  std::vector<std::uint64_t> v;
  for (const HistoryOp& op : ops) v.push_back(op.index);
  return v;
}

// Brute force: some order of the operations that respects real time (a
// before b when a.completed < b.invoked), in which every read returns the
// register's value, with each unknown write either placed or left out.
bool brute_force_linearizable(const std::vector<HistoryOp>& all) {
  std::vector<HistoryOp> ops;
  for (const HistoryOp& op : all) {
    if (op.type == OpType::get && op.outcome != Outcome::ok) continue;
    if (op.type != OpType::get && op.outcome == Outcome::fail) continue;
    ops.push_back(op);
  }
  const std::size_t n = ops.size();
  auto ends = [](const HistoryOp& o) { return o.outcome == Outcome::ok && o.completed >= 0; };
  std::vector<bool> used(n, false);
  std::function<bool(std::size_t, bool, std::string)> go = [&](std::size_t placed, bool present, std::string value) {
    bool all_done = true;
    for (std::size_t i = 0; i < n; ++i)
      if (!used[i] && ends(ops[i])) all_done = false;
    if (all_done) return true;  // what is left may never take effect
    for (std::size_t i = 0; i < n; ++i) {
      if (used[i]) continue;
      // i can go next only if no unplaced operation completed before i began.
      bool minimal = true;
      for (std::size_t j = 0; j < n && minimal; ++j)
        if (j != i && !used[j] && ends(ops[j]) && ops[j].completed < ops[i].invoked) minimal = false;
      if (!minimal) continue;
      const HistoryOp& o = ops[i];
      bool p = present;
      std::string v = value;
      if (o.type == OpType::get) {
        if (o.found != present || (o.found && o.value != value)) continue;
      } else if (o.type == OpType::put) {
        p = true;
        v = o.value;
      } else {
        p = false;
        v.clear();
      }
      used[i] = true;
      const bool ok = go(placed + 1, p, v);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return go(0, false, "");
}

}  // namespace

TEST_CASE("linearizability: a write, then a read that sees it; reads of an absent key") {
  CHECK(Builder().put(1, "a", 0, 10).get(2, "a", 20, 30).verdict() == kLin);
  CHECK(Builder().absent(1, 0, 10).verdict() == kLin);
  CHECK(Builder().absent(1, 0, 10).put(2, "a", 20, 30).absent(3, 25, 35).verdict() == kLin);  // concurrent: before
  CHECK(Builder().put(2, "a", 0, 30).absent(1, 5, 10).get(3, "a", 12, 20).verdict() == kLin);
  CHECK(Builder().get(1, "a", 0, 10).verdict() == kNot);  // nobody wrote it
}

TEST_CASE("linearizability: the stale read after a completed write is not linearizable") {
  const Builder b = Builder().put(1, "a", 0, 10).absent(2, 20, 30);
  const KeyLinearizability k = b.key();
  CHECK(k.verdict == kNot);
  CHECK(indices(k.witness) == std::vector<std::uint64_t>{0, 1});
  CHECK(k.witness_minimal);
  // Overwritten: a read of the older value after the newer write completed.
  CHECK(Builder().put(1, "a", 0, 10).put(1, "b", 20, 30).get(2, "a", 40, 50).verdict() == kNot);
  CHECK(Builder().put(1, "a", 0, 10).put(1, "b", 20, 30).get(2, "a", 25, 50).verdict() == kLin);
}

TEST_CASE("linearizability: a new value, then a later read of the old one (R + W > N without write-back)") {
  // put b is in flight [20, 100]; one strong read returns b, a later one a.
  // Neither read is stale (no write newer than a was acknowledged when
  // either began), yet no single order explains both.
  Builder b = Builder().put(1, "a", 0, 10).put(1, "b", 20, 100).get(2, "b", 30, 40).get(3, "a", 50, 60);
  // Two filler operations the witness must leave out.
  b.absent(4, 0, 5).get(4, "b", 200, 210);
  const KeyLinearizability k = b.key();
  CHECK(k.verdict == kNot);
  CHECK(indices(k.witness) == std::vector<std::uint64_t>{0, 1, 2, 3});
  CHECK(k.witness_minimal);
  // The same reads in the other order are fine.
  CHECK(Builder().put(1, "a", 0, 10).put(1, "b", 20, 100).get(3, "a", 30, 40).get(2, "b", 50, 60).verdict() == kLin);
  // ... as are the same reads overlapping each other.
  CHECK(Builder().put(1, "a", 0, 10).put(1, "b", 20, 100).get(2, "b", 30, 55).get(3, "a", 50, 60).verdict() == kLin);
}

TEST_CASE("linearizability: concurrent writes take effect in either order, but in one") {
  auto two = [] { return Builder().put(1, "a", 0, 10).put(2, "b", 5, 15); };
  CHECK(two().get(3, "a", 20, 30).verdict() == kLin);
  CHECK(two().get(3, "b", 20, 30).verdict() == kLin);
  CHECK(two().get(3, "b", 20, 30).get(3, "b", 40, 50).verdict() == kLin);
  CHECK(two().get(3, "b", 20, 30).get(4, "a", 40, 50).verdict() == kNot);
  CHECK(two().get(3, "a", 20, 30).get(4, "b", 40, 50).verdict() == kNot);
  // Three concurrent writes and reads that see them in an order that exists.
  CHECK(Builder().put(1, "a", 0, 50).put(2, "b", 0, 50).put(3, "c", 0, 50)
            .get(4, "b", 1, 2).get(4, "a", 3, 4).get(4, "c", 5, 6).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 50).put(2, "b", 0, 50).put(3, "c", 0, 50)
            .get(4, "b", 1, 2).get(4, "a", 3, 4).get(4, "b", 5, 6).verdict() == kNot);
}

TEST_CASE("linearizability: a write whose outcome is unknown may or may not have taken effect") {
  // Timed out at 25: either way is linearizable.
  CHECK(Builder().put(1, "a", 0, 10).put_unknown(1, "b", 15, 25).get(2, "a", 30, 40).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 10).put_unknown(1, "b", 15, 25).get(2, "b", 30, 40).verdict() == kLin);
  // It may take effect long after its timeout, or never.
  CHECK(Builder().put(1, "a", 0, 10).put_unknown(1, "b", 15, 25).get(2, "a", 30, 40).get(2, "b", 900, 910).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 10).put_unknown(1, "b", 15).get(2, "a", 30, 40).get(2, "a", 900, 910).verdict() == kLin);
  // But once seen, it stays: b then a again is not linearizable.
  CHECK(Builder().put(1, "a", 0, 10).put_unknown(1, "b", 15, 25).get(2, "b", 30, 40).get(3, "a", 50, 60).verdict() == kNot);
  // And never before it was invoked: the value served before its write (the mutant).
  CHECK(Builder().put(1, "a", 0, 10).get(2, "b", 12, 14).put_unknown(1, "b", 15, 25).verdict() == kNot);
  CHECK(Builder().put(1, "a", 0, 10).get(2, "b", 12, 14).put(1, "b", 15, 25).verdict() == kNot);
  // A write that certainly failed took no effect.
  Builder f = Builder().put(1, "a", 0, 10);
  f.add(1, OpType::put, "x", 15, 25, Outcome::fail).value = "b";
  f.get(2, "b", 30, 40);
  CHECK(f.verdict() == kNot);
}

TEST_CASE("linearizability: deletes") {
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30).absent(2, 40, 50).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30).get(2, "a", 40, 50).verdict() == kNot);
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30).get(2, "a", 25, 50).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30).put(1, "b", 40, 50).get(2, "b", 60, 70).verdict() == kLin);
  // A delete of unknown outcome: absent or not, but not absent then present again.
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30, Outcome::unknown).absent(2, 40, 50).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30, Outcome::unknown).get(2, "a", 40, 50).verdict() == kLin);
  CHECK(Builder().put(1, "a", 0, 10).del(1, 20, 30, Outcome::unknown).absent(2, 40, 50).get(2, "a", 60, 70).verdict() == kNot);
}

TEST_CASE("linearizability: failed reads and reads never answered constrain nothing") {
  CHECK(Builder().put(1, "a", 0, 10).failed_get(2, 20, 30).verdict() == kLin);
  Builder b = Builder().put(1, "a", 0, 10);
  b.add(2, OpType::get, "x", 20, -1, Outcome::unknown);
  CHECK(b.verdict() == kLin);
  CHECK(b.key().ops == 1);
}

TEST_CASE("linearizability: past the work bound a key is unknown, never a guess") {
  // Many concurrent writes each read once, in an order the search must find.
  Builder b;
  const int n = 12;
  for (int i = 0; i < n; ++i) b.put(static_cast<std::uint32_t>(i), "v" + std::to_string(i), 0, 1000);
  for (int i = 0; i < n; ++i) b.get(99, "v" + std::to_string((i * 5) % n), 10 + 2 * i, 11 + 2 * i);
  CHECK(b.verdict() == kLin);
  LinearizabilityLimits few_states;
  few_states.max_states_per_key = 5;
  const KeyLinearizability k = b.key(few_states);
  CHECK(k.verdict == LinVerdict::unknown);
  CHECK(k.unknown_why == "more than 5 search states");
  LinearizabilityLimits few_ops;
  few_ops.max_ops_per_key = 10;
  CHECK(b.key(few_ops).verdict == LinVerdict::unknown);
  CHECK(b.key(few_ops).unknown_why == "24 operations, more than the bound of 10");
  LinearizabilityLimits small_memo;
  small_memo.max_memo_bytes = 1000;
  CHECK(b.key(small_memo).verdict == LinVerdict::unknown);
  // A violation stays a violation under a bound it fits in.
  Builder v = Builder().put(1, "a", 0, 10).absent(2, 20, 30);
  CHECK(v.verdict(few_states) == kNot);
}

TEST_CASE("linearizability: per key, per level and overall") {
  Builder b;
  b.put(1, "a", 0, 10, "good").get(2, "a", 20, 30, "good", Level::strong).get(2, "a", 20, 30, "good", Level::eventual);
  // "bad": the eventual read is stale, the strong one is not.
  b.put(1, "a", 0, 10, "bad").absent(2, 20, 30, "bad");
  b.h.ops.back().level = Level::eventual;
  b.get(3, "a", 20, 30, "bad", Level::strong);
  b.put(1, "a", 0, 10, "unread");
  const LinearizabilityResult r = check_linearizability(b.h);
  CHECK(r.ops == 7);
  CHECK(r.all.keys_checked == 2);
  CHECK(r.all.linearizable == 1);
  CHECK(r.all.not_linearizable == 1);
  REQUIRE(r.all.violations.size() == 1);
  CHECK(r.all.violations[0].key == "bad");
  REQUIRE(r.levels.size() == 2);
  CHECK(r.levels[0].name == "eventual");
  CHECK(r.levels[0].keys_checked == 2);
  CHECK(r.levels[0].not_linearizable == 1);
  CHECK(r.levels[1].name == "strong");
  CHECK(r.levels[1].keys_checked == 2);
  CHECK(r.levels[1].linearizable == 2);
  CHECK(r.levels[1].not_linearizable == 0);
}

namespace {

// Random operations on `keys` keys, generated from a sequential execution:
// operation j takes effect at 10 j, inside an interval around it; reads
// return the register's value at that point. Some writes time out (unknown)
// after taking effect; some never take effect, and are unknown too.
History sequential_history(std::uint64_t seed, int n, int keys) {
  Rng rng(seed, stream_id("linearizability-test"));
  History h;
  std::vector<std::string> state(static_cast<std::size_t>(keys));
  std::vector<bool> present(static_cast<std::size_t>(keys), false);
  for (int j = 0; j < n; ++j) {
    HistoryOp op;
    const int k = static_cast<int>(rng.next_below(static_cast<std::uint64_t>(keys)));
    op.key = "k" + std::to_string(k);
    op.process = static_cast<std::uint32_t>(rng.next_below(8));
    const Time at = 10 * Time{j} + 100;
    const Time before = static_cast<Time>(rng.next_below(60));
    const Time after = static_cast<Time>(rng.next_below(60));
    op.invoked = at - before;
    op.completed = at + after;
    op.outcome = Outcome::ok;
    const std::uint64_t kind = rng.next_below(10);
    const std::size_t ks = static_cast<std::size_t>(k);
    if (kind < 5) {
      op.type = OpType::get;
      op.level = rng.bernoulli(0.5) ? Level::strong : Level::eventual;
      op.found = present[ks];
      op.value = present[ks] ? state[ks] : "";
    } else if (kind < 8) {
      op.type = OpType::put;
      op.value = "v" + std::to_string(j);
      state[ks] = op.value;
      present[ks] = true;
      if (rng.bernoulli(0.15)) op.outcome = Outcome::unknown;  // took effect, then timed out
      if (rng.bernoulli(0.05)) op.completed = -1;               // took effect, never answered
    } else if (kind < 9) {
      op.type = OpType::del;
      present[ks] = false;
    } else {
      op.type = OpType::put;  // never takes effect
      op.value = "lost" + std::to_string(j);
      op.outcome = Outcome::unknown;
    }
    if (op.completed < 0) op.outcome = Outcome::unknown;
    if (op.type == OpType::get && op.outcome != Outcome::ok) op.outcome = Outcome::ok;
    h.ops.push_back(op);
  }
  std::stable_sort(h.ops.begin(), h.ops.end(), [](const HistoryOp& a, const HistoryOp& b) { return a.invoked < b.invoked; });
  for (std::size_t i = 0; i < h.ops.size(); ++i) h.ops[i].index = i;
  return h;
}

}  // namespace

TEST_CASE("linearizability property: histories of a sequential execution are linearizable; one read mutated is not") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    CAPTURE(seed);
    History h = sequential_history(seed, 300, 3);
    const LinearizabilityResult r = check_linearizability(h);
    CHECK(r.all.not_linearizable == 0);
    CHECK(r.all.unknown == 0);
    CHECK(r.all.linearizable == r.all.keys_checked);
    CHECK(r.all.keys_checked == 3);
    for (const LinearizabilityScope& s : r.levels) CHECK(s.linearizable == s.keys_checked);
    // One read returns a value never written.
    std::vector<std::size_t> reads;
    for (std::size_t i = 0; i < h.ops.size(); ++i)
      if (h.ops[i].type == OpType::get) reads.push_back(i);
    REQUIRE_FALSE(reads.empty());
    Rng pick(seed, 7);
    HistoryOp& bad = h.ops[reads[pick.next_below(reads.size())]];
    bad.found = true;
    bad.value = "never-written";
    const LinearizabilityResult m = check_linearizability(h);
    CHECK(m.all.not_linearizable == 1);
    REQUIRE(m.all.violations.size() == 1);
    const KeyLinearizability& v = m.all.violations[0];
    CHECK(v.key == bad.key);
    // The witness holds the mutated read, and is itself not linearizable.
    const std::vector<std::uint64_t> wi = indices(v.witness);
    CHECK(std::find(wi.begin(), wi.end(), bad.index) != wi.end());
    CHECK(v.witness.size() == 1);
    CHECK(check_key_linearizable(v.witness).verdict == kNot);
  }
}

TEST_CASE("linearizability property: a read mutated to another written value, when caught, is in the witness") {
  // The history without that read is linearizable, and the witness comes
  // from sound removals only, so it must keep the read.
  std::uint64_t caught = 0, tried = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    CAPTURE(seed);
    History h = sequential_history(seed, 200, 2);
    std::vector<std::size_t> reads;
    for (std::size_t i = 0; i < h.ops.size(); ++i)
      if (h.ops[i].type == OpType::get) reads.push_back(i);
    Rng pick(seed, 11);
    HistoryOp& bad = h.ops[reads[pick.next_below(reads.size())]];
    // The value of the first write of its key: usually long overwritten.
    std::string first;
    for (const HistoryOp& op : h.ops)
      if (op.key == bad.key && op.type == OpType::put && op.value.rfind("v", 0) == 0) {
        first = op.value;
        break;
      }
    if (first.empty() || (bad.found && bad.value == first)) continue;
    ++tried;
    bad.found = true;
    bad.value = first;
    const LinearizabilityResult m = check_linearizability(h);
    CHECK(m.all.unknown == 0);
    if (m.all.not_linearizable == 0) continue;
    ++caught;
    REQUIRE(m.all.violations.size() == 1);
    const KeyLinearizability& v = m.all.violations[0];
    const std::vector<std::uint64_t> wi = indices(v.witness);
    CHECK(std::find(wi.begin(), wi.end(), bad.index) != wi.end());
    CHECK(v.witness.size() < 10);
    if (v.witness.size() >= 10) for (auto& o : v.witness) MESSAGE(history_op_json(o).dump());
    CHECK(v.witness_minimal);
    CHECK(check_key_linearizable(v.witness).verdict == kNot);
  }
  CHECK(tried > 150);
  CHECK(caught > tried * 3 / 4);
}

TEST_CASE("linearizability property: agrees with a brute-force search on small random histories") {
  std::uint64_t lin = 0, non = 0;
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    CAPTURE(seed);
    Rng rng(seed, stream_id("linearizability-brute"));
    Builder b;
    const int n = 2 + static_cast<int>(rng.next_below(6));
    for (int i = 0; i < n; ++i) {
      const Time call = static_cast<Time>(rng.next_below(40));
      const Time len = static_cast<Time>(rng.next_below(25));
      const std::string v = std::string(1, static_cast<char>('a' + rng.next_below(3)));
      const std::uint64_t kind = rng.next_below(8);
      const auto p = static_cast<std::uint32_t>(i);
      if (kind < 3) b.put(p, v, call, call + len);
      else if (kind < 4) b.put_unknown(p, v, call, rng.bernoulli(0.5) ? call + len : -1);
      else if (kind < 5) b.del(p, call, call + len, rng.bernoulli(0.3) ? Outcome::unknown : Outcome::ok);
      else if (kind < 7) b.get(p, v, call, call + len);
      else b.absent(p, call, call + len);
    }
    const bool expect = brute_force_linearizable(b.h.ops);
    const KeyLinearizability k = b.key();
    CHECK(k.verdict == (expect ? kLin : kNot));
    if (k.verdict == kNot) {
      CHECK_FALSE(brute_force_linearizable(k.witness));
      // Minimal: removing any one read of the witness makes it linearizable.
      if (k.witness_minimal)
        for (std::size_t i = 0; i < k.witness.size(); ++i) {
          if (k.witness[i].type != OpType::get) continue;
          std::vector<HistoryOp> less = k.witness;
          less.erase(less.begin() + static_cast<std::ptrdiff_t>(i));
          CHECK(brute_force_linearizable(less));
        }
    }
    (expect ? lin : non) += 1;
  }
  // Both answers are well represented.
  CHECK(lin > 500);
  CHECK(non > 500);
}

TEST_CASE("linearizability: a mutant replica that serves a value before it is written is caught in a run's history") {
  const nlohmann::json j = nlohmann::json::parse(R"({"duration_ms": 2000, "seed": 3,
    "workload": {"rate_per_s": 200, "clients": 4, "keys": 3, "levels": ["leader"], "routing": "leader"}})");
  const Scenario sc = scenario_from_json(j, "<test>");
  World w(sc);
  HistorySink sink(w);
  w.add_sink(&sink);
  w.run();
  History h = sink.history();
  const LinearizabilityResult clean = check_linearizability(h);
  CHECK(clean.all.keys_checked == 3);
  CHECK(clean.all.linearizable == 3);
  // The mutant: a read answered with the value of a write of the same key
  // invoked only after that read completed.
  bool mutated = false;
  for (std::size_t i = 0; i < h.ops.size() && !mutated; ++i) {
    HistoryOp& r = h.ops[i];
    if (r.type != OpType::get || r.outcome != Outcome::ok) continue;
    for (std::size_t k = i + 1; k < h.ops.size(); ++k) {
      const HistoryOp& wr = h.ops[k];
      if (wr.type == OpType::put && wr.key == r.key && wr.invoked > r.completed) {
        r.found = true;
        r.value = wr.value;
        mutated = true;
        break;
      }
    }
  }
  REQUIRE(mutated);
  const LinearizabilityResult bad = check_linearizability(h);
  CHECK(bad.all.not_linearizable == 1);
  REQUIRE(bad.all.violations.size() == 1);
  CHECK(bad.all.violations[0].witness.size() <= 4);
}
