// Tests of the scenario loader: defaults, conversions, --set, and the error messages.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "sim/scenario/load.h"

using consim::InputError;
using consim::Level;
using consim::Scenario;
using consim::TimelineEvent;
using nlohmann::json;

namespace {

Scenario from_text(const std::string& text) {
  return consim::scenario_from_json(consim::parse_scenario_text(text, "t.json"), "t.json");
}

// The message of the InputError that loading `text` throws ("" if none).
std::string error_of(const std::string& text) {
  try {
    from_text(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string set_error(json& j, const std::string& assignment) {
  try {
    consim::apply_set(j, assignment, "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("scenarios/default.json loads with its values converted") {
  const Scenario sc =
      consim::load_scenario(std::string(CONSIM_SOURCE_DIR) + "/scenarios/default.json", {});
  CHECK(sc.name == "default");
  CHECK(sc.seed == 42);
  CHECK(sc.duration == 60 * consim::kSecond);
  CHECK(sc.drain == 5 * consim::kSecond);  // not in the file: default
  CHECK(sc.cluster.nodes == 3);
  CHECK(sc.cluster.write_quorum == 2);
  CHECK(sc.cluster.read_quorum == 1);
  CHECK(sc.cluster.election == consim::Election::lowest_alive);
  CHECK(sc.cluster.heartbeat_interval == 2 * consim::kSecond);
  CHECK(sc.cluster.election_timeout == 6 * consim::kSecond);
  REQUIRE(sc.network.delay.kind == consim::Distribution::Kind::mixture);
  REQUIRE(sc.network.delay.components.size() == 2);
  CHECK(sc.network.delay.weights[0] == doctest::Approx(0.9));
  CHECK(sc.network.delay.components[0].kind == consim::Distribution::Kind::lognormal);
  CHECK(sc.network.delay.components[0].a == 2);    // median_ms
  CHECK(sc.network.delay.components[1].a == 20);
  CHECK(sc.network.delay.components[1].b == doctest::Approx(0.5));  // sigma
  CHECK_FALSE(sc.network.client_delay.has_value());
  CHECK(sc.workload.enabled);
  CHECK(sc.workload.rate_per_s == 200);
  CHECK(sc.workload.clients == 20);
  CHECK(sc.workload.read_fraction == doctest::Approx(0.7));
  CHECK(sc.workload.delete_fraction == doctest::Approx(0.05));
  CHECK(sc.workload.keys == 50);
  CHECK(sc.workload.zipf == doctest::Approx(0.9));
  CHECK(sc.workload.level_weights[static_cast<int>(Level::strong)] == 1);
  CHECK(sc.workload.level_weights[static_cast<int>(Level::causal)] == 0);
  CHECK(sc.workload.stop == sc.duration);
  CHECK(sc.probe.enabled);
  CHECK(sc.probe.interval == consim::kSecond);
  REQUIRE(sc.probe.delays.size() == 5);
  CHECK(sc.probe.delays[2] == 5 * consim::kMillisecond);
  CHECK(sc.probe.levels.size() == 3);
  CHECK(sc.measure.window_edges.size() == 14);
  CHECK(sc.measure.window_edges.back() == 10 * consim::kSecond);
  CHECK(sc.source == std::string(CONSIM_SOURCE_DIR) + "/scenarios/default.json");
}

TEST_CASE("the compiled-in default equals scenarios/default.json") {
  const Scenario a = consim::load_scenario("", {});
  CHECK(a.source == "<default>");
  CHECK(a.name == "default");
  CHECK(a.seed == 42);
  CHECK(a.workload.rate_per_s == 200);
  std::ifstream in(std::string(CONSIM_SOURCE_DIR) + "/scenarios/default.json");
  const json file = json::parse(in);
  CHECK(json::parse(consim::default_scenario_text()) == file);
}

TEST_CASE("an empty object gives every default") {
  const Scenario sc = from_text("{}");
  CHECK(sc.name == "unnamed");
  CHECK(sc.seed == 1);
  CHECK(sc.duration == 60 * consim::kSecond);
  CHECK(sc.request_timeout == 2 * consim::kSecond);
  CHECK(sc.max_redirects == 3);
  CHECK(sc.cluster.nodes == 3);
  CHECK(sc.network.delay.kind == consim::Distribution::Kind::constant);
  CHECK(sc.network.delay.a == 1);
  CHECK_FALSE(sc.workload.enabled);
  CHECK_FALSE(sc.probe.enabled);
  CHECK(sc.timeline.empty());
  CHECK(sc.measure.lost_write_window == 64);
}

TEST_CASE("JSON built in C++ (signed integers, floats) loads too") {
  json j;
  j["seed"] = 2;  // number_integer, not number_unsigned as the parser makes it
  j["cluster"]["nodes"] = 5;
  j["cluster"]["write_quorum"] = 3.0;
  j["duration_ms"] = 1500.0;
  const Scenario sc = consim::scenario_from_json(j, "<test>");
  CHECK(sc.seed == 2);
  CHECK(sc.cluster.nodes == 5);
  CHECK(sc.cluster.write_quorum == 3);
  CHECK(sc.duration == 1500 * consim::kMillisecond);
  CHECK(sc.source == "<test>");
}

TEST_CASE("conversions: fractional ms to ns, 1-based nodes to 0-based, quorum words") {
  const Scenario sc = from_text(R"({
    "duration_ms": 1000.5, "drain_ms": 0.0000004,
    "cluster": {"nodes": 5, "write_quorum": "majority", "read_quorum": "all",
                "election": "majority", "session_behind": "forward", "durable": true},
    "network": {"delay": 2.5, "client_delay": {"type": "uniform", "min_ms": 1, "max_ms": 3},
                "links": [{"from": "client", "to": 5, "loss": 0.5},
                          {"from": 2, "to": 1, "delay": {"type": "mixture", "components": [
                             {"weight": 3, "type": "constant", "ms": 1},
                             {"type": "pareto", "scale_ms": 10, "shape": 1.5}]}}]},
    "script": [{"at_ms": 20, "client": 2, "node": 3, "op": "put", "key": "k", "value": {"x": 1}},
               {"at_ms": 10, "op": "get", "key": "k", "level": "strong", "label": "first"}],
    "timeline": [{"at_ms": 500, "heal": true},
                 {"at_ms": 100, "partition": [[1, 2]]},
                 {"at_ms": 100, "crash": [5]},
                 {"at_ms": 200, "cut": {"from": 1, "to": 4}}]
  })");
  CHECK(sc.duration == 1000500000);
  CHECK(sc.drain == 0);  // 0.4 ns rounds to 0
  CHECK(sc.cluster.write_quorum == 3);
  CHECK(sc.cluster.read_quorum == 5);
  CHECK(sc.cluster.election == consim::Election::majority);
  CHECK(sc.cluster.session_behind == consim::SessionPolicy::forward);
  CHECK(sc.cluster.durable);
  CHECK(sc.network.delay.a == 2.5);
  REQUIRE(sc.network.client_delay.has_value());
  CHECK(sc.network.client_delay->b == 3);
  REQUIRE(sc.network.links.size() == 2);
  CHECK(sc.network.links[0].from == consim::kClientEndpoint);
  CHECK(sc.network.links[0].to == 4);
  CHECK(*sc.network.links[0].loss == 0.5);
  CHECK_FALSE(sc.network.links[0].delay.has_value());
  CHECK(sc.network.links[1].from == 1);
  CHECK(sc.network.links[1].to == 0);
  REQUIRE(sc.network.links[1].delay.has_value());
  CHECK(sc.network.links[1].delay->components.size() == 2);
  CHECK(sc.network.links[1].delay->weights[0] == 3);
  CHECK(sc.network.links[1].delay->weights[1] == 1);
  // Script: sorted by time, 0-based client and node, value dumped.
  REQUIRE(sc.script.size() == 2);
  CHECK(sc.script[0].at == 10 * consim::kMillisecond);
  CHECK(sc.script[0].label == "first");
  CHECK(sc.script[0].level == Level::strong);
  CHECK(sc.script[1].client == 1);
  CHECK(sc.script[1].node == 2);
  CHECK(sc.script[1].op == consim::OpType::put);
  CHECK(sc.script[1].value == R"({"x":1})");
  // Timeline: stable sort by time.
  REQUIRE(sc.timeline.size() == 4);
  CHECK(sc.timeline[0].kind == TimelineEvent::Kind::partition);
  CHECK(sc.timeline[0].groups == std::vector<std::vector<consim::NodeId>>{{0, 1}});
  CHECK(sc.timeline[1].kind == TimelineEvent::Kind::crash);
  CHECK(sc.timeline[1].nodes == std::vector<consim::NodeId>{4});
  CHECK(sc.timeline[2].kind == TimelineEvent::Kind::cut);
  CHECK(sc.timeline[2].from == 0);
  CHECK(sc.timeline[2].to == 3);
  CHECK(sc.timeline[3].kind == TimelineEvent::Kind::heal);
  CHECK(sc.timeline[3].at == 500 * consim::kMillisecond);
}

TEST_CASE("quorum defaults follow a changed node count") {
  const Scenario one = from_text(R"({"cluster": {"nodes": 1}})");
  CHECK(one.cluster.write_quorum == 1);
  CHECK(one.cluster.read_quorum == 1);
  const Scenario five = from_text(R"({"cluster": {"nodes": 5}})");
  CHECK(five.cluster.write_quorum == 2);
}

TEST_CASE("workload: fractions, level lists, closed mode, window clamp") {
  const Scenario sc = from_text(R"({"duration_ms": 1000, "workload": {
      "mode": "closed", "think": {"type": "constant", "ms": 3},
      "read_fraction": 0.5, "write_fraction": 0.5,
      "levels": ["causal", "leader"], "routing": "sticky", "start_ms": 100, "stop_ms": 5000}})");
  CHECK(sc.workload.mode == consim::WorkloadSpec::Mode::closed);
  CHECK(sc.workload.think.a == 3);
  CHECK(sc.workload.read_fraction == 0.5);
  CHECK(sc.workload.delete_fraction == 0);
  CHECK(sc.workload.level_weights[static_cast<int>(Level::causal)] == 1);
  CHECK(sc.workload.level_weights[static_cast<int>(Level::leader)] == 1);
  CHECK(sc.workload.level_weights[static_cast<int>(Level::eventual)] == 0);
  CHECK(sc.workload.routing == consim::Routing::sticky);
  CHECK(sc.workload.start == 100 * consim::kMillisecond);
  CHECK(sc.workload.stop == 1000 * consim::kMillisecond);  // clamped to the duration

  const Scenario dflt = from_text(R"({"workload": {}})");
  CHECK(dflt.workload.enabled);
  CHECK(dflt.workload.read_fraction == 0.8);
  CHECK(dflt.workload.level_weights[static_cast<int>(Level::eventual)] == 1);

  const std::string e = error_of(R"({"workload": {"read_fraction": 0.9}})");
  CHECK(contains(e, "t.json: $.workload: read_fraction + write_fraction + delete_fraction"));
  CHECK(contains(e, "must be 1"));
}

TEST_CASE("syntax errors carry line and column") {
  const std::string e = error_of("{\n  \"name\": \"x\",\n  \"seed\": }\n");
  CHECK(contains(e, "t.json:3:11: syntax error: "));
  const std::string e2 = error_of("{\"a\": 1,\n\n    ]");
  CHECK(contains(e2, "t.json:3:5: syntax error: "));
  CHECK(contains(error_of(""), "t.json:1:1: syntax error: "));
  CHECK(error_of("{\"seed\": 1,\n \"duration_ms\": 1e400}") ==
        "t.json:2:17: syntax error: number overflow parsing '1e400'");
}

TEST_CASE("a field given twice is an error") {
  CHECK(error_of(R"({"seed": 1, "seed": 2})") ==
        "t.json: $.seed: this field appears twice in the same object; keep one");
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "heal": true}, {"at_ms": 2, "crash": [1], "at_ms": 3}]})"),
                 "t.json: $.timeline[1].at_ms: this field appears twice"));
  CHECK(contains(error_of(R"({"a": [[1, {"x": 1}], {"y": {"z": 1, "z": 2}}]})"), "$.a[1].y.z: this field"));
}

