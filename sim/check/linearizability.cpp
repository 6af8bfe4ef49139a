#include "sim/check/linearizability.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "sim/engine/rng.h"

namespace consim {

std::string_view to_string(LinVerdict v) {
  switch (v) {
    case LinVerdict::linearizable: return "linearizable";
    case LinVerdict::not_linearizable: return "not_linearizable";
    case LinVerdict::unknown: return "unknown";
  }
  return "?";
}

namespace {


// One operation as the register model sees it.
struct ModelOp {
  std::uint32_t src = 0;   // index into the key's operations
  Time call = 0, ret = 0;
  bool write = false;      // put or delete; else a read
  // A write of unknown outcome: it takes effect in [call, ret] or never.
  // (It may take effect at any time after call, but after the last read
  // that returned its value, taking effect is the same as never: no read
  // sees it, and the next write hides it. So ret is that read's return.)
  bool maybe_never = false;
  std::uint32_t value = 0; // write: the register's new value; read: the value it returned (0: absent)
};

enum class Found : std::uint8_t { yes, no, unknown };

struct SearchResult {
  Found linearizable = Found::yes;
  std::uint64_t states = 0;
  std::string why;  // unknown: the bound reached
};

// The (linearized set, value) pairs explored. The hash is the XOR of one
// fixed random word per linearized operation (Zobrist), kept incrementally;
// equality compares the whole set, so a collision costs time, never a verdict.
struct MemoEntry {
  std::uint64_t hash;
  std::uint32_t value;
  std::vector<std::uint64_t> bits;
  bool operator==(const MemoEntry& o) const { return hash == o.hash && value == o.value && bits == o.bits; }
};
struct MemoHash {
  std::size_t operator()(const MemoEntry& e) const {
    return static_cast<std::size_t>(e.hash ^ (std::uint64_t{e.value} * 0x9e3779b97f4a7c15ULL));
  }
};

// Wing & Gong's search with Lowe's memoization over `ops` (any order).
SearchResult search(const std::vector<ModelOp>& ops, const LinearizabilityLimits& lim, std::uint64_t max_states) {
  SearchResult out;
  const std::size_t n = ops.size();
  if (n == 0) return out;
  // Events 1..2n in time order, calls before returns at equal times (concurrent);
  // 0 is the list's head, 2n+1 its tail.
  struct Ev {
    Time t;
    bool call;
    std::uint32_t op;
  };
  std::vector<Ev> evs;
  evs.reserve(2 * n);
  for (std::uint32_t i = 0; i < n; ++i) {
    evs.push_back({ops[i].call, true, i});
    evs.push_back({ops[i].ret, false, i});
  }
  std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.call != b.call) return a.call;
    return a.op < b.op;
  });
  const std::uint32_t head = 0, tail = static_cast<std::uint32_t>(2 * n + 1);
  std::vector<std::uint32_t> prev(2 * n + 2), next(2 * n + 2), ret_of(n), call_of(n);
  for (std::uint32_t e = 0; e <= tail; ++e) {
    prev[e] = e == 0 ? 0 : e - 1;
    next[e] = e == tail ? tail : e + 1;
  }
  for (std::uint32_t e = 1; e < tail; ++e) (evs[e - 1].call ? call_of : ret_of)[evs[e - 1].op] = e;
  auto unlink = [&](std::uint32_t e) {
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e];
  };
  auto relink = [&](std::uint32_t e) {
    next[prev[e]] = e;
    prev[next[e]] = e;
  };
  auto ev = [&](std::uint32_t e) -> const Ev& { return evs[e - 1]; };

  std::vector<std::uint64_t> zobrist(n);
  std::uint64_t seed = 0x6c696e6561726973ULL;  // fixed: the same states explored on every run
  for (auto& z : zobrist) z = splitmix64(seed);
  const std::size_t words = (n + 63) / 64;
  const std::uint64_t entry_bytes = words * 8 + 64;
  std::vector<std::uint64_t> bits(words, 0);
  std::uint64_t hash = 0;
  std::uint32_t value = 0;  // every key starts absent
  std::unordered_set<MemoEntry, MemoHash> memo;  // looked up only, never iterated
  struct Frame {
    std::uint32_t call_ev;
    std::uint32_t value_before;
    bool never;  // the operation was dropped (took no effect), not linearized
    bool final;  // no other choice was left where it was made
  };
  std::vector<Frame> stack;
  auto flip = [&](std::uint32_t op) {
    bits[op / 64] ^= std::uint64_t{1} << (op % 64);
    hash ^= zobrist[op];
  };
  // Takes operation `op` (linearized, or dropped when `never`) if its
  // (set, value) is new; false when explored already.
  bool bounded = false;
  auto take = [&](std::uint32_t op, std::uint32_t after, bool never, bool final) {
    flip(op);
    if (!memo.insert(MemoEntry{hash, after, bits}).second) {
      flip(op);
      return false;
    }
    ++out.states;
    if (out.states > max_states || out.states * entry_bytes > lim.max_memo_bytes) {
      bounded = true;
      out.linearizable = Found::unknown;
      out.why = out.states > max_states ? fmt::format("more than {} search states", max_states)
                                        : fmt::format("the search's memo passed {} MiB", lim.max_memo_bytes >> 20);
      return false;
    }
    stack.push_back({call_of[op], value, never, final});
    value = after;
    unlink(call_of[op]);
    unlink(ret_of[op]);
    return true;
  };

  std::uint32_t e = next[head];
  bool fresh = true;  // e is the head of a configuration not yet looked at
  while (true) {
    if (e == tail) return out;  // everything linearized
    bool back = false;
    if (fresh) {
      fresh = false;
      // A pending read that may return now is linearized now, as the only
      // choice: moving a read earlier, to a point after every operation
      // that preceded it, keeps any linearization legal (it changes no value).
      std::uint32_t read = tail;
      for (std::uint32_t x = next[head]; x != tail && ev(x).call; x = next[x])
        if (!ops[ev(x).op].write && ops[ev(x).op].value == value) {
          read = x;
          break;
        }
      if (read != tail) {
        if (take(ev(read).op, value, false, true)) {
          e = next[head];
          fresh = true;
          continue;
        }
        if (bounded) return out;
        back = true;
      }
    }
    if (!back && !ev(e).call) {
      // The return of an operation not linearized yet. One of unknown
      // outcome may have taken no effect: drop it, as the only choice left.
      const std::uint32_t op = ev(e).op;
      if (ops[op].maybe_never && take(op, value, true, true)) {
        e = next[head];
        fresh = true;
        continue;
      }
      if (bounded) return out;
      back = true;
    }
    if (back) {
      while (true) {
        if (stack.empty()) {
          out.linearizable = Found::no;
          return out;
        }
        const Frame f = stack.back();
        stack.pop_back();
        const std::uint32_t undo = ev(f.call_ev).op;
        flip(undo);
        value = f.value_before;
        relink(ret_of[undo]);
        relink(f.call_ev);
        if (!f.final) {
          e = next[f.call_ev];
          break;
        }
      }
      continue;
    }
    const ModelOp& m = ops[ev(e).op];
    if (m.write) {
      if (take(ev(e).op, m.value, false, false)) {
        e = next[head];
        fresh = true;
        continue;
      }
      if (bounded) return out;
    }
    e = next[e];
  }
}

