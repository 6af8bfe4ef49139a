// sim/live/server.cpp: Boost.Beast on each node's port, around a LiveCluster (server.h).
//
// Beast is in this file and in sim/live/load.cpp (the client of consim load), nowhere else.
#include "sim/live/server.h"

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "sim/live/api.h"
#include "sim/live/cluster.h"
#include "sim/live/live_history.h"
#include "sim/live/wire.h"

namespace consim::live {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Shared {
  Api* api = nullptr;
  LiveCluster* cluster = nullptr;
  HttpLimits limits;
  std::uint32_t open = 0;  // connections
  bool stopping = false;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, NodeId node, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), node_(node), shared_(std::move(shared)) {
    ++shared_->open;
    boost::system::error_code ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    loopback_ = !ec && peer.address().is_loopback();
  }
  ~Connection() { --shared_->open; }

  void read() {
    if (shared_->stopping) return close();
    parser_.emplace();
    parser_->body_limit(shared_->limits.body_bytes);
    parser_->header_limit(shared_->limits.header_bytes);
    stream_.expires_after(std::chrono::nanoseconds(shared_->limits.idle));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::eof || ec == asio::error::connection_reset)
      return close();
    if (ec == http::error::body_limit) return fail(413, "Request body too large");
    if (ec == http::error::header_limit) return fail(431, "Request headers too large");
    if (ec) {
      if (ec.category() == beast::error_code(http::error::bad_target).category()) return fail(400, "Bad HTTP request");
      return close();
    }
    const auto& req = parser_->get();
    ApiRequest ar;
    ar.method = std::string(req.method_string());
    ar.target = std::string(req.target());
    ar.body = req.body();
    if (auto it = req.find(http::field::cookie); it != req.end()) ar.cookie = std::string(it->value());
    if (auto it = req.find("X-Consim-Session"); it != req.end()) ar.session_header = std::string(it->value());
    ar.from_loopback = loopback_;
    const bool keep = req.keep_alive();
    const unsigned version = req.version();
    if (ar.target.rfind("/internal/", 0) == 0) return write(internal(ar), keep, version);
    stream_.expires_never();  // the answer may take up to the request timeout
    shared_->api->handle(node_, ar, [self = shared_from_this(), keep, version](ApiResponse r) {
      self->write(std::move(r), keep, version);
    });
  }

  // A message from a peer's process: POST /internal/{kind}, the message as JSON.
  ApiResponse internal(const ApiRequest& ar) {
    ApiResponse r;
    r.status = 400;
    if (ar.method != "POST") {
      r.body = R"({"error":"internal endpoints take POST"})";
      return r;
    }
    const nlohmann::json j = body_is_json(ar.body) ? nlohmann::json::parse(ar.body, nullptr, false)
                                                  : nlohmann::json(nlohmann::json::value_t::discarded);
    Message m;
    std::shared_ptr<const Snapshot> snapshot;
    std::string error;
    if (j.is_discarded()) {
      error = "Invalid JSON";
    } else if (message_from_json(j, shared_->api->keys(), shared_->cluster->size(), m, snapshot, error) &&
               ar.target != "/internal/" + std::string(to_string(m.kind))) {
      error = "the path names another kind of message";
    }
    if (!error.empty()) {
      r.body = nlohmann::json{{"error", error}}.dump();
      return r;
    }
    shared_->cluster->inject(m, snapshot);
    r.status = 200;
    r.body = R"({"success":true})";
    return r;
  }

  void fail(unsigned status, const char* msg) {
    ApiResponse r;
    r.status = status;
    r.body = fmt::format(R"({{"error":"{}"}})", msg);
    write(std::move(r), false, 11);
  }

  void write(ApiResponse r, bool keep, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version);
    res->result(static_cast<http::status>(r.status));
    res->set(http::field::server, "consim");
    res->set(http::field::access_control_allow_origin, "*");
    res->set(http::field::access_control_allow_methods, "GET, POST, PUT, DELETE, OPTIONS");
    res->set(http::field::access_control_allow_headers, "Content-Type, X-Consim-Session");
    res->set(http::field::access_control_expose_headers, "X-Consim-Session");
    res->set(http::field::content_type, "application/json");
    for (const auto& [name, value] : r.headers) res->insert(name, value);
    res->body() = r.body.empty() ? std::string() : r.body + "\n";
    res->keep_alive(keep && !shared_->stopping);
    res->prepare_payload();
    stream_.expires_after(std::chrono::nanoseconds(shared_->limits.idle));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !res->keep_alive()) return self->close();
      self->read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  NodeId node_;
  std::shared_ptr<Shared> shared_;
  bool loopback_ = false;
};

