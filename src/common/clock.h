#pragma once
// Wall-clock time as the chain records it (block timestamps, alarm and evidence records):
// milliseconds since the Unix epoch. Not for measuring durations (use steady_clock).

#include <chrono>
#include <cstdint>

namespace klyn {

inline uint64_t unix_time_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace klyn
