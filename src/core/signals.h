#pragma once
// Signal handling (ARCHITECTURE §4.8).
//
// SignalWatcher blocks SIGTERM, SIGINT and SIGHUP in the calling thread and waits for them with
// sigwait on a dedicated thread. Threads inherit the signal mask of the thread that creates
// them, so construct the watcher in main() BEFORE any other thread exists (spdlog flusher,
// server pools, storage): otherwise a signal may be delivered to a thread that has it
// unblocked and the default action kills the process.
//
//   * first SIGTERM/SIGINT (or request_stop()): a graceful stop is requested; wait_for_stop()
//     returns and on_stop runs once;
//   * a further SIGTERM/SIGINT after a stop was requested: _exit(130) at once (storage stays
//     consistent by design, §4.3);
//   * SIGHUP: on_reload runs (several SIGHUPs during one reload are coalesced into one more).
//
// Callbacks run on a callback thread of the watcher, never on the signal thread, so a slow
// reload cannot delay the second-signal exit. They must not destroy the watcher.
//
// Signals must come from outside the thread (kill(getpid(), sig), the shell, systemd):
// raise() targets the calling thread, which has them blocked, so the watcher never sees it.
//
// At most one watcher may exist at a time (a second one aborts: two sigwait loops would race).
// Destruction stops both threads; the signals stay blocked (the process is about to exit).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace klyn::core {

class SignalWatcher {
 public:
  struct Callbacks {
    std::function<void()> on_stop;    // once, on the first stop request
    std::function<void()> on_reload;  // per SIGHUP
  };

  // Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every thread it creates
  // afterwards). Called by the constructor; public for code that creates threads earlier.
  static void block_signals();

  explicit SignalWatcher(Callbacks callbacks = {});
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Requests a graceful stop as a first SIGTERM would (for fatal errors and tests). Idempotent.
  void request_stop();
  bool stop_requested() const;
  // Blocks until a stop was requested.
  void wait_for_stop();
  // Returns false on timeout.
  bool wait_for_stop(std::chrono::milliseconds timeout);
  // The signal that requested the stop (SIGTERM/SIGINT), or 0 for request_stop().
  int stop_signal() const;
  // How many SIGHUPs were received.
  unsigned reload_count() const;

 private:
  void signal_loop();
  void callback_loop();
  void on_stop_signal(int sig);

  Callbacks callbacks_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;      // wait_for_stop
  std::condition_variable callback_cv_;  // callback thread
  bool stop_requested_ = false;
  int stop_signal_ = 0;
  bool stop_callback_pending_ = false;
  bool reload_pending_ = false;
  unsigned reloads_ = 0;
  bool shutting_down_ = false;
  std::atomic<bool> signal_thread_exit_{false};
  std::thread callback_thread_;
  std::thread signal_thread_;
};

}  // namespace klyn::core
