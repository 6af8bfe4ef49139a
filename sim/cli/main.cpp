// consim: the command line. Each subcommand lives in its own file of
// sim/cli/ (commands.h); this file only dispatches.
#include <cstring>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/version.h"
#include "sim/cli/common.h"

using namespace consim::cli;

namespace {

const char* kUsage = R"(consim: a deterministic simulator of the course chapter's replicated key-value
store (leader, followers, write quorum W, read quorum R, consistency levels),
measuring how often reads are stale, for how long, and at what cost.

Usage:
  consim run [FILE] [options]      run a scenario (the built-in default without FILE)
  consim sweep [FILE] --w LIST --r LIST [options] --output FILE.csv
                                   run a grid of W x R (x levels x any --vary field) to CSV
  consim merge SHARD.csv... --output ALL.csv   combine the shards of a sweep
  consim validate FILE...          check scenario files; print nothing else on success
                                   (every error of a file, one line each)
  consim schema                    print the scenario JSON Schema (scenarios/consim.schema.json)
  consim check [--linearizable] HISTORY.jsonl
                                   a saved history (consim run, serve or load --history): stale reads,
                                   window, probe, sessions; with --linearizable, linearizable per key?
  consim predict [FILE] [--format text|json|csv]
                                   the PBS model's P(consistent), t at target, k-staleness
                                   and latencies for every (R, W), from the scenario's delays
  consim compare [FILE] [--set A=1] --vs-set A=3 [--seeds K]
                                   the same scenario and seeds under two settings, every metric
                                   side by side, with B - A and whether it is beyond noise
  consim serve [FILE] [--base-port 4001] [--history FILE]
                                   the scenario's cluster live on loopback HTTP, the chapter's
                                   API on every node (curl localhost:4001/status; docs/live.md)
  consim load [FILE] --target URL,URL,... [--history FILE] [--duration-ms N]
                                   the scenario's workload and probe over HTTP at a live
                                   cluster; then consim check FILE
  consim bench [--ops N] [--nodes N] [--replication leader|leaderless]
                                     measure the engine's speed and memory
  consim --help | --version (-V)

Examples:
  consim run                                   the chapter's cluster: 3 nodes, W=2, R=1
  consim run --set cluster.write_quorum=3      the chapter's "try W=3"
  consim run scenarios/partition-majority.json --seed 7 --format json --output report.json
  consim run --trace trace.jsonl               one JSON line per event
  consim run scenarios/classroom/01-step2-exercise1-eventual.json --mermaid ex1.md --mermaid-to-ms 300
                                               the run as a Mermaid sequence diagram
  consim run scenarios/classroom/01-step2-exercise1-eventual.json --html ex1.html
                                               one page: the report, the messages time-scaled, the operations
  consim sweep --w all --r all --seeds 5 --output grid.csv    W x R for the default scenario
  consim run --set cluster.replication=leaderless          the same cluster, Dynamo-style
  consim sweep scenarios/leaderless.json --w all --r all --probe-output probe.csv --output ll.csv
  consim validate scenarios/*.json
  consim run --history h.jsonl && consim check --linearizable h.jsonl
                                               every operation, then is it linearizable, key by key?
  consim serve & consim load --target http://127.0.0.1:4001,http://127.0.0.1:4002,http://127.0.0.1:4003 \
      --duration-ms 10000 --history live.jsonl && consim check live.jsonl
                                               the scenario's load on the live cluster, judged as a run
  consim predict scenarios/pbs/lnkd-ssd.json   PBS: predicted staleness for every (R, W)
  consim run scenarios/leaderless.json --predict   the probe's predicted beside measured
  consim compare --set cluster.write_quorum=1 --vs-set cluster.write_quorum=3 --seeds 5
                                               the chapter's Step 5: what W=3 changes, beyond noise?

Run 'consim run --help' for the options of run.
Documentation: docs/ (README.md, architecture.md, scenario-format.md, consistency.md).
)";

struct Command {
  const char* name;
  int (*run)(int, char**);
};

const Command kCommands[] = {
    {"run", cmd_run}, {"sweep", cmd_sweep}, {"merge", cmd_merge}, {"validate", cmd_validate}, {"schema", cmd_schema},
    {"bench", cmd_bench}, {"check", cmd_check}, {"predict", cmd_predict}, {"compare", cmd_compare},
    {"serve", cmd_serve}, {"load", cmd_load},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {  // a usage error: a short usage (the Usage block) where errors go
    const std::string usage = kUsage;
    const std::size_t from = usage.find("Usage:"), to = usage.find("Examples:");
    std::cerr << usage.substr(from, to - from) << "Run 'consim --help' for examples and documentation.\n";
    return kExitUsage;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "-V" || cmd == "version") {
    std::cout << consim::version_line() << "\n";
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (cmd != c.name) continue;
    // Every subcommand answers --version (and -V) too: "consim run --version".
    if (argc == 3 && (std::strcmp(argv[2], "--version") == 0 || std::strcmp(argv[2], "-V") == 0)) {
      std::cout << consim::version_line() << "\n";
      return kExitOk;
    }
    return c.run(argc - 1, argv + 1);
  }
  print_error(fmt::format("unknown command \"{}\"; expected run, sweep, merge, validate, schema, bench, check, predict, compare, serve or load (see consim --help)", cmd));
  return kExitUsage;
}