// The key's operations as the model sees them (dropping what constrains nothing).
std::vector<ModelOp> prepare(const std::vector<HistoryOp>& ops) {
  std::map<std::string, std::uint32_t> ids;  // value -> id; 0 is absent
  auto id = [&](const std::string& v) {
    const auto it = ids.emplace(v, static_cast<std::uint32_t>(ids.size() + 1)).first;
    return it->second;
  };
  std::vector<ModelOp> out;
  constexpr Time kNotRead = -1;
  std::vector<Time> last_read;  // by id: the latest return of a read that returned it
  auto mark_read = [&](std::uint32_t v, Time ret) {
    if (v >= last_read.size()) last_read.resize(v + 1, kNotRead);
    last_read[v] = std::max(last_read[v], ret);
  };
  for (std::uint32_t i = 0; i < ops.size(); ++i) {
    const HistoryOp& h = ops[i];
    ModelOp m;
    m.src = i;
    m.call = h.invoked;
    if (h.type == OpType::get) {
      if (h.outcome != Outcome::ok || h.completed < 0) continue;
      m.ret = h.completed;
      m.value = h.found ? id(h.value) : 0;
      mark_read(m.value, m.ret);
    } else {
      if (h.outcome == Outcome::fail) continue;
      m.write = true;
      m.value = h.type == OpType::put ? id(h.value) : 0;
      m.maybe_never = h.outcome != Outcome::ok || h.completed < 0;
      m.ret = h.completed;
    }
    out.push_back(m);
  }
  // An unknown write is dropped when no read returned its value after it
  // was invoked (it changes no verdict); else it ends at the last such read.
  std::vector<ModelOp> kept;
  kept.reserve(out.size());
  for (ModelOp& m : out) {
    if (m.maybe_never) {
      const Time last = m.value < last_read.size() ? last_read[m.value] : kNotRead;
      if (last == kNotRead || last < m.call) continue;
      m.ret = last;
    }
    kept.push_back(m);
  }
  std::sort(kept.begin(), kept.end(), [](const ModelOp& a, const ModelOp& b) {
    return a.call != b.call ? a.call < b.call : a.src < b.src;
  });
  return kept;
}

