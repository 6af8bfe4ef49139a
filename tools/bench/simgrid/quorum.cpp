// tools/bench/simgrid/quorum.cpp: consim's peer. The protocol of a consim
// leader-mode write, as a SimGrid s4u model, so that tools/bench/run.sh can run
// both side by side on the same machine (tools/bench/quorum-*.json are the same
// runs in consim).
//
// One leader (node-1) and nodes - 1 followers, each an actor with its own
// mailbox, and one closed-loop client on a host of its own. The client sends a
// write to the leader and waits for the answer before it sends the next. The
// leader appends the write to its log and sends an Append to every follower;
// each follower appends and acknowledges; the leader answers the client once W
// copies exist (its own and W - 1 acknowledgements). Later acknowledgements are
// counted and dropped. So a write costs 2 messages with the client and
// 2 x (nodes - 1) inside the cluster: 10 messages at 5 nodes.
//
// Time is spent on the network only, modelled by SimGrid's own network: a
// programmatic platform, one host per node and one for the client, a private
// link for every pair of hosts (latency 1 ms, bandwidth 1 TB/s), messages of
// 0 simulated bytes, the CM02 model (latency and bandwidth taken as given: no
// correction factors). So every message takes exactly 1 ms, as in consim's
// scenario, a write 4 ms, and N writes end at 4 N ms. Every mailbox has its
// actor as permanent receiver, so messages start flowing when sent (as packets
// do), not when the receiver next calls get().
//
//   consim_simgrid_quorum [--writes N] [--nodes K] [--w W] [SimGrid --cfg=... options]
#include <xbt/log.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>
#include <xbt/config.hpp>

namespace sg4 = simgrid::s4u;

namespace {

constexpr double kLatency = 1e-3;    // seconds: 1 ms, every link
constexpr double kBandwidth = 1e12;  // bytes per second: never the bottleneck
constexpr std::uint64_t kBytes = 1;  // simulated size of every message: 1 ps at that bandwidth

struct Msg {
  enum Kind : std::uint8_t { kPut, kReply, kAppend, kAck } kind;
  std::uint64_t index;  // the log index (kAppend, kAck) or the write's number (kPut, kReply)
};

struct Counts {
  std::uint64_t sent = 0;
  std::uint64_t by_kind[4] = {};
  std::uint64_t committed = 0;
};
Counts counts;

void send(sg4::Mailbox* to, Msg::Kind kind, std::uint64_t index) {
  ++counts.sent;
  ++counts.by_kind[kind];
  to->put_init(new Msg{kind, index}, kBytes)->detach();
}

std::unique_ptr<Msg> receive(sg4::Mailbox* mine) { return std::unique_ptr<Msg>(mine->get<Msg>()); }

sg4::Mailbox* own_mailbox(const std::string& name) {
  sg4::Mailbox* m = sg4::Mailbox::by_name(name);
  m->set_receiver(sg4::Actor::self());
  return m;
}

void leader(int nodes, int w) {
  sg4::Mailbox* mine = own_mailbox("node-1");
  sg4::Mailbox* client = sg4::Mailbox::by_name("client");
  std::vector<sg4::Mailbox*> followers;
  for (int i = 2; i <= nodes; ++i) followers.push_back(sg4::Mailbox::by_name("node-" + std::to_string(i)));
  struct Pending {
    std::uint64_t write;  // the client's number for it
    int copies;           // the leader's own and the acknowledgements so far
  };
  std::map<std::uint64_t, Pending> pending;  // log index -> write not yet acknowledged by every follower
  std::uint64_t last = 0;                    // the log's last index
  for (;;) {
    const std::unique_ptr<Msg> m = receive(mine);
    if (m->kind == Msg::kPut) {
      ++last;
      if (nodes > 1) pending[last] = {m->index, 1};
      for (sg4::Mailbox* f : followers) send(f, Msg::kAppend, last);
      if (w == 1) {
        ++counts.committed;
        send(client, Msg::kReply, m->index);
      }
    } else if (m->kind == Msg::kAck) {
      auto it = pending.find(m->index);
      if (it == pending.end()) continue;
      if (++it->second.copies == w) {
        ++counts.committed;
        send(client, Msg::kReply, it->second.write);
      }
      if (it->second.copies == nodes) pending.erase(it);
    }
  }
}

void follower(int id) {
  sg4::Mailbox* mine = own_mailbox("node-" + std::to_string(id));
  sg4::Mailbox* leader = sg4::Mailbox::by_name("node-1");
  std::uint64_t last = 0;  // the log's last index
  for (;;) {
    const std::unique_ptr<Msg> m = receive(mine);
    if (m->kind != Msg::kAppend) continue;
    if (m->index == last + 1) last = m->index;
    send(leader, Msg::kAck, m->index);
  }
}

void client(std::uint64_t writes) {
  sg4::Mailbox* mine = own_mailbox("client");
  sg4::Mailbox* leader = sg4::Mailbox::by_name("node-1");
  for (std::uint64_t i = 1; i <= writes; ++i) {
    send(leader, Msg::kPut, i);
    const std::unique_ptr<Msg> reply = receive(mine);
    if (reply->kind != Msg::kReply || reply->index != i) {
      std::fprintf(stderr, "quorum: write %llu answered by a reply to %llu\n", static_cast<unsigned long long>(i),
                   static_cast<unsigned long long>(reply->index));
      std::exit(1);
    }
  }
}

// Hosts client, node-1 .. node-K, fully connected by private links.
void build_platform(int nodes) {
  sg4::NetZone* zone = sg4::create_full_zone("world");
  std::vector<sg4::Host*> hosts{zone->create_host("client", 1e9)};
  for (int i = 1; i <= nodes; ++i) hosts.push_back(zone->create_host("node-" + std::to_string(i), 1e9));
  for (std::size_t a = 0; a < hosts.size(); ++a)
    for (std::size_t b = a + 1; b < hosts.size(); ++b) {
      sg4::Link* l = zone->create_link(hosts[a]->get_name() + "-" + hosts[b]->get_name(), kBandwidth);
      l->set_latency(kLatency);
      zone->add_route(hosts[a]->get_netpoint(), hosts[b]->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(l)},
                      true);
    }
  zone->seal();
}

