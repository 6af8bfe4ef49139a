// sim/cli/progress.cpp: the progress line (progress.h).
#include "sim/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "sim/io/input.h"
#include "sim/io/wallclock.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {
constexpr double kTtyInterval = 0.25;  // seconds between redraws on a terminal
constexpr double kLogInterval = 5.0;   // seconds between plain lines
}  // namespace

void add_progress_option(po::options_description& desc) {
  desc.add_options()("progress", po::value<std::string>()->default_value("auto"),
                     "progress on stderr: auto (a line redrawn on a terminal, else a plain line every 5 s), "
                     "always (also a first and a last line when not a terminal) or never");
}

ProgressMode progress_mode(const po::variables_map& vm) {
  const std::string v = vm.count("progress") ? vm["progress"].as<std::string>() : "auto";
  ProgressMode m = ProgressMode::automatic;
  if (v == "always")
    m = ProgressMode::always;
  else if (v == "never")
    m = ProgressMode::never;
  else if (v != "auto")
    throw InputError(fmt::format("--progress {}: expected auto, always or never", excerpt(v)));
  if (vm.count("quiet")) m = ProgressMode::never;
  return m;
}

std::string format_duration(double s) {
  if (!(s >= 0)) s = 0;             // NaN
  s = std::min(s, 1e9);             // no out-of-range conversion below
  if (s < 60) return fmt::format("{:.1f} s", s);
  const long t = std::lround(s);
  if (s < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

ProgressLine::ProgressLine(std::string_view what, ProgressMode mode)
    : what_(what), mode_(mode), tty_(mode != ProgressMode::never && isatty(fileno(stderr)) == 1), t0_(wall_seconds()) {
  if (mode_ == ProgressMode::always && !tty_) print(0, "starting", t0_);
}

void ProgressLine::update(double fraction, const std::string& detail) {
  if (mode_ == ProgressMode::never) return;
  const double now = wall_seconds();
  if (tty_) {
    if (last_ >= 0 && now - last_ < kTtyInterval) return;
  } else {
    const double since = last_ >= 0 ? now - last_ : now - t0_;
    if (since < kLogInterval) return;
  }
  print(fraction, detail, now);
}

void ProgressLine::finish(const std::string& detail) {
  if (mode_ == ProgressMode::never) return;
  const double now = wall_seconds();
  // A plain log gets a last line only if it had others (or always asked).
  if (tty_ ? drawn_ : (last_ >= 0 || mode_ == ProgressMode::always)) print(1, detail, now);
  if (tty_ && drawn_) fmt::print(stderr, "\n");
}

void ProgressLine::print(double fraction, const std::string& detail, double now) {
  fraction = std::clamp(std::isnan(fraction) ? 0.0 : fraction, 0.0, 1.0);
  const double elapsed = now - t0_;
  std::string eta;
  if (fraction > 0 && fraction < 1) eta = ", ETA " + format_duration(elapsed / fraction * (1 - fraction));
  const std::string line = fmt::format("consim {}: {:.0f}% ({}), {} elapsed{}", what_, fraction * 100, detail,
                                       format_duration(elapsed), eta);
  if (tty_)
    fmt::print(stderr, "\r{}\x1b[K", line);  // redrawn in place; the rest of the old line erased
  else
    fmt::print(stderr, "{}\n", line);
  std::fflush(stderr);
  last_ = now;
  drawn_ = true;
}

}  // namespace consim::cli
