// sim/cli/live_options.cpp: see live_options.h.
#include "sim/cli/live_options.h"

#include "sim/cli/common.h"

namespace consim::cli {

std::vector<std::string> url_list(const std::string& text) {
  std::vector<std::string> urls;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = text.find(',', at);
    std::string one = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    if (!one.empty()) urls.push_back(std::move(one));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return urls;
}

std::optional<Time> milliseconds_option(const boost::program_options::variables_map& vm, const char* name,
                                        std::uint64_t max_ms) {
  const auto ms = whole_option(vm, name, 1, max_ms);
  if (!ms) return std::nullopt;
  return static_cast<Time>(*ms) * kMillisecond;
}

std::optional<std::uint32_t> max_connections_option(const boost::program_options::variables_map& vm,
                                                    std::uint32_t most) {
  const auto c = whole_option(vm, "max-connections", 1, most);
  if (!c) return std::nullopt;
  return static_cast<std::uint32_t>(*c);
}

}  // namespace consim::cli
