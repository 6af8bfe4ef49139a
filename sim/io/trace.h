// sim/io/trace.h: one JSON object per line for every event of a run.
//
// Lines are written in event order with stable keys, so two runs of the same
// binary, scenario and seed give byte-identical traces. Times are virtual
// nanoseconds ("t"). The World formats each line into buffer() and calls
// end_line(); the writer hands the bytes to its sink a megabyte at a time.
//
// Where the bytes go is the output module's business (sim/io/output.h): a
// trace declared in a command's OutputPlan (Writes::streamed) goes to a
// temporary file renamed into place by the plan's commit(), so an
// interrupted run never leaves half a trace; a pipe or device gets it as it
// is written.
#pragma once

#include <memory>
#include <string>

#include <fmt/format.h>

#include "sim/io/output.h"

namespace consim {

class TraceWriter {
 public:
  // Writes through `sink`; whoever owns the sink commits it.
  explicit TraceWriter(ByteSink& sink);
  // Writes to `path` through an output plan of its own, committed by
  // commit(). InputError / OutputError as OutputPlan::output() and open().
  explicit TraceWriter(const std::string& path);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  fmt::memory_buffer& buffer() { return buf_; }
  // Ends the current line; hands the buffer to the sink when it is large.
  void end_line();
  // Hands the rest to the sink; with a path of its own, commits the file.
  // OutputError on failure.
  void commit();

 private:
  void flush();
  std::unique_ptr<OutputPlan> own_;
  ByteSink* sink_ = nullptr;
  fmt::memory_buffer buf_;
};

}  // namespace consim
