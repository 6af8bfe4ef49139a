#include "sim/report/linearizability_section.h"

#include <iterator>

#include <fmt/format.h>

#include "sim/report/section.h"

namespace consim {

using ojson = nlohmann::ordered_json;

namespace {

ojson scope_json(const LinearizabilityScope& s) {
  ojson j;
  j["keys_checked"] = s.keys_checked;
  j["linearizable"] = s.linearizable;
  j["not_linearizable"] = s.not_linearizable;
  j["unknown"] = s.unknown;
  ojson v = ojson::array();
  for (std::size_t i = 0; i < s.violations.size() && i < kMaxViolationsListed; ++i) {
    const KeyLinearizability& k = s.violations[i];
    ojson x;
    x["key"] = k.key;
    x["ops"] = k.ops;
    x["states"] = k.states;
    x["witness_minimal"] = k.witness_minimal;
    ojson w = ojson::array();
    for (const HistoryOp& op : k.witness) w.push_back(history_op_json(op));
    x["witness"] = std::move(w);
    v.push_back(std::move(x));
  }
  j["violations_listed"] = v.size();
  j["violations"] = std::move(v);
  ojson u = ojson::array();
  for (std::size_t i = 0; i < s.unknowns.size() && i < kMaxViolationsListed; ++i)
    u.push_back(ojson{{"key", s.unknowns[i].key}, {"why", s.unknowns[i].unknown_why}});
  j["unknown_keys"] = std::move(u);
  return j;
}

std::string op_time(const ojson& t) { return t.is_null() ? std::string("open") : format_ms_json(ms_json(t.get<Time>())); }

std::string op_text(const ojson& op) {
  const std::string type = op.at("type").get<std::string>();
  const std::string key = op.at("key").get<std::string>();
  std::string what;
  if (type == "put") what = fmt::format("put {} = {}", key, op.at("value").get<std::string>());
  else if (type == "delete") what = fmt::format("delete {}", key);
  else if (op.at("outcome") == "ok")
    what = fmt::format("get {} -> {} ({})", key,
                       op.at("found").get<bool>() ? op.at("value").get<std::string>() : std::string("absent"),
                       op.at("level").get<std::string>());
  else what = fmt::format("get {} ({})", key, op.at("level").get<std::string>());
  return fmt::format("#{:<6} client {:<4} {:<36} {:>10} .. {:<10} ms {}", op.at("index").get<std::uint64_t>(),
                     op.at("process").get<std::uint64_t>(), what, op_time(op.at("invoke_ns")),
                     op_time(op.at("complete_ns")), op.at("outcome").get<std::string>());
}

void scope_row(const std::string& name, const ojson& s, std::string& text) {
  fmt::format_to(std::back_inserter(text), "  {:<18} {:>6} {:>13} {:>6} {:>8}\n", name, s.at("keys_checked").get<std::uint64_t>(),
                 s.at("linearizable").get<std::uint64_t>(), s.at("not_linearizable").get<std::uint64_t>(),
                 s.at("unknown").get<std::uint64_t>());
}

void scope_details(const std::string& name, const ojson& s, std::string& text) {
  auto out = std::back_inserter(text);
  const ojson& v = s.at("violations");
  for (std::size_t i = 0; i < v.size() && i < kMaxViolationsShown; ++i) {
    const ojson& k = v[i];
    fmt::format_to(out, "  Not linearizable ({} reads): key {}; these {} of its {} operations show it{}:\n", name,
                   k.at("key").get<std::string>(), k.at("witness").size(), k.at("ops").get<std::uint64_t>(),
                   k.at("witness_minimal").get<bool>() ? "" : " (not shrunk to the end: bound reached)");
    for (const ojson& op : k.at("witness")) fmt::format_to(out, "    {}\n", op_text(op));
  }
  const std::uint64_t more = s.at("not_linearizable").get<std::uint64_t>();
  if (more > kMaxViolationsShown && v.size() > 0)
    fmt::format_to(out, "  ... and {} more keys not linearizable ({} reads)\n", more - std::min<std::uint64_t>(more, kMaxViolationsShown), name);
  for (const ojson& u : s.at("unknown_keys"))
    fmt::format_to(out, "  Unknown ({} reads): key {}: {}\n", name, u.at("key").get<std::string>(), u.at("why").get<std::string>());
}

}  // namespace

ojson linearizability_json(const LinearizabilityResult& r) {
  ojson j;
  j["ops"] = r.ops;
  j["limits"] = {{"max_ops_per_key", r.limits.max_ops_per_key},
                 {"max_states_per_key", r.limits.max_states_per_key},
                 {"max_memo_bytes", r.limits.max_memo_bytes}};
  j["all"] = scope_json(r.all);
  ojson levels = ojson::object();
  for (const LinearizabilityScope& s : r.levels) levels[s.name] = scope_json(s);
  j["levels"] = std::move(levels);
  return j;
}

void linearizability_text(const ojson& v, std::string& text) {
  fmt::format_to(std::back_inserter(text),
                 "Linearizability of the history ({} operations; per key, every write with the reads named):\n"
                 "  {:<18} {:>6} {:>13} {:>6} {:>8}\n",
                 v.at("ops").get<std::uint64_t>(), "reads", "keys", "linearizable", "not", "unknown");
  scope_row("all", v.at("all"), text);
  for (const auto& [name, s] : v.at("levels").items()) scope_row(name, s, text);
  scope_details("all", v.at("all"), text);
  // One level: its reads are all the reads, and its violations those above.
  if (v.at("levels").size() > 1)
    for (const auto& [name, s] : v.at("levels").items()) scope_details(name, s, text);
}

}  // namespace consim
