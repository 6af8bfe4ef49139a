// sim/io/output.h: every file consim writes, written so that nothing is destroyed.
//
// All output of consim (reports, traces, diagrams, sweep tables, partial and
// shard files, merged tables) goes through an OutputPlan. What a caller may
// rely on (docs/reliability.md, "Outputs"):
//
// Planning, before anything runs. A command declares its inputs (input())
// and outputs (output(), journal()) first. Each declaration is checked at
// once and throws InputError (exit 2, nothing written or created) for:
//   - an empty path;
//   - a directory, a block device or a socket;
//   - a path whose directory does not exist or is not writable;
//   - a symbolic link to nothing (a link is written through only to an
//     existing file, as cp does);
//   - an existing target without write permission (no w bit, even for
//     root), unless the plan was made with force = true (--force);
//   - an output that is an input or another output of the same plan: same
//     device and inode, or, for a file that does not exist yet, the same
//     directory (device and inode) and name; "-" twice. Paths are never
//     compared as strings. A character device (a terminal, /dev/null) may
//     take several outputs: it is a sink, nothing in it is replaced.
//
// Where bytes go.
//   - "-" is standard output (file descriptor 1).
//   - Pipes, FIFOs, process substitution (/dev/fd/N) and character devices
//     are written in place: opened for writing without O_TRUNC or O_CREAT,
//     never replaced, never renamed over.
//   - A regular file, or one that does not exist yet, is replaced
//     atomically: its bytes go to a temporary file created exclusively in
//     the same directory (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0600, an
//     unpredictable name ".NAME.consim-XXXXXXXXXXXXXXXX"), which at commit is
//     fsynced, given the target's permission bits (and owner, where allowed;
//     a new file gets 0666 less the umask) and renamed over the target. A
//     symbolic link is resolved: the file it leads to is replaced and the
//     link stays. Hard links to the old file keep the old content.
//
// Failures. Every failed open, write, flush, fsync, close or rename throws
// OutputError (exit 1) naming the path as the user gave it ("standard
// output" for "-"): `consim run > /dev/full` fails.
//
// All or none. commit() first fsyncs and closes every temporary file, then
// writes the outputs kept for commit to pipes and devices, then renames the
// temporary files into place, then removes the journals. If a step fails,
// the later steps do not happen and every temporary file left is removed:
// no target is half-written. Streamed outputs (Writes::streamed) reach a
// pipe or device as they are written, so only their files wait for commit.
//
// Journals (sweep partial files) are files a command keeps across a kill:
// publish() makes their content visible under their name at once (temporary
// file renamed in), later writes append to it, and a successful commit()
// removes them. A plan destroyed without commit() removes its temporary
// files, keeps published journals, and touches nothing else; so do the
// handlers it installs for SIGINT, SIGTERM, SIGHUP and SIGPIPE (they remove
// the temporary files, then die of the signal as before).
//
// Not thread-safe: one thread declares, opens and commits. An Output may be
// written from other threads when the caller serialises the writes.
#pragma once

#include <sys/types.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace consim {

// A run-time failure to write an output (exit 1).
class OutputError : public std::runtime_error {
 public:
  explicit OutputError(const std::string& msg) : std::runtime_error(msg) {}
};

// Somewhere bytes can be written. write() throws OutputError on failure.
class ByteSink {
 public:
  virtual void write(std::string_view bytes) = 0;

 protected:
  ~ByteSink() = default;
};

// How an output's bytes reach a pipe, a device or standard output.
enum class Writes {
  at_commit,  // kept in memory and written by commit(), after every file is safe
  streamed,   // written as they come (a trace may be larger than memory)
};

class OutputPlan;

// One declared output. Made only by OutputPlan, which owns it.
class Output final : public ByteSink {
 public:
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output();

  const std::string& path() const { return path_; }  // as the user gave it
  std::string_view what() const { return what_; }    // "--output", "--trace", ...
  // Written in place (standard output, a pipe, a device): no temporary
  // file, no rename, no journal possible.
  bool direct() const { return kind_ != Kind::file; }
  // The target existed when it was declared.
  bool existed() const { return existed_; }

  // Opens the output if OutputPlan::open() has not: creates the temporary
  // file, or opens the pipe or device. OutputError on failure.
  void open();
  // Appends bytes (opening first if needed).
  void write(std::string_view bytes) override;
  // Journals only: make what was written so far the file's content now
  // (fsync, rename into place); later writes append to the published file.
  void publish();

 private:
  friend class OutputPlan;
  enum class Kind { stdout_, direct, file };
  Output() = default;
  void write_fd(std::string_view bytes);
  void sync_and_close();        // commit step 1 (files)
  void flush_pending();         // commit step 2 (direct, at_commit)
  void rename_into_place();     // commit step 3 (files)
  void discard();               // remove the temporary file, if any
  std::string shown() const;    // the path in messages

  std::string path_, what_;
  Kind kind_ = Kind::file;
  Writes writes_ = Writes::at_commit;
  bool journal_ = false;
  bool existed_ = false;
  std::string target_;          // file: the resolved path to replace; direct: the path to open
  std::string dir_;             // file: the directory of target_
  mode_t mode_ = 0644;          // file: the permission bits the result gets
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool keep_owner_ = false;
  int fd_ = -1;
  std::string tmp_;             // file: the temporary file while it exists
  int reg_ = -1;                // its slot in the signal handlers' list
  std::string pending_;         // direct + at_commit: bytes for commit()
  bool published_ = false;      // journal: renamed into place
  bool done_ = false;           // committed
};

class OutputPlan {
 public:
  // force: replace read-only targets too (--force).
  explicit OutputPlan(bool force = false);
  ~OutputPlan();  // removes temporary files not committed; keeps published journals
  OutputPlan(const OutputPlan&) = delete;
  OutputPlan& operator=(const OutputPlan&) = delete;

  // Declares an input ("-": standard input). InputError if it is an output
  // declared already. An input that cannot be found is left to its reader.
  void input(const std::string& path, std::string_view what);
  // Declares an output; the checks above, InputError on failure. The
  // reference stays valid as long as the plan.
  Output& output(const std::string& path, std::string_view what, Writes writes = Writes::at_commit);
  // Declares a journal: an output that must be a file (regular or new).
  Output& journal(const std::string& path, std::string_view what);

  // Opens every output not opened yet. OutputError on failure.
  void open();
  // All or none, as above. OutputError on failure. Call at most once.
  void commit();

 private:
  struct Id;
  struct Entry;
  void declare(const std::string& path, std::string_view what, const Id& id, bool is_output);
  bool force_;
  mode_t umask_;
  std::vector<std::unique_ptr<Output>> outputs_;
  std::vector<Entry> entries_;
  bool committed_ = false;
};

// A private scratch file for consim's own use (the trace a --mermaid
// diagram is made from): created exclusively in $TMPDIR (else /tmp), mode
// 0600, an unpredictable name, and unlinked at once when /proc/self/fd can
// reopen it (else when destroyed or on a fatal signal). It never has a name
// next to the user's files.
class ScratchFile final : public ByteSink {
 public:
  ScratchFile();  // OutputError when it cannot be created
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  void write(std::string_view bytes) override;
  // A path that opens it for reading while it lives.
  const std::string& read_path() const { return read_path_; }

 private:
  int fd_ = -1;
  std::string name_;  // while it has one
  std::string read_path_;
  int reg_ = -1;
};

}  // namespace consim
