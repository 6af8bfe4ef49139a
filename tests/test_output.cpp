// Outputs that cannot destroy anything (sim/io/output.h): one regression test
// per defect of "Output destroys files" (issue 11), from its reproduction, in
// the safe form. Everything happens in a private temporary directory; device
// nodes are private ones made with mknod there (the tests that need one are
// skipped when mknod is not permitted), never /dev/* itself.
#include <doctest/doctest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "memory_cap.h"
#include "files.h"
#include "run_consim.h"
#include "temp_dir.h"
#include "sim/io/input.h"
#include "sim/io/output.h"

using namespace consim;

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// A private character device in `dir` with the numbers of the kernel's
// null (1, 3), zero (1, 5) or full (1, 7) device. False (the test skips)
// when not root or mknod is not permitted here.
bool make_device(const std::string& path, unsigned minor) {
  if (::geteuid() != 0) return false;
  return ::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor)) == 0;
}

bool is_chardev(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

// consim ARGS in `dir`, stdout and stderr together.
ConsimResult in_dir(const TempDir& d, const std::string& args) { return run_consim_in(d.path, args + " 2>&1"); }

// A shell command line in `dir`; $B is the consim binary.
ConsimResult shell_in(const TempDir& d, const std::string& cmd) {
  return run_consim_cmd(fmt::format("cd '{}' && B='{}' && {{ {}\n}}", d.path, CONSIM_BINARY, cmd));
}

const std::string kScenario = R"({"name": "small", "seed": 3, "duration_ms": 1500,
  "workload": {"rate_per_s": 100, "keys": 5, "levels": ["eventual", "strong"]}})";

const std::string kSweep = "sweep small.json --seeds 1 --w 1,2 -q";

}  // namespace

TEST_CASE("output: an output naming an input is refused, exit 2, the input unchanged (device and inode, not names)") {
  TempDir d;
  spit(d / "in.json", kScenario);
  ::symlink("in.json", (d / "alias.json").c_str());  // another name for the input
  ::link((d / "in.json").c_str(), (d / "hard.json").c_str());
  for (const char* args : {"run in.json -o in.json", "run in.json --trace in.json", "run in.json --mermaid in.json",
                           "run in.json -o ./in.json", "run in.json -o alias.json", "run in.json -o hard.json",
                           "run alias.json --trace in.json", "sweep in.json --seeds 1 -o in.json",
                           "sweep in.json --seeds 1 -o s.csv --window-output in.json",
                           "sweep in.json --seeds 1 -o s.csv --probe-output hard.json"}) {
    CAPTURE(args);
    const ConsimResult r = in_dir(d, args);
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.out.find("refusing to write over an input") != std::string::npos, r.out);
    CHECK(slurp(d / "in.json") == kScenario);
  }
  CHECK(names_in(d.path) == std::vector<std::string>{"alias.json", "hard.json", "in.json"});
}

TEST_CASE("output: two outputs of one command naming one file are refused, exit 2, nothing written") {
  TempDir d;
  spit(d / "small.json", kScenario);
  spit(d / "old.txt", "old");
  ::symlink("old.txt", (d / "old-link.txt").c_str());
  for (const char* args : {"run small.json -o r.txt --trace r.txt", "run small.json -o r.txt --mermaid ./r.txt",
                           "run small.json -o old.txt --trace old-link.txt", "run small.json --trace -",
                           "run small.json -o - --mermaid -"}) {
    CAPTURE(args);
    const ConsimResult r = in_dir(d, args);
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.out.find("the same file as") != std::string::npos, r.out);
  }
  // The sweep's partial files count as outputs.
  ConsimResult r = in_dir(d, kSweep + " -o s.csv --window-output s.csv.partial");
  CHECK(r.code == 2);
  r = in_dir(d, kSweep + " -o s.csv --window-output s.csv");
  CHECK(r.code == 2);
  r = in_dir(d, kSweep + " -o - --probe-output -");
  CHECK(r.code == 2);
  CHECK(names_in(d.path) == std::vector<std::string>{"old-link.txt", "old.txt", "small.json"});
  CHECK(slurp(d / "old.txt") == "old");
}