TEST_CASE("unknown fields name the nearest valid one") {
  const std::string e = error_of(R"({"cluster": {"write_quorun": 2}})");
  CHECK(e == "t.json: $.cluster.write_quorun: unknown field \"write_quorun\"; did you mean "
             "\"write_quorum\"?");
  const std::string far = error_of(R"({"zzzzzzzz": 1})");
  CHECK(contains(far, "$.zzzzzzzz: unknown field \"zzzzzzzz\"; valid fields here: "));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "crahs": [1]}]})"),
                 "$.timeline[0].crahs: unknown field \"crahs\"; did you mean \"crash\"?"));
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "constant", "ms": 1, "mean_ms": 2}}})"),
                 "$.network.delay.mean_ms: unknown field"));
}

TEST_CASE("wrong types say what was expected and what was found") {
  CHECK(error_of(R"({"cluster": {"nodes": "abc"}})") ==
        "t.json: $.cluster.nodes: expected an integer, got string \"abc\"");
  CHECK(error_of(R"({"duration_ms": "abc"})") ==
        "t.json: $.duration_ms: expected a number, got string \"abc\"");
  CHECK(contains(error_of(R"({"cluster": {"nodes": 2.5}})"), "expected an integer, got number 2.5"));
  CHECK(contains(error_of(R"({"cluster": {"durable": 1}})"), "expected true or false, got number 1"));
  CHECK(contains(error_of(R"({"cluster": []})"), "$.cluster: expected an object"));
  CHECK(contains(error_of("[]"), "t.json: $: expected an object"));
  CHECK(contains(error_of(R"({"seed": -1})"), "$.seed: seed is -1 but must be a non-negative integer"));
}

