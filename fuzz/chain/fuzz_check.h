#pragma once
// FUZZ_CHECK: an oracle failure in a fuzz target. Prints the failed condition and aborts, so
// libFuzzer records the input as a crash.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "common/bytes.h"

#define FUZZ_CHECK(cond)                                                             \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: oracle failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

namespace klyn::fuzz {

inline bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace klyn::fuzz
