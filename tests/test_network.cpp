// The network's per-kind and per-link settings: the precedence
// link+kind > link > kind > client_delay (client links) > network-wide,
// checked on the delays transit() draws (constant delays, so exact).
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <string>

#include "sim/world/network.h"
#include "sim/scenario/load.h"

using namespace consim;
using nlohmann::json;

namespace {

NetworkSpec net_of(const std::string& network_json, std::uint32_t nodes = 3) {
  json j;
  j["cluster"]["nodes"] = nodes;
  j["network"] = json::parse(network_json);
  return scenario_from_json(j, "t.json").network;
}

// The delay in ms of one message from -> to of kind k (endpoint >= 3: a client).
double delay_ms(Network& net, EndpointId from, EndpointId to, MsgKind k) {
  const Transit t = net.transit(from, to, k);
  REQUIRE(t.drop == DropReason::none);
  return static_cast<double>(t.delay) / 1e6;
}

}  // namespace

TEST_CASE("network precedence: link+kind > link > kind > client_delay > delay") {
  const NetworkSpec spec = net_of(R"({
    "delay": 1,
    "client_delay": 2,
    "kinds": {"append": {"delay": 10}, "append_reply": {"delay": 11},
              "client_request": {"delay": 12}, "client_put": {"delay": 13}},
    "links": [{"from": 1, "to": 2, "delay": 20},
              {"from": 1, "to": 3, "kinds": {"append": {"delay": 30}}},
              {"from": 1, "to": 2, "kinds": {"heartbeat": {"delay": 40}}},
              {"from": "client", "to": 2, "kinds": {"client_get": {"delay": 50}}}]
  })");
  Network net(3, spec, 1);
  const EndpointId client = 3;  // any endpoint >= N is a client
  // network-wide and client_delay
  CHECK(delay_ms(net, 1, 2, MsgKind::heartbeat) == 1);
  CHECK(delay_ms(net, 1, client, MsgKind::client_reply) == 2);  // node -> client
  CHECK(delay_ms(net, client + 5, 0, MsgKind::client_reply) == 2);
  // kind beats client_delay and network-wide
  CHECK(delay_ms(net, 1, 2, MsgKind::append) == 10);
  CHECK(delay_ms(net, 2, 0, MsgKind::append_reply) == 11);
  CHECK(delay_ms(net, client, 0, MsgKind::client_get) == 12);    // group client_request
  CHECK(delay_ms(net, client, 0, MsgKind::client_delete) == 12);
  CHECK(delay_ms(net, client, 0, MsgKind::client_put) == 13);    // a single kind beats its group
  // link beats kind; later entries for the same link merge field by field
  CHECK(delay_ms(net, 0, 1, MsgKind::append) == 20);
  CHECK(delay_ms(net, 0, 1, MsgKind::vote_reply) == 20);
  CHECK(delay_ms(net, 0, 1, MsgKind::heartbeat) == 40);         // link+kind beats link
  CHECK(delay_ms(net, 1, 0, MsgKind::append) == 10);             // links are directed
  // link+kind beats kind; other kinds on that link keep the kind / default
  CHECK(delay_ms(net, 0, 2, MsgKind::append) == 30);
  CHECK(delay_ms(net, 0, 2, MsgKind::append_reply) == 11);
  CHECK(delay_ms(net, 0, 2, MsgKind::heartbeat) == 1);
  // client link + kind
  CHECK(delay_ms(net, client, 1, MsgKind::client_get) == 50);
  CHECK(delay_ms(net, client, 1, MsgKind::client_put) == 13);
  CHECK(delay_ms(net, client, 2, MsgKind::client_get) == 12);
  // Every delay here is a constant: each cell carries it in ns, and a
  // message's transit takes exactly that.
  for (EndpointId f = 0; f <= client; ++f)
    for (EndpointId t = 0; t <= client; ++t)
      for (int k = 0; k < kMsgKindCount; ++k) {
        const MsgKind kind = static_cast<MsgKind>(k);
        const Network::Link& l = net.link(f, t, kind);
        REQUIRE(l.fixed >= 0);
        CHECK(l.fixed == l.delay->fixed_ns());
        if (f != t) CHECK(net.transit(f, t, kind).delay == l.fixed);
      }
}