TEST_CASE("range and cross-field rules") {
  CHECK(error_of(R"({"cluster": {"nodes": 3, "write_quorum": 4}})") ==
        "t.json: $.cluster.write_quorum: write_quorum is 4 but must be between 1 and nodes (3)");
  CHECK(contains(error_of(R"({"cluster": {"nodes": 65}})"), "nodes is 65 but must be between 1 and 64"));
  CHECK(contains(error_of(R"({"cluster": {"nodes": 1, "read_quorum": "most"}})"),
                 "expected a number 1..1, \"majority\" or \"all\""));
  CHECK(contains(error_of(R"({"cluster": {"election_timeout_ms": 2000}})"),
                 "$.cluster.election_timeout_ms: election_timeout_ms (2000) must be greater than "
                 "heartbeat_interval_ms (2000)"));
  CHECK(contains(error_of(R"({"cluster": {"heartbeat_interval_ms": 7000}})"),
                 "$.cluster.heartbeat_interval_ms: election_timeout_ms"));
  CHECK(contains(error_of(R"({"duration_ms": 0})"), "duration_ms is 0 but must be > 0"));
  CHECK(contains(error_of(R"({"duration_ms": 100, "measure": {"warmup_ms": 100}})"),
                 "$.measure.warmup_ms: warmup_ms is 100 but must be less than duration_ms (100)"));
  CHECK(contains(error_of(R"({"measure": {"window_edges_ms": [0, 5, 5]}})"),
                 "$.measure.window_edges_ms[2]: window edge 5 must be greater than the previous edge (5)"));
  CHECK(contains(error_of(R"({"max_redirects": 17})"), "max_redirects is 17 but must be between 0 and 16"));
  CHECK(contains(error_of(R"({"duration_ms": 1000, "script": [{"at_ms": 1001, "op": "get", "key": "a"}]})"),
                 "$.script[0].at_ms: at_ms is 1001 but must be within the run: 0..1000"));
  CHECK(contains(error_of(R"({"script": [{"at_ms": 1, "op": "put", "key": "a"}]})"),
                 "$.script[0]: missing required field \"value\""));
  CHECK(contains(error_of(R"({"script": [{"at_ms": 1, "op": "get", "key": "a", "value": 1}]})"),
                 "a value is only allowed with op \"put\""));
}

TEST_CASE("delays, probabilities and distributions") {
  CHECK(error_of(R"({"network": {"delay": -1}})") ==
        "t.json: $.network.delay: delay is -1 ms but must be >= 0 (delays cannot be negative)");
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "uniform", "min_ms": -2, "max_ms": 1}}})"),
                 "$.network.delay.min_ms: min_ms is -2 but must be >= 0"));
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "uniform", "min_ms": 2, "max_ms": 1}}})"),
                 "$.network.delay.max_ms: max_ms is 1 but must be >= min_ms (2)"));
  CHECK(error_of(R"({"network": {"loss": 1.5}})") ==
        "t.json: $.network.loss: probability 1.5 is out of range; expected 0..1");
  CHECK(contains(error_of(R"({"network": {"links": [{"from": 1, "to": 2, "duplicate": -0.1}]}})"),
                 "$.network.links[0].duplicate: probability -0.1 is out of range; expected 0..1"));
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "lognormal", "median_ms": 5}}})"),
                 "$.network.delay: missing required field \"sigma\" in a lognormal distribution"));
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "constnat", "ms": 5}}})"),
                 "$.network.delay.type: distribution type \"constnat\" is not valid; expected "));
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "constnat", "ms": 5}}})"),
                 "did you mean \"constant\"?"));
  CHECK(contains(error_of(R"({"network": {"delay": {"type": "mixture", "components": [
                   {"type": "mixture", "components": []}]}}})"),
                 "$.network.delay.components[0].type: a mixture component cannot itself be a mixture"));
  CHECK(contains(error_of(R"({"network": {"links": [{"from": 1, "to": 9}]}})"),
                 "$.network.links[0].to: node 9 does not exist; expected 1..3"));
  CHECK(contains(error_of(R"({"network": {"links": [{"from": "clinet", "to": 1}]}})"),
                 "did you mean \"client\"?"));
}

TEST_CASE("timeline: node ranges, exactly one action, partitions") {
  CHECK(error_of(R"({"timeline": [{"at_ms": 1, "crash": [1]}, {"at_ms": 2, "crash": [2, 4]}]})") ==
        "t.json: $.timeline[1].crash[1]: node 4 does not exist; expected 1..3 (cluster.nodes is 3)");
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1}]})"),
                 "$.timeline[0]: an event needs exactly one action, found none"));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "crash": [1], "heal": true}]})"),
                 "$.timeline[0]: an event has exactly one action, found \"crash\" and \"heal\""));
  CHECK(contains(error_of(R"({"timeline": [{"crash": [1]}]})"),
                 "$.timeline[0]: missing required field \"at_ms\""));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "partition": [[1], [1, 2]]}]})"),
                 "$.timeline[0].partition[1][0]: node 1 is already in group 0"));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "partition": [[1], []]}]})"),
                 "$.timeline[0].partition[1]: a partition group is empty"));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "cut": {"from": 2, "to": 2}}]})"),
                 "from and to are both node 2"));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "heal": false}]})"), "expected true"));
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": -1, "heal": true}]})"),
                 "at_ms is -1 but must be within the run"));
}

TEST_CASE("level names are checked, with a suggestion") {
  CHECK(contains(error_of(R"({"workload": {"levels": {"strnog": 1}}})"),
                 "$.workload.levels.strnog: unknown level \"strnog\"; did you mean \"strong\"?"));
  CHECK(contains(error_of(R"({"probe": {"levels": ["eventual", "casual"]}})"),
                 "$.probe.levels[1]: unknown level \"casual\"; did you mean \"causal\"?"));
  CHECK(contains(error_of(R"({"workload": {"levels": {"strong": 0}}})"),
                 "at least one level needs a weight > 0"));
  CHECK(contains(error_of(R"({"cluster": {"election": "lowest_alive"}})"),
                 "election \"lowest_alive\" is not valid; expected \"lowest-alive\" or \"majority\"; "
                 "did you mean \"lowest-alive\"?"));
}