std::vector<ModelOp> subset(const std::vector<ModelOp>& ops, const std::vector<std::uint32_t>& idx) {
  std::vector<ModelOp> s;
  s.reserve(idx.size());
  for (std::uint32_t i : idx) s.push_back(ops[i]);
  return s;
}

// Shrinks a non-linearizable `ops` to a smaller sub-history W that is
// still not linearizable, by removals that are sound: each keeps "W not
// linearizable implies the larger history not linearizable", so W proves
// the violation of the history it came from. Sound removals:
// - a read (a linearization stays legal without it);
// - every operation invoked after all kept operations with a known return
//   completed (a closed prefix: what follows linearizes after it);
// - a write whose value no kept read returned (for a delete: no kept read
//   found the key absent), so the writes a read saw stay with it;
// - a delete, or a write of a value another kept write wrote too, that was
//   overwritten before any kept read began.
// Returns indices into `ops`; `minimal`: no sound removal of one operation
// is left that keeps W not linearizable (within the bounds).
std::vector<std::uint32_t> shrink(const std::vector<ModelOp>& ops, const LinearizabilityLimits& lim, bool& minimal) {
  // A read of a value that no write wrote is a violation by itself.
  std::vector<bool> written;
  for (const ModelOp& m : ops)
    if (m.write) {
      if (m.value >= written.size()) written.resize(m.value + 1, false);
      written[m.value] = true;
    }
  for (std::uint32_t i = 0; i < ops.size(); ++i)
    if (!ops[i].write && ops[i].value != 0 && (ops[i].value >= written.size() || !written[ops[i].value])) {
      minimal = true;
      return {i};
    }

  std::vector<std::uint32_t> cur(ops.size());
  for (std::uint32_t i = 0; i < cur.size(); ++i) cur[i] = i;  // ops are in invocation order
  std::uint32_t checks = 0;
  bool cut = false;
  auto still_not = [&](const std::vector<std::uint32_t>& idx) {
    if (idx.empty()) return false;
    if (checks >= lim.max_shrink_checks) {
      cut = true;
      return false;
    }
    ++checks;
    const SearchResult r = search(subset(ops, idx), lim, lim.max_states_per_key);
    if (r.linearizable == Found::unknown) cut = true;
    return r.linearizable == Found::no;
  };

  // 1. The shortest closed prefix found not linearizable, by bisection over the cuts.
  std::vector<std::size_t> cuts;  // k: ops [0, k) all returned (if at all) before op k began
  Time latest = std::numeric_limits<Time>::min();
  for (std::size_t k = 0; k < cur.size(); ++k) {
    if (k > 0 && latest < ops[cur[k]].call) cuts.push_back(k);
    if (!ops[cur[k]].maybe_never) latest = std::max(latest, ops[cur[k]].ret);
  }
  cuts.push_back(cur.size());
  std::size_t lo = 0, hi = cuts.size() - 1;  // cuts[hi] is known not linearizable
  while (hi > lo) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const std::vector<std::uint32_t> p(cur.begin(), cur.begin() + static_cast<std::ptrdiff_t>(cuts[mid]));
    if (still_not(p)) hi = mid;
    else lo = mid + 1;
  }
  cur.resize(cuts[hi]);

  auto without = [&](const std::vector<std::uint32_t>& from, std::size_t i, std::size_t end) {
    std::vector<std::uint32_t> c(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(i));
    c.insert(c.end(), from.begin() + static_cast<std::ptrdiff_t>(end), from.end());
    return c;
  };
  // Sound for any write no kept read returned the value of (for a delete:
  // no kept read found the key absent): in a linearization of W, no read
  // sits between it and the next write, so W without it stays legal.
  // Also sound for a write overwritten before any kept read began (some
  // other ok write began after it completed and completed before every kept
  // read began: no read can see it), when that keeps every read's value
  // written: a delete (absent is also the initial value), or a value
  // another kept write wrote too.
  auto removable_write = [&](const std::vector<std::uint32_t>& w, std::size_t i) {
    const ModelOp& m = ops[w[i]];
    bool seen = false, other_writer = false, overwritten = false;
    if (m.maybe_never) {  // sound only when no kept read saw its value
      for (std::uint32_t j : w)
        if (!ops[j].write && ops[j].value == m.value) return false;
      return true;
    }
    Time first_read = std::numeric_limits<Time>::max();
    for (std::uint32_t j : w) {
      const ModelOp& o = ops[j];
      if (!o.write) {
        seen |= o.value == m.value;
        first_read = std::min(first_read, o.call);
      } else if (j != w[i]) {
        other_writer |= o.value == m.value;
      }
    }
    if (!seen) return true;
    if (m.value != 0 && !other_writer) return false;
    for (std::uint32_t j : w) {
      const ModelOp& o = ops[j];
      overwritten |= j != w[i] && o.write && !o.maybe_never && m.ret < o.call && o.ret < first_read;
    }
    return overwritten;
  };

  bool changed = true;
  while (changed && !cut) {
    changed = false;
    // 2. Reads, in chunks of halving size (ddmin's complements).
    std::vector<std::uint32_t> reads;
    for (std::uint32_t i : cur)
      if (!ops[i].write) reads.push_back(i);
    for (std::size_t chunk = std::max<std::size_t>(reads.size() / 2, 1);; chunk /= 2) {
      for (std::size_t i = 0; i < reads.size();) {
        const std::size_t end = std::min(reads.size(), i + chunk);
        std::vector<std::uint32_t> gone(reads.begin() + static_cast<std::ptrdiff_t>(i),
                                        reads.begin() + static_cast<std::ptrdiff_t>(end));
        std::vector<std::uint32_t> cand;
        for (std::uint32_t x : cur)
          if (!std::binary_search(gone.begin(), gone.end(), x)) cand.push_back(x);
        if (still_not(cand)) {
          cur = std::move(cand);
          reads = without(reads, i, end);
          changed = true;
        } else {
          i += chunk;
        }
      }
      if (chunk <= 1) break;
    }
    // 3. Writes, one at a time, where removing one is sound.
    for (std::size_t i = 0; i < cur.size();) {
      if (ops[cur[i]].write && removable_write(cur, i)) {
        std::vector<std::uint32_t> cand = without(cur, i, i + 1);
        if (still_not(cand)) {
          cur = std::move(cand);
          changed = true;
          continue;
        }
      }
      ++i;
    }
  }
  minimal = !cut;
  return cur;
}

}  // namespace