// One message to a peer's process: connect, POST, read the answer, close.
class PeerPost : public std::enable_shared_from_this<PeerPost> {
 public:
  using Done = std::function<void(const beast::error_code&)>;
  PeerPost(asio::io_context& io, tcp::endpoint to, const std::string& host, const std::string& target, std::string body,
           Done done)
      : stream_(io), to_(to), done_(std::move(done)) {
    req_.method(http::verb::post);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, host);
    req_.set(http::field::content_type, "application/json");
    req_.keep_alive(false);
    req_.body() = std::move(body);
    req_.prepare_payload();
  }

  void start() {
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_connect(to_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->done_(ec);
      http::async_write(self->stream_, self->req_, [self](beast::error_code ec, std::size_t) {
        if (ec) return self->done_(ec);
        http::async_read(self->stream_, self->buffer_, self->res_, [self](beast::error_code ec, std::size_t) {
          beast::error_code ignore;
          self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignore);
          self->done_(ec);
        });
      });
    });
  }

 private:
  beast::tcp_stream stream_;
  tcp::endpoint to_;
  Done done_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
};

// The other nodes' processes, and whether each answers.
class Peers {
 public:
  struct Peer {
    NodeId node = 0;
    std::string url, host;
    tcp::endpoint endpoint;
    bool failing = false;
  };

  // Resolves every URL (http://HOST:PORT) once; throws ListenError.
  Peers(asio::io_context& io, NodeId self, const std::vector<std::string>& urls, std::ostream& out)
      : io_(io), self_(self), out_(out) {
    for (std::size_t i = 0; i < urls.size(); ++i) {
      Peer p;
      p.node = static_cast<NodeId>(i < self ? i : i + 1);
      p.url = urls[i];
      std::string rest = urls[i];
      if (rest.rfind("http://", 0) != 0) throw ListenError(fmt::format("--peers {}: expected http://HOST:PORT", rest));
      rest = rest.substr(7);
      while (!rest.empty() && rest.back() == '/') rest.pop_back();
      const std::size_t colon = rest.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
        throw ListenError(fmt::format("--peers {}: expected http://HOST:PORT", urls[i]));
      p.host = rest;
      boost::system::error_code ec;
      tcp::resolver resolver(io);
      const auto found = resolver.resolve(rest.substr(0, colon), rest.substr(colon + 1), ec);
      if (ec || found.empty())
        throw ListenError(fmt::format("--peers {}: cannot resolve: {}", urls[i], ec ? ec.message() : "no address"));
      p.endpoint = found.begin()->endpoint();
      peers_.push_back(p);
    }
  }

  void send(const Message& m, const KeySpace& keys) {
    for (std::size_t i = 0; i < peers_.size(); ++i) {
      if (peers_[i].node != m.to) continue;
      auto post = std::make_shared<PeerPost>(
          io_, peers_[i].endpoint, peers_[i].host, "/internal/" + std::string(to_string(m.kind)),
          message_to_json(m, keys).dump(), [this, i](const beast::error_code& ec) { note(i, ec); });
      post->start();
      return;
    }
  }

 private:
  // One line when a peer starts failing, one when it answers again.
  void note(std::size_t i, const beast::error_code& ec) {
    Peer& p = peers_[i];
    if (ec && !p.failing)
      out_ << fmt::format("[{}] Failed to reach {} at {}: {}", node_name(self_), node_name(p.node), p.url, ec.message())
           << std::endl;
    if (!ec && p.failing)
      out_ << fmt::format("[{}] Reached {} again", node_name(self_), node_name(p.node)) << std::endl;
    p.failing = static_cast<bool>(ec);
  }

