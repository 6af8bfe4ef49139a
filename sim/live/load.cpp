// sim/live/load.cpp: the scenario's clients over HTTP (load.h), with Boost.Beast.
#include "sim/live/load.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "sim/check/history.h"
#include "sim/engine/distribution.h"
#include "sim/engine/rng.h"
#include "sim/live/live_clock.h"
#include "sim/live/live_history.h"
#include "sim/live/wire.h"
#include "sim/world/routing.h"

namespace consim::live {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

struct Target {
  std::string url, host;  // host: HOST:PORT, for the Host header
  tcp::endpoint endpoint;
  std::vector<std::unique_ptr<beast::tcp_stream>> idle;
};

struct LoadClient {
  Rng rng;
  NodeId leader_hint = 0;
  std::string session;
  LoadClient(std::uint64_t seed, std::uint64_t stream) : rng(seed, stream) {}
};

struct LoadOp {
  std::uint64_t index = 0;  // in the history
  std::uint32_t client = 0;
  OpType type = OpType::get;
  Level level = Level::eventual;
  std::string key;
  std::string body;  // put: the JSON value
  NodeId node = 0;
  std::uint32_t redirects = 0;
  bool retried = false;  // a reused connection failed before any answer: tried once more on a new one
  OpSource source = OpSource::workload;
};

Target parse_target(const std::string& url, asio::io_context& io) {
  std::string rest = url;
  if (rest.rfind("http://", 0) != 0) throw TargetError(fmt::format("--target {}: expected http://HOST:PORT", url));
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() || rest.find('/') != std::string::npos)
    throw TargetError(fmt::format("--target {}: expected http://HOST:PORT", url));
  Target t;
  t.url = url;
  t.host = rest;
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto found = resolver.resolve(rest.substr(0, colon), rest.substr(colon + 1), ec);
  if (ec || found.empty())
    throw TargetError(fmt::format("--target {}: cannot resolve: {}", url, ec ? ec.message() : "no address"));
  t.endpoint = found.begin()->endpoint();
  return t;
}

class Loader;

// One HTTP exchange of one operation on one connection.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(Loader& loader, std::shared_ptr<LoadOp> op, std::unique_ptr<beast::tcp_stream> stream, bool reused)
      : loader_(loader), op_(std::move(op)), stream_(std::move(stream)), reused_(reused) {}
  void start();

 private:
  void send();
  void finish(beast::error_code ec);

  Loader& loader_;
  std::shared_ptr<LoadOp> op_;
  std::unique_ptr<beast::tcp_stream> stream_;
  bool reused_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
};

class Loader {
 public:
  Loader(const Scenario& sc, const LoadOptions& opt, std::ostream& out)
      : sc_(sc),
        opt_(opt),
        out_(out),
        n_(sc.cluster.nodes),
        leaderless_(sc.cluster.replication == Replication::leaderless),
        history_(sc),
        workload_rng_(sc.seed, stream_id("workload")),
        arrivals_(io_),
        signals_(io_, SIGINT, SIGTERM),
        hard_stop_(io_) {
    for (const std::string& u : opt_.targets) targets_.push_back(parse_target(u, io_));
    if (opt_.targets.size() != n_)
      throw TargetError(fmt::format("--target: the scenario has {} nodes, {} URL(s) given (one per node, in order)",
                                    n_, opt_.targets.size()));
    // Every target answers a connection (within 2 s) before anything is sent.
    for (std::size_t i = 0; i < targets_.size(); ++i) {
      beast::tcp_stream s(io_);
      beast::error_code ec = asio::error::would_block;
      s.expires_after(std::chrono::seconds(2));
      s.async_connect(targets_[i].endpoint, [&ec](beast::error_code e) { ec = e; });
      io_.run();
      io_.restart();
      if (ec)
        throw TargetError(
            fmt::format("--target {} (node-{}): cannot connect: {}", targets_[i].url, i + 1, ec.message()));
      s.close();
    }
    duration_ = opt_.duration > 0 ? opt_.duration : sc_.duration;
    timeout_ = opt_.request_timeout > 0 ? opt_.request_timeout : sc_.request_timeout;
    const WorkloadSpec& w = sc_.workload;
    if (w.enabled) {
      for (std::uint32_t i = 0; i < w.clients; ++i) clients_.emplace_back(sc_.seed, stream_id("client", i));
      zipf_ = ZipfSampler(w.keys, w.zipf);
      double total = 0;
      for (int l = 0; l < kLevelCount; ++l) total += w.level_weights[l];
      double acc = 0;
      for (int l = 0; l < kLevelCount; ++l) {
        acc += w.level_weights[l] / total;
        level_cdf_[l] = acc;
      }
    }
    probe_client_ = static_cast<std::uint32_t>(clients_.size());
    clients_.emplace_back(sc_.seed, stream_id("probe-client"));
    if (sc_.probe.enabled) history_.set_probe_delays(sc_.probe.delays);
  }

