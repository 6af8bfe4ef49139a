#include "sim/io/trace.h"

namespace consim {

TraceWriter::TraceWriter(ByteSink& sink) : sink_(&sink) {}

TraceWriter::TraceWriter(const std::string& path) : own_(std::make_unique<OutputPlan>()) {
  Output& out = own_->output(path, "trace", Writes::streamed);
  out.open();
  sink_ = &out;
}

TraceWriter::~TraceWriter() = default;

void TraceWriter::end_line() {
  buf_.push_back('\n');
  if (buf_.size() >= (1u << 20)) flush();
}

void TraceWriter::flush() {
  if (buf_.size()) sink_->write(std::string_view(buf_.data(), buf_.size()));
  buf_.clear();
}

void TraceWriter::commit() {
  flush();
  if (own_) own_->commit();
}

}  // namespace consim
