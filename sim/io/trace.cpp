#include "sim/io/trace.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace consim {

TraceWriter::TraceWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw std::runtime_error(fmt::format("{}: cannot create file: {}", tmp_, std::strerror(errno)));
}

TraceWriter::~TraceWriter() {
  if (f_) std::fclose(f_);
  if (!committed_) std::remove(tmp_.c_str());
}

void TraceWriter::end_line() {
  buf_.push_back('\n');
  if (buf_.size() >= (1u << 20)) flush();
}

void TraceWriter::flush() {
  if (buf_.size() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
    throw std::runtime_error(fmt::format("{}: write failed: {}", tmp_, std::strerror(errno)));
  buf_.clear();
}

void TraceWriter::commit() {
  flush();
  if (std::fclose(f_) != 0) {
    f_ = nullptr;
    throw std::runtime_error(fmt::format("{}: close failed: {}", tmp_, std::strerror(errno)));
  }
  f_ = nullptr;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error(fmt::format("{}: cannot rename into place: {}", path_, std::strerror(errno)));
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::runtime_error(fmt::format("{}: cannot create file: {}", tmp, std::strerror(errno)));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("{}: write failed", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("{}: cannot rename into place: {}", path, std::strerror(errno)));
  }
}

}  // namespace consim
