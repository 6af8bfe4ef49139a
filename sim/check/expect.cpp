#include "sim/check/expect.h"

#include <fmt/format.h>

#include "sim/scenario/names.h"

namespace consim {

namespace {

using ojson = nlohmann::ordered_json;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string value_text(const Expectation& e) {
  switch (e.kind) {
    case Expectation::Kind::number: return fmt::format("{}", e.number);
    case Expectation::Kind::boolean: return e.boolean ? "true" : "false";
    case Expectation::Kind::string: return ojson(e.text).dump();
  }
  return "?";
}

template <typename T>
bool compare(Expectation::Op op, const T& a, const T& b) {
  switch (op) {
    case Expectation::Op::eq: return a == b;
    case Expectation::Op::ne: return !(a == b);
    case Expectation::Op::lt: return a < b;
    case Expectation::Op::le: return a <= b;
    case Expectation::Op::gt: return a > b;
    case Expectation::Op::ge: return a >= b;
  }
  return false;
}

std::string kind_name(const ojson& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return fmt::format("an array of {} element(s)", v.size());
  return "an object";
}

}  // namespace

std::string_view to_string(Expectation::Op op) { return kExpectOpNames[op]; }

std::string describe(const Expectation& e) {
  return fmt::format("{} {} {}", e.path, to_string(e.op), value_text(e));
}

const ojson* report_value(const ojson& report, const std::string& path, std::string* why) {
  const ojson* cur = &report;
  std::string where = "the report";
  for (const std::string& part : split_path(path)) {
    if (cur->is_object()) {
      const auto it = cur->find(part);
      if (it == cur->end()) {
        if (why) {
          std::string keys;
          for (auto k = cur->begin(); k != cur->end(); ++k) keys += (keys.empty() ? "" : ", ") + k.key();
          *why = fmt::format("no \"{}\" in {} (it has: {})", part, where, keys.empty() ? "nothing" : keys);
        }
        return nullptr;
      }
      cur = &*it;
    } else if (cur->is_array()) {
      if (!all_digits(part) || std::stoul(part) >= cur->size()) {
        if (why)
          *why = fmt::format("\"{}\" is not an index of {}, which has {} element(s) (0..{})", part, where,
                             cur->size(), cur->empty() ? 0 : cur->size() - 1);
        return nullptr;
      }
      cur = &(*cur)[std::stoul(part)];
    } else {
      if (why) *why = fmt::format("{} is {}, which has no \"{}\"", where, kind_name(*cur), part);
      return nullptr;
    }
    where = where == "the report" ? "\"" + part + "\"" : where.substr(0, where.size() - 1) + "." + part + "\"";
  }
  return cur;
}

ExpectResult evaluate_expectation(const Expectation& e, const ojson& report) {
  ExpectResult r;
  r.expectation = e;
  std::string why;
  const ojson* v = report_value(report, e.path, &why);
  if (!v) {
    r.message = "no such report value: " + why;
    return r;
  }
  r.found = true;
  r.actual = v->dump();
  switch (e.kind) {
    case Expectation::Kind::number:
      if (!v->is_number()) {
        r.message = fmt::format("the report value is {}, not a number", kind_name(*v));
        return r;
      }
      r.pass = compare(e.op, v->get<double>(), e.number);
      break;
    case Expectation::Kind::boolean:
      if (!v->is_boolean()) {
        r.message = fmt::format("the report value is {}, not a boolean", kind_name(*v));
        return r;
      }
      r.pass = compare(e.op, v->get<bool>(), e.boolean);
      break;
    case Expectation::Kind::string:
      if (!v->is_string()) {
        r.message = fmt::format("the report value is {}, not a string", kind_name(*v));
        return r;
      }
      r.pass = compare(e.op, v->get<std::string>(), e.text);
      break;
  }
  if (!r.pass) r.message = fmt::format("the report has {}", r.actual);
  return r;
}

std::vector<ExpectResult> evaluate_expectations(const std::vector<Expectation>& es, const ojson& report) {
  std::vector<ExpectResult> rs;
  rs.reserve(es.size());
  for (const Expectation& e : es) rs.push_back(evaluate_expectation(e, report));
  return rs;
}

bool all_pass(const std::vector<ExpectResult>& rs) {
  for (const ExpectResult& r : rs)
    if (!r.pass) return false;
  return true;
}

std::string expectations_text(const std::vector<ExpectResult>& rs) {
  std::size_t held = 0;
  for (const ExpectResult& r : rs) held += r.pass;
  std::string out = fmt::format("\nExpectations: {} of {} hold{}\n", held, rs.size(),
                                held == rs.size() ? "" : " (exit code 3)");
  for (const ExpectResult& r : rs) {
    const Expectation& e = r.expectation;
    out += fmt::format("  {}  {}", r.pass ? "PASS" : "FAIL", describe(e));
    if (r.pass)
      out += fmt::format("  (actual {})", r.actual);
    else
      out += fmt::format(": {}", r.message);
    if (!e.note.empty()) out += "  # " + e.note;
    out += "\n";
  }
  return out;
}

ojson expectations_json(const std::vector<ExpectResult>& rs) {
  ojson a = ojson::array();
  for (const ExpectResult& r : rs) {
    const Expectation& e = r.expectation;
    ojson x;
    x["path"] = e.path;
    x["op"] = std::string(to_string(e.op));
    x["value"] = ojson::parse(value_text(e));
    if (!e.note.empty()) x["note"] = e.note;
    x["actual"] = r.found ? ojson::parse(r.actual) : ojson(nullptr);
    x["pass"] = r.pass;
    if (!r.pass) x["message"] = r.message;
    a.push_back(x);
  }
  return a;
}

}  // namespace consim
