#include "sim/compare/compare.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "sim/sweep/table.h"

namespace consim {

namespace {

using json = nlohmann::ordered_json;

// A metric of one report: a count pair (rate) or a number (value); nullopt-like
// via NaN / n = 0 when the report lacks it.
struct Count {
  std::uint64_t k = 0, n = 0;
  bool present = false;
};

const json* at(const json& j, const std::vector<std::string>& path) {
  const json* p = &j;
  for (const std::string& s : path) {
    if (p->is_object()) {
      auto it = p->find(s);
      if (it == p->end()) return nullptr;
      p = &*it;
    } else if (p->is_array()) {
      const std::size_t i = std::stoul(s);
      if (i >= p->size()) return nullptr;
      p = &(*p)[i];
    } else {
      return nullptr;
    }
  }
  return p;
}

double number_at(const json& j, const std::vector<std::string>& path) {
  const json* p = at(j, path);
  return p && p->is_number() ? p->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::uint64_t count_at(const json& j, const std::vector<std::string>& path, bool& present) {
  const json* p = at(j, path);
  if (!p || !p->is_number()) {
    present = false;
    return 0;
  }
  return p->get<std::uint64_t>();
}

struct Metric {
  std::string name;
  bool rate = false;
  // rate: numerator and denominator paths (each a sum of paths); value: one path
  std::vector<std::vector<std::string>> num, den;
  std::function<double(const json&)> value;
};

Count rate_of(const Metric& m, const json& r) {
  Count c;
  c.present = true;
  for (const auto& p : m.num) c.k += count_at(r, p, c.present);
  for (const auto& p : m.den) c.n += count_at(r, p, c.present);
  return c;
}

// The metrics of a pair of reports, in report order: the levels of A then
// those only B has.
std::vector<Metric> metrics_of(const json& a, const json& b) {
  std::vector<Metric> ms;
  std::vector<std::string> levels;
  for (const json* r : {&a, &b})
    if (r->contains("levels"))
      for (const auto& [l, v] : (*r)["levels"].items())
        if (std::find(levels.begin(), levels.end(), l) == levels.end()) levels.push_back(l);
  auto value = [](std::vector<std::string> path) {
    return [path](const json& r) { return number_at(r, path); };
  };
  for (const std::string& l : levels) {
    ms.push_back({fmt::format("{}: stale rate", l), true, {{"levels", l, "stale_reads"}}, {{"levels", l, "answered"}}, {}});
    ms.push_back({fmt::format("{}: failed reads", l), true, {{"levels", l, "failed"}}, {{"levels", l, "reads"}}, {}});
    ms.push_back({fmt::format("{}: read p50 ms", l), false, {}, {}, value({"levels", l, "latency_ms", "p50"})});
    ms.push_back({fmt::format("{}: read p99 ms", l), false, {}, {}, value({"levels", l, "latency_ms", "p99"})});
    ms.push_back({fmt::format("{}: versions behind (mean)", l), false, {}, {}, value({"levels", l, "versions_behind_mean"})});
  }
  ms.push_back({"writes: failed", true, {{"writes", "put", "failed"}, {"writes", "delete", "failed"}},
                {{"writes", "put", "writes"}, {"writes", "delete", "writes"}}, {}});
  ms.push_back({"writes: put p50 ms", false, {}, {}, value({"writes", "put", "latency_ms", "p50"})});
  ms.push_back({"writes: put p99 ms", false, {}, {}, value({"writes", "put", "latency_ms", "p99"})});
  ms.push_back({"session: read-your-writes violations", true, {{"violations", "read_your_writes"}},
                {{"violations", "reads_checked"}}, {}});
  ms.push_back({"session: monotonic-read violations", true, {{"violations", "monotonic_reads"}},
                {{"violations", "reads_checked"}}, {}});
  ms.push_back({"lost writes", true, {{"lost_writes", "lost"}}, {{"lost_writes", "checked"}}, {}});
  ms.push_back({"convergence p99 ms", false, {}, {}, value({"convergence", "time_ms", "p99"})});
  // The cost: messages per client operation.
  ms.push_back({"messages per operation", false, {}, {}, [](const json& r) {
                  double ops = 0;
                  if (const json* lv = at(r, {"levels"}))
                    for (const auto& [l, v] : lv->items()) ops += number_at(v, {"reads"});
                  ops += number_at(r, {"writes", "put", "writes"}) + number_at(r, {"writes", "delete", "writes"});
                  const double sent = number_at(r, {"engine", "messages_sent"});
                  return ops > 0 ? sent / ops : std::numeric_limits<double>::quiet_NaN();
                }});
  // The probe: P(stale) at each delay of each probed level (those of A; B's the same when the probe is unchanged).
  if (const json* pr = at(a, {"probe"}))
    for (const auto& [l, rows] : pr->items())
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const double d = number_at(rows[i], {"delay_ms"});
        ms.push_back({fmt::format("probe {} at {} ms: P(stale)", l, d), true,
                      {{"probe", l, std::to_string(i), "stale_reads"}}, {{"probe", l, std::to_string(i), "reads"}}, {}});
      }
  return ms;
}

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

}  // namespace

double t_quantile_975(int df) {
  static const double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                              2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                              2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= 30) return kT[df - 1];
  if (df <= 60) return 2.000;  // t(31..60) lies in [2.000, 2.040]: the upper end of the next table row
  if (df <= 120) return 1.980;
  return 1.960;
}