KeyLinearizability check_key_linearizable(const std::vector<HistoryOp>& ops, const LinearizabilityLimits& lim) {
  KeyLinearizability k;
  if (!ops.empty()) k.key = ops.front().key;
  const std::vector<ModelOp> model = prepare(ops);
  k.ops = model.size();
  if (model.size() > lim.max_ops_per_key) {
    k.verdict = LinVerdict::unknown;
    k.unknown_why = fmt::format("{} operations, more than the bound of {}", model.size(), lim.max_ops_per_key);
    return k;
  }
  const SearchResult r = search(model, lim, lim.max_states_per_key);
  k.states = r.states;
  if (r.linearizable == Found::yes) return k;
  if (r.linearizable == Found::unknown) {
    k.verdict = LinVerdict::unknown;
    k.unknown_why = r.why;
    return k;
  }
  k.verdict = LinVerdict::not_linearizable;
  const std::vector<std::uint32_t> w = shrink(model, lim, k.witness_minimal);
  std::vector<std::uint32_t> src;
  for (std::uint32_t i : w) src.push_back(model[i].src);
  std::sort(src.begin(), src.end(), [&](std::uint32_t a, std::uint32_t b) {
    return ops[a].index != ops[b].index ? ops[a].index < ops[b].index : a < b;
  });
  for (std::uint32_t s : src) k.witness.push_back(ops[s]);
  return k;
}

