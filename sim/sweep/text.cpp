#include "sim/sweep/text.h"

#include <charconv>

namespace consim::sweep::text {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_ll(std::string_view s, long long& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e && b != e;
}

bool parse_range(std::string_view s, long long& lo, long long& hi) {
  const std::size_t d = s.find("..");
  if (d == std::string_view::npos) return false;
  return parse_ll(trim(s.substr(0, d)), lo) && parse_ll(trim(s.substr(d + 2)), hi);
}

std::vector<std::string_view> split_simple(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (true) {
    const std::size_t d = s.find(sep, b);
    out.push_back(s.substr(b, d == std::string_view::npos ? std::string_view::npos : d - b));
    if (d == std::string_view::npos) break;
    b = d + 1;
  }
  return out;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::vector<std::string_view> lines_of(std::string_view s, bool& complete_last) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (b < s.size()) {
    const std::size_t e = s.find('\n', b);
    if (e == std::string_view::npos) {
      complete_last = false;
      return out;  // an unterminated last line is not a whole line
    }
    out.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  complete_last = true;
  return out;
}

}  // namespace consim::sweep::text
