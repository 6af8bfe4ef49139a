// sim/live/wire.h: a message between nodes as JSON, for /internal/{kind} over HTTP.
//
// When each node runs in its own process (consim serve --node-id), every
// process has its own KeySpace: key ids and value ids are local. The wire
// therefore carries key names and value texts, never ids, and the receiver
// interns them, so separate processes agree. Versions, terms and indices
// are the nodes' own and travel as numbers. A snapshot's records travel as
// [name, record] pairs. What callers may rely on: from_json(to_json(m))
// is m up to the renaming of keys and values; from_json() returns false
// (and leaves `out` unspecified) on anything that is not such a message.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/message.h"
#include "sim/world/keyspace.h"

namespace consim::live {

nlohmann::json message_to_json(const Message& m, const KeySpace& keys);

// Whether a request or response body is JSON within the bounds of a
// scenario file (sim/scenario/json_text.h): no nesting deeper than
// kMaxJsonDepth (the JSON library recurses when it copies or prints), no
// NUL byte, nothing after the value, no field twice. When it is not, `why`
// (if not null) says what is wrong. Parse it only after this said true.
bool body_is_json(const std::string& body, std::string* why = nullptr);
// A snapshot the message carries is made into `snapshot`, which out.snapshot
// points to (both null when it carries none).
bool message_from_json(const nlohmann::json& j, KeySpace& keys, std::uint32_t nodes, Message& out,
                       std::shared_ptr<const Snapshot>& snapshot, std::string& error);

}  // namespace consim::live
