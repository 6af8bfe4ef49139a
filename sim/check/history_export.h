// sim/check/history_export.h: a history (sim/check/history.h) in the formats
// other checkers read.
//
// - Jepsen's EDN history, for Knossos and Elle: one map per event, in time
//   order, {:type :invoke|:ok|:fail|:info, :f :read|:write, :value [key
//   value], :process P, :time NS, :index I}. Keys and values are strings; a
//   delete is a write of nil and a read of an absent key returns nil (the
//   register's initial value), as Knossos' register model has it. A read's
//   invocation has value [key nil]. Outcomes: ok; fail (a read that failed;
//   a write that certainly took no effect); info (an unknown write, at its
//   timeout, or at the history's last time when it never answered; also a
//   read never answered). Jepsen's processes run one operation at a time
//   and a process that ends in :info never runs again, so :process is a
//   lane, not the consim client: the lowest lane free at the invocation
//   (the client is kept as :client). Events at the same nanosecond: every
//   invocation before any completion, so no order is invented between them
//   (the checker's convention: equal times are concurrent).
// - Porcupine-style JSON: an array of {ClientId, Input {op, key, value},
//   Call, Output {found, value}, Return, Unknown} for porcupine.Operation
//   (times in ns). Failed reads and failed writes are left out (they
//   constrain nothing), as are reads never answered; an unknown write's
//   Return is the history's last time + 1 (taking effect at the end is the
//   same as never) and Unknown is true.
#pragma once

#include <string>

#include "sim/check/history.h"

namespace consim {

std::string history_edn(const History& h);
std::string history_porcupine_json(const History& h);

}  // namespace consim
