// sim/predict/pbs.cpp: the WARS Monte Carlo (sim/predict/pbs.h).
#include "sim/predict/pbs.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/message.h"
#include "core/placement.h"
#include "sim/engine/distribution.h"
#include "sim/engine/rng.h"
#include "sim/io/input.h"
#include "sim/predict/k_staleness.h"
#include "sim/report/derived.h"
#include "sim/world/network.h"

namespace consim {

namespace {

constexpr Time kAlwaysFresh = std::numeric_limits<Time>::min() / 4;

bool session_level(Level l) {
  return l == Level::read_your_writes || l == Level::monotonic_reads || l == Level::causal;
}

// One trial's draws: everything that does not depend on (R, W).
struct Trial {
  // Leaderless: indexed by position in the key's preference list. Leader
  // mode: indexed by node (the leader's own entries are 0).
  std::vector<Time> w, a, r, s;
  std::vector<std::uint32_t> order;  // replicas the read asks, in asking order
  std::vector<Time> fresh_from;      // per order entry: w - r (kAlwaysFresh: holds it at once)
  std::vector<Time> answer;          // per order entry: r + s
  Time put_in = 0, put_out = 0, get_in = 0, get_out = 0;
  std::vector<Time> acks;       // sorted w + a of the replicas that count toward W
  std::uint32_t self_acks = 0;  // replicas acknowledging at zero delay (the coordinator)
};

Time nearest_rank(const std::vector<Time>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double n = static_cast<double>(sorted.size());
  std::size_t i = static_cast<std::size_t>(q * n);
  if (static_cast<double>(i) < q * n) ++i;  // ceil(q n)
  if (i == 0) i = 1;
  if (i > sorted.size()) i = sorted.size();
  return sorted[i - 1];
}

PbsQuantiles quantiles(std::vector<Time>& v) {
  std::sort(v.begin(), v.end());
  PbsQuantiles q;
  q.p50 = nearest_rank(v, 0.5);
  q.p99 = nearest_rank(v, 0.99);
  q.p999 = nearest_rank(v, 0.999);
  return q;
}

class Model {
 public:
  Model(const Scenario& sc, const PbsOptions& opt)
      : sc_(sc), net_(sc.cluster.nodes, sc.network, sc.seed), rng_(sc.seed, stream_id("predict")) {
    leaderless_ = sc.cluster.replication == Replication::leaderless;
    nodes_ = sc.cluster.nodes;
    n_ = leaderless_ ? sc.cluster.replicas : sc.cluster.nodes;
    client_coord_ = leaderless_ && sc.probe.routing == Routing::client;
    client_ = nodes_;  // any endpoint >= nodes is a client
  }

