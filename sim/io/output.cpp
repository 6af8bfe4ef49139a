#include "sim/io/output.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

#include "sim/io/input.h"

namespace consim {

namespace {

// ------------------------------------------------------------ temporary files and fatal signals
//
// The temporary files that exist right now, for the signal handlers: fixed
// slots (no allocation, no lock in the handler), each a path and a flag.

constexpr int kSlots = 64;

struct Slot {
  std::atomic<bool> used{false};
  char path[PATH_MAX];
};

Slot g_slots[kSlots];
std::mutex g_slots_mu;
std::once_flag g_handlers_once;

extern "C" void remove_temporaries_and_die(int sig) {
  for (Slot& s : g_slots)
    if (s.used.load(std::memory_order_acquire)) ::unlink(s.path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);  // delivered when the handler returns: the default action, as without us
}

void install_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0) continue;
    // Ignored (nohup) or handled by someone else: leave it as it is.
    if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = remove_temporaries_and_die;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

int register_temporary(const std::string& path) {
  std::call_once(g_handlers_once, install_handlers);
  if (path.size() >= PATH_MAX) return -1;
  std::lock_guard<std::mutex> lock(g_slots_mu);
  for (int i = 0; i < kSlots; ++i) {
    if (g_slots[i].used.load(std::memory_order_relaxed)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].used.store(true, std::memory_order_release);
    return i;
  }
  return -1;  // more than kSlots at once: still removed by the destructor, not by a signal
}

void unregister_temporary(int& slot) {
  if (slot >= 0) g_slots[slot].used.store(false, std::memory_order_release);
  slot = -1;
}

std::string random_hex() {
  unsigned char b[8];
  std::uint64_t x = 0;
  if (::getrandom(b, sizeof b, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof b)) {
    for (unsigned char c : b) x = (x << 8) | c;
  } else {
    // No entropy yet: unpredictable enough with O_EXCL doing the real work.
    static std::atomic<std::uint64_t> counter{0};
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    x = static_cast<std::uint64_t>(ts.tv_nsec) ^ (static_cast<std::uint64_t>(ts.tv_sec) << 30) ^
        (static_cast<std::uint64_t>(::getpid()) << 48) ^ (counter.fetch_add(1) * 0x9e3779b97f4a7c15ULL);
  }
  return fmt::format("{:016x}", x);
}

// Creates `prefix` + 16 random hex digits exclusively (never following a
// link, never reusing a name). Returns the fd and sets `name`; -1 and errno.
int create_exclusive(const std::string& prefix, int flags, std::string& name) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    name = prefix + random_hex();
    const int fd = ::open(name.c_str(), flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EEXIST) return -1;
  }
  errno = EEXIST;
  return -1;
}

// ------------------------------------------------------------ paths

std::string dir_of(const std::string& p) {
  const std::size_t s = p.find_last_of('/');
  if (s == std::string::npos) return ".";
  if (s == 0) return "/";
  return p.substr(0, s);
}

