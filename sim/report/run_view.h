// sim/report/run_view.h: what a report is built from.
//
// A finished run, seen read-only: its scenario, its metrics, the nodes'
// state at the end, and the names of keys and values. The simulator's World
// is one; a history replayed by `consim check`, or a live cluster's run, is
// another. Report sections (sim/report/section.h) read nothing else.
#pragma once

#include <string>
#include <vector>

#include "core/node.h"
#include "sim/check/metrics.h"
#include "sim/scenario/scenario.h"

namespace consim {

struct LinearizabilityResult;

class RunView {
 public:
  virtual ~RunView() = default;
  virtual const Scenario& scenario() const = 0;
  virtual const Metrics& metrics() const = 0;
  // One per node, in node order; empty when the run did not see its nodes
  // (a history recorded at the clients).
  virtual std::vector<NodeStatus> node_statuses() const = 0;
  virtual std::vector<bool> nodes_up() const = 0;
  virtual std::string key_name(Key k) const = 0;
  virtual std::string value_text(const Record& r) const = 0;
  // The linearizability check of the run's history (sim/check/linearizability.h),
  // when it was asked for (measure.linearizability); else null.
  virtual const LinearizabilityResult* linearizability() const { return nullptr; }
};

}  // namespace consim