  PbsPrediction run(const PbsOptions& opt) {
    PbsPrediction p;
    p.replication = sc_.cluster.replication;
    p.n = n_;
    p.nodes = nodes_;
    p.fanout = sc_.cluster.read_fanout;
    p.client_coordinator = client_coord_;
    p.trials = opt.trials;
    p.seed = sc_.seed;
    p.target_stale = sc_.probe.target_stale;
    p.k_max = sc_.probe.k_max;
    if (sc_.probe.enabled && !sc_.probe.delays.empty()) {
      p.delays = sc_.probe.delays;
    } else {
      for (int ms : {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}) p.delays.push_back(ms * kMillisecond);
    }
    std::vector<Level> levels =
        sc_.probe.enabled ? sc_.probe.levels : std::vector<Level>{Level::eventual, Level::strong};
    std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;  // (R, W)
    if (opt.scenario_quorums) {
      pairs.emplace_back(sc_.cluster.read_quorum, sc_.cluster.write_quorum);
    } else {
      for (std::uint32_t r = 1; r <= n_; ++r)
        for (std::uint32_t w = 1; w <= n_; ++w) pairs.emplace_back(r, w);
    }
    const std::uint64_t cells = static_cast<std::uint64_t>(levels.size()) * pairs.size();
    if (opt.trials < kMinPbsTrials || opt.trials > kMaxPbsTrials)
      throw InputError(fmt::format("predict: --trials {}: expected {}..{}", opt.trials, kMinPbsTrials, kMaxPbsTrials));
    if (cells * opt.trials > kMaxPbsSamples)
      throw InputError(fmt::format(
          "predict: {} cells ({} levels x {} (R, W) pairs) x {} trials = {} "
          "samples, more than the bound {}; "
          "lower --trials (at most {} here) or give --quorums scenario",
          cells, levels.size(), pairs.size(), opt.trials, cells * opt.trials, kMaxPbsSamples, kMaxPbsSamples / cells));

    legs(p);
    notes(p);

    // Per cell: each trial's staleness threshold t* (the smallest t at which
    // the read is consistent) and read latency; per W: write latency.
    std::vector<std::vector<Time>> tstar(cells), rlat(cells), wlat(n_ + 1);
    for (auto& v : tstar) v.reserve(opt.trials);
    for (auto& v : rlat) v.reserve(opt.trials);
    Trial t;
    for (std::uint64_t i = 0; i < opt.trials; ++i) {
      if (leaderless_)
        draw_leaderless(t);
      else
        draw_leader(t);
      // The order in which the replicas asked answer (ties: asking order).
      sorted_.assign(t.order.size(), 0);
      for (std::size_t j = 0; j < t.order.size(); ++j) sorted_[j] = static_cast<std::uint32_t>(j);
      std::stable_sort(sorted_.begin(), sorted_.end(),
                       [&](std::uint32_t x, std::uint32_t y) { return t.answer[x] < t.answer[y]; });
      std::vector<Time> commit(n_ + 1, 0);  // by W
      for (std::uint32_t w = 1; w <= n_; ++w) {
        commit[w] = w <= t.self_acks ? 0 : t.acks[w - t.self_acks - 1];
        if (i == 0) wlat[w].reserve(opt.trials);
      }
      std::vector<bool> w_seen(n_ + 1, false);
      for (std::size_t li = 0; li < levels.size(); ++li) {
        for (std::size_t pi = 0; pi < pairs.size(); ++pi) {
          const auto [r, w] = pairs[pi];
          const std::size_t c = li * pairs.size() + pi;
          const Time client_legs_w = client_coord_ ? 0 : t.put_in + t.put_out;
          if (!w_seen[w]) {
            w_seen[w] = true;
            wlat[w].push_back(client_legs_w + commit[w]);
          }
          const Level level = levels[li];
          const std::uint32_t need =
              level == Level::eventual ? 1 : std::min(r, static_cast<std::uint32_t>(t.order.size()));
          // The read reaches its coordinator at base + t.
          const Time base = commit[w] + (client_coord_ ? 0 : t.put_out + t.get_in);
          Time fresh = std::numeric_limits<Time>::max();
          Time answered = 0;
          if (leaderless_ && sc_.cluster.read_fanout == ReadFanout::r) {
            for (std::uint32_t j = 0; j < need; ++j) {
              fresh = std::min(fresh, t.fresh_from[j]);
              answered = std::max(answered, t.answer[j]);
            }
          } else {
            // Every replica in `order` is asked; the first `need` answers
            // count.
            for (std::uint32_t j = 0; j < need; ++j) {
              fresh = std::min(fresh, t.fresh_from[sorted_[j]]);
              answered = std::max(answered, t.answer[sorted_[j]]);
            }
          }
          Time ts = fresh == kAlwaysFresh ? 0 : fresh - base;
          if (ts < 0 || session_level(level) || level == Level::leader) ts = 0;
          tstar[c].push_back(ts);
          rlat[c].push_back(answered + (client_coord_ ? 0 : t.get_in + t.get_out));
        }
      }
    }

    std::vector<PbsQuantiles> wq(n_ + 1);
    for (std::uint32_t w = 1; w <= n_; ++w)
      if (!wlat[w].empty()) wq[w] = quantiles(wlat[w]);
    for (std::size_t li = 0; li < levels.size(); ++li) {
      for (std::size_t pi = 0; pi < pairs.size(); ++pi) {
        const std::size_t c = li * pairs.size() + pi;
        PbsCell cell;
        cell.level = levels[li];
        cell.r = pairs[pi].first;
        cell.w = pairs[pi].second;
        cell.strict = strict_quorum(cell.w, cell.level == Level::eventual ? 1 : cell.r, n_);
        cell.by_construction = session_level(cell.level) || cell.level == Level::leader;
        std::vector<Time>& v = tstar[c];
        std::sort(v.begin(), v.end());
        const double total = static_cast<double>(v.size());
        for (Time d : p.delays) {
          const auto ok = static_cast<double>(std::upper_bound(v.begin(), v.end(), d) - v.begin());
          cell.p_consistent.push_back(ok / total);
        }
        // At most `allowed` trials may stay stale: the largest count below
        // target x trials.
        const double limit = p.target_stale * total;
        std::uint64_t allowed = static_cast<std::uint64_t>(limit);
        if (static_cast<double>(allowed) >= limit && allowed > 0) --allowed;
        if (allowed < v.size()) cell.t_target = v[v.size() - 1 - allowed];
        for (std::size_t d = p.delays.size(); d-- > 0;) {
          if (1.0 - cell.p_consistent[d] < p.target_stale)
            cell.probe_t_below_target = p.delays[d];
          else
            break;
        }
        const std::uint32_t q = cell.level == Level::eventual ? 1 : cell.r;
        cell.k_miss = cell.by_construction ? 0.0
                      : leaderless_        ? quorum_miss_probability(n_, cell.w, q)
                                           : leader_miss_probability(n_, cell.w, q);
        for (std::uint32_t k = 1; k <= p.k_max; ++k) cell.p_within_k.push_back(p_within_k(cell.k_miss, k));
        cell.read_latency = quantiles(rlat[c]);
        cell.write_latency = wq[cell.w];
        p.cells.push_back(std::move(cell));
      }
    }
    return p;
  }