std::string base_of(const std::string& p) {
  const std::size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// Where a chain of symbolic links starting at `p` ends (the path itself when
// it is no link). `exists` says whether the end exists. InputError for a loop.
std::string follow_links(const std::string& p0, const std::string& shown, bool& exists) {
  std::string p = p0;
  for (int hops = 0; hops <= 40; ++hops) {
    struct stat ls {};
    if (::lstat(p.c_str(), &ls) != 0) {
      exists = false;
      return p;
    }
    if (!S_ISLNK(ls.st_mode)) {
      exists = true;
      return p;
    }
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    if (n < 0) throw InputError(fmt::format("{}: cannot read the symbolic link {}: {}", shown, p, std::strerror(errno)));
    const std::string to(buf, static_cast<std::size_t>(n));
    p = (!to.empty() && to[0] == '/') ? to : dir_of(p) + "/" + to;
  }
  throw InputError(fmt::format("{}: too many levels of symbolic links", shown));
}

std::string describe(const std::string& path, std::string_view what) {
  if (path == "-") return fmt::format(what.rfind("--", 0) == 0 ? "{} - (standard output)" : "{} (standard output)", what);
  return fmt::format("{} {}", what, excerpt(path, 200));
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

// ------------------------------------------------------------ the plan

struct OutputPlan::Id {
  bool std_out = false;  // "-" as an output
  bool known = false;    // dev and ino are set
  bool exists = false;   // the file (else its directory plus name)
  bool chardev = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;      // when !exists
};

struct OutputPlan::Entry {
  std::string path;
  std::string what;
  Id id;
  bool output = false;
};

OutputPlan::OutputPlan(bool force) : force_(force) {
  umask_ = ::umask(0);
  ::umask(umask_);
}

OutputPlan::~OutputPlan() {
  for (auto& o : outputs_) o->discard();
}

void OutputPlan::declare(const std::string& path, std::string_view what, const Id& id, bool is_output) {
  for (const Entry& e : entries_) {
    if (!e.output && !is_output) continue;  // two inputs may be one file
    bool same = false;
    if (id.std_out && e.id.std_out) {
      same = true;
    } else if (id.known && e.id.known && id.exists == e.id.exists && id.dev == e.id.dev && id.ino == e.id.ino) {
      same = id.exists ? !(id.chardev && e.id.chardev) : id.name == e.id.name;
    }
    if (!same) continue;
    const std::string me = describe(path, what), other = describe(e.path, e.what);
    if (!is_output)
      throw InputError(fmt::format("{}: the same file as {}; refusing to write over an input", other, me));
    if (!e.output)
      throw InputError(fmt::format("{}: the same file as {}; refusing to write over an input", me, other));
    throw InputError(fmt::format("{}: the same file as {}; give each output its own file", me, other));
  }
  entries_.push_back(Entry{path, std::string(what), id, is_output});
}

void OutputPlan::input(const std::string& path, std::string_view what) {
  Id id;
  struct stat st {};
  const bool ok = path == "-" ? ::fstat(0, &st) == 0 : (!path.empty() && ::stat(path.c_str(), &st) == 0);
  if (ok) {
    id.known = id.exists = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.chardev = S_ISCHR(st.st_mode);
  }
  declare(path, what, id, false);
}

Output& OutputPlan::journal(const std::string& path, std::string_view what) {
  Output& o = output(path, what, Writes::streamed);
  if (o.direct())
    throw InputError(fmt::format("{}: not a regular file; remove it or give another output", describe(path, what)));
  o.journal_ = true;
  return o;
}

Output& OutputPlan::output(const std::string& path, std::string_view what, Writes writes) {
  auto o = std::unique_ptr<Output>(new Output());
  o->path_ = path;
  o->what_ = std::string(what);
  o->writes_ = writes;
  const std::string me = describe(path, what);
  auto bad = [&](const std::string& problem) { return InputError(fmt::format("{}: {}", me, problem)); };
  auto check_writable = [&](const std::string& p, const struct stat& st) {
    if (force_) return;
    if ((st.st_mode & 0222) == 0)
      throw bad(fmt::format("is read-only (mode {:04o}); give --force to replace it", st.st_mode & 07777));
    if (::access(p.c_str(), W_OK) != 0) {
      if (errno == EROFS) throw bad("is on a read-only file system");
      throw bad(fmt::format("is not writable ({}); give --force to replace it", errno_text()));
    }
  };
  auto check_dir = [&](const std::string& dir) {
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) != 0) throw bad(fmt::format("cannot use the directory {}: {}", excerpt(dir, 200), errno_text()));
    if (!S_ISDIR(ds.st_mode)) throw bad(fmt::format("{} is not a directory", excerpt(dir, 200)));
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw bad(fmt::format("cannot create files in the directory {}: {}", excerpt(dir, 200), errno_text()));
    return ds;
  };

  Id id;
  if (path.empty())
    throw InputError(fmt::format("{}: an empty file name was given; give a file name, or - for standard output", what));
  if (path == "-") {
    o->kind_ = Output::Kind::stdout_;
    o->existed_ = true;
    id.std_out = true;
    struct stat st {};
    if (::fstat(1, &st) == 0) {
      id.known = id.exists = true;
      id.dev = st.st_dev;
      id.ino = st.st_ino;
      id.chardev = S_ISCHR(st.st_mode);
    }
  } else if (path.back() == '/') {
    throw bad("names a directory; give a file name");
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      o->existed_ = true;
      id.known = id.exists = true;
      id.dev = st.st_dev;
      id.ino = st.st_ino;
      if (S_ISDIR(st.st_mode)) throw bad("is a directory; give a file name");
      if (S_ISBLK(st.st_mode)) throw bad("is a block device; consim does not write onto disks");
      if (S_ISSOCK(st.st_mode)) throw bad("is a socket; give a file, a pipe or a character device");
      if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
        o->kind_ = Output::Kind::direct;
        o->target_ = path;
        id.chardev = S_ISCHR(st.st_mode);
        check_writable(path, st);
      } else if (S_ISREG(st.st_mode)) {
        bool exists = false;
        const std::string target = follow_links(path, me, exists);
        struct stat ts {};
        if (!exists || ::lstat(target.c_str(), &ts) != 0 || ts.st_dev != st.st_dev || ts.st_ino != st.st_ino)
          throw bad("cannot tell which file it names (a link that leads elsewhere than it resolves); give the file's own path");
        o->kind_ = Output::Kind::file;
        o->target_ = target;
        o->dir_ = dir_of(target);
        o->mode_ = st.st_mode & 0777;
        o->uid_ = st.st_uid;
        o->gid_ = st.st_gid;
        o->keep_owner_ = st.st_uid != ::geteuid() || st.st_gid != ::getegid();
        check_writable(target, st);
        check_dir(o->dir_);
      } else {
        throw bad("is not a regular file, a pipe or a character device");
      }
    } else if (errno == ENOENT) {
      bool exists = false;
      const std::string end = follow_links(path, me, exists);
      if (end != path)
        throw bad(fmt::format("is a symbolic link to {}, which does not exist; consim writes through a link only to "
                              "an existing file",
                              excerpt(end, 200)));
      o->kind_ = Output::Kind::file;
      o->target_ = path;
      o->dir_ = dir_of(path);
      o->mode_ = 0666 & ~umask_;
      const struct stat ds = check_dir(o->dir_);
      id.known = true;
      id.exists = false;
      id.dev = ds.st_dev;
      id.ino = ds.st_ino;
      id.name = base_of(path);
    } else {
      throw bad(fmt::format("cannot write: {}", errno_text()));
    }
  }
  declare(path, what, id, true);
  outputs_.push_back(std::move(o));
  return *outputs_.back();
}