  LoadCounts run() {
    const WorkloadSpec& w = sc_.workload;
    out_ << fmt::format("consim load: scenario \"{}\", {} targets, {}, for {:.3f} s\n", sc_.name, n_,
                        !w.enabled                           ? std::string("no workload")
                        : w.mode == WorkloadSpec::Mode::open ? fmt::format("open loop at {:g}/s", w.rate_per_s)
                                                             : fmt::format("closed loop, {} clients", w.clients),
                        static_cast<double>(duration_) / 1e9);
    out_.flush();
    clock_ = LiveClock();
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) shutdown(true);
    });
    if (w.enabled) {
      if (w.mode == WorkloadSpec::Mode::open) {
        next_arrival_ = w.start + exp_interval();
        arm_arrival();
      } else {
        for (std::uint32_t c = 0; c < w.clients; ++c) think(c, w.start);
      }
    }
    if (sc_.probe.enabled) probe_write_at(sc_.probe.start);
    Time largest_delay = 0;
    for (Time d : sc_.probe.delays) largest_delay = std::max(largest_delay, d);
    const Time drain = timeout_ * (sc_.max_redirects + 1) + largest_delay + kSecond;
    hard_stop_.expires_at(clock_.at(duration_ + drain));
    hard_stop_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) shutdown(true);
    });
    end_check_ = std::make_unique<asio::steady_timer>(io_);
    end_check_->expires_at(clock_.at(duration_));
    end_check_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) maybe_done();
    });
    io_.run();
    counts_.elapsed = clock_.now();
    counts_.interrupted = interrupted_;
    for (std::uint64_t i = 0; i < history_.size(); ++i) {
      const HistoryOp& op = history_.op(i);
      if (op.outcome == Outcome::ok)
        ++counts_.ok;
      else if (op.outcome == Outcome::fail)
        ++counts_.failed;
      else
        ++counts_.unknown;
    }
    counts_.invoked = history_.size();
    if (opt_.record_history && opt_.history_text) *opt_.history_text = history_.jsonl();
    return counts_;
  }

  // Exchange's callbacks.
  Time timeout() const { return timeout_; }
  const Target& target(NodeId n) const { return targets_[n]; }
  const std::string& session(std::uint32_t client) const { return clients_[client].session; }
  void answered(const std::shared_ptr<LoadOp>& op, std::unique_ptr<beast::tcp_stream> stream, bool keep,
                const http::response<http::string_body>& res);
  void transport_failed(const std::shared_ptr<LoadOp>& op, std::unique_ptr<beast::tcp_stream> stream,
                        beast::error_code ec, bool reused, bool got_bytes);

 private:
  bool generating(Time at) const { return !stopping_ && at < duration_; }

  Time exp_interval() {
    constexpr Time kFarFuture = Time{1} << 62;
    const double u = workload_rng_.next_double_open0();
    const double ns = -std::log(u) / sc_.workload.rate_per_s * 1e9 + 0.5;
    if (!(ns < static_cast<double>(kFarFuture))) return kFarFuture;
    return static_cast<Time>(ns);
  }

  void arm_arrival() {
    if (!generating(next_arrival_) || next_arrival_ >= std::min(sc_.workload.stop, duration_)) return;
    arrivals_.expires_at(clock_.at(next_arrival_));
    arrivals_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      const auto c = static_cast<std::uint32_t>(workload_rng_.next_below(sc_.workload.clients));
      workload_op(c);
      next_arrival_ += exp_interval();
      arm_arrival();
    });
  }

  template <typename F>
  void at(Time t, F f) {
    auto timer = std::make_shared<asio::steady_timer>(io_);
    timer->expires_at(clock_.at(t));
    ++scheduled_;
    timer->async_wait([this, timer, f = std::move(f)](const boost::system::error_code& ec) {
      --scheduled_;
      if (!ec && !stopping_) f();
      maybe_done();
    });
    timers_.push_back(timer);
    if (timers_.size() > 4096) {
      timers_.erase(std::remove_if(timers_.begin(), timers_.end(),
                                   [](const std::weak_ptr<asio::steady_timer>& t) { return t.expired(); }),
                    timers_.end());
    }
  }

  void think(std::uint32_t c, Time from) {
    const Time t = from + sc_.workload.think.sample(clients_[c].rng);
    if (!generating(t) || t >= std::min(sc_.workload.stop, duration_)) return;
    at(t, [this, c] { workload_op(c); });
  }

  // As the simulator routes (sim/world/routing.h), with the same draws; over
  // HTTP a node coordinates, so Routing::client goes to a random node.
  NodeId route(std::uint32_t ci, Routing routing) {
    LoadClient& c = clients_[ci];
    return route_node(routing == Routing::client ? Routing::random : routing, ci, n_, c.leader_hint, c.rng);
  }

  void workload_op(std::uint32_t ci) {
    const WorkloadSpec& w = sc_.workload;
    LoadClient& c = clients_[ci];
    auto op = std::make_shared<LoadOp>();
    op->client = ci;
    const double u = c.rng.next_double();
    if (u >= w.read_fraction) op->type = (u < w.read_fraction + w.write_fraction) ? OpType::put : OpType::del;
    op->key = fmt::format("k{}", zipf_.sample(c.rng));
    if (op->type == OpType::get) {
      const double lu = c.rng.next_double();
      int l = 0;
      while (l < kLevelCount - 1 && (lu >= level_cdf_[l] || w.level_weights[l] <= 0)) ++l;
      op->level = static_cast<Level>(l);
    }
    op->node = route(ci, w.routing);
    if (op->type == OpType::put) op->body = fmt::format("\"v{}\"", next_value_++);
    invoke(op, -1);
  }

  void probe_write_at(Time t) {
    if (!generating(t) || t >= sc_.probe.stop) return;
    at(t, [this, t] {
      auto op = std::make_shared<LoadOp>();
      op->client = probe_client_;
      op->type = OpType::put;
      op->key = fmt::format("probe-{}", probe_seq_++ % sc_.probe.keys);
      op->body = fmt::format("\"v{}\"", next_value_++);
      op->source = OpSource::probe;
      op->node = leaderless_ ? route(probe_client_, sc_.probe.routing) : clients_[probe_client_].leader_hint;
      invoke(op, -1);
      probe_write_at(t + sc_.probe.interval);
    });
  }

  // The probe write of `key` was acknowledged by `writer` at `now`.
  void probe_reads(const std::string& key, NodeId writer, Time now) {
    for (std::size_t d = 0; d < sc_.probe.delays.size(); ++d) {
      for (Level level : sc_.probe.levels) {
        NodeId node = writer;
        if (leaderless_) {
          node = route(probe_client_, sc_.probe.routing);
        } else if (n_ > 1) {
          const auto pick = static_cast<NodeId>(clients_[probe_client_].rng.next_below(n_ - 1));
          node = pick >= writer ? pick + 1 : pick;
        }
        auto op = std::make_shared<LoadOp>();
        op->client = probe_client_;
        op->key = key;
        op->level = level;
        op->node = node;
        op->source = OpSource::probe;
        const auto delay = static_cast<std::int32_t>(d);
        at(now + sc_.probe.delays[d], [this, op, delay] { invoke(op, delay); });
      }
    }
  }

  void invoke(const std::shared_ptr<LoadOp>& op, std::int32_t probe_delay) {
    op->index = history_.invoke(op->client, op->type, op->level, op->key, op->body, op->node, clock_.now());
    history_.set_source(op->index, op->source, probe_delay);
    ++in_flight_;
    send(op);
  }

  void send(const std::shared_ptr<LoadOp>& op) {
    if (busy_ >= opt_.max_connections) {
      waiting_.push_back(op);
      return;
    }
    dispatch(op);
  }

  void dispatch(const std::shared_ptr<LoadOp>& op) {
    ++busy_;
    Target& t = targets_[op->node];
    std::unique_ptr<beast::tcp_stream> stream;
    bool reused = false;
    if (!t.idle.empty()) {
      stream = std::move(t.idle.back());
      t.idle.pop_back();
      --idle_;
      reused = true;
    } else {
      if (busy_ + idle_ > opt_.max_connections) close_one_idle();
      stream = std::make_unique<beast::tcp_stream>(io_);
    }
    std::make_shared<Exchange>(*this, op, std::move(stream), reused)->start();
  }

  void close_one_idle() {
    for (Target& t : targets_) {
      if (t.idle.empty()) continue;
      beast::error_code ec;
      t.idle.back()->socket().shutdown(tcp::socket::shutdown_both, ec);
      t.idle.back()->close();
      t.idle.pop_back();
      --idle_;
      return;
    }
  }

  void release(NodeId node, std::unique_ptr<beast::tcp_stream> stream, bool keep) {
    --busy_;
    if (keep && stream && !stopping_) {
      targets_[node].idle.push_back(std::move(stream));
      ++idle_;
    } else if (stream) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->close();
    }
    while (!waiting_.empty() && busy_ < opt_.max_connections && !stopping_) {
      auto next = waiting_.front();
      waiting_.pop_front();
      dispatch(next);
    }
  }

  void complete(const std::shared_ptr<LoadOp>& op, Outcome o, FailReason why, bool found, const std::string& value,
                Version version) {
    const Time now = clock_.now();
    history_.complete(op->index, now, o, why, found, value, version, op->node);
    --in_flight_;
    if (op->source == OpSource::probe && op->type == OpType::put && o == Outcome::ok)
      probe_reads(op->key, op->node, now);
    if (op->source == OpSource::workload && sc_.workload.mode == WorkloadSpec::Mode::closed) think(op->client, now);
    maybe_done();
  }

  void maybe_done() {
    if (stopping_) return;
    if (clock_.now() >= duration_ && in_flight_ == 0 && scheduled_ == 0) shutdown(false);
  }

  void shutdown(bool hard) {
    if (stopping_) return;
    stopping_ = true;
    interrupted_ = hard;
    boost::system::error_code ec;
    arrivals_.cancel();
    hard_stop_.cancel();
    signals_.cancel(ec);
    if (end_check_) end_check_->cancel();
    for (auto& w : timers_)
      if (auto t = w.lock()) t->cancel();
    waiting_.clear();
    for (Target& t : targets_) {
      for (auto& s : t.idle) {
        beast::error_code e2;
        s->socket().shutdown(tcp::socket::shutdown_both, e2);
        s->close();
      }
      t.idle.clear();
    }
    idle_ = 0;
    io_.stop();  // exchanges in flight stay open: unknown in the history
  }

  static Version version_of(const json& j) {
    Version v;
    if (j.is_object() && j.contains("version") && j["version"].is_object()) {
      const json& jv = j["version"];
      if (jv.contains("term") && jv["term"].is_number_unsigned()) v.term = jv["term"].get<std::uint64_t>();
      if (jv.contains("index") && jv["index"].is_number_unsigned()) v.index = jv["index"].get<std::uint64_t>();
    }
    return v;
  }

  friend class Exchange;

  const Scenario& sc_;
  LoadOptions opt_;
  std::ostream& out_;
  const std::uint32_t n_;
  const bool leaderless_;
  asio::io_context io_;
  LiveClock clock_;
  LiveHistory history_;
  std::vector<Target> targets_;
  std::vector<LoadClient> clients_;
  std::uint32_t probe_client_ = 0;
  Rng workload_rng_;
  ZipfSampler zipf_;
  std::array<double, kLevelCount> level_cdf_{};
  asio::steady_timer arrivals_;
  asio::signal_set signals_;
  asio::steady_timer hard_stop_;
  std::unique_ptr<asio::steady_timer> end_check_;
  std::vector<std::weak_ptr<asio::steady_timer>> timers_;
  Time duration_ = 0, timeout_ = 0, next_arrival_ = 0;
  std::uint64_t next_value_ = 1;
  std::uint32_t probe_seq_ = 0;
  std::uint32_t busy_ = 0, idle_ = 0;
  std::uint64_t in_flight_ = 0, scheduled_ = 0;
  std::deque<std::shared_ptr<LoadOp>> waiting_;
  bool stopping_ = false, interrupted_ = false;
  LoadCounts counts_;
};

