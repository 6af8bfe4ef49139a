// sim/io/trace.h: one JSON object per line for every event of a run.
//
// Lines are written in event order with stable keys, so two runs of the same
// binary, scenario and seed give byte-identical traces. Times are virtual
// nanoseconds ("t"). The file is written to "<path>.tmp" and renamed into
// place by commit(), so an interrupted run never leaves half a trace.
#pragma once

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace consim {

class TraceWriter {
 public:
  // Throws std::runtime_error if the file cannot be created.
  explicit TraceWriter(std::string path);
  ~TraceWriter();  // removes the temporary file unless commit() was called
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  fmt::memory_buffer& buffer() { return buf_; }
  // Ends the current line; flushes to the file when the buffer is large.
  void end_line();
  // Flush, close and rename into place. Throws std::runtime_error on failure.
  void commit();

 private:
  void flush();
  std::string path_;
  std::string tmp_;
  std::FILE* f_ = nullptr;
  fmt::memory_buffer buf_;
  bool committed_ = false;
};

// Write `text` to `path` atomically (temporary file, then rename).
// Throws std::runtime_error on failure. "-" writes to standard output.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace consim