  asio::io_context& io_;
  NodeId self_;
  std::ostream& out_;
  std::vector<Peer> peers_;
};

class Listener {
 public:
  Listener(asio::io_context& io, NodeId node, std::shared_ptr<Shared> shared)
      : acceptor_(io), node_(node), shared_(std::move(shared)) {}

  // Binds and listens; throws ListenError.
  std::uint16_t listen(const std::string& address, std::uint32_t port) {
    boost::system::error_code ec;
    const asio::ip::address addr = asio::ip::make_address(address, ec);
    if (ec) throw ListenError(fmt::format("--bind {}: not an IP address", address.substr(0, 64)));
    const tcp::endpoint ep(addr, static_cast<std::uint16_t>(port));
    const std::string where = fmt::format("{}:{} ({})", address, port, node_name(node_));
    if (acceptor_.open(ep.protocol(), ec); ec)
      throw ListenError(fmt::format("cannot listen on {}: {}", where, ec.message()));
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (acceptor_.bind(ep, ec); ec)
      throw ListenError(fmt::format("cannot listen on {}: {}{}", where, ec.message(),
                                    ec == asio::error::address_in_use ? " (another server holds the port: stop it, "
                                                                        "or choose --base-port)"
                                                                      : ""));
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec)
      throw ListenError(fmt::format("cannot listen on {}: {}", where, ec.message()));
    return acceptor_.local_endpoint().port();
  }

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || shared_->stopping) return;
      if (!ec) {
        if (shared_->open >= shared_->limits.max_connections) {
          boost::system::error_code ignore;
          socket.close(ignore);
        } else {
          auto c = std::make_shared<Connection>(std::move(socket), node_, shared_);
          connections_.push_back(c);
          c->read();
        }
      }
      if (connections_.size() > 64) prune();
      accept();
    });
  }

  void stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& w : connections_)
      if (auto c = w.lock()) c->close();
    connections_.clear();
  }

 private:
  void prune() {
    std::vector<std::weak_ptr<Connection>> live;
    for (auto& w : connections_)
      if (!w.expired()) live.push_back(w);
    connections_.swap(live);
  }

  tcp::acceptor acceptor_;
  NodeId node_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::weak_ptr<Connection>> connections_;
};

// The chapter's lines for a node's role changes; `first`: the node's first one.
std::string role_line(NodeId n, const RoleChange& rc, bool first) {
  switch (rc.role) {
    case Role::leader:
      return fmt::format("[{}] \U0001F451 Became LEADER for term {}", node_name(n), rc.term);
    case Role::candidate:
      return fmt::format("[{}] Election timeout! Starting election... (term {})", node_name(n), rc.term);
    case Role::follower:
      if (rc.leader == kNoNode || rc.leader == n)
        return fmt::format("[{}] No leader known (term {})", node_name(n), rc.term);
      if (first)
        return fmt::format("[{}] Waiting for {} to become leader (term {})", node_name(n), node_name(rc.leader),
                           rc.term);
      return fmt::format("[{}] Following {} (term {})", node_name(n), node_name(rc.leader), rc.term);
  }
  return {};
}

}  // namespace