void OutputPlan::open() {
  for (auto& o : outputs_)
    if (o->fd_ < 0 && !o->published_) o->open();
}

void OutputPlan::commit() {
  if (committed_) throw std::logic_error("OutputPlan::commit called twice");
  committed_ = true;
  try {
    for (auto& o : outputs_)
      if (!o->direct() && !o->journal_) o->sync_and_close();
    for (auto& o : outputs_)
      if (o->direct()) o->flush_pending();
    for (auto& o : outputs_)
      if (!o->direct() && !o->journal_) o->rename_into_place();
    for (auto& o : outputs_) {
      if (!o->journal_) continue;
      if (o->fd_ >= 0) ::close(o->fd_);
      o->fd_ = -1;
      if (o->published_ && ::unlink(o->target_.c_str()) != 0 && errno != ENOENT)
        throw OutputError(fmt::format("{}: cannot remove it: {}", o->shown(), errno_text()));
      o->published_ = false;
      o->discard();
    }
  } catch (...) {
    for (auto& o : outputs_) o->discard();
    throw;
  }
  for (auto& o : outputs_) o->done_ = true;
}

// ------------------------------------------------------------ one output

Output::~Output() { discard(); }

std::string Output::shown() const { return path_ == "-" ? "standard output" : excerpt(path_, 200); }

void Output::open() {
  if (fd_ >= 0 || done_) return;
  switch (kind_) {
    case Kind::stdout_: fd_ = 1; return;
    case Kind::direct:
      fd_ = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd_ < 0) throw OutputError(fmt::format("{}: cannot open for writing: {}", shown(), errno_text()));
      return;
    case Kind::file: {
      std::string base = base_of(target_);
      if (base.size() > 64) base.resize(64);
      fd_ = create_exclusive(dir_ + "/." + base + ".consim-", O_WRONLY, tmp_);
      if (fd_ < 0) {
        tmp_.clear();
        throw OutputError(fmt::format("{}: cannot create a temporary file in {}: {}", shown(), excerpt(dir_, 200),
                                      errno_text()));
      }
      reg_ = register_temporary(tmp_);
      return;
    }
  }
}