TEST_CASE("limits that would exhaust memory or time") {
  CHECK(contains(error_of(R"({"workload": {"keys": 10000001}})"), "must be between 1 and 10000000"));
  CHECK(contains(error_of(R"({"workload": {"clients": 1000001}})"), "must be between 1 and 1000000"));
  CHECK(contains(error_of(R"({"duration_ms": 100000000, "workload": {"rate_per_s": 100000}})"),
                 "$.workload.rate_per_s: rate_per_s 100000 over duration_ms 100000000 would start"));
  json many = json::object();
  many["probe"]["delays_ms"] = json::array();
  for (int i = 0; i < 1001; ++i) many["probe"]["delays_ms"].push_back(i);
  CHECK(contains(error_of(many.dump()), "$.probe.delays_ms: 1001 delays given; the limit is 1000"));
}

TEST_CASE("a network event merge-patches the network in force") {
  const Scenario sc = from_text(R"({
    "network": {"delay": {"type": "lognormal", "median_ms": 5, "sigma": 0.8}, "loss": 0.1,
                "links": [{"from": 1, "to": 2, "loss": 1}]},
    "timeline": [
      {"at_ms": 2000, "network": {"delay": {"sigma": 0.2}, "links": null}},
      {"at_ms": 1000, "network": {"loss": 0.5, "client_delay": 7}},
      {"at_ms": 3000, "network": {"delay": {"type": "constant", "ms": 2}, "client_delay": null}}
    ]})");
  REQUIRE(sc.timeline.size() == 3);
  const consim::NetworkSpec& a = sc.timeline[0].network;  // at 1000
  CHECK(sc.timeline[0].kind == TimelineEvent::Kind::set_network);
  CHECK(a.delay.kind == consim::Distribution::Kind::lognormal);
  CHECK(a.loss == 0.5);
  REQUIRE(a.client_delay.has_value());
  CHECK(a.client_delay->a == 7);
  CHECK(a.links.size() == 1);
  const consim::NetworkSpec& b = sc.timeline[1].network;  // at 2000: builds on 1000
  CHECK(b.delay.a == 5);
  CHECK(b.delay.b == doctest::Approx(0.2));
  CHECK(b.loss == 0.5);
  CHECK(b.client_delay.has_value());
  CHECK(b.links.empty());
  const consim::NetworkSpec& c = sc.timeline[2].network;  // a typed delay replaces the old one
  CHECK(c.delay.kind == consim::Distribution::Kind::constant);
  CHECK(c.delay.a == 2);
  CHECK_FALSE(c.client_delay.has_value());
  CHECK(c.loss == 0.5);
  // The result must be a valid network; the path names the event.
  CHECK(error_of(R"({"timeline": [{"at_ms": 1, "network": {"loss": 2}}]})") ==
        "t.json: $.timeline[0].network.loss: probability 2 is out of range; expected 0..1");
  CHECK(contains(error_of(R"({"timeline": [{"at_ms": 1, "network": 5}]})"),
                 "$.timeline[0].network: expected an object"));
}

TEST_CASE("apply_set") {
  json j = json::parse(R"({"cluster": {"nodes": 3}, "timeline": [{"at_ms": 1, "heal": true}]})");
  consim::apply_set(j, "name=foo", "t.json");
  CHECK(j["name"] == "foo");
  consim::apply_set(j, "cluster.write_quorum=3", "t.json");
  CHECK(j["cluster"]["write_quorum"] == 3);
  CHECK(j["cluster"]["write_quorum"].is_number());
  consim::apply_set(j, "cluster.read_quorum=\"all\"", "t.json");
  CHECK(j["cluster"]["read_quorum"] == "all");
  consim::apply_set(j, "workload.levels.strong=2", "t.json");  // nested creation
  CHECK(j["workload"]["levels"]["strong"] == 2);
  consim::apply_set(j, "network.delay={\"type\":\"constant\",\"ms\":4}", "t.json");
  CHECK(j["network"]["delay"]["ms"] == 4);
  consim::apply_set(j, "timeline.0.at_ms=5", "t.json");  // array index
  CHECK(j["timeline"][0]["at_ms"] == 5);
  consim::apply_set(j, "timeline.1.at_ms=7", "t.json");  // one past the end appends
  consim::apply_set(j, "timeline.1.crash=[2]", "t.json");
  CHECK(j["timeline"].size() == 2);
  CHECK(j["timeline"][1]["crash"][0] == 2);
  consim::apply_set(j, "probe.delays_ms.0=3", "t.json");  // creates an array for a number
  CHECK(j["probe"]["delays_ms"] == json::array({3}));
  consim::apply_set(j, "description=", "t.json");
  CHECK(j["description"] == "");
  consim::apply_set(j, "workload=null", "t.json");  // null removes
  CHECK_FALSE(j.contains("workload"));
  consim::apply_set(j, "measure.warmup_ms=null", "t.json");  // nothing to remove: no-op
  CHECK_FALSE(j.contains("measure"));

  CHECK(set_error(j, "cluster") == "--set cluster: expected PATH=VALUE, e.g. cluster.write_quorum=3 or "
                                   "timeline.0.at_ms=500 (a value after a space is read as the scenario file)");
  CHECK(contains(set_error(j, "=3"), "--set =3: expected PATH=VALUE"));
  CHECK(contains(set_error(j, "cluster..nodes=3"), "--set cluster..nodes=3: empty name in PATH"));
  CHECK(contains(set_error(j, "timeline.5.at_ms=1"),
                 "--set timeline.5.at_ms=1: index 5 is out of range: \"timeline\" has 2 elements"));
  CHECK(contains(set_error(j, "timeline.x=1"), "\"timeline\" is an array; expected an element number"));
  CHECK(contains(set_error(j, "name.first=1"), "cannot set \"first\" inside \"name\", which is string"));
}

TEST_CASE("load_scenario applies --set before validating") {
  const std::string path = std::string(CONSIM_SOURCE_DIR) + "/scenarios/default.json";
  const Scenario sc = consim::load_scenario(path, {"cluster.nodes=5", "cluster.write_quorum=majority",
                                                   "seed=7", "name=tuned"});
  CHECK(sc.cluster.nodes == 5);
  CHECK(sc.cluster.write_quorum == 3);
  CHECK(sc.seed == 7);
  CHECK(sc.name == "tuned");
  CHECK(sc.source == path);
  try {
    consim::load_scenario(path, {"cluster.write_quorum=4"});
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == path + ": $.cluster.write_quorum: write_quorum is 4 but must be "
                                          "between 1 and nodes (3) (in the scenario after --set)");
  }
  CHECK_THROWS_WITH_AS(consim::load_scenario("/nonexistent/x.json", {}),
                       "/nonexistent/x.json: cannot read a scenario file: No such file or directory", InputError);
}