void Exchange::start() {
  const Target& t = loader_.target(op_->node);
  req_.method(op_->type == OpType::get ? http::verb::get : op_->type == OpType::put ? http::verb::put
                                                                                     : http::verb::delete_);
  std::string target = "/key/" + op_->key;
  if (op_->type == OpType::get) target += "?consistency=" + std::string(to_string(op_->level));
  req_.target(target);
  req_.version(11);
  req_.set(http::field::host, t.host);
  req_.keep_alive(true);
  const std::string& session = loader_.session(op_->client);
  if (!session.empty()) req_.set("X-Consim-Session", session);
  if (op_->type == OpType::put) {
    req_.set(http::field::content_type, "application/json");
    req_.body() = op_->body;
  }
  req_.prepare_payload();
  stream_->expires_after(std::chrono::nanoseconds(loader_.timeout()));
  if (reused_) return send();
  stream_->async_connect(t.endpoint, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->finish(ec);
    self->send();
  });
}

void Exchange::send() {
  http::async_write(*stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->finish(ec);
    http::async_read(*self->stream_, self->buffer_, self->res_,
                     [self](beast::error_code ec, std::size_t) { self->finish(ec); });
  });
}

void Exchange::finish(beast::error_code ec) {
  if (loader_.stopping_) return;
  if (ec) return loader_.transport_failed(op_, std::move(stream_), ec, reused_, buffer_.size() > 0);
  const bool keep = res_.keep_alive();
  loader_.answered(op_, std::move(stream_), keep, res_);
}