DiffInterval newcombe_interval(std::uint64_t k_a, std::uint64_t n_a, std::uint64_t k_b, std::uint64_t n_b) {
  const sweep::Interval wa = sweep::derived_wilson_interval(k_a, n_a), wb = sweep::derived_wilson_interval(k_b, n_b);
  const double pa = static_cast<double>(k_a) / static_cast<double>(n_a);
  const double pb = static_cast<double>(k_b) / static_cast<double>(n_b);
  const double d = pb - pa;
  // B - A: the low end takes B's lower and A's upper distances, the high end the others.
  const double lo = d - std::sqrt((pb - wb.lo) * (pb - wb.lo) + (wa.hi - pa) * (wa.hi - pa));
  const double hi = d + std::sqrt((wb.hi - pb) * (wb.hi - pb) + (pa - wa.lo) * (pa - wa.lo));
  return {lo, hi};
}

json compare_reports(const CompareInput& in) {
  json out;
  out["a"] = in.label_a;
  out["b"] = in.label_b;
  out["seeds"] = in.seeds;
  out["scenario"] = in.a.front().contains("scenario") ? in.a.front()["scenario"]["name"] : json(nullptr);
  json rows = json::array();
  const std::size_t k = in.seeds.size();
  for (const Metric& m : metrics_of(in.a.front(), in.b.front())) {
    json row;
    row["metric"] = m.name;
    row["kind"] = m.rate ? "rate" : "value";
    if (m.rate) {
      Count ca, cb;
      ca.present = cb.present = true;
      for (std::size_t i = 0; i < k; ++i) {
        const Count x = rate_of(m, in.a[i]), y = rate_of(m, in.b[i]);
        ca.k += x.k, ca.n += x.n, ca.present = ca.present && x.present;
        cb.k += y.k, cb.n += y.n, cb.present = cb.present && y.present;
      }
      const bool ha = ca.present && ca.n > 0, hb = cb.present && cb.n > 0;
      const double pa = ha ? static_cast<double>(ca.k) / static_cast<double>(ca.n) : NAN;
      const double pb = hb ? static_cast<double>(cb.k) / static_cast<double>(cb.n) : NAN;
      row["a"] = num(pa);
      row["b"] = num(pb);
      row["difference"] = num(pb - pa);
      if (ha && hb) {
        const DiffInterval ci = newcombe_interval(ca.k, ca.n, cb.k, cb.n);
        row["ci_low"] = ci.lo;
        row["ci_high"] = ci.hi;
        row["beyond_noise"] = ci.lo > 0 || ci.hi < 0;
      } else {
        row["ci_low"] = row["ci_high"] = row["beyond_noise"] = nullptr;
      }
      row["a_count"] = ca.present ? json::array({ca.k, ca.n}) : json(nullptr);
      row["b_count"] = cb.present ? json::array({cb.k, cb.n}) : json(nullptr);
    } else {
      double sa = 0, sb = 0;
      std::vector<double> d;
      bool all = true;
      for (std::size_t i = 0; i < k; ++i) {
        const double x = m.value(in.a[i]), y = m.value(in.b[i]);
        if (!std::isfinite(x) || !std::isfinite(y)) all = false;
        sa += x, sb += y;
        d.push_back(y - x);
      }
      const double ma = sa / static_cast<double>(k), mb = sb / static_cast<double>(k);
      row["a"] = num(ma);
      row["b"] = num(mb);
      row["difference"] = num(mb - ma);
      if (all && k >= 2) {
        double mean = 0;
        for (double x : d) mean += x;
        mean /= static_cast<double>(k);
        double ss = 0;
        for (double x : d) ss += (x - mean) * (x - mean);
        const double se = std::sqrt(ss / static_cast<double>(k - 1) / static_cast<double>(k));
        const double h = t_quantile_975(static_cast<int>(k - 1)) * se;
        row["ci_low"] = mean - h;
        row["ci_high"] = mean + h;
        row["beyond_noise"] = mean - h > 0 || mean + h < 0;
      } else {
        row["ci_low"] = row["ci_high"] = row["beyond_noise"] = nullptr;
      }
    }
    rows.push_back(row);
  }
  out["metrics"] = rows;
  return out;
}

namespace {

std::string cell_of(const json& row, const char* key) {
  const json& v = row[key];
  if (v.is_null()) return "-";
  const double x = v.get<double>();
  if (row["kind"] == "rate") return fmt::format("{:.3f}%", 100 * x);
  return fmt::format("{:.3f}", x);
}

std::string count_of(const json& row, const char* key) {
  if (row["kind"] != "rate" || !row.contains(key) || row[key].is_null()) return "";
  const json& c = row[key];
  return fmt::format(" ({}/{})", c[0].get<std::uint64_t>(), c[1].get<std::uint64_t>());
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}

}  // namespace