TEST_CASE("nearest_name") {
  const std::vector<std::string> c = {"write_quorum", "read_quorum", "nodes"};
  CHECK(consim::nearest_name("write_quorun", c) == "write_quorum");
  CHECK(consim::nearest_name("read_qorum", c) == "read_quorum");
  CHECK(consim::nearest_name("node", c) == "nodes");
  CHECK(consim::nearest_name("xyz", c) == "");
  CHECK(consim::nearest_name("anything", {}) == "");
  // The limit is max(2, len/3): 12 letters allow 4 edits, 4 letters allow 2.
  CHECK(consim::nearest_name("wrxte_qxxrum", c) == "write_quorum");
  CHECK(consim::nearest_name("nzzzs", {"nodes"}) == "");
}

using namespace consim;

TEST_CASE("network.kinds: names, aliases, links, errors with the nearest kind") {
  const Scenario sc = from_text(R"({"network": {"kinds": {"replicate": {"delay": 9, "loss": 0.5},
      "install_snapshot": {"loss": 0.25}, "client_request": {"duplicate": 0.1}},
      "links": [{"from": 1, "to": "client", "kinds": {"client_reply": {"delay": 3}}}]}})");
  const auto& k = sc.network.kinds;
  REQUIRE(k[static_cast<int>(MsgKind::append)].delay);
  CHECK(k[static_cast<int>(MsgKind::append)].delay->a == 9);
  CHECK(*k[static_cast<int>(MsgKind::append)].loss == 0.5);
  CHECK(*k[static_cast<int>(MsgKind::install_snapshot)].loss == 0.25);  // own entry beats the group
  CHECK(k[static_cast<int>(MsgKind::install_snapshot)].delay->a == 9);  // other fields from the group
  CHECK(*k[static_cast<int>(MsgKind::client_delete)].duplicate == 0.1);
  CHECK(!k[static_cast<int>(MsgKind::heartbeat)].any());
  REQUIRE(sc.network.links.size() == 1);
  CHECK(sc.network.links[0].to == kClientEndpoint);
  CHECK(sc.network.links[0].kinds[static_cast<int>(MsgKind::client_reply)].delay->a == 3);

  CHECK(error_of(R"({"network": {"kinds": {"apend": {"delay": 1}}}})") ==
        "t.json: $.network.kinds.apend: unknown message kind \"apend\"; did you mean \"append\"? (kinds: "
        "client_request, client_get, client_put, client_delete, client_reply, append, append_reply, heartbeat, "
        "heartbeat_reply, install_snapshot, request_vote, vote_reply, read_query, read_reply, repair, "
        "replica_write, replica_write_ack, replica_read, replica_read_reply, sync, sync_reply, "
        "replicate, ack, vote, read_request, read_response, anti_entropy)");
  CHECK(contains(error_of(R"({"network": {"links": [{"from": 1, "to": 2, "kinds": {"hearbeat": {}}}]}})"),
                 "$.network.links[0].kinds.hearbeat: unknown message kind \"hearbeat\"; did you mean \"heartbeat\"?"));
  CHECK(contains(error_of(R"({"network": {"kinds": {"append": {"dealy": 1}}}})"),
                 "$.network.kinds.append.dealy: unknown field \"dealy\"; did you mean \"delay\"?"));
  CHECK(contains(error_of(R"({"network": {"kinds": {"append": 5}}})"), "$.network.kinds.append: expected an object"));
  CHECK(contains(error_of(R"({"network": {"kinds": {"ack": {"loss": 2}}}})"),
                 "$.network.kinds.ack.loss: probability 2 is out of range"));
  CHECK(contains(error_of(R"({"network": {"kinds": []}})"), "$.network.kinds: expected an object"));
}

TEST_CASE("network.kinds in timeline network patches: merge, replace a typed delay, remove with null") {
  const Scenario sc = from_text(R"({"duration_ms": 1000,
    "network": {"kinds": {"append": {"delay": {"type": "lognormal", "median_ms": 5, "sigma": 1}, "loss": 0.1}}},
    "timeline": [
      {"at_ms": 100, "network": {"kinds": {"append": {"delay": {"type": "constant", "ms": 7}}}}},
      {"at_ms": 200, "network": {"kinds": {"append": {"loss": null}, "heartbeat": {"delay": 2}}}},
      {"at_ms": 300, "network": {"kinds": null}}]})");
  REQUIRE(sc.timeline.size() == 3);
  const int a = static_cast<int>(MsgKind::append);
  const KindSpec& k1 = sc.timeline[0].network.kinds[a];
  REQUIRE(k1.delay);
  CHECK(k1.delay->kind == Distribution::Kind::constant);  // replaced, not merged (no stale "sigma")
  CHECK(k1.delay->a == 7);
  CHECK(*k1.loss == 0.1);
  const KindSpec& k2 = sc.timeline[1].network.kinds[a];
  CHECK(k2.delay->a == 7);
  CHECK(!k2.loss);
  CHECK(sc.timeline[1].network.kinds[static_cast<int>(MsgKind::heartbeat)].delay->a == 2);
  for (const KindSpec& k : sc.timeline[2].network.kinds) CHECK(!k.any());
  CHECK(contains(error_of(R"({"duration_ms": 1000, "timeline": [{"at_ms": 1, "network": {"kinds": {"apend": {}}}}]})"),
                 "$.timeline[0].network.kinds.apend: unknown message kind \"apend\"; did you mean \"append\"?"));
}

TEST_CASE("probe.target_stale and probe.k_max: defaults, values, errors") {
  const Scenario d = from_text(R"({"probe": {}})");
  CHECK(d.probe.target_stale == 0.001);
  CHECK(d.probe.k_max == 3);
  const Scenario s = from_text(R"({"probe": {"target_stale": 0.05, "k_max": 5}})");
  CHECK(s.probe.target_stale == 0.05);
  CHECK(s.probe.k_max == 5);
  CHECK(contains(error_of(R"({"probe": {"target_stale": 0}})"),
                 "$.probe.target_stale: target_stale is 0 but must be > 0 and <= 1"));
  CHECK(contains(error_of(R"({"probe": {"target_stale": 1.5}})"), "$.probe.target_stale: target_stale is 1.5"));
  CHECK(contains(error_of(R"({"probe": {"k_max": 0}})"), "$.probe.k_max: k_max is 0 but must be between 1 and 16"));
  CHECK(contains(error_of(R"({"probe": {"k_max": 17}})"), "$.probe.k_max: k_max is 17"));
  CHECK(contains(error_of(R"({"probe": {"kmax": 2}})"), "unknown field \"kmax\"; did you mean \"k_max\"?"));
}

