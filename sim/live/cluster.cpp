// sim/live/cluster.cpp: the Host on Asio timers (cluster.h).
#include "sim/live/cluster.h"

#include <deque>
#include <map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sim/live/live_clock.h"
#include "sim/world/network.h"
#include "sim/world/node_configs.h"

namespace consim::live {

namespace asio = boost::asio;

namespace {

// What arrives for a paused node, kept in arrival order.
struct Held {
  bool is_timer = false;
  Message message;
  std::shared_ptr<const Snapshot> snapshot;  // what message.snapshot points to, if anything
  HostTimer timer;
};

}  // namespace

struct LiveCluster::Impl {
  struct Pending {
    NodeId node = 0;
    Done done;
    std::unique_ptr<asio::steady_timer> timeout;
  };

  asio::io_context& io;
  Scenario sc;
  LiveClock clock;
  Host host;
  Network network;
  NetworkSpec spec;
  std::map<std::uint64_t, Pending> pending;  // by op id
  std::uint64_t next_op = 1;
  std::vector<std::deque<Held>> held;  // per node, while paused
  std::vector<RoleObserver> observers;
  WireCounts wire;
  bool stopped = false;
  NodeId only = kNoNode;  // run_only(): the one local node
  Remote remote;

  bool is_local(NodeId n) const { return only == kNoNode ? n < host.size() : n == only; }
  // Every timer we armed, so stop() can cancel them; an entry goes when it fires.
  std::map<std::uint64_t, std::unique_ptr<asio::steady_timer>> armed;
  std::uint64_t next_armed = 1;

  Impl(asio::io_context& io_in, const Scenario& s)
      : io(io_in),
        sc(s),
        host(node_configs(s, 0), Host::Options{s.seed, Host::TimerChoice::random}),
        network(s.cluster.nodes, s.network, s.seed),
        spec(s.network),
        held(s.cluster.nodes) {}

  EndpointId client() const { return host.size(); }

  // Runs fn at virtual instant t (at once when t is past).
  template <class Fn>
  void at(Time t, Fn fn) {
    if (stopped) return;
    const std::uint64_t id = next_armed++;
    auto timer = std::make_unique<asio::steady_timer>(io, clock.at(t));
    asio::steady_timer& ref = *timer;
    armed.emplace(id, std::move(timer));
    ref.async_wait([this, id, fn = std::move(fn)](const boost::system::error_code& ec) mutable {
      armed.erase(id);
      if (ec || stopped) return;
      fn();
    });
  }

  // Carry out one call's effects: messages in order, then timers, then roles.
  void carry_out(const Effects& fx_ref) {
    const Effects fx = fx_ref;  // valid only until the next Host call
    for (const Message& m : fx.out.messages) send(m, fx.out.holder(m));
    for (const TimerAt& t : fx.timers) {
      const HostTimer ht = t.timer;
      at(t.at, [this, ht] { fire(ht); });
    }
    for (const RoleChange& rc : fx.out.roles)
      for (const RoleObserver& o : observers) o(fx.node, rc);
  }

  // `snapshot`: the owner of what m.snapshot points to (null if nothing),
  // kept with m until it has arrived.
  void send(const Message& m, std::shared_ptr<const Snapshot> snapshot) {
    if (m.to >= host.size()) {  // a reply to a client: straight back over HTTP
      answer(m);
      return;
    }
    ++wire.sent;
    const Transit t = network.transit(m.from, m.to, m.kind);
    if (t.drop != DropReason::none) {
      ++wire.dropped;
      return;
    }
    const Time now = clock.now();
    auto hand_over = [this, m, snapshot] {
      if (is_local(m.to))
        arrive(m, snapshot);
      else if (remote)
        remote(m);
    };
    at(now + t.delay, hand_over);
    if (t.duplicate) {
      ++wire.duplicated;
      at(now + t.dup_delay, hand_over);
    }
  }

  void arrive(const Message& m, const std::shared_ptr<const Snapshot>& snapshot) {
    const bool between_nodes = m.from < host.size();
    if (!host.up(m.to)) {
      if (between_nodes) ++wire.dropped;
      return;  // a client's request: fail_node() answered it when the node crashed
    }
    if (host.paused(m.to)) {
      held[m.to].push_back(Held{false, m, snapshot, {}});
      return;
    }
    if (between_nodes) ++wire.delivered;
    carry_out(host.deliver(clock.now(), m));
  }

  void fire(const HostTimer& t) {
    if (!host.is_current(t)) return;
    if (host.paused(t.node)) {
      held[t.node].push_back(Held{true, {}, nullptr, t});
      return;
    }
    carry_out(host.fire(clock.now(), t));
  }

  void answer(const Message& reply) {
    auto it = pending.find(reply.op);
    if (it == pending.end()) return;  // answered already (timed out, or a duplicate)
    Done done = std::move(it->second.done);
    pending.erase(it);
    ClientAnswer a;
    a.kind = ClientAnswer::Kind::reply;
    a.reply = reply;
    done(a);
  }

  void fail(std::uint64_t op, ClientAnswer::Kind kind) {
    auto it = pending.find(op);
    if (it == pending.end()) return;
    Done done = std::move(it->second.done);
    pending.erase(it);
    ClientAnswer a;
    a.kind = kind;
    done(a);
  }

  void fail_node(NodeId n) {
    std::vector<std::uint64_t> ops;
    for (const auto& [op, p] : pending)
      if (p.node == n) ops.push_back(op);
    for (std::uint64_t op : ops) fail(op, ClientAnswer::Kind::down);
  }