TEST_CASE("output: a device node is written in place, never replaced by a regular file") {
  TempDir d;
  if (!make_device(d / "null", 3)) {
    MESSAGE("skipped: mknod is not permitted here");
    return;
  }
  spit(d / "small.json", kScenario);
  for (const char* args : {"run small.json -q -o null", "run small.json -q --trace null", "run small.json -q --mermaid null",
                           "sweep small.json --seeds 1 -q -o null", "sweep small.json --seeds 1 -q -o s.csv --window-output null"}) {
    CAPTURE(args);
    const ConsimResult r = in_dir(d, args);
    CHECK_MESSAGE(r.code == 0, r.out);
    CHECK(is_chardev(d / "null"));
    CHECK(!exists(d / "null.partial"));  // a device gets no partial file
  }
  // A character device is a sink: several outputs may share it.
  const ConsimResult r = in_dir(d, "run small.json -q -o null --trace null");
  CHECK(r.code == 0);
  CHECK(is_chardev(d / "null"));
  CHECK(names_in(d.path) == std::vector<std::string>{"null", "s.csv", "small.json"});
}

TEST_CASE("output: a FIFO is written in place (the reader gets the bytes), never renamed over") {
  TempDir d;
  spit(d / "small.json", kScenario);
  REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
  const ConsimResult want = in_dir(d, "run small.json -q");
  REQUIRE(want.code == 0);
  const ConsimResult r = shell_in(d, "timeout 60 cat fifo > got & pid=$!; $B run small.json -q -o fifo 2>&1; rc=$?; wait $pid; exit $rc");
  CHECK(r.code == 0);
  struct stat st {};
  REQUIRE(::lstat((d / "fifo").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(slurp(d / "got") == want.out);
}

TEST_CASE("output: a symlink's target is what gets written; the link stays") {
  TempDir d;
  spit(d / "small.json", kScenario);
  spit(d / "target.txt", "old");
  REQUIRE(::symlink("target.txt", (d / "link.txt").c_str()) == 0);
  const ConsimResult r = in_dir(d, "run small.json -q -o link.txt");
  REQUIRE(r.code == 0);
  char buf[64] = {};
  REQUIRE(::readlink((d / "link.txt").c_str(), buf, sizeof buf - 1) > 0);
  CHECK(std::string(buf) == "target.txt");
  CHECK(slurp(d / "target.txt").rfind("consim ", 0) == 0);
  // A link to nothing is refused, as cp refuses it: nothing is created where it points.
  REQUIRE(::symlink("nowhere/x.txt", (d / "dangling.txt").c_str()) == 0);
  const ConsimResult dangling = in_dir(d, "run small.json -q -o dangling.txt");
  CHECK(dangling.code == 2);
  CHECK(dangling.out.find("which does not exist") != std::string::npos);
}

TEST_CASE("output: a read-only file (mode 444) is refused even as root, and --force replaces it keeping mode 444") {
  TempDir d;
  spit(d / "small.json", kScenario);
  spit(d / "ro.txt", "precious");
  REQUIRE(::chmod((d / "ro.txt").c_str(), 0444) == 0);
  ConsimResult r = in_dir(d, "run small.json -q -o ro.txt");
  CHECK(r.code == 2);
  CHECK(r.out.find("read-only") != std::string::npos);
  CHECK(slurp(d / "ro.txt") == "precious");
  r = in_dir(d, kSweep + " -o ro.txt");
  CHECK(r.code == 2);
  CHECK(slurp(d / "ro.txt") == "precious");
  r = in_dir(d, "run small.json -q -o ro.txt --force");
  CHECK(r.code == 0);
  CHECK(slurp(d / "ro.txt").rfind("consim ", 0) == 0);
  CHECK((mode_of(d / "ro.txt") & 07777) == 0444);
  // Other permission bits are kept as well.
  spit(d / "g.txt", "x");
  REQUIRE(::chmod((d / "g.txt").c_str(), 0640) == 0);
  REQUIRE(in_dir(d, "run small.json -q -o g.txt").code == 0);
  CHECK((mode_of(d / "g.txt") & 07777) == 0640);
}

TEST_CASE("output: the temporary name is unpredictable and never followed (ln -s victim out.txt.tmp)") {
  TempDir d;
  spit(d / "small.json", kScenario);
  spit(d / "victim", "victim");
  REQUIRE(::symlink("victim", (d / "out.txt.tmp").c_str()) == 0);
  REQUIRE(::symlink("victim", (d / ".out.txt.tmp").c_str()) == 0);
  const ConsimResult r = in_dir(d, "run small.json -q -o out.txt --trace t.jsonl");
  CHECK(r.code == 0);
  CHECK(slurp(d / "victim") == "victim");
  CHECK(slurp(d / "out.txt").rfind("consim ", 0) == 0);
  // Nothing else is left behind: no temporary file survives a commit.
  CHECK(names_in(d.path) ==
        std::vector<std::string>{".out.txt.tmp", "out.txt", "out.txt.tmp", "small.json", "t.jsonl", "victim"});
}

TEST_CASE("output: --mermaid m.md leaves a user's m.md.trace-tmp alone (the diagram's trace is a private scratch file)") {
  TempDir d;
  spit(d / "small.json", kScenario);
  spit(d / "m.md.trace-tmp", "mine");
  const ConsimResult r = shell_in(d, "TMPDIR=\"$PWD\" $B run small.json -q --mermaid m.md --mermaid-to-ms 200 2>&1");
  CHECK(r.code == 0);
  CHECK(slurp(d / "m.md.trace-tmp") == "mine");
  CHECK(slurp(d / "m.md").find("```mermaid") != std::string::npos);
  // The scratch file in $TMPDIR is gone (unlinked as soon as it was made).
  CHECK(names_in(d.path) == std::vector<std::string>{"m.md", "m.md.trace-tmp", "small.json"});
  // With --trace too, the diagram is the same and the trace is complete.
  REQUIRE(in_dir(d, "run small.json -q --mermaid m2.md --mermaid-to-ms 200 --trace t.jsonl -o r.txt").code == 0);
  CHECK(slurp(d / "m2.md") == slurp(d / "m.md"));
  CHECK(slurp(d / "t.jsonl").size() > 1000);
}

TEST_CASE("output: consim run > a full device exits 1 (standard output write errors count)") {
  TempDir d;
  if (!make_device(d / "full", 7)) {
    MESSAGE("skipped: mknod is not permitted here");
    return;
  }
  spit(d / "small.json", kScenario);
  ConsimResult r = shell_in(d, "$B run small.json -q > full 2> err.txt");
  CHECK(r.code == 1);
  CHECK(slurp(d / "err.txt").find("standard output: write failed") != std::string::npos);
  for (const char* args : {"run small.json -q -o full", "run small.json -q --trace full -o r.txt",
                           "run small.json -q --mermaid full -o r.txt"}) {
    CAPTURE(args);
    r = in_dir(d, args);
    CHECK(r.code == 1);
    CHECK_MESSAGE(r.out.find("full: write failed: No space left on device") != std::string::npos, r.out);
  }
  // A one-line result printed with stdio is checked too.
  r = shell_in(d, "$B run small.json --check-determinism > full 2> err.txt");
  CHECK(r.code == 1);
  CHECK(slurp(d / "err.txt").find("standard output: write failed") != std::string::npos);
  // Nothing was committed next to it: all or none.
  CHECK(!exists(d / "r.txt"));
}

TEST_CASE("output: a sweep's outputs are committed all or none; a bad second output stops it before anything runs") {
  TempDir d;
  spit(d / "small.json", kScenario);
  REQUIRE(::mkdir((d / "adir").c_str(), 0755) == 0);
  ConsimResult r = in_dir(d, kSweep + " -o s.csv --window-output adir");
  CHECK(r.code == 2);
  CHECK(r.out.find("is a directory") != std::string::npos);
  r = in_dir(d, kSweep + " -o s.csv --probe-output nodir/p.csv");
  CHECK(r.code == 2);
  CHECK(names_in(d.path) == std::vector<std::string>{"adir", "small.json"});  // no s.csv, no .partial
  if (!make_device(d / "full", 7)) {
    MESSAGE("skipped the full-device half: mknod is not permitted here");
    return;
  }
  // The commit fails on the device: the file output is not replaced, and
  // the finished points stay in its partial file for --resume.
  spit(d / "s.csv", "old");
  r = in_dir(d, kSweep + " -o s.csv --window-output full");
  CHECK(r.code == 1);
  CHECK(r.out.find("no output was replaced") != std::string::npos);
  CHECK(slurp(d / "s.csv") == "old");
  CHECK(exists(d / "s.csv.partial"));
  r = in_dir(d, kSweep + " -o s.csv --window-output w.csv --resume");
  CHECK(r.code == 0);
  CHECK(!exists(d / "s.csv.partial"));
  CHECK(!exists(d / "w.csv.partial"));
  CHECK(names_in(d.path) == std::vector<std::string>{"adir", "full", "s.csv", "small.json", "w.csv"});
}

TEST_CASE("output: empty paths are bad input (exit 2), never silently nothing") {
  TempDir d;
  spit(d / "small.json", kScenario);
  for (const char* args : {"run small.json -q -o ''", "run small.json -q --trace ''", "run small.json -q --mermaid ''",
                           "run ''", "sweep small.json --seeds 1 -o ''", "sweep small.json --seeds 1 -o s.csv --window-output ''",
                           "sweep '' -o s.csv", "merge s.csv -o ''", "validate ''"}) {
    CAPTURE(args);
    const ConsimResult r = in_dir(d, args);
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.out.find("empty") != std::string::npos, r.out);
  }
  CHECK(names_in(d.path) == std::vector<std::string>{"small.json"});
}

TEST_CASE("output: a directory as an output is bad input, found before anything runs") {
  TempDir d;
  spit(d / "small.json", kScenario);
  REQUIRE(::mkdir((d / "adir").c_str(), 0755) == 0);
  for (const char* args : {"run small.json -o adir --trace t.jsonl", "run small.json --trace adir", "run small.json -o r/",
                           "merge small.json -o adir"}) {
    CAPTURE(args);
    const ConsimResult r = in_dir(d, args);
    CHECK(r.code == 2);
  }
  CHECK(names_in(d.path) == std::vector<std::string>{"adir", "small.json"});
  CHECK(names_in(d / "adir").empty());
}

TEST_CASE("output: merge -o naming one of its shards is refused") {
  TempDir d;
  spit(d / "small.json", kScenario);
  REQUIRE(in_dir(d, kSweep + " --shard 1/2 -o s1.csv").code == 0);
  REQUIRE(in_dir(d, kSweep + " --shard 2/2 -o s2.csv").code == 0);
  const std::string s1 = slurp(d / "s1.csv");
  const ConsimResult r = in_dir(d, "merge s1.csv s2.csv -o s1.csv");
  CHECK(r.code == 2);
  CHECK(r.out.find("refusing to write over an input") != std::string::npos);
  CHECK(slurp(d / "s1.csv") == s1);
  CHECK(in_dir(d, "merge s1.csv s2.csv -o all.csv").code == 0);
}

TEST_CASE("output: an interrupted run leaves no temporary file (SIGTERM)") {
  TempDir d;
  spit(d / "long.json", R"({"duration_ms": 10000000, "workload": {"rate_per_s": 1000, "keys": 5}})");  // ~1e7 operations: far longer than 1 s
  const ConsimResult r = shell_in(d, "timeout -s TERM 1 $B run long.json -q -o r.txt --trace t.jsonl 2>&1");
  CHECK(r.code == 124);  // timeout: killed by the signal
  CHECK(names_in(d.path) == std::vector<std::string>{"long.json"});
}

TEST_CASE("OutputPlan: commit writes files atomically with their modes; an abandoned plan leaves nothing") {
  TempDir d;
  {
    OutputPlan plan;
    Output& a = plan.output(d / "a.txt", "a");
    Output& b = plan.output(d / "b.txt", "b", Writes::streamed);
    a.write("alpha");
    b.write("be");
    b.write("ta");
    CHECK(!exists(d / "a.txt"));  // nothing visible before commit
    plan.commit();
  }
  CHECK(slurp(d / "a.txt") == "alpha");
  CHECK(slurp(d / "b.txt") == "beta");
  {
    OutputPlan plan;
    plan.output(d / "a.txt", "a").write("changed");
    plan.output(d / "c.txt", "c").write("new");
  }  // not committed
  CHECK(slurp(d / "a.txt") == "alpha");
  CHECK(names_in(d.path) == std::vector<std::string>{"a.txt", "b.txt"});
  // Planning errors are InputError; nothing is created.
  OutputPlan plan;
  plan.input(d / "a.txt", "the input");
  CHECK_THROWS_AS(plan.output(d / "a.txt", "x"), InputError);
  CHECK_THROWS_AS(plan.output("", "x"), InputError);
  CHECK_THROWS_AS(plan.output(d.path, "x"), InputError);
  CHECK_THROWS_AS(plan.output(d / "missing/x.txt", "x"), InputError);
  Output& ok = plan.output(d / "d.txt", "d");
  CHECK_THROWS_AS(plan.output(d / "./d.txt", "again"), InputError);
  ok.write("d");
  plan.commit();
  CHECK(names_in(d.path) == std::vector<std::string>{"a.txt", "b.txt", "d.txt"});
}

TEST_CASE("OutputPlan: a failing output stops the commit before any file is replaced") {
  TempDir d;
  if (!make_device(d / "full", 7)) {
    MESSAGE("skipped: mknod is not permitted here");
    return;
  }
  spit(d / "a.txt", "old");
  OutputPlan plan;
  plan.output(d / "a.txt", "a").write("new");
  plan.output(d / "full", "the full device").write("bytes");
  CHECK_THROWS_WITH_AS(plan.commit(), doctest::Contains("write failed"), OutputError);
  CHECK(slurp(d / "a.txt") == "old");
  CHECK(names_in(d.path) == std::vector<std::string>{"a.txt", "full"});
}

TEST_CASE("OutputPlan: a journal is visible once published, appended to, removed by commit, kept otherwise") {
  TempDir d;
  {
    OutputPlan plan;
    Output& out = plan.output(d / "o.csv", "out");
    Output& j = plan.journal(d / "o.csv.partial", "journal");
    j.write("head\n");
    j.publish();
    CHECK(slurp(d / "o.csv.partial") == "head\n");
    j.write("row\n");
    CHECK(slurp(d / "o.csv.partial") == "head\nrow\n");
    out.write("final");
  }  // killed before commit: the journal stays, the output does not appear
  CHECK(names_in(d.path) == std::vector<std::string>{"o.csv.partial"});
  OutputPlan plan;
  Output& out = plan.output(d / "o.csv", "out");
  Output& j = plan.journal(d / "o.csv.partial", "journal");
  CHECK(j.existed());
  j.write("again\n");
  j.publish();
  out.write("final");
  plan.commit();
  CHECK(names_in(d.path) == std::vector<std::string>{"o.csv"});
  CHECK(slurp(d / "o.csv") == "final");
}

TEST_CASE("ScratchFile: private, readable back through its path, no name left in $TMPDIR") {
  TempDir d;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", d.path.c_str(), 1);
  {
    ScratchFile f;
    f.write("line 1\n");
    f.write("line 2\n");
    CHECK(slurp(f.read_path()) == "line 1\nline 2\n");
    if (f.read_path().rfind("/proc/self/fd/", 0) == 0) CHECK(names_in(d.path).empty());
  }
  CHECK(names_in(d.path).empty());
  if (old)
    ::setenv("TMPDIR", saved.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
}

TEST_CASE("merge and --resume read shards and partial files with a size limit: a device or a huge file is refused at once") {
  TempDir d;
  spit(d / "small.json", kScenario);
  REQUIRE(in_dir(d, kSweep + " --shard 1/2 -o s1.csv").code == 0);
  // A sparse file past the limit (no disk space used).
  spit(d / "huge.csv", "");
  REQUIRE(::truncate((d / "huge.csv").c_str(), static_cast<off_t>(kMaxTableBytes) + 1) == 0);
  ConsimResult r = shell_in(d, "(" + memory_cap() + "exec $B merge s1.csv huge.csv -o all.csv) 2>&1");
  CHECK(r.code == 2);
  CHECK_MESSAGE(r.out.find("huge.csv: a sweep shard file of 1073741825 bytes is larger than the limit") != std::string::npos,
                r.out);
  spit(d / "s.csv.partial", "");
  REQUIRE(::truncate((d / "s.csv.partial").c_str(), static_cast<off_t>(kMaxTableBytes) + 1) == 0);
  r = shell_in(d, "(" + memory_cap() + "exec $B " + kSweep + " -o s.csv --resume) 2>&1");
  CHECK(r.code == 2);
  CHECK_MESSAGE(r.out.find("s.csv.partial: a partial file of 1073741825 bytes is larger than the limit") != std::string::npos,
                r.out);
  CHECK(!exists(d / "s.csv"));
  CHECK(!exists(d / "all.csv"));
  if (!make_device(d / "zero", 5)) {
    MESSAGE("skipped the device half: mknod is not permitted here");
    return;
  }
  // `merge s1.csv /dev/zero` once grew to 24 GB; a private zero device stands in for it.
  r = shell_in(d, "(" + memory_cap() + "exec timeout 20 $B merge s1.csv zero -o all.csv) 2>&1");
  CHECK(r.code == 2);
  CHECK_MESSAGE(r.out.find("zero: cannot read a sweep shard file: not a regular file or a pipe") != std::string::npos, r.out);
  CHECK(!exists(d / "all.csv"));
}
