// sim/live/wire.cpp: messages as JSON (wire.h).
#include "sim/live/wire.h"

#include <memory>
#include <vector>

#include "sim/io/input.h"
#include "sim/scenario/json_text.h"

namespace consim::live {

using nlohmann::json;

bool body_is_json(const std::string& body, std::string* why) {
  try {
    parse_scenario_text(body, "the body");
    return true;
  } catch (const InputError& e) {
    if (why) *why = e.what();
    return false;
  }
}

namespace {

json record_json(const Record& r, const KeySpace& keys) {
  json j = {{"version", {r.version.term, r.version.index}}};
  if (r.tombstone) j["tombstone"] = true;
  if (r.present()) j["value"] = keys.value_text(r);
  return j;
}

bool read_u64(const json& j, const char* name, std::uint64_t& out) {
  if (!j.contains(name)) return true;  // absent: zero
  const json& v = j[name];
  if (!v.is_number_unsigned()) return false;
  out = v.get<std::uint64_t>();
  return true;
}

bool read_version(const json& j, Version& v) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_unsigned() || !j[1].is_number_unsigned()) return false;
  v.term = j[0].get<std::uint64_t>();
  v.index = j[1].get<std::uint64_t>();
  return true;
}

bool read_record(const json& j, KeySpace& keys, Record& r) {
  if (!j.is_object() || !j.contains("version") || !read_version(j["version"], r.version)) return false;
  r.tombstone = j.contains("tombstone") && j["tombstone"].is_boolean() && j["tombstone"].get<bool>();
  r.value = 0;
  if (j.contains("value")) {
    if (!j["value"].is_string()) return false;
    r.value = keys.intern_text(j["value"].get<std::string>());
  }
  return true;
}

bool valid_name(const std::string& s) { return !s.empty() && s.size() <= 256; }

}  // namespace

json message_to_json(const Message& m, const KeySpace& keys) {
  json j;
  j["kind"] = to_string(m.kind);
  j["status"] = static_cast<int>(m.status);
  j["level"] = static_cast<int>(m.level);
  j["from"] = m.from;
  j["to"] = m.to;
  if (m.hint != kNoNode) j["hint"] = m.hint;
  j["key"] = keys.name(m.key);
  const std::pair<const char*, std::uint64_t> numbers[] = {{"op", m.op},
                                                           {"term", m.term},
                                                           {"index", m.index},
                                                           {"prev_index", m.prev_index},
                                                           {"prev_term", m.prev_term},
                                                           {"commit", m.commit},
                                                           {"hint_index", m.hint_index},
                                                           {"hint_term", m.hint_term},
                                                           {"lead", m.lead},
                                                           {"prev_lead", m.prev_lead},
                                                           {"rec_lead", m.rec_lead}};
  for (const auto& [name, v] : numbers)
    if (v != 0) j[name] = v;
  if (!m.rec.version.is_zero() || m.rec.value != 0) j["rec"] = record_json(m.rec, keys);
  if (!m.token.is_zero()) j["token"] = {m.token.term, m.token.index};
  if (m.snapshot) {
    json recs = json::array();
    for (Key k = 0; k < m.snapshot->records.size(); ++k) {
      const Record& r = m.snapshot->records[k];
      if (r.version.is_zero()) continue;
      recs.push_back({keys.name(k), record_json(r, keys)});
    }
    j["snapshot"] = {{"last_index", m.snapshot->last_index},
                     {"last_term", m.snapshot->last_term},
                     {"last_lead", m.snapshot->last_lead},
                     {"records", recs}};
  }
  return j;
}

bool message_from_json(const json& j, KeySpace& keys, std::uint32_t nodes, Message& out,
                       std::shared_ptr<const Snapshot>& snapshot, std::string& error) {
  out = Message{};
  snapshot.reset();
  error.clear();
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) return error = "no \"kind\"", false;
  int kind = -1;
  for (int i = 0; i < kMsgKindCount; ++i)
    if (to_string(static_cast<MsgKind>(i)) == j["kind"].get<std::string>()) kind = i;
  if (kind < 0 || is_client_request(static_cast<MsgKind>(kind)) || static_cast<MsgKind>(kind) == MsgKind::client_reply)
    return error = "not a message between nodes", false;
  out.kind = static_cast<MsgKind>(kind);
  std::uint64_t status = 0, level = 0, from = 0, to = 0, hint = kNoNode;
  if (!read_u64(j, "status", status) || status >= kStatusCount || !read_u64(j, "level", level) ||
      level >= kLevelCount || !read_u64(j, "from", from) || from >= nodes || !read_u64(j, "to", to) || to >= nodes ||
      !read_u64(j, "hint", hint) || (hint != kNoNode && hint >= nodes))
    return error = "a field out of range", false;
  out.status = static_cast<Status>(status);
  out.level = static_cast<Level>(level);
  out.from = static_cast<EndpointId>(from);
  out.to = static_cast<EndpointId>(to);
  out.hint = static_cast<NodeId>(hint);
  if (!j.contains("key") || !j["key"].is_string() || !valid_name(j["key"].get<std::string>()))
    return error = "no \"key\"", false;
  out.key = keys.intern(j["key"].get<std::string>());
  std::uint64_t* const fields[] = {&out.op,        &out.term,      &out.index,      &out.prev_index,
                                   &out.prev_term, &out.commit,    &out.hint_index, &out.hint_term,
                                   &out.lead,      &out.prev_lead, &out.rec_lead};
  const char* const names[] = {"op",         "term",      "index", "prev_index", "prev_term", "commit",
                               "hint_index", "hint_term", "lead",  "prev_lead",  "rec_lead"};
  for (std::size_t i = 0; i < 11; ++i)
    if (!read_u64(j, names[i], *fields[i])) return error = std::string("\"") + names[i] + "\" is not a number", false;
  if (j.contains("rec") && !read_record(j["rec"], keys, out.rec)) return error = "a bad \"rec\"", false;
  if (j.contains("token") && !read_version(j["token"], out.token)) return error = "a bad \"token\"", false;
  if (j.contains("snapshot")) {
    const json& s = j["snapshot"];
    auto snap = std::make_shared<Snapshot>();
    if (!s.is_object() || !read_u64(s, "last_index", snap->last_index) || !read_u64(s, "last_term", snap->last_term) ||
        !read_u64(s, "last_lead", snap->last_lead) || !s.contains("records") || !s["records"].is_array())
      return error = "a bad \"snapshot\"", false;
    std::vector<std::pair<Key, Record>> recs;
    for (const json& e : s["records"]) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !valid_name(e[0].get<std::string>()))
        return error = "a bad snapshot record", false;
      Record r;
      if (!read_record(e[1], keys, r)) return error = "a bad snapshot record", false;
      recs.emplace_back(keys.intern(e[0].get<std::string>()), r);
    }
    snap->records.assign(keys.size(), Record{});
    for (const auto& [k, r] : recs) snap->records[k] = r;
    out.snapshot = snap.get();
    snapshot = std::move(snap);
  }
  return true;
}

}  // namespace consim::live
