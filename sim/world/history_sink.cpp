#include "sim/world/history_sink.h"

#include "sim/world/world.h"

namespace consim {

void HistorySink::invoked(Time t, const OpView& op) {
  open_[op.id] = ops_.size();
  Raw& r = ops_.emplace_back();
  r.op = op;
  r.op.invoked = t;
}

HistorySink::Raw* HistorySink::open(const OpView& op) {
  const auto it = open_.find(op.id);
  if (it == open_.end()) return nullptr;
  Raw* r = &ops_[it->second];
  open_.erase(it);
  return r;
}

void HistorySink::completed(Time t, const OpView& op, const Message& reply, bool stale, Time) {
  Raw* r = open(op);
  if (r == nullptr) return;
  r->completed = t;
  r->outcome = Outcome::ok;
  r->rec = reply.rec;
  r->found = reply.status == Status::ok;
  r->stale = stale;
  r->served_by = reply.from < world_.scenario().cluster.nodes ? reply.from : kNoNode;
}

void HistorySink::failed(Time t, const OpView& op, FailReason why) {
  Raw* r = open(op);
  if (r == nullptr) return;
  r->completed = t;
  // A failed read took no effect; a failed write may have (it may still
  // replicate after its timeout): Jepsen's :info.
  r->outcome = op.type == OpType::get ? Outcome::fail : Outcome::unknown;
  r->reason = why;
}

History HistorySink::history() const {
  const Scenario& sc = world_.scenario();
  History h;
  h.meta = history_meta(sc, sc.source);
  h.meta.probe_delays = sc.probe.delays;
  h.ops.reserve(ops_.size());
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const Raw& r = ops_[i];
    HistoryOp& o = h.ops.emplace_back();
    o.index = i;
    o.process = r.op.client;
    o.type = r.op.type;
    o.level = r.op.type == OpType::get ? r.op.level : Level::eventual;
    o.key = world_.key_name(r.op.key);
    if (r.op.type == OpType::put) {
      Record written;
      written.version = Version{1, 1};  // any non-zero version: value_text names the value
      written.value = r.op.value;
      o.value = world_.value_text(written);
    } else if (r.op.type == OpType::get && r.outcome == Outcome::ok && r.found) {
      o.value = world_.value_text(r.rec);
    }
    o.found = r.found;
    o.invoked = r.op.invoked;
    o.completed = r.completed;
    o.outcome = r.outcome;
    o.reason = r.reason;
    o.version = r.outcome == Outcome::ok ? r.rec.version : Version{};
    o.node = r.op.node;
    o.served_by = r.served_by;
    o.source = r.op.source;
    if (r.op.source == OpSource::probe && r.op.type == OpType::get) o.probe_delay = static_cast<std::int32_t>(r.op.source_index);
    o.stale = r.stale;
  }
  return h;
}

}  // namespace consim
