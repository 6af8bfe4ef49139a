#include "sim/world/workload.h"

#include <algorithm>
#include <cmath>

#include "sim/world/events.h"

namespace consim {

ScenarioKeys name_scenario_keys(const Scenario& sc, KeySpace& keys) {
  ScenarioKeys ids;
  ids.probe_base = keys.size();
  if (sc.probe.enabled) ids.probe_base = keys.add_probe_keys(sc.probe.keys);
  for (const ScriptedOp& op : sc.script) {
    ids.script_keys.push_back(keys.intern(op.key));
    ids.script_values.push_back(op.op == OpType::put ? keys.intern_text(op.value) : 0);
  }
  return ids;
}

Workloads::Workloads(const Scenario& sc, const ScenarioKeys& ids, EventQueue& queue, Clients& clients, KeySpace& keys)
    : sc_(sc),
      queue_(queue),
      clients_(clients),
      keys_(keys),
      n_(sc.cluster.nodes),
      leaderless_(sc.cluster.replication == Replication::leaderless),
      rng_(sc.seed, stream_id("workload")),
      ids_(ids) {
  if (!sc.workload.enabled) return;
  zipf_ = ZipfSampler(sc.workload.keys, sc.workload.zipf);
  double total = 0;
  for (int l = 0; l < kLevelCount; ++l) total += sc.workload.level_weights[l];
  double acc = 0;
  for (int l = 0; l < kLevelCount; ++l) {
    acc += sc.workload.level_weights[l] / total;
    level_cdf_[l] = acc;
  }
}

void Workloads::start() {
  for (std::uint32_t i = 0; i < sc_.script.size(); ++i) queue_.push(sc_.script[i].at, kScript, i);
  if (sc_.workload.enabled) {
    const Time start = sc_.workload.start;
    if (sc_.workload.mode == WorkloadSpec::Mode::open) {
      queue_.push(start + exp_interval(), kArrival, 0);
    } else {
      for (std::uint32_t c = 0; c < sc_.workload.clients; ++c) {
        const Time think = sc_.workload.think.sample(clients_.client(c).rng);
        queue_.push(start + think, kThink, c);
      }
    }
  }
  if (sc_.probe.enabled) queue_.push(sc_.probe.start, kProbeWrite, 0);
}

bool Workloads::active(Time now) const {
  return now >= sc_.workload.start && now < std::min(sc_.workload.stop, sc_.duration);
}

// A Poisson inter-arrival time. A tiny rate gives intervals beyond any
// run: they saturate at kFarFuture instead of overflowing the conversion.
Time Workloads::exp_interval() {
  constexpr Time kFarFuture = Time{1} << 62;  // about 146 years: beyond every run
  const double u = rng_.next_double_open0();
  const double ns = -std::log(u) / sc_.workload.rate_per_s * 1e9 + 0.5;
  if (!(ns < static_cast<double>(kFarFuture))) return kFarFuture;
  return static_cast<Time>(ns);
}

void Workloads::on_arrival() {
  const Time now = queue_.now();
  if (!active(now)) return;
  const auto c = static_cast<std::uint32_t>(rng_.next_below(sc_.workload.clients));
  start_workload_op(c);
  queue_.push(now + exp_interval(), kArrival, 0);
}

void Workloads::on_think(std::uint32_t c) {
  if (!active(queue_.now())) return;
  start_workload_op(c);
}

void Workloads::start_workload_op(std::uint32_t ci) {
  Client& c = clients_.client(ci);
  const WorkloadSpec& w = sc_.workload;
  const double u = c.rng.next_double();
  OpType type = OpType::get;
  if (u >= w.read_fraction) type = (u < w.read_fraction + w.write_fraction) ? OpType::put : OpType::del;
  const Key key = zipf_.sample(c.rng);
  Level level = Level::eventual;
  if (type == OpType::get) {
    const double lu = c.rng.next_double();
    int l = 0;
    while (l < kLevelCount - 1 && (lu >= level_cdf_[l] || w.level_weights[l] <= 0)) ++l;
    level = static_cast<Level>(l);
  }
  const NodeId node = clients_.route(ci, w.routing);
  const std::uint32_t slot = clients_.new_op(ci, type, key, level, OpSource::workload);
  if (type == OpType::put) clients_.op(slot).value = keys_.next_value();
  clients_.invoke(slot, node);
}

void Workloads::on_script(std::uint32_t idx) {
  const ScriptedOp& s = sc_.script[idx];
  const std::uint32_t ci = clients_.script_client(s.client);
  const std::uint32_t slot = clients_.new_op(ci, s.op, ids_.script_keys[idx], s.level, OpSource::script);
  clients_.op(slot).value = ids_.script_values[idx];
  clients_.op(slot).source_index = idx;
  clients_.invoke(slot, s.node);
}

void Workloads::on_probe_write() {
  const Time now = queue_.now();
  if (now >= std::min(sc_.probe.stop, sc_.duration)) return;
  const std::uint32_t pc = clients_.probe_client();
  const Key key = ids_.probe_base + (probe_seq_++ % sc_.probe.keys);
  const std::uint32_t slot = clients_.new_op(pc, OpType::put, key, Level::eventual, OpSource::probe);
  clients_.op(slot).value = keys_.next_value();
  // Leader mode: to the leader. Leaderless: a coordinator chosen by routing.
  clients_.invoke(slot, leaderless_ ? clients_.route(pc, sc_.probe.routing) : clients_.client(pc).leader_hint);
  queue_.push(now + sc_.probe.interval, kProbeWrite, 0);
}

// The probe write of `key` was acknowledged by `acked_by`: schedule its
// read-backs. Takes the key by value: new_op() may grow the op pool.
void Workloads::schedule_probe_reads(Key key, EndpointId acked_by) {
  const Time now = queue_.now();
  const NodeId writer = acked_by < n_ ? acked_by : 0;
  const std::uint32_t pc = clients_.probe_client();
  for (std::size_t d = 0; d < sc_.probe.delays.size(); ++d) {
    for (Level level : sc_.probe.levels) {
      NodeId target = writer;
      if (leaderless_) {
        target = clients_.route(pc, sc_.probe.routing);
      } else if (n_ > 1) {
        const auto pick = static_cast<NodeId>(clients_.client(pc).rng.next_below(n_ - 1));
        target = pick >= writer ? pick + 1 : pick;
      }
      const std::uint32_t slot = clients_.new_op(pc, OpType::get, key, level, OpSource::probe);
      Op& op = clients_.op(slot);
      op.source_index = static_cast<std::uint32_t>(d);
      op.scheduled = true;
      op.node = target;
      queue_.push(now + sc_.probe.delays[d], kProbeRead, slot);
    }
  }
}

void Workloads::on_probe_read(std::uint32_t slot) { clients_.invoke(slot, clients_.op(slot).node); }

void Workloads::op_finished(std::uint32_t slot, bool ok, EndpointId by) {
  const Op& op = clients_.op(slot);
  if (op.source == OpSource::probe) {
    if (ok && op.type != OpType::get) schedule_probe_reads(op.key, by);
    return;
  }
  if (op.source == OpSource::workload && sc_.workload.mode == WorkloadSpec::Mode::closed) {
    const std::uint32_t client = op.client;
    const Time think = sc_.workload.think.sample(clients_.client(client).rng);
    const Time at = queue_.now() + think;
    if (at < sc_.duration) queue_.push(at, kThink, client);
  }
}

}  // namespace consim
