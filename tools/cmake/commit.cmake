# Run at build time (cmake -P): writes OUT, a C++ file defining
# consim::build_commit(), from `git` in SRC, and rewrites it only when the
# commit changed, so an unchanged tree recompiles nothing. Outside a git
# checkout (a source tarball), or without git, the commit is "unknown".
#   cmake -DSRC=<source dir> -DOUT=<file> -P tools/cmake/commit.cmake
set(commit "unknown")
find_program(GIT git)
if(GIT AND EXISTS "${SRC}/.git")
  execute_process(COMMAND "${GIT}" -C "${SRC}" rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND head MATCHES "^[0-9a-f]+$")
    set(commit "${head}")
    execute_process(COMMAND "${GIT}" -C "${SRC}" status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes RESULT_VARIABLE rc ERROR_QUIET)
    if(rc EQUAL 0 AND NOT changes STREQUAL "")
      set(commit "${commit}-dirty")
    endif()
  endif()
endif()
set(text "// Generated at build time by tools/cmake/commit.cmake: do not edit.\n#include \"sim/version.h\"\nstd::string_view consim::build_commit() { return \"${commit}\"; }\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
