// sim/report/mermaid.h: a run as a Mermaid sequence diagram, in the course chapter's style.
//
// Made from the run's trace (sim/io/trace.h, docs/report-format.md): `consim run
// --mermaid OUT.md` runs the World with a TraceWriter (into a temporary file
// unless --trace is given) and converts its JSON lines, so the World needs no
// second sink. Participants: the clients that appear, then node-1..node-N
// labelled with their role at the start of the range. Arrows: client requests
// and replies, replication (append / append_reply), strong-read queries,
// votes; heartbeats only on request. Notes: stale reads ("STALE: returned
// v(3,1), newest acknowledged v(3,2)"), write quorums reached ("W=2 reached:
// ack v(3,2)"), role changes, faults, failed operations. A legend above the
// diagram explains them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace consim {

class World;

struct MermaidOptions {
  double from_ms = 0;        // events before this virtual time are not drawn
  double to_ms = -1;         // < 0: to the end of the run
  bool heartbeats = false;   // draw heartbeat / heartbeat_reply messages
  std::size_t max_arrows = 300;  // then a note says the diagram was truncated
  // Filters (empty: every one). Keys by name: messages that carry another key
  // and the operations on it are not drawn (messages carrying no key, such as
  // votes and acknowledgements, are). Clients by name as the reports give
  // them (client-K, workload-K, probe): messages to or from another client,
  // messages between nodes for another client's operation, and its
  // operations are not drawn. Role changes and faults always are.
  std::vector<std::string> keys, clients;
};

// Converts the trace file at `trace_path`, written by a run of `world`, into a
// Markdown document holding one ```mermaid block. Throws std::runtime_error
// if the file cannot be read.
std::string mermaid_from_trace_file(const std::string& trace_path, const World& world, const MermaidOptions& opt);

}  // namespace consim