TEST_CASE("network: a link whose delay draws keeps no fixed delay, and transit samples it") {
  const NetworkSpec spec = net_of(R"({"delay": {"type": "lognormal", "median_ms": 2, "sigma": 0.5},
                                      "kinds": {"append": {"delay": 4}}})");
  Network net(3, spec, 9);
  CHECK(net.link(0, 1, MsgKind::heartbeat).fixed == -1);
  CHECK(net.link(0, 1, MsgKind::append).fixed == 4'000'000);
  // The lognormal links draw: their delays vary and are not the constant's.
  Time lo = std::numeric_limits<Time>::max(), hi = 0;
  for (int i = 0; i < 100; ++i) {
    CHECK(net.transit(0, 1, MsgKind::append).delay == 4'000'000);
    const Time d = net.transit(0, 1, MsgKind::heartbeat).delay;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo < 2'000'000);
  CHECK(hi > 2'000'000);
}

TEST_CASE("network kinds: loss and duplicate per kind and per link+kind; aliases") {
  const NetworkSpec spec = net_of(R"({
    "kinds": {"heartbeat": {"loss": 1}, "replicate": {"duplicate": 1, "delay": 7},
              "install_snapshot": {"delay": 8}, "vote": {"delay": 9}, "ack": {"delay": 6}},
    "links": [{"from": 2, "to": 1, "kinds": {"heartbeat": {"loss": 0}}}]
  })");
  Network net(3, spec, 1);
  CHECK(net.transit(0, 1, MsgKind::heartbeat).drop == DropReason::loss);
  CHECK(net.transit(1, 0, MsgKind::heartbeat).drop == DropReason::none);  // link+kind loss 0
  CHECK(net.transit(0, 1, MsgKind::heartbeat_reply).drop == DropReason::none);
  const Transit a = net.transit(0, 1, MsgKind::append);
  CHECK(a.duplicate);
  CHECK(a.delay == 7 * kMillisecond);
  CHECK(a.dup_delay == 7 * kMillisecond);
  const Transit s = net.transit(0, 1, MsgKind::install_snapshot);
  CHECK(s.duplicate);                    // from the group
  CHECK(s.delay == 8 * kMillisecond);    // its own entry wins over the group's
  CHECK(delay_ms(net, 0, 1, MsgKind::request_vote) == 9);
  CHECK(delay_ms(net, 0, 1, MsgKind::vote_reply) == 9);
  CHECK(delay_ms(net, 0, 1, MsgKind::append_reply) == 6);
  CHECK(!net.transit(0, 1, MsgKind::append_reply).duplicate);
  // the table entries for a kind without overrides share the defaults
  CHECK(net.link(0, 1, MsgKind::read_query).delay == net.link(2, 0, MsgKind::repair).delay);
}

TEST_CASE("network kinds: configure() replaces the per-kind settings (timeline network events)") {
  Network net(3, net_of(R"({"kinds": {"append": {"delay": 10}}})"), 1);
  CHECK(delay_ms(net, 0, 1, MsgKind::append) == 10);
  net.configure(net_of(R"({"delay": 3})"));
  CHECK(delay_ms(net, 0, 1, MsgKind::append) == 3);
  net.configure(net_of(R"({"kinds": {"append": {"delay": 4}}, "links": [{"from": 1, "to": 2, "delay": 5}]})"));
  CHECK(delay_ms(net, 0, 1, MsgKind::append) == 5);
  CHECK(delay_ms(net, 0, 2, MsgKind::append) == 4);
}