TEST_CASE("leaderless cluster fields: defaults in leader mode") {
  const Scenario e = from_text("{}");
  CHECK(e.cluster.replication == Replication::leader);
  CHECK(e.cluster.replicas == 3);
  CHECK(e.cluster.clock_offset == std::vector<Time>(3, 0));
  CHECK(e.cluster.clock_drift_ppb == std::vector<std::int64_t>(3, 0));
  const Scenario sc = from_text(R"({"cluster": {"nodes": 5, "write_quorum": "majority"}})");
  CHECK(sc.cluster.replication == Replication::leader);
  CHECK(sc.cluster.replicas == 5);
  CHECK(sc.cluster.write_quorum == 3);
  CHECK(sc.cluster.read_quorum == 1);
  CHECK_FALSE(sc.cluster.read_repair);
  CHECK_FALSE(sc.cluster.read_repair_blocking);
  CHECK(sc.cluster.read_fanout == ReadFanout::all);
  CHECK_FALSE(sc.cluster.sloppy_quorum);
  CHECK(sc.cluster.anti_entropy_interval == 0);
  CHECK(sc.cluster.clock_offset == std::vector<Time>(5, 0));
  CHECK(sc.cluster.clock_drift_ppb == std::vector<std::int64_t>(5, 0));
  // Leaderless-only fields at their defaults, and replicas == nodes, are accepted in leader mode.
  const Scenario d = from_text(R"({"cluster": {"nodes": 4, "replicas": 4, "read_fanout": "all",
      "sloppy_quorum": false, "anti_entropy_interval_ms": 0, "clock_offset_ms": [0, 0, 0, 0],
      "clock_drift_ppm": 0, "read_repair": "async"}})");
  CHECK(d.cluster.replicas == 4);
  CHECK(d.cluster.read_repair);
  CHECK_FALSE(d.cluster.read_repair_blocking);
  CHECK(from_text(R"({"cluster": {"replication": "leader", "replicas": "all"}})").cluster.replicas == 3);
  CHECK(from_text(R"({"workload": {"routing": "followers", "levels": ["leader"]}})").workload.routing ==
        Routing::followers);
}

TEST_CASE("leaderless cluster fields: every field, scalar and array forms") {
  const Scenario sc = from_text(R"({"cluster": {"replication": "leaderless", "nodes": 5, "replicas": 3,
      "write_quorum": "majority", "read_quorum": "all", "read_repair": "blocking", "read_fanout": "r",
      "sloppy_quorum": true, "anti_entropy_interval_ms": 500,
      "clock_offset_ms": [0, 1.5, -2, 3600000, -3600000], "clock_drift_ppm": 20.5},
      "workload": {"routing": "client", "levels": {"strong": 1, "eventual": 1}},
      "probe": {"levels": ["strong"]}})");
  const ClusterSpec& c = sc.cluster;
  CHECK(c.replication == Replication::leaderless);
  CHECK(c.nodes == 5);
  CHECK(c.replicas == 3);
  CHECK(c.write_quorum == 2);  // majority of replicas (3), not of nodes (5)
  CHECK(c.read_quorum == 3);   // all replicas
  CHECK(c.read_repair);
  CHECK(c.read_repair_blocking);
  CHECK(c.read_fanout == ReadFanout::r);
  CHECK(c.sloppy_quorum);
  CHECK(c.anti_entropy_interval == 500 * kMillisecond);
  CHECK(c.clock_offset == std::vector<Time>{0, 1'500'000, -2'000'000, 3'600'000 * kMillisecond,
                                            -3'600'000 * kMillisecond});
  CHECK(c.clock_drift_ppb == std::vector<std::int64_t>(5, 20'500));
  CHECK(sc.workload.routing == Routing::client);

  const Scenario s2 = from_text(R"({"cluster": {"replication": "leaderless", "nodes": 3,
      "clock_offset_ms": -7, "clock_drift_ppm": [1, -2.25, 100000]}})");
  CHECK(s2.cluster.replicas == 3);          // default: nodes
  CHECK(s2.cluster.write_quorum == 2);      // default min(2, replicas)
  CHECK(s2.cluster.read_quorum == 1);
  CHECK(s2.cluster.clock_offset == std::vector<Time>(3, -7 * kMillisecond));
  CHECK(s2.cluster.clock_drift_ppb == std::vector<std::int64_t>{1000, -2250, 100'000'000});
  CHECK(s2.cluster.read_fanout == ReadFanout::all);
  CHECK_FALSE(s2.cluster.sloppy_quorum);

  const Scenario s3 = from_text(R"({"cluster": {"replication": "leaderless", "nodes": 4, "replicas": 1}})");
  CHECK(s3.cluster.replicas == 1);
  CHECK(s3.cluster.write_quorum == 1);  // min(2, replicas)
  CHECK(from_text(R"({"cluster": {"replication": "leaderless", "nodes": 4, "replicas": "all"}})")
            .cluster.replicas == 4);
  CHECK(from_text(R"({"cluster": {"replication": "leaderless"}, "workload": {"routing": "sticky"}})")
            .workload.routing == Routing::sticky);
}

