// tests/memory_cap.h: cap a child process's memory with `ulimit -v`, as the
// project's rules ask for memory-hungry cases.
//
// AddressSanitizer reserves terabytes of virtual address space for its
// shadow memory and cannot start under `ulimit -v`; in a sanitizer build the
// cap is left out (the sanitizer watches memory itself).
#pragma once

#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define CONSIM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONSIM_TEST_ASAN 1
#endif
#endif

// "ulimit -v KIB; " for a shell command line, or "" under AddressSanitizer.
inline std::string memory_cap(long kib = 1000000) {
#ifdef CONSIM_TEST_ASAN
  (void)kib;
  return "";
#else
  return "ulimit -v " + std::to_string(kib) + "; ";
#endif
}
