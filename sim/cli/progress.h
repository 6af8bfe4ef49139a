// sim/cli/progress.h: the progress line of `run` and `sweep`, on stderr.
//
// Data goes to standard output or files; progress, timing and diagnostics
// to standard error, never into a result. `--progress auto|always|never`
// (and `--quiet`, which is `never` and also silences the closing summary)
// choose whether it is shown:
//   auto    on a terminal, one line redrawn in place (at most 4 times a
//           second); otherwise plain lines, fit for a Slurm or CI log, the
//           first after 5 s of wall time and then every 5 s, so that short
//           runs in scripts print nothing;
//   always  as auto, but a non-terminal also gets a line at the start and
//           at the end, whatever the run's length;
//   never   nothing.
// Lines read "consim run: 42% (virtual 27.3 s of 65 s), 1.21 M events/s,
// 3.1 s elapsed, ETA 4.2 s" or "consim sweep: 120/400 runs (30%), ...".
#pragma once

#include <string>
#include <string_view>

#include <boost/program_options.hpp>

namespace consim::cli {

enum class ProgressMode { automatic, always, never };

// The option "progress" (and "quiet", if declared) of `vm`; InputError on
// another value than auto, always or never.
ProgressMode progress_mode(const boost::program_options::variables_map& vm);

// The option's declaration, shared by the subcommands that have it.
void add_progress_option(boost::program_options::options_description& desc);

class ProgressLine {
 public:
  // `what`: "run" or "sweep". Reads isatty(stderr) once.
  ProgressLine(std::string_view what, ProgressMode mode);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Work done so far, as a fraction in [0, 1], and what to say about it
  // ("120/400 runs", "virtual 27.3 s of 65 s, 1.21 M events/s"). Cheap when
  // nothing is due: it reads the wall clock and returns.
  void update(double fraction, const std::string& detail);
  // The work is done: a last line (terminal: the redrawn line completed).
  void finish(const std::string& detail);

  bool enabled() const { return mode_ != ProgressMode::never; }

 private:
  void print(double fraction, const std::string& detail, double now);

  std::string what_;
  ProgressMode mode_;
  bool tty_ = false;
  double t0_ = 0;
  double last_ = -1;  // wall time of the last line, -1: none yet
  bool drawn_ = false;
};

// "12.3 s", "4m05s", "2h10m".
std::string format_duration(double seconds);

}  // namespace consim::cli
