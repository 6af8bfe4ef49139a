// sim/live/server.cpp: Boost.Beast on each node's port, around a LiveCluster (server.h).
//
// The only file of consim that includes Boost.Beast.
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

namespace consim::live {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Shared {
  Api* api = nullptr;
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
    stream_.expires_never();  // the answer may take up to the request timeout
    shared_->api->handle(node_, ar, [self = shared_from_this(), keep, version](ApiResponse r) {
      self->write(std::move(r), keep, version);
    });
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
  shared->limits = options.limits;

  const std::uint32_t n = cluster.size();
  if (options.base_port != 0 && options.base_port + n - 1 > 65535)
    throw ListenError(fmt::format("--base-port {}: node-{} would need port {} (> 65535)", options.base_port, n,
                                  options.base_port + n - 1));
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::uint16_t> ports;
  for (NodeId i = 0; i < n; ++i) {
    listeners.push_back(std::make_unique<Listener>(io, i, shared));
    ports.push_back(listeners.back()->listen(options.bind, options.base_port == 0 ? 0 : options.base_port + i));
  }
  const std::string host = options.bind.find(':') != std::string::npos ? "[" + options.bind + "]" : options.bind;
  auto url = [&](NodeId i) { return fmt::format("http://{}:{}", host, ports[i]); };
  const ClusterSpec& c = scenario.cluster;
  for (NodeId i = 0; i < n; ++i) {
    std::string peers;
    for (NodeId j = 0; j < n; ++j)
      if (j != i) peers += (peers.empty() ? "" : ", ") + url(j);
    out << fmt::format("[{}] Consistent Store listening on port {}\n", node_name(i), ports[i]);
    out << fmt::format("[{}] Write Quorum (W): {}, Read Quorum (R): {}\n", node_name(i), c.write_quorum, c.read_quorum);
    out << fmt::format("[{}] Peers: {}\n", node_name(i), peers.empty() ? "none" : peers);
  }
  for (NodeId i = 0; i < n; ++i) out << fmt::format("consim serve: {} {}\n", node_name(i), url(i));
  out << fmt::format("consim serve: scenario \"{}\", {} nodes, {} replication, W={} R={}, seed {}\n", scenario.name, n,
                     c.replication == Replication::leaderless ? "leaderless" : "leader", c.write_quorum, c.read_quorum,
                     scenario.seed);
  out << "consim serve: ready (Ctrl-C stops)" << std::endl;

  std::vector<bool> seen(n, false);
  if (c.replication == Replication::leaderless) {
    for (NodeId i = 0; i < n; ++i)
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
             "consim serve: stopped, {}, after {:.3f} s: {}{} messages between nodes ({} delivered, {} "
             "dropped)\n",
             why, static_cast<double>(cluster.now()) / kSecond,
             history ? fmt::format("{} client operations, ", history->size()) : std::string(), w.sent, w.delivered,
             w.dropped)
      << std::flush;
  if (history && options.history_text) *options.history_text = history->jsonl();
  return 0;
}

}  // namespace consim::live