bool whole(const char* s, long long lo, long long hi, long long* out) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int usage() {
  std::fprintf(stderr, "usage: consim_simgrid_quorum [--writes N] [--nodes K (1..64)] [--w W (1..K)] [--cfg=...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sg4::Engine e(&argc, argv);  // takes SimGrid's own options (--cfg=..., --log=...) out of argv
  long long writes = 100000, nodes = 5, w = 3;
  for (int i = 1; i < argc; ++i) {
    long long* out = nullptr;
    long long hi = 0;
    if (std::strcmp(argv[i], "--writes") == 0) {
      out = &writes;
      hi = 1'000'000'000;
    } else if (std::strcmp(argv[i], "--nodes") == 0) {
      out = &nodes;
      hi = 64;
    } else if (std::strcmp(argv[i], "--w") == 0) {
      out = &w;
      hi = 64;
    } else {
      return usage();
    }
    if (++i == argc || !whole(argv[i], 1, hi, out)) return usage();
  }
  if (w > nodes) return usage();

  xbt_log_control_set("xbt_cfg.thresh:warning");  // no line on stderr for the settings below
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/TCP-gamma:0");  // no TCP window bound on the rate
  build_platform(static_cast<int>(nodes));
  sg4::Actor::create("leader", e.host_by_name("node-1"), leader, static_cast<int>(nodes), static_cast<int>(w))
      ->daemonize();
  for (int i = 2; i <= nodes; ++i)
    sg4::Actor::create("follower-" + std::to_string(i), e.host_by_name("node-" + std::to_string(i)), follower, i)
        ->daemonize();
  sg4::Actor::create("client", e.host_by_name("client"), client, static_cast<std::uint64_t>(writes));

  const auto t0 = std::chrono::steady_clock::now();
  e.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf(
      "simgrid quorum: %lld nodes, W=%lld, %llu writes committed, %llu messages (%llu put, %llu reply, %llu append, "
      "%llu ack)\n",
      nodes, w, static_cast<unsigned long long>(counts.committed), static_cast<unsigned long long>(counts.sent),
      static_cast<unsigned long long>(counts.by_kind[Msg::kPut]),
      static_cast<unsigned long long>(counts.by_kind[Msg::kReply]),
      static_cast<unsigned long long>(counts.by_kind[Msg::kAppend]),
      static_cast<unsigned long long>(counts.by_kind[Msg::kAck]));
  std::printf("simgrid quorum: end time %.3f ms, %.3f s wall, contexts %s\n", sg4::Engine::get_clock() * 1e3, wall,
              simgrid::config::get_value<std::string>("contexts/factory").c_str());
  return counts.committed == static_cast<unsigned long long>(writes) ? 0 : 1;
}
