// sim/report/report.cpp: the report, run through its table of sections
// (sim/report/section.h, sections.cpp).
#include "sim/report/report.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/lww.h"
#include "sim/report/section.h"

namespace consim {

std::string format_ms(long long ns) { return format_ms_json(ms_json(ns)); }

std::string version_text(const Version& v, const Scenario& sc) {
  if (sc.cluster.replication != Replication::leaderless || v.is_zero())
    return fmt::format("v({},{})", v.term, v.index);
  const std::uint64_t coord = (v.index >> kLwwCoordinatorShift) - 1;
  const std::uint64_t counter = v.index & ((std::uint64_t{1} << kLwwCoordinatorShift) - 1);
  const std::string who = coord < sc.cluster.nodes ? fmt::format("N{}", coord + 1)
                                                   : fmt::format("C{}", coord - sc.cluster.nodes + 1);
  return fmt::format("v({}ms,{},{})", format_ms(static_cast<long long>(v.term)), who, counter);
}

nlohmann::ordered_json report_json(const RunView& world) {
  nlohmann::ordered_json j;
  for (const ReportSection& s : report_sections())
    if (std::optional<nlohmann::ordered_json> value = s.build(world)) j[std::string(s.key)] = std::move(*value);
  return j;
}

std::string render_text(const nlohmann::ordered_json& report) {
  std::vector<const ReportSection*> order;
  for (const ReportSection& s : report_sections())
    if (s.text) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(),
                   [](const ReportSection* a, const ReportSection* b) { return a->text_order < b->text_order; });
  std::string out;
  for (const ReportSection* s : order) {
    const std::string key(s->key);
    if (report.contains(key)) s->text(report.at(key), report, out);
  }
  return out;
}

std::string report_text(const RunView& world) { return render_text(report_json(world)); }

}  // namespace consim
