// sim/scenario/json_text.cpp: a scenario's JSON text, within bounds (json_text.h).
#include "sim/scenario/json_text.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace consim {

using json = nlohmann::json;

namespace json_path {

namespace {
bool is_identifier(std::string_view k) {
  if (k.empty()) return false;
  for (std::size_t i = 0; i < k.size(); ++i) {
    const char c = k[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}
}  // namespace

std::string quoted(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string key(const std::string& base, std::string_view k) {
  if (is_identifier(k)) return base + "." + std::string(k);
  return base + "[" + json_path::quoted(k) + "]";
}

std::string index(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i) + "]"; }

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return std::string("boolean ") + (v.get<bool>() ? "true" : "false");
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "string " + json_path::quoted(s);
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number " + v.dump(-1, ' ', false, json::error_handler_t::replace);
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    default: return "a binary value";
  }
}

}  // namespace json_path

namespace {

bool is_index(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}


// 1-based line and column of byte offset `pos` in `text`.
std::pair<std::size_t, std::size_t> line_col(const std::string& text, std::size_t pos) {
  pos = std::min(pos, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, pos - line_start + 1};
}

// Tracks where the parser is, to name a field that appears twice in one object
// (nlohmann would silently keep the last one).
class DuplicateFinder {
 public:
  bool operator()(int /*depth*/, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start: frames_.push_back({false, 0, {}, {}}); break;
      case json::parse_event_t::array_start: frames_.push_back({true, 0, {}, {}}); break;
      case json::parse_event_t::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second && first_.empty()) first_ = json_path::key(path(), f.key);
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
        break;
      case json::parse_event_t::value:
        if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
        break;
    }
    return true;
  }
  const std::string& first_duplicate() const { return first_; }

 private:
  struct Frame {
    bool array;
    std::size_t count;  // arrays: elements completed so far
    std::string key;    // objects: the latest key
    std::set<std::string> keys;
  };
  // The path of the innermost open container.
  std::string path() const {
    std::string p = "$";
    for (std::size_t i = 1; i < frames_.size(); ++i)
      p = frames_[i - 1].array ? json_path::index(p, frames_[i - 1].count) : json_path::key(p, frames_[i - 1].key);
    return p;
  }
  std::vector<Frame> frames_;
  std::string first_;
};


// What the text holds that the parser must not see: the offset of a NUL
// byte, or of the bracket that nests past kMaxJsonDepth (outside strings).
struct TextHazard {
  std::size_t at = 0;
  enum class Kind { none, nul, deep } kind = Kind::none;
};
TextHazard scan_text(const std::string& text) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return {i, TextHazard::Kind::nul};
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return {i, TextHazard::Kind::deep};
    } else if ((c == ']' || c == '}') && depth > 0) --depth;
  }
  return {};
}

}  // namespace