 private:
  Time draw(EndpointId from, EndpointId to, MsgKind kind) {
    if (from == to) return 0;  // a coordinator's own replica: handed back at once
    const Time d = net_.link(from, to, kind).delay->sample(rng_);
    return d;
  }

  // Leaderless: the key's replicas (a random home when they are not every
  // node), the write's coordinator, the read's coordinator, then W A R S
  // per replica and the client's legs.
  void draw_leaderless(Trial& t) {
    std::uint32_t home = 0;
    if (n_ < nodes_) home = static_cast<std::uint32_t>(rng_.next_below(nodes_));
    EndpointId cw = client_, cr = client_;
    if (!client_coord_) {
      cw = static_cast<EndpointId>(rng_.next_below(nodes_));
      cr = static_cast<EndpointId>(rng_.next_below(nodes_));
    }
    t.w.assign(n_, 0);
    t.a.assign(n_, 0);
    t.r.assign(n_, 0);
    t.s.assign(n_, 0);
    t.acks.clear();
    t.self_acks = 0;
    for (std::uint32_t j = 0; j < n_; ++j) {
      const EndpointId rep = (home + j) % nodes_;
      t.w[j] = draw(cw, rep, MsgKind::replica_write);
      t.a[j] = draw(rep, cw, MsgKind::replica_write_ack);
      t.r[j] = draw(cr, rep, MsgKind::replica_read);
      t.s[j] = draw(rep, cr, MsgKind::replica_read_reply);
      if (rep == cw)
        ++t.self_acks;
      else
        t.acks.push_back(t.w[j] + t.a[j]);
    }
    std::sort(t.acks.begin(), t.acks.end());
    if (!client_coord_) {
      t.put_in = draw(client_, cw, MsgKind::client_put);
      t.put_out = draw(cw, client_, MsgKind::client_reply);
      t.get_in = draw(client_, cr, MsgKind::client_get);
      t.get_out = draw(cr, client_, MsgKind::client_reply);
    }
    // Asking order (core/coordinator.cpp): the coordinator if a replica, then
    // the others in preference order.
    t.order.clear();
    for (std::uint32_t j = 0; j < n_; ++j)
      if ((home + j) % nodes_ == cr) t.order.push_back(j);
    for (std::uint32_t j = 0; j < n_; ++j)
      if ((home + j) % nodes_ != cr) t.order.push_back(j);
    t.fresh_from.clear();
    t.answer.clear();
    for (std::uint32_t j : t.order) {
      const bool holds_at_once = (home + j) % nodes_ == cw;
      t.fresh_from.push_back(holds_at_once ? kAlwaysFresh : t.w[j] - t.r[j]);
      t.answer.push_back(t.r[j] + t.s[j]);
    }
  }

  // Leader mode: node-1 leads (bootstrap); the write goes to it, which
  // appends at once and sends `append` to each follower; the read goes to a
  // follower F chosen uniformly, which answers from its own store (eventual)
  // or asks every other node (strong: F and the first R-1 answers).
  void draw_leader(Trial& t) {
    const EndpointId leader = 0;
    EndpointId f = 0;
    if (nodes_ > 1) f = 1 + static_cast<EndpointId>(rng_.next_below(nodes_ - 1));
    t.w.assign(nodes_, 0);
    t.a.assign(nodes_, 0);
    t.r.assign(nodes_, 0);
    t.s.assign(nodes_, 0);
    t.acks.clear();
    t.self_acks = 1;  // the leader's own append
    for (EndpointId j = 1; j < nodes_; ++j) {
      t.w[j] = draw(leader, j, MsgKind::append);
      t.a[j] = draw(j, leader, MsgKind::append_reply);
      t.acks.push_back(t.w[j] + t.a[j]);
    }
    for (EndpointId j = 0; j < nodes_; ++j) {
      t.r[j] = draw(f, j, MsgKind::read_query);
      t.s[j] = draw(j, f, MsgKind::read_reply);
    }
    std::sort(t.acks.begin(), t.acks.end());
    t.put_in = draw(client_, leader, MsgKind::client_put);
    t.put_out = draw(leader, client_, MsgKind::client_reply);
    t.get_in = draw(client_, f, MsgKind::client_get);
    t.get_out = draw(f, client_, MsgKind::client_reply);
    t.order.clear();
    t.order.push_back(f);
    for (EndpointId j = 0; j < nodes_; ++j)
      if (j != f) t.order.push_back(j);
    t.fresh_from.clear();
    t.answer.clear();
    for (std::uint32_t j : t.order) {
      t.fresh_from.push_back(j == leader ? kAlwaysFresh : t.w[j] - t.r[j]);
      t.answer.push_back(t.r[j] + t.s[j]);
    }
  }

