// tests/files.h: reading and writing whole files in tests (binary, no
// newline translation). A missing file reads as "".
#pragma once

#include <fstream>
#include <sstream>
#include <string>

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}
