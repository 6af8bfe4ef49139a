// sim/compare/compare.h: two settings of one scenario, measured side by side.
//
// `consim compare` runs a scenario under setting A and under setting B (one
// knob apart, say W=1 against W=3) with the same K seeds, and compare_reports()
// lines up their JSON reports (sim/report/report.h) metric by metric. Pure:
// reports in, a comparison out; no I/O, no runs.
//
// Metrics, each declared once in compare.cpp's table:
//   rates   (stale reads / answered reads per level, failed reads, failed
//           writes, session violations, lost writes, the probe's P(stale) per
//           level and delay): counts pooled over the K seeds of a side; the
//           difference B - A with Newcombe's 95% interval (the hybrid score
//           interval from the two sides' Wilson intervals). It treats reads as
//           independent trials, so it is a lower bound on the uncertainty.
//   values  (latency percentiles, versions behind, convergence time,
//           messages sent per operation, ...): the mean over the seeds per side; the
//           difference's 95% interval from the K paired differences (same seed
//           on both sides) with Student's t, K - 1 degrees of freedom; none
//           with K = 1.
// "beyond noise" means the interval excludes 0. A metric one side lacks (a
// level only B reads at) is shown with the other side empty.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace consim {

struct CompareInput {
  std::string label_a, label_b;              // the settings, as given ("cluster.write_quorum=1")
  std::vector<nlohmann::ordered_json> a, b;  // one report per seed, in seed order (same seeds on both sides)
  std::vector<std::uint64_t> seeds;
};

// The comparison as JSON (docs/report-format.md, "consim compare"):
// {a, b, seeds, metrics: [{metric, kind, a, b, difference, ci_low, ci_high,
// beyond_noise, a_count?, b_count?}]}; null where undefined.
// REQUIRES: a.size() == b.size() == seeds.size() >= 1.
nlohmann::ordered_json compare_reports(const CompareInput& in);

// The text table of compare_reports()'s value.
std::string compare_text(const nlohmann::ordered_json& comparison);
// The same table as one self-contained HTML page (nothing fetched): rows
// beyond noise marked, each row's counts and interval in its hover.
std::string compare_html(const nlohmann::ordered_json& comparison);

// The two-sided 97.5% quantile of Student's t with df degrees of freedom (df >= 1),
// from a table (df <= 30) and rounded up beyond.
double t_quantile_975(int df);

// Newcombe's hybrid score interval (95%) of p_b - p_a, for k_a of n_a and
// k_b of n_b (n_a, n_b > 0).
struct DiffInterval {
  double lo = 0, hi = 0;
};
DiffInterval newcombe_interval(std::uint64_t k_a, std::uint64_t n_a, std::uint64_t k_b, std::uint64_t n_b);

}  // namespace consim