TEST_CASE("cluster.read_repair: booleans and off / async / blocking") {
  auto rr = [](const std::string& value, const char* mode = "leader") {
    return from_text(std::string(R"({"cluster": {"replication": ")") + mode + R"(", "read_repair": )" +
                     value + "}}")
        .cluster;
  };
  CHECK(rr("true").read_repair);
  CHECK_FALSE(rr("true").read_repair_blocking);
  CHECK_FALSE(rr("false").read_repair);
  CHECK(rr("\"async\"").read_repair);
  CHECK_FALSE(rr("\"async\"").read_repair_blocking);
  CHECK_FALSE(rr("\"off\"").read_repair);
  CHECK_FALSE(rr("\"off\"", "leaderless").read_repair);
  CHECK(rr("true", "leaderless").read_repair);
  CHECK_FALSE(rr("true", "leaderless").read_repair_blocking);
  CHECK(rr("\"blocking\"", "leaderless").read_repair);
  CHECK(rr("\"blocking\"", "leaderless").read_repair_blocking);
  CHECK(contains(error_of(R"({"cluster": {"read_repair": "blocking"}})"),
                 "$.cluster.read_repair: read_repair \"blocking\" needs replication \"leaderless\""));
  CHECK(contains(error_of(R"({"cluster": {"read_repair": "asycn"}})"),
                 "$.cluster.read_repair: read_repair \"asycn\" is not valid; expected \"off\", \"async\" "
                 "or \"blocking\"; did you mean \"async\"?"));
  CHECK(contains(error_of(R"({"cluster": {"read_repair": 1}})"), "$.cluster.read_repair: expected"));
}

TEST_CASE("leaderless cluster fields: errors") {
  CHECK(error_of(R"({"cluster": {"nodes": 5, "replicas": 3}})") ==
        "t.json: $.cluster.replicas: replicas applies to replication \"leaderless\"; in leader mode "
        "every node holds every key");
  CHECK(error_of(R"({"cluster": {"sloppy_quorum": true}})") ==
        "t.json: $.cluster.sloppy_quorum: applies to replication \"leaderless\" only (cluster.replication "
        "is \"leader\")");
  CHECK(contains(error_of(R"({"cluster": {"read_fanout": "r"}})"),
                 "$.cluster.read_fanout: applies to replication \"leaderless\" only"));
  CHECK(contains(error_of(R"({"cluster": {"anti_entropy_interval_ms": 100}})"),
                 "$.cluster.anti_entropy_interval_ms: applies to replication \"leaderless\" only"));
  CHECK(contains(error_of(R"({"cluster": {"clock_offset_ms": [0, 5, 0]}})"),
                 "$.cluster.clock_offset_ms: applies to replication \"leaderless\" only"));
  CHECK(contains(error_of(R"({"cluster": {"clock_drift_ppm": 3}})"),
                 "$.cluster.clock_drift_ppm: applies to replication \"leaderless\" only"));
  CHECK(error_of(R"({"cluster": {"replication": "leaderless", "nodes": 5, "replicas": 3, "write_quorum": 4}})") ==
        "t.json: $.cluster.write_quorum: write_quorum is 4 but must be between 1 and replicas (3)");
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "replicas": 2, "read_quorum": 3}})"),
                 "$.cluster.read_quorum: read_quorum is 3 but must be between 1 and replicas (2)"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "nodes": 3, "replicas": 4}})"),
                 "$.cluster.replicas: replicas is 4 but must be between 1 and nodes (3)"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "replicas": "al"}})"),
                 "$.cluster.replicas: expected a number 1..3 or \"all\", got string \"al\"; did you mean \"all\"?"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderles"}})"),
                 "$.cluster.replication: replication \"leaderles\" is not valid; expected \"leader\" or "
                 "\"leaderless\"; did you mean \"leaderless\"?"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "read_fanout": "some"}})"),
                 "$.cluster.read_fanout: read_fanout \"some\" is not valid; expected \"all\" or \"r\""));
  CHECK(error_of(R"({"cluster": {"replication": "leaderless", "nodes": 3, "clock_offset_ms": [1, 2]}})") ==
        "t.json: $.cluster.clock_offset_ms: clock_offset_ms has 2 entries but must have one per node: 3 "
        "(cluster.nodes), or be a single number for every node");
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "clock_drift_ppm": [0, 0, 0, 0]}})"),
                 "$.cluster.clock_drift_ppm: clock_drift_ppm has 4 entries"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "clock_offset_ms": [0, 3600001, 0]}})"),
                 "$.cluster.clock_offset_ms[1]: clock_offset_ms is 3600001 but must be between -3600000 and 3600000"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "clock_drift_ppm": -100001}})"),
                 "$.cluster.clock_drift_ppm: clock_drift_ppm is -100001 but must be between -100000 and 100000"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "clock_offset_ms": "x"}})"),
                 "$.cluster.clock_offset_ms: expected a number or an array of 3 numbers"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "anti_entropy_interval_ms": -1}})"),
                 "$.cluster.anti_entropy_interval_ms: anti_entropy_interval_ms is -1 but must be >= 0"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless", "sloppy_quorum": "yes"}})"),
                 "$.cluster.sloppy_quorum: expected true or false"));
  CHECK(contains(error_of(R"({"cluster": {"sloppy_quorom": true}})"),
                 "$.cluster.sloppy_quorom: unknown field \"sloppy_quorom\"; did you mean \"sloppy_quorum\"?"));
  CHECK(contains(error_of(R"({"cluster": {"clock_drift_pmm": 1}})"), "did you mean \"clock_drift_ppm\"?"));
}

TEST_CASE("anti-entropy budget") {
  // (60000 + 5000) ms / 1 ms * 64 nodes = 4.16e6 exchanges > 1e6.
  const std::string e = error_of(R"({"cluster": {"replication": "leaderless", "nodes": 64,
      "heartbeat_interval_ms": 2000, "anti_entropy_interval_ms": 1}})");
  CHECK(contains(e, "$.cluster.anti_entropy_interval_ms: anti_entropy_interval_ms 1 over duration_ms + "
                    "drain_ms (65000) with 64 nodes means about 4.16e+06 sync exchanges; the limit is "
                    "1e+06: raise anti_entropy_interval_ms or shorten the run (duration_ms)"));
  // 65000 / 100 * 64 = 41600: fine.
  CHECK(from_text(R"({"cluster": {"replication": "leaderless", "nodes": 64, "anti_entropy_interval_ms": 100}})")
            .cluster.anti_entropy_interval == 100 * kMillisecond);
}

TEST_CASE("routing and levels against the replication mode") {
  CHECK(error_of(R"({"workload": {"routing": "client"}})") ==
        "t.json: $.workload.routing: routing \"client\" needs replication \"leaderless\" "
        "(cluster.replication is \"leader\"); use \"random\", \"sticky\", \"leader\" or \"followers\"");
  // The cross-check holds whichever of cluster and workload comes first in the file.
  CHECK(error_of(R"({"workload": {"routing": "leader"}, "cluster": {"replication": "leaderless"}})") ==
        "t.json: $.workload.routing: routing \"leader\" needs replication \"leader\" (cluster.replication is "
        "\"leaderless\": there is no leader); use \"random\", \"sticky\" or \"client\"");
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless"}, "workload": {"routing": "followers"}})"),
                 "$.workload.routing: routing \"followers\" needs replication \"leader\""));
  CHECK(contains(error_of(R"({"workload": {"routing": "clinet"}})"), "did you mean \"client\"?"));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless"}, "workload": {"levels": ["eventual", "leader"]}})"),
                 "$.workload.levels[1]: level \"leader\" needs replication \"leader\""));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless"}, "workload": {"levels": {"leader": 1}}})"),
                 "$.workload.levels.leader: level \"leader\" needs replication \"leader\""));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless"}, "probe": {"levels": ["leader"]}})"),
                 "$.probe.levels[0]: level \"leader\" needs replication \"leader\""));
  CHECK(contains(error_of(R"({"cluster": {"replication": "leaderless"},
                 "script": [{"at_ms": 1, "op": "get", "key": "a", "level": "leader"}]})"),
                 "$.script[0].level: level \"leader\" needs replication \"leader\""));
}