  void legs(PbsPrediction& p) const {
    const EndpointId a = 0, b = nodes_ > 1 ? 1 : 0;
    auto d = [&](EndpointId from, EndpointId to, MsgKind k) { return net_.link(from, to, k).delay->describe(); };
    if (leaderless_) {
      p.legs.emplace_back("W (replica_write)", d(a, b, MsgKind::replica_write));
      p.legs.emplace_back("A (replica_write_ack)", d(b, a, MsgKind::replica_write_ack));
      p.legs.emplace_back("R (replica_read)", d(a, b, MsgKind::replica_read));
      p.legs.emplace_back("S (replica_read_reply)", d(b, a, MsgKind::replica_read_reply));
    } else {
      p.legs.emplace_back("W (append)", d(a, b, MsgKind::append));
      p.legs.emplace_back("A (append_reply)", d(b, a, MsgKind::append_reply));
      p.legs.emplace_back("R (read_query)", d(b, a, MsgKind::read_query));
      p.legs.emplace_back("S (read_reply)", d(a, b, MsgKind::read_reply));
    }
    if (!client_coord_) {
      p.legs.emplace_back("client request", d(client_, a, MsgKind::client_get));
      p.legs.emplace_back("client reply", d(a, client_, MsgKind::client_reply));
    }
  }

  void notes(PbsPrediction& p) const {
    const ClusterSpec& c = sc_.cluster;
    if (!sc_.network.links.empty())
      p.notes.push_back(
          "per-link delays are used link by link; the legs above "
          "are node-1 <-> node-2 and client -> node-1");
    if (sc_.network.loss > 0 || sc_.network.duplicate > 0)
      p.notes.push_back(
          "message loss and duplication are not modelled (a lost "
          "message is a failed or late operation in a run)");
    if (!sc_.timeline.empty())
      p.notes.push_back(
          "the timeline (crashes, partitions, network changes) "
          "is not modelled: the prediction is the steady state "
          "of the initial network");
    if (c.read_repair)
      p.notes.push_back(
          "read repair is not modelled: a run's repairs make "
          "later reads fresher than predicted");
    if (c.anti_entropy_interval > 0)
      p.notes.push_back(
          "anti-entropy is not modelled: a run's sync rounds "
          "make later reads fresher than predicted");
    if (sc_.workload.enabled)
      p.notes.push_back(
          "the workload's concurrent writes are not modelled: "
          "PBS assumes one write at a time");
    if (clock_skew(c))
      p.notes.push_back(
          "clock skew is not modelled: skewed LWW stamps can "
          "order a later write before an earlier one");
    if (leaderless_ && (sc_.probe.routing == Routing::sticky || sc_.probe.routing == Routing::leader ||
                        sc_.probe.routing == Routing::followers))
      p.notes.push_back(
          "probe routing other than random or client is modelled "
          "as random coordinators");
    if (leaderless_ && n_ < nodes_)
      p.notes.push_back(
          "with fewer replicas than nodes, the key's home node "
          "is drawn uniformly per trial");
    if (!leaderless_)
      p.notes.push_back(
          "leader mode: node-1 leads throughout (no election); a "
          "follower holds a write once its append arrives");
  }

  const Scenario& sc_;
  Network net_;
  Rng rng_;
  bool leaderless_ = true;
  bool client_coord_ = false;
  std::uint32_t nodes_ = 3, n_ = 3;
  EndpointId client_ = 3;
  std::vector<std::uint32_t> sorted_;
};

}  // namespace

PbsPrediction predict_pbs(const Scenario& sc, const PbsOptions& opt) {
  Model m(sc, opt);
  return m.run(opt);
}

}  // namespace consim
