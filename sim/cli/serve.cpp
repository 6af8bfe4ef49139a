// consim serve: the scenario's cluster in real time, on loopback HTTP (sim/live/server.h).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/cli/live_options.h"
#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/live/server.h"
#include "sim/scenario/load.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int serve_main(int argc, char** argv) {
  po::options_description desc(
      "consim serve [FILE] [options]: the scenario's cluster, live, node i on http://BIND:(BASE_PORT + i - 1)\n"
      "with the chapter's API (GET /status, GET/PUT/DELETE /key/{key}) and admin endpoints (docs/live.md)");
  desc.add_options()
      ("help,h", "show this help");
  po::positional_options_description pos;
  add_scenario_options(desc, pos, nullptr, nullptr,
                       "scenario file (default: the built-in default scenario); its cluster, network and timeline are "
                       "used, its workload, script and probe are not");
  desc.add_options()
      ("base-port", po::value<std::string>()->default_value("4001"),
       "node-1 listens here, node-2 on the next port, ...; 0: any free ports (printed)")
      ("bind", po::value<std::string>()->default_value("127.0.0.1"), "the address to listen on")
      ("node-id", po::value<std::string>(), "one node per process: run only this node (node-1, node-2, ...; "
                                            "environment: NODE_ID), the others are --peers")
      ("port", po::value<std::string>(), "with --node-id: this node's port (environment: PORT; default 4001)")
      ("peers", po::value<std::string>(), "with --node-id: the other nodes' URLs, comma-separated, in node order "
                                          "(environment: PEERS), e.g. http://127.0.0.1:4002,http://127.0.0.1:4003")
      ("history", po::value<std::string>(), "at the stop, write every client operation to FILE (consim history v1: "
                                            "consim check --linearizable FILE)")
      ("force", "replace a read-only history file too")
      ("duration-ms", po::value<std::string>(), "stop after this many milliseconds (default: at Ctrl-C or SIGTERM)")
      ("max-body-bytes", po::value<std::string>(), "largest request body (default 1048576; 413 beyond)")
      ("idle-timeout-ms", po::value<std::string>(), "close a connection idle this long (default 30000)")
      ("max-connections", po::value<std::string>(), "open connections at most, all nodes together (default 512)");
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const ScenarioArgs args = scenario_args(vm);
  std::vector<std::string> sets = args.sets;
  const std::string& file = args.file;

  // One node per process, as the chapter's docker-compose runs it: the
  // options, or the chapter's environment variables.
  auto from_env = [&](const char* option, const char* var) -> std::string {
    if (vm.count(option)) return vm[option].as<std::string>();
    const char* v = std::getenv(var);
    return v ? v : "";
  };
  const std::string node_id = from_env("node-id", "NODE_ID");
  live::ServeOptions opt;
  if (!node_id.empty()) {
    std::string digits = node_id.rfind("node-", 0) == 0 ? node_id.substr(5) : node_id;
    if (digits.rfind("node", 0) == 0) digits = digits.substr(4);  // the chapter's "node1"
    const std::uint64_t id = parse_whole("--node-id", digits, 1, kMaxNodes);
    opt.node = static_cast<NodeId>(id - 1);
    const std::string port = from_env("port", "PORT");
    opt.port = static_cast<std::uint32_t>(port.empty() ? 4001 : parse_whole("--port", port, 0, 65535));
    const std::string peers = from_env("peers", "PEERS");
    opt.peers = url_list(peers);
    if (opt.peers.empty()) throw InputError("--node-id: give the other nodes with --peers (or PEERS)");
    // Before the user's --set: the cluster is this node and its peers; the chapter's quorum variables.
    std::vector<std::string> first = {fmt::format("cluster.nodes={}", opt.peers.size() + 1)};
    if (const char* w = std::getenv("WRITE_QUORUM"))
      first.push_back(fmt::format("cluster.write_quorum={}", parse_whole("WRITE_QUORUM", w, 1, kMaxNodes)));
    if (const char* r = std::getenv("READ_QUORUM"))
      first.push_back(fmt::format("cluster.read_quorum={}", parse_whole("READ_QUORUM", r, 1, kMaxNodes)));
    sets.insert(sets.begin(), first.begin(), first.end());
  } else if (vm.count("port") || vm.count("peers")) {
    throw InputError("--port and --peers run one node per process: give --node-id too");
  }
  opt.base_port = static_cast<std::uint32_t>(*whole_option(vm, "base-port", 0, 65535));
  opt.bind = vm["bind"].as<std::string>();
  if (opt.bind.empty()) throw InputError("--bind: an empty address");
  if (const auto t = milliseconds_option(vm, "duration-ms", std::uint64_t{1} << 40)) opt.duration = *t;
  if (const auto b = whole_option(vm, "max-body-bytes", 1, std::uint64_t{1} << 30)) opt.limits.body_bytes = *b;
  if (const auto t = milliseconds_option(vm, "idle-timeout-ms", std::uint64_t{1} << 30)) opt.limits.idle = *t;
  if (const auto c = max_connections_option(vm, 100000)) opt.limits.max_connections = *c;

  OutputPlan io(vm.count("force") > 0);
  if (!file.empty()) io.input(file, "the scenario file");
  Output* history_out = vm.count("history") ? &io.output(vm["history"].as<std::string>(), "--history") : nullptr;
  const Scenario sc = load_scenario(file, sets);

  std::string history;
  opt.record_history = history_out != nullptr;
  opt.history_text = &history;
  try {
    live::serve(sc, opt, std::cout);
  } catch (const live::ListenError& e) {
    throw InputError(e.what());
  }
  if (history_out) {
    io.open();
    history_out->write(history);
    io.commit();
    std::cout << fmt::format("consim serve: history written to {}\n", vm["history"].as<std::string>());
  }
  return kExitOk;
}

}  // namespace

int cmd_serve(int argc, char** argv) { return guarded(serve_main, argc, argv); }

}  // namespace consim::cli