std::string compare_html(const json& c) {
  const std::size_t k = c["seeds"].size();
  const std::string name = c["scenario"].is_string() ? c["scenario"].get<std::string>() : "";
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>consim compare: " +
                  html_escape(name) + "</title>\n<style>\n"
                  "body { font-family: sans-serif; margin: 1.5em; color: #222; }\n"
                  "table { border-collapse: collapse; font-size: 14px; }\n"
                  "th, td { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }\n"
                  "th:first-child, td:first-child { text-align: left; }\n"
                  "tr.beyond td { background: #fff3cd; font-weight: bold; }\n"
                  "td.down { color: #1a7f37; } td.up { color: #b42318; }\n"
                  "</style></head><body>\n";
  s += fmt::format("<h1>consim compare: {}</h1>\n<p>A: <code>{}</code><br>B: <code>{}</code><br>{} seed(s) per side, the "
                   "same on both.</p>\n",
                   html_escape(name), html_escape(c["a"].get<std::string>()), html_escape(c["b"].get<std::string>()), k);
  s += "<p>Rates pooled over the seeds (95% interval of B &minus; A: Newcombe); values are means over the seeds (95% "
       "interval of the paired differences: Student's t). Highlighted rows: the interval excludes 0 (beyond noise). B &minus; A in green when B is lower, red when higher (lower is better for every metric here).</p>\n";
  s += "<table id=\"comparison\"><tr><th>metric</th><th>A</th><th>B</th><th>B &minus; A</th><th>95% interval</th>"
       "<th>beyond noise</th></tr>\n";
  for (const json& row : c["metrics"]) {
    const bool beyond = row["beyond_noise"].is_boolean() && row["beyond_noise"].get<bool>();
    const std::string ci =
        row["ci_low"].is_null() ? "-" : fmt::format("[{}, {}]", cell_of(row, "ci_low"), cell_of(row, "ci_high"));
    const double d = row["difference"].is_null() ? 0.0 : row["difference"].get<double>();
    s += fmt::format(
        "<tr{}><td>{}</td><td>{}{}</td><td>{}{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
        beyond ? " class=\"beyond\"" : "", html_escape(row["metric"].get<std::string>()), cell_of(row, "a"),
        count_of(row, "a_count"), cell_of(row, "b"), count_of(row, "b_count"), d < 0 ? "down" : d > 0 ? "up" : "",
        cell_of(row, "difference"), ci, row["beyond_noise"].is_null() ? "-" : beyond ? "yes" : "no");
  }
  s += "</table>\n</body></html>\n";
  return s;
}

std::string compare_text(const json& c) {
  const std::size_t k = c["seeds"].size();
  std::string s = fmt::format("consim compare: scenario \"{}\", {} seed(s) per side, the same on both\n",
                              c["scenario"].is_string() ? c["scenario"].get<std::string>() : "", k);
  s += fmt::format("  A: {}\n  B: {}\n", c["a"].get<std::string>(), c["b"].get<std::string>());
  s += fmt::format("Rates pooled over the seeds (95% interval of B - A: Newcombe); values are means over the seeds\n"
                   "(95% interval of the paired differences: Student's t{}).\n\n",
                   k < 2 ? "; none with one seed: --seeds 5" : "");
  s += fmt::format("{:<40} {:>22} {:>22} {:>10}  {:<22} {}\n", "metric", "A", "B", "B - A", "95% interval", "beyond noise");
  auto cell = [](const json& row, const char* key) -> std::string {
    const json& v = row[key];
    if (v.is_null()) return "-";
    const double x = v.get<double>();
    if (row["kind"] == "rate") return fmt::format("{:.3f}%", 100 * x);
    return fmt::format("{:.3f}", x);
  };
  for (const json& row : c["metrics"]) {
    std::string a = cell(row, "a"), b = cell(row, "b");
    if (row["kind"] == "rate") {
      if (!row["a_count"].is_null()) a += fmt::format(" ({}/{})", row["a_count"][0].get<std::uint64_t>(), row["a_count"][1].get<std::uint64_t>());
      if (!row["b_count"].is_null()) b += fmt::format(" ({}/{})", row["b_count"][0].get<std::uint64_t>(), row["b_count"][1].get<std::uint64_t>());
    }
    const std::string ci = row["ci_low"].is_null() ? "-" : fmt::format("[{}, {}]", cell(row, "ci_low"), cell(row, "ci_high"));
    const std::string beyond = row["beyond_noise"].is_null() ? "-" : row["beyond_noise"].get<bool>() ? "yes" : "no";
    s += fmt::format("{:<40} {:>22} {:>22} {:>10}  {:<22} {}\n", row["metric"].get<std::string>(), a, b,
                     cell(row, "difference"), ci, beyond);
  }
  return s;
}

}  // namespace consim