TEST_CASE("network.kinds: leaderless kinds and the mode-neutral groups") {
  // Every message kind can be named by its own name (the same as in the trace).
  for (int i = 0; i < kMsgKindCount; ++i) {
    const std::string name(to_string(static_cast<MsgKind>(i)));
    json j;
    j["network"]["kinds"][name]["loss"] = 0.5;
    const Scenario sc = scenario_from_json(j, "<test>");
    for (int k = 0; k < kMsgKindCount; ++k) {
      CAPTURE(name);
      CAPTURE(k);
      CHECK(sc.network.kinds[k].loss.has_value() == (k == i));
    }
  }
  const Scenario sc = from_text(R"({"network": {"kinds": {"replicate": {"delay": 9}, "ack": {"delay": 8},
      "read_request": {"delay": 7}, "read_response": {"delay": 6}, "anti_entropy": {"delay": 5},
      "sync_reply": {"delay": 4}}}})");
  auto delay = [&](MsgKind m) {
    const auto& d = sc.network.kinds[static_cast<int>(m)].delay;
    return d ? d->a : -1.0;
  };
  CHECK(delay(MsgKind::append) == 9);
  CHECK(delay(MsgKind::install_snapshot) == 9);
  CHECK(delay(MsgKind::replica_write) == 9);
  CHECK(delay(MsgKind::append_reply) == 8);
  CHECK(delay(MsgKind::replica_write_ack) == 8);
  CHECK(delay(MsgKind::read_query) == 7);
  CHECK(delay(MsgKind::replica_read) == 7);
  CHECK(delay(MsgKind::read_reply) == 6);
  CHECK(delay(MsgKind::replica_read_reply) == 6);
  CHECK(delay(MsgKind::sync) == 5);
  CHECK(delay(MsgKind::sync_reply) == 4);  // its own entry wins over the group
  CHECK(delay(MsgKind::repair) == -1);
  CHECK(delay(MsgKind::heartbeat) == -1);
  CHECK(contains(error_of(R"({"network": {"kinds": {"replica_wirte": {}}}})"),
                 "$.network.kinds.replica_wirte: unknown message kind \"replica_wirte\"; did you mean "
                 "\"replica_write\"?"));
  CHECK(contains(error_of(R"({"network": {"links": [{"from": 1, "to": 2, "kinds": {"anti_entrop": {}}}]}})"),
                 "$.network.links[0].kinds.anti_entrop: unknown message kind \"anti_entrop\"; did you mean "
                 "\"anti_entropy\"?"));
}

TEST_CASE("shift_ms: every distribution type takes it, from the file and from --set") {
  const Scenario sc = from_text(R"({"network": {"delay": {"type": "exponential", "mean_ms": 4, "shift_ms": 75},
      "client_delay": {"type": "mixture", "components": [{"type": "constant", "ms": 1, "shift_ms": 2}],
                       "shift_ms": 0.5}}})");
  CHECK(sc.network.delay.shift_ms == 75);
  CHECK(sc.network.client_delay->shift_ms == 0.5);
  CHECK(sc.network.client_delay->components.at(0).shift_ms == 2);
  for (const char* type : {R"("type": "constant", "ms": 1)", R"("type": "uniform", "min_ms": 1, "max_ms": 2)",
                           R"("type": "normal", "mean_ms": 1, "stddev_ms": 2)",
                           R"("type": "lognormal", "median_ms": 1, "sigma": 0.5)",
                           R"("type": "pareto", "scale_ms": 1, "shape": 2)"}) {
    CAPTURE(type);
    CHECK(from_text(std::string(R"({"workload": {"think": {)") + type + R"(, "shift_ms": 3}}})").workload.think.shift_ms ==
          3);
  }
  CHECK(error_of(R"({"network": {"delay": {"type": "constant", "ms": 1, "shift_ms": -1}}})") ==
        "t.json: $.network.delay.shift_ms: shift_ms is -1 but must be >= 0 (delays cannot be negative)");
  json j = json::parse(R"({"network": {"delay": {"type": "exponential", "mean_ms": 4}}})");
  CHECK(set_error(j, "network.delay.shift_ms=75").empty());
  CHECK(consim::scenario_from_json(j, "t.json").network.delay.shift_ms == 75);
  CHECK(from_text("{}").network.delay.shift_ms == 0);
}

TEST_CASE("every error of a scenario is reported, each with its path; the first is what() as before") {
  const std::string text = R"({"nam": "x", "network": {"los": 0.1, "loss": 2},
      "workload": {"keys": 0, "zipf": -1}, "timeline": [{"at_ms": 1, "crash": [9]}, {"at_ms": 2, "network": {"loss": 3}}],
      "measure": {"lost_write_window": 0}, "expect": [{"path": "a", "op": "=", "value": 1}]})";
  std::vector<std::string> errors;
  std::string first;
  try {
    from_text(text);
  } catch (const consim::ScenarioError& e) {
    errors = e.errors();
    first = e.what();
  }
  const std::vector<std::string> want = {
      R"(t.json: $.nam: unknown field "nam"; did you mean "name"?)",
      R"(t.json: $.network.los: unknown field "los"; did you mean "loss"?)",
      "t.json: $.network.loss: probability 2 is out of range; expected 0..1",
      "t.json: $.workload.keys: keys is 0 but must be between 1 and 10000000",
      "t.json: $.workload.zipf: zipf is -1 but must be >= 0 (0 = uniform)",
      "t.json: $.timeline[0].crash[0]: node 9 does not exist; expected 1..3 (cluster.nodes is 3)",
      "t.json: $.measure.lost_write_window: lost_write_window is 0 but must be between 1 and 4096",
      R"(t.json: $.expect[0].op: op "=" is not valid; expected "==", "!=", "<", "<=", ">" or ">="; did you mean "=="?)",
  };
  CHECK(errors == want);
  CHECK(first == want[0]);
  // With a good base network, a bad patch is reported at its event.
  CHECK(error_of(R"({"timeline": [{"at_ms": 1, "network": {"los": 0.1}}]})") ==
        R"(t.json: $.timeline[0].network.los: unknown field "los"; did you mean "loss"?)");
  // A bad cluster ends the reading after it: the rest would be judged against defaults.
  try {
    from_text(R"({"cluster": {"nodes": 0}, "timeline": [{"at_ms": 1, "crash": [2]}]})");
    FAIL("no error");
  } catch (const consim::ScenarioError& e) {
    CHECK(e.errors().size() == 1);
  }
}