int serve(const Scenario& scenario, const ServeOptions& options, std::ostream& out) {
  asio::io_context io;
  LiveCluster cluster(io, scenario);
  std::optional<LiveHistory> history;
  if (options.record_history) history.emplace(scenario);
  Api api(cluster, history ? &*history : nullptr);
  auto shared = std::make_shared<Shared>();
  shared->api = &api;
  shared->cluster = &cluster;
  shared->limits = options.limits;

  const std::uint32_t n = cluster.size();
  const bool one = options.node != kNoNode;  // one node per process
  std::optional<Peers> peers;
  if (one) {
    if (options.node >= n || options.peers.size() + 1 != n)
      throw ListenError(fmt::format("--node-id node-{} with {} peers: expected node-1 .. node-{} and {} peers",
                                    options.node + 1, options.peers.size(), n, n - 1));
    peers.emplace(io, options.node, options.peers, out);
    cluster.run_only(options.node, [&peers, &api](const Message& m) { peers->send(m, api.keys()); });
  } else if (options.base_port != 0 && options.base_port + n - 1 > 65535) {
    throw ListenError(fmt::format("--base-port {}: node-{} would need port {} (> 65535)", options.base_port, n,
                                  options.base_port + n - 1));
  }
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::uint16_t> ports(n, 0);
  for (NodeId i = 0; i < n; ++i) {
    if (!cluster.local(i)) continue;
    listeners.push_back(std::make_unique<Listener>(io, i, shared));
    const std::uint32_t port = one ? options.port : options.base_port == 0 ? 0 : options.base_port + i;
    ports[i] = listeners.back()->listen(options.bind, port);
  }
  const std::string host = options.bind.find(':') != std::string::npos ? "[" + options.bind + "]" : options.bind;
  auto url = [&](NodeId i) {
    if (!cluster.local(i)) return options.peers[i < options.node ? i : i - 1];
    return fmt::format("http://{}:{}", host, ports[i]);
  };
  const ClusterSpec& c = scenario.cluster;
  for (NodeId i = 0; i < n; ++i) {
    if (!cluster.local(i)) continue;
    std::string peer_list;
    for (NodeId j = 0; j < n; ++j)
      if (j != i) peer_list += (peer_list.empty() ? "" : ", ") + url(j);
    out << fmt::format("[{}] Consistent Store listening on port {}\n", node_name(i), ports[i]);
    out << fmt::format("[{}] Write Quorum (W): {}, Read Quorum (R): {}\n", node_name(i), c.write_quorum, c.read_quorum);
    out << fmt::format("[{}] Peers: {}\n", node_name(i), peer_list.empty() ? "none" : peer_list);
  }
  for (NodeId i = 0; i < n; ++i)
    if (cluster.local(i)) out << fmt::format("consim serve: {} {}\n", node_name(i), url(i));
  out << fmt::format("consim serve: scenario \"{}\", {} nodes, {} replication, W={} R={}, seed {}\n", scenario.name, n,
                     c.replication == Replication::leaderless ? "leaderless" : "leader", c.write_quorum, c.read_quorum,
                     scenario.seed);
  out << "consim serve: ready (Ctrl-C stops)" << std::endl;

  std::vector<bool> seen(n, false);
  if (c.replication == Replication::leaderless) {
    for (NodeId i = 0; i < n; ++i)
      if (cluster.local(i))
        out << fmt::format("[{}] Replica, leaderless: any node coordinates a request\n", node_name(i));
    out << std::flush;
  } else {
    cluster.on_role([&out, &seen](NodeId node, const RoleChange& rc) {
      out << role_line(node, rc, !seen[node]) << std::endl;
      seen[node] = true;
    });
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer deadline(io);
  asio::steady_timer grace(io);
  std::string why;
  auto stop = [&](const std::string& reason) {
    if (shared->stopping) return;
    why = reason;
    cluster.stop();  // every pending request is answered (503) now
    shared->stopping = true;
    boost::system::error_code ec;
    signals.cancel(ec);
    deadline.cancel();
    // A moment for the last answers to leave, then every connection closes.
    grace.expires_after(std::chrono::milliseconds(100));
    grace.async_wait([&](const boost::system::error_code&) {
      for (auto& l : listeners) l->stop();
    });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) stop(sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
  });
  if (options.duration > 0) {
    deadline.expires_after(std::chrono::nanoseconds(options.duration));
    deadline.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) stop("--duration-ms reached");
    });
  }
  for (auto& l : listeners) l->accept();
  cluster.start();
  io.run();

  const WireCounts w = cluster.wire();
  out << fmt::format(
             "consim serve: stopped, {}, after {:.3f} s: {}{} messages sent between nodes, {} delivered here, {} "
             "dropped\n",
             why, static_cast<double>(cluster.now()) / kSecond,
             history ? fmt::format("{} client operations, ", history->size()) : std::string(), w.sent, w.delivered,
             w.dropped)
      << std::flush;
  if (history && options.history_text) *options.history_text = history->jsonl();
  return 0;
}

}  // namespace consim::live