nlohmann::json parse_scenario_text(const std::string& text, const std::string& source) {
  const TextHazard hazard = scan_text(text);
  if (hazard.kind != TextHazard::Kind::none) {
    const auto [line, col] = line_col(text, hazard.at);
    if (hazard.kind == TextHazard::Kind::nul)
      throw InputError(fmt::format("{}:{}:{}: a NUL byte; a scenario is JSON text, with nothing after its value",
                                   source, line, col));
    throw InputError(fmt::format("{}:{}:{}: arrays and objects nest deeper than {} levels; a scenario needs 5",
                                 source, line, col, kMaxJsonDepth));
  }
  DuplicateFinder dups;
  json j;
  try {
    j = json::parse(text, std::ref(dups));
  } catch (const json::parse_error& e) {
    // e.byte: 1-based index of the character at which parsing failed.
    const auto [line, col] = line_col(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    const std::size_t at = what.find("parse error");
    if (at != std::string::npos) {
      const std::size_t colon = what.find(": ", at);
      if (colon != std::string::npos) what = what.substr(colon + 2);
    }
    const std::string prefix = "syntax error ";
    if (what.compare(0, prefix.size(), prefix) == 0) what = what.substr(prefix.size());
    throw InputError(fmt::format("{}:{}:{}: syntax error: {}", source, line, col, what));
  } catch (const json::exception& e) {
    // e.g. "[json.exception.out_of_range.406] number overflow parsing '1e400'":
    // no offset is reported, so locate the quoted literal in the text.
    std::string what = e.what();
    const std::size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    const std::size_t q1 = what.find('\'');
    const std::size_t q2 = what.rfind('\'');
    std::size_t pos = std::string::npos;
    if (q1 != std::string::npos && q2 > q1 + 1) pos = text.find(what.substr(q1 + 1, q2 - q1 - 1));
    if (pos == std::string::npos) throw InputError(fmt::format("{}: syntax error: {}", source, what));
    const auto [line, col] = line_col(text, pos);
    throw InputError(fmt::format("{}:{}:{}: syntax error: {}", source, line, col, what));
  }
  if (!dups.first_duplicate().empty())
    throw InputError(fmt::format("{}: {}: this field appears twice in the same object; keep one",
                                 source, excerpt(dups.first_duplicate(), 120)));
  return j;
}

nlohmann::json read_scenario_file(const std::string& path) {
  return parse_scenario_text(read_input_file(path, kMaxScenarioBytes, "a scenario file"), path);
}

void check_set_syntax(std::string_view assignment) {
  json scratch = json::object();
  if (assignment.find('=') == std::string_view::npos || assignment.front() == '=') apply_set(scratch, assignment, "");
}

void apply_set(nlohmann::json& j, std::string_view assignment, const std::string& source) {
  (void)source;  // the assignment, not the file, is at fault: messages name the --set
  const std::string a(assignment);
  auto fail = [&](const std::string& problem) { throw InputError("--set " + excerpt(a) + ": " + problem); };
  if (a.size() > kMaxScenarioBytes)
    fail(fmt::format("{} bytes; a --set assignment holds at most {}", a.size(), kMaxScenarioBytes));
  const std::size_t eq = a.find('=');
  if (eq == std::string::npos || eq == 0)
    fail("expected PATH=VALUE, e.g. cluster.write_quorum=3 or timeline.0.at_ms=500 (a value after a space is "
         "read as the scenario file)");
  const std::string path = a.substr(0, eq);
  const std::string text = a.substr(eq + 1);
  std::vector<std::string> segs;
  std::size_t b = 0;
  while (true) {
    const std::size_t d = path.find('.', b);
    segs.push_back(path.substr(b, d == std::string::npos ? std::string::npos : d - b));
    if (d == std::string::npos) break;
    b = d + 1;
  }
  for (const auto& s : segs)
    if (s.empty())
      fail("empty name in PATH \"" + excerpt(path) + "\"; expected PATH=VALUE with PATH like cluster.nodes");
  json value = text;  // not JSON: taken as a string
  const TextHazard hazard = scan_text(text);
  if (hazard.kind == TextHazard::Kind::nul) fail("the value holds a NUL byte");
  if (hazard.kind == TextHazard::Kind::deep)
    fail(fmt::format("the value nests arrays and objects deeper than {} levels", kMaxJsonDepth));
  DuplicateFinder dups;
  json parsed = json::parse(text, std::ref(dups), false);
  if (!parsed.is_discarded()) {
    if (!dups.first_duplicate().empty())
      fail(fmt::format("{}: this field appears twice in the same object; keep one",
                       excerpt(dups.first_duplicate(), 120)));
    value = std::move(parsed);
  }
  const bool remove = value.is_null();

  if (j.is_null()) j = json::object();
  json* cur = &j;
  std::string where = "the scenario";
  std::string prefix;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    const bool last = i + 1 == segs.size();
    auto fresh = [&]() -> json {
      if (last) return value;
      return is_index(segs[i + 1]) ? json::array() : json::object();
    };
    if (cur->is_object()) {
      auto it = cur->find(s);
      if (last) {
        if (remove)
          cur->erase(s);
        else
          (*cur)[s] = value;
        return;
      }
      if (it == cur->end() || it->is_null()) {
        if (remove) return;  // nothing to remove
        (*cur)[s] = fresh();
      }
      cur = &(*cur)[s];
    } else if (cur->is_array()) {
      if (!is_index(s))
        fail(fmt::format("{} is an array; expected an element number, got \"{}\"", where, excerpt(s)));
      const std::size_t idx = std::stoul(s);
      if (idx > cur->size() || (idx == cur->size() && remove)) {
        if (remove) return;
        fail(fmt::format("index {} is out of range: {} has {} elements (use 0..{}; {} appends)", idx,
                         where, cur->size(), cur->size(), cur->size()));
      }
      if (last) {
        if (remove)
          cur->erase(idx);
        else if (idx == cur->size())
          cur->push_back(value);
        else
          (*cur)[idx] = value;
        return;
      }
      if (idx == cur->size()) cur->push_back(fresh());
      if ((*cur)[idx].is_null()) (*cur)[idx] = fresh();
      cur = &(*cur)[idx];
    } else {
      fail(fmt::format("cannot set \"{}\" inside {}, which is {}", excerpt(s), where, json_path::describe(*cur)));
    }
    prefix += (i > 0 ? "." : "") + s;
    where = "\"" + excerpt(prefix) + "\"";
  }
}

}  // namespace consim
