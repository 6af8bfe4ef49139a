// tests/run_consim.h: run the built consim binary as a user would, for tests.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <doctest/doctest.h>

struct ConsimResult {
  int code = -1;     // exit code (-1: killed by a signal)
  std::string out;   // what the command wrote on its standard output
};

// Runs a shell command line and collects its standard output.
inline ConsimResult run_consim_cmd(const std::string& cmd) {
  ConsimResult r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `consim ARGS` through the shell (ARGS is not quoted); standard output
// and standard error together.
inline ConsimResult run_consim(const std::string& args) {
  return run_consim_cmd(std::string(CONSIM_BINARY) + " " + args + " 2>&1");
}

// Runs `cd DIR && consim ARGS` through the shell; ARGS may redirect stderr itself.
inline ConsimResult run_consim_in(const std::string& dir, const std::string& args) {
  return run_consim_cmd("cd '" + dir + "' && " + std::string(CONSIM_BINARY) + " " + args);
}