  void play(const TimelineEvent& e);
};

LiveCluster::LiveCluster(asio::io_context& io, const Scenario& scenario)
    : impl_(std::make_unique<Impl>(io, scenario)) {}

LiveCluster::~LiveCluster() = default;

void LiveCluster::start() {
  Impl& s = *impl_;
  for (NodeId n = 0; n < s.host.size(); ++n)
    if (s.is_local(n)) s.carry_out(s.host.start(n, s.clock.now()));
  for (const TimelineEvent& e : s.sc.timeline) s.at(e.at, [&s, e] { s.play(e); });
}

void LiveCluster::stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  std::vector<std::uint64_t> ops;
  for (const auto& [op, p] : s.pending) ops.push_back(op);
  for (std::uint64_t op : ops) s.fail(op, ClientAnswer::Kind::down);
  s.stopped = true;
  for (auto& [id, t] : s.armed) t->cancel();
}

void LiveCluster::Impl::play(const TimelineEvent& e) {
  using K = TimelineEvent::Kind;
  switch (e.kind) {
    case K::crash:
      for (NodeId n : e.nodes)
        if (is_local(n) && host.crash(n)) fail_node(n), held[n].clear();
      break;
    case K::restart:
      for (NodeId n : e.nodes) {
        if (!is_local(n)) continue;  // another process's node
        if (const Effects* fx = host.restart(n, clock.now(), sc.cluster.durable)) carry_out(*fx);
      }
      break;
    case K::pause:
      for (NodeId n : e.nodes)
        if (is_local(n)) host.pause(n);
      break;
    case K::resume:
      for (NodeId n : e.nodes) {
        if (!is_local(n) || !host.resume(n)) continue;
        std::deque<Held> q;
        q.swap(held[n]);
        for (const Held& h : q) {
          if (h.is_timer)
            fire(h.timer);
          else
            arrive(h.message, h.snapshot);
        }
      }
      break;
    case K::partition:
      network.partition(e.groups);
      break;
    case K::heal:
      network.heal();
      break;
    case K::cut:
      network.cut(e.from, e.to, true);
      break;
    case K::restore:
      network.cut(e.from, e.to, false);
      break;
    case K::set_network:
      network.configure(e.network);
      spec = e.network;
      break;
  }
}

Time LiveCluster::now() const { return impl_->clock.now(); }
const Scenario& LiveCluster::scenario() const { return impl_->sc; }
const Host& LiveCluster::host() const { return impl_->host; }
std::uint32_t LiveCluster::size() const { return impl_->host.size(); }
EndpointId LiveCluster::client_endpoint() const { return impl_->client(); }
WireCounts LiveCluster::wire() const { return impl_->wire; }
const NetworkSpec& LiveCluster::network_spec() const { return impl_->spec; }

void LiveCluster::request(NodeId n, Message m, Done done) {
  Impl& s = *impl_;
  if (s.stopped || n >= s.host.size() || !s.is_local(n) || !s.host.up(n)) {
    ClientAnswer a;
    a.kind = ClientAnswer::Kind::down;
    done(a);
    return;
  }
  const std::uint64_t op = s.next_op++;
  m.from = s.client();
  m.to = n;
  m.op = op;
  Impl::Pending p;
  p.node = n;
  p.done = std::move(done);
  p.timeout = std::make_unique<asio::steady_timer>(s.io, s.clock.at(s.clock.now() + s.sc.request_timeout));
  p.timeout->async_wait([&s, op](const boost::system::error_code& ec) {
    if (!ec) s.fail(op, ClientAnswer::Kind::timeout);
  });
  s.pending.emplace(op, std::move(p));
  // Delivered from the loop, never inside the caller's stack.
  asio::post(s.io, [&s, m] { s.arrive(m, nullptr); });
}

void LiveCluster::run_only(NodeId self, Remote remote) {
  impl_->only = self;
  impl_->remote = std::move(remote);
}

bool LiveCluster::local(NodeId n) const { return impl_->is_local(n); }

void LiveCluster::inject(const Message& m, std::shared_ptr<const Snapshot> snapshot) {
  Impl& s = *impl_;
  if (s.stopped || m.to >= s.host.size() || !s.is_local(m.to) || m.from >= s.host.size()) return;
  s.arrive(m, snapshot);
}

void LiveCluster::on_role(RoleObserver observer) { impl_->observers.push_back(std::move(observer)); }

namespace {
TimelineEvent nodes_event(TimelineEvent::Kind k, NodeId n) {
  TimelineEvent e;
  e.kind = k;
  e.nodes = {n};
  return e;
}
}  // namespace

bool LiveCluster::crash(NodeId n) {
  if (n >= size() || !impl_->is_local(n) || !impl_->host.up(n)) return false;
  impl_->play(nodes_event(TimelineEvent::Kind::crash, n));
  return true;
}

bool LiveCluster::restart(NodeId n) {
  if (n >= size() || !impl_->is_local(n) || impl_->host.up(n)) return false;
  impl_->play(nodes_event(TimelineEvent::Kind::restart, n));
  return true;
}

bool LiveCluster::pause(NodeId n) {
  if (n >= size() || !impl_->is_local(n) || !impl_->host.up(n) || impl_->host.paused(n)) return false;
  impl_->play(nodes_event(TimelineEvent::Kind::pause, n));
  return true;
}

bool LiveCluster::resume(NodeId n) {
  if (n >= size() || !impl_->host.paused(n)) return false;
  impl_->play(nodes_event(TimelineEvent::Kind::resume, n));
  return true;
}

void LiveCluster::partition(const std::vector<std::vector<NodeId>>& groups) { impl_->network.partition(groups); }
void LiveCluster::cut(NodeId from, NodeId to, bool is_cut) { impl_->network.cut(from, to, is_cut); }
void LiveCluster::heal() { impl_->network.heal(); }
void LiveCluster::set_network(const NetworkSpec& spec) {
  impl_->network.configure(spec);
  impl_->spec = spec;
}

}  // namespace consim::live