namespace {

void count(LinearizabilityScope& s, KeyLinearizability&& k) {
  ++s.keys_checked;
  switch (k.verdict) {
    case LinVerdict::linearizable: ++s.linearizable; break;
    case LinVerdict::not_linearizable:
      ++s.not_linearizable;
      s.violations.push_back(std::move(k));
      break;
    case LinVerdict::unknown:
      ++s.unknown;
      s.unknowns.push_back(std::move(k));
      break;
  }
}

bool is_read_in(const HistoryOp& op, int level) {
  return op.type == OpType::get && op.outcome == Outcome::ok && (level < 0 || static_cast<int>(op.level) == level);
}

}  // namespace

LinearizabilityResult check_linearizability(const History& h, const LinearizabilityLimits& lim) {
  LinearizabilityResult res;
  res.limits = lim;
  res.ops = h.ops.size();
  res.all.name = "all";
  std::map<std::string, std::vector<std::size_t>> by_key;  // key name order
  std::array<bool, kLevelCount> used{};
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    by_key[h.ops[i].key].push_back(i);
    if (is_read_in(h.ops[i], -1)) used[static_cast<int>(h.ops[i].level)] = true;
  }
  std::array<int, kLevelCount> scope_of{};
  for (int l = 0; l < kLevelCount; ++l) {
    scope_of[l] = -1;
    if (!used[l]) continue;
    scope_of[l] = static_cast<int>(res.levels.size());
    res.levels.push_back(LinearizabilityScope{});
    res.levels.back().name = std::string(to_string(static_cast<Level>(l)));
  }
  for (const auto& [key, idx] : by_key) {
    std::array<bool, kLevelCount> has{};
    bool any = false;
    std::vector<HistoryOp> ops;
    ops.reserve(idx.size());
    for (std::size_t i : idx) {
      ops.push_back(h.ops[i]);
      if (is_read_in(h.ops[i], -1)) {
        has[static_cast<int>(h.ops[i].level)] = true;
        any = true;
      }
    }
    if (!any) continue;
    KeyLinearizability overall = check_key_linearizable(ops, lim);
    const bool all_fine = overall.verdict == LinVerdict::linearizable;
    count(res.all, std::move(overall));
    for (int l = 0; l < kLevelCount; ++l) {
      if (!has[l]) continue;
      LinearizabilityScope& s = res.levels[static_cast<std::size_t>(scope_of[l])];
      if (all_fine) {
        ++s.keys_checked;
        ++s.linearizable;
        continue;
      }
      std::vector<HistoryOp> level_ops;
      for (const HistoryOp& op : ops)
        if (op.type != OpType::get || is_read_in(op, l)) level_ops.push_back(op);
      count(s, check_key_linearizable(level_ops, lim));
    }
  }
  return res;
}

}  // namespace consim
