#pragma once
// LogThrottle: lets a repeating log line through at most once per interval and counts the ones it
// held back, so a condition that lasts (a full disk, an unreachable peer) is reported steadily
// instead of thousands of times a second.
//
//   if (throttle.allow()) log->error("cannot store: {}{}", why, throttle.suppressed_note());
//
// Thread safety: allow() and suppressed_note() may be called from any thread; the note belongs
// to the caller whose allow() returned true (read it right after).

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace klyn {

class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}

  // True when the line should be logged now (the first time, then once per interval).
  bool allow() {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (logged_once_ && now - last_ < interval_) {
      ++held_;
      return false;
    }
    logged_once_ = true;
    last_ = now;
    note_held_ = held_;
    held_ = 0;
    return true;
  }
  // " (N similar lines suppressed)" for the lines held back before the last allowed one.
  std::string suppressed_note() const {
    std::lock_guard lock(mu_);
    if (note_held_ == 0) return "";
    return " (" + std::to_string(note_held_) + " similar suppressed)";
  }
  // Forget the condition: the next allow() logs at once (call when it cleared).
  void reset() {
    std::lock_guard lock(mu_);
    logged_once_ = false;
    held_ = 0;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  bool logged_once_ = false;
  uint64_t held_ = 0, note_held_ = 0;
};

}  // namespace klyn
