#include "sim/io/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace consim {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd > 2) ::close(fd);
  }
};

}  // namespace

std::string read_input_file(const std::string& path, std::size_t limit, std::string_view what) {
  if (path.empty()) throw InputError(fmt::format("an empty file name was given for {}", what));
  Fd f;
  if (path == "-") {
    f.fd = 0;
  } else {
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f.fd < 0) throw InputError(fmt::format("{}: cannot read {}: {}", path, what, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw InputError(fmt::format("{}: cannot read {}: {}", path, what, std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw InputError(fmt::format("{}: cannot read {}: it is a directory", path, what));
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !(path == "-" && (S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode))))
    throw InputError(fmt::format("{}: cannot read {}: not a regular file or a pipe", path, what));
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > limit)
    throw InputError(fmt::format("{}: {} of {} bytes is larger than the limit of {} bytes", path, what, st.st_size, limit));
  // Blocking reads from here on (O_NONBLOCK only kept open() of a FIFO from waiting for a writer).
  if (f.fd != 0) {
    const int flags = ::fcntl(f.fd, F_GETFL);
    if (flags >= 0) ::fcntl(f.fd, F_SETFL, flags & ~O_NONBLOCK);
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(fmt::format("{}: cannot read {}: {}", path, what, std::strerror(errno)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limit)
      throw InputError(fmt::format("{}: {} is larger than the limit of {} bytes", path, what, limit));
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string excerpt(std::string_view s, std::size_t max) {
  std::string out;
  std::size_t shown = 0;
  for (char c : s) {
    if (shown >= max) break;
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
    ++shown;
  }
  if (shown < s.size()) out += fmt::format("... ({} bytes)", s.size());
  return out;
}

}  // namespace consim