void Loader::transport_failed(const std::shared_ptr<LoadOp>& op, std::unique_ptr<beast::tcp_stream> stream,
                              beast::error_code ec, bool reused, bool got_bytes) {
  release(op->node, std::move(stream), false);
  const bool timed_out = ec == beast::error::timeout;
  // A kept-alive connection the server had closed: once more, on a new one.
  if (reused && !timed_out && !got_bytes && !op->retried) {
    op->retried = true;
    return send(op);
  }
  if (timed_out) {
    ++counts_.timed_out;
    // A read has no effect; a write may have applied.
    return complete(op, op->type == OpType::get ? Outcome::fail : Outcome::unknown, FailReason::client_timeout, false,
                    "", {});
  }
  if (ec == asio::error::connection_refused) ++counts_.refused;
  // Never reached the node (refused, reset before an answer): a read failed; a write may have been read by it.
  const bool sent = ec != asio::error::connection_refused;
  complete(op, op->type == OpType::get || !sent ? Outcome::fail : Outcome::unknown, FailReason::client_timeout, false,
           "", {});
}

void Loader::answered(const std::shared_ptr<LoadOp>& op, std::unique_ptr<beast::tcp_stream> stream, bool keep,
                      const http::response<http::string_body>& res) {
  release(op->node, std::move(stream), keep);
  LoadClient& c = clients_[op->client];
  if (auto it = res.find("X-Consim-Session"); it != res.end()) c.session = std::string(it->value());
  const json j = body_is_json(res.body()) ? json::parse(res.body(), nullptr, false) : json(json::value_t::discarded);
  const bool has_error = j.is_object() && j.contains("error") && j["error"].is_string();
  const std::string error = has_error ? j["error"].get<std::string>() : std::string();
  const unsigned status = res.result_int();
  const bool is_read = op->type == OpType::get;
  const Outcome lost = is_read ? Outcome::fail : Outcome::unknown;
  if (status == 200) {
    if (!is_read && j.is_object() && j.contains("leaderId") && j["leaderId"].is_string()) {
      // The write was answered by the leader it names.
      const std::string id = j["leaderId"].get<std::string>();
      if (id.rfind("node-", 0) == 0) {
        const auto n = static_cast<NodeId>(std::strtoul(id.c_str() + 5, nullptr, 10));
        if (n >= 1 && n <= n_) c.leader_hint = n - 1;
      }
    }
    const bool found = is_read && j.is_object() && j.contains("value");
    return complete(op, Outcome::ok, FailReason::client_timeout, found, found ? j["value"].dump() : std::string(),
                    version_of(j));
  }
  if (status == 404 && error == "Key not found") {
    Version v;
    if (auto it = res.find("X-Consim-Version"); it != res.end()) {
      const std::string s(it->value());
      const std::size_t dot = s.find('.');
      if (dot != std::string::npos) {
        v.term = std::strtoull(s.c_str(), nullptr, 10);
        v.index = std::strtoull(s.c_str() + dot + 1, nullptr, 10);
      }
    }
    return complete(op, Outcome::ok, FailReason::client_timeout, false, "", v);
  }
  if (status == 503 && error == "Not the leader") {
    NodeId hint = kNoNode;
    if (j.contains("leaderId") && j["leaderId"].is_string()) {
      const std::string id = j["leaderId"].get<std::string>();
      if (id.rfind("node-", 0) == 0) {
        const auto n = static_cast<NodeId>(std::strtoul(id.c_str() + 5, nullptr, 10));
        if (n >= 1 && n <= n_) hint = n - 1;
      }
    }
    if (hint != kNoNode) c.leader_hint = hint;
    if (hint != kNoNode && hint != op->node && op->redirects < sc_.max_redirects && !stopping_) {
      ++op->redirects;
      ++counts_.redirects;
      op->node = hint;
      op->retried = false;
      return send(op);
    }
    return complete(op, Outcome::fail, FailReason::no_leader, false, "", {});
  }
  if (status == 503 && error.rfind("Behind the session", 0) == 0)
    return complete(op, Outcome::fail, FailReason::behind, false, "", {});
  if (status == 503)  // Node is down: it took nothing
    return complete(op, Outcome::fail, FailReason::client_timeout, false, "", {});
  if (status == 504) return complete(op, lost, FailReason::node_timeout, false, "", {});
  complete(op, lost, FailReason::client_timeout, false, "", {});
}

}  // namespace

LoadCounts load(const Scenario& scenario, const LoadOptions& options, std::ostream& out) {
  Loader loader(scenario, options, out);
  return loader.run();
}

}  // namespace consim::live