void Output::write(std::string_view bytes) {
  if (done_) throw std::logic_error("Output::write after commit");
  if (fd_ < 0) open();
  if (direct() && writes_ == Writes::at_commit) {
    pending_.append(bytes.data(), bytes.size());
    return;
  }
  write_fd(bytes);
}

void Output::write_fd(std::string_view bytes) {
  if (kind_ == Kind::stdout_ && std::fflush(stdout) != 0)
    throw OutputError(fmt::format("{}: write failed: {}", shown(), errno_text()));
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw OutputError(fmt::format("{}: write failed: {}", shown(), errno_text()));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void Output::publish() {
  if (!journal_ || published_) throw std::logic_error("Output::publish: not an unpublished journal");
  if (fd_ < 0) open();
  if (::fsync(fd_) != 0) throw OutputError(fmt::format("{}: fsync failed: {}", shown(), errno_text()));
  if (::fchmod(fd_, mode_) != 0) throw OutputError(fmt::format("{}: cannot set its mode: {}", shown(), errno_text()));
  rename_into_place();
  published_ = true;
}

void Output::sync_and_close() {
  if (fd_ < 0) open();
  if (::fsync(fd_) != 0) throw OutputError(fmt::format("{}: fsync failed: {}", shown(), errno_text()));
  if (::fchmod(fd_, mode_) != 0) throw OutputError(fmt::format("{}: cannot set its mode: {}", shown(), errno_text()));
  if (keep_owner_) (void)!::fchown(fd_, uid_, gid_);  // only a privileged user can give a file away
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw OutputError(fmt::format("{}: close failed: {}", shown(), errno_text()));
}

void Output::flush_pending() {
  if (fd_ < 0) open();
  if (!pending_.empty()) write_fd(pending_);
  pending_.clear();
  if (kind_ == Kind::stdout_) {
    if (std::fflush(stdout) != 0) throw OutputError(fmt::format("{}: write failed: {}", shown(), errno_text()));
    return;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw OutputError(fmt::format("{}: close failed: {}", shown(), errno_text()));
}

void Output::rename_into_place() {
  // Checked again: the target may have been swapped for a device or a
  // directory while consim ran; rename() would replace it.
  struct stat ls {};
  if (::lstat(target_.c_str(), &ls) == 0 && !S_ISREG(ls.st_mode))
    throw OutputError(fmt::format("{}: {} is no longer a regular file; not replacing it", shown(), excerpt(target_, 200)));
  if (::rename(tmp_.c_str(), target_.c_str()) != 0)
    throw OutputError(fmt::format("{}: cannot rename the temporary file into place: {}", shown(), errno_text()));
  tmp_.clear();
  unregister_temporary(reg_);
  const int d = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    const int rc = ::fsync(d);
    const int err = errno;
    ::close(d);
    if (rc != 0 && err != EINVAL && err != EROFS)
      throw OutputError(fmt::format("{}: fsync of its directory failed: {}", shown(), std::strerror(err)));
  }
}

void Output::discard() {
  if (fd_ >= 0 && kind_ != Kind::stdout_) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  unregister_temporary(reg_);
  pending_.clear();
}

// ------------------------------------------------------------ scratch files

ScratchFile::ScratchFile() {
  const char* env = std::getenv("TMPDIR");
  const std::string dir = env && *env ? env : "/tmp";
  fd_ = create_exclusive(dir + "/consim-scratch-", O_RDWR, name_);
  if (fd_ < 0) {
    const std::string err = errno_text();
    throw OutputError(fmt::format("cannot create a scratch file in {} ($TMPDIR): {}", excerpt(dir, 200), err));
  }
  const std::string proc = fmt::format("/proc/self/fd/{}", fd_);
  if (::access(proc.c_str(), R_OK) == 0 && ::unlink(name_.c_str()) == 0) {
    name_.clear();
    read_path_ = proc;
  } else {
    read_path_ = name_;
    reg_ = register_temporary(name_);
  }
}

ScratchFile::~ScratchFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!name_.empty()) ::unlink(name_.c_str());
  unregister_temporary(reg_);
}

void ScratchFile::write(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw OutputError(fmt::format("scratch file in $TMPDIR: write failed: {}", errno_text()));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace consim
