#include "core/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace klyn::core {

namespace {

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// Two watchers would race for the same signals; that is a wiring bug, caught at once.
std::atomic<bool> g_watcher_alive{false};

}  // namespace

void SignalWatcher::block_signals() {
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(Callbacks callbacks) : callbacks_(std::move(callbacks)) {
  if (g_watcher_alive.exchange(true)) {
    std::fputs("klyn: a second SignalWatcher was created; only one may exist per process\n",
               stderr);
    std::abort();
  }
  block_signals();
  callback_thread_ = std::thread([this] { callback_loop(); });
  signal_thread_ = std::thread([this] { signal_loop(); });
}

SignalWatcher::~SignalWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
  }
  callback_cv_.notify_all();
  // Wake sigwait with a signal directed at the signal thread only; the flag tells the loop it
  // was us. (A real signal racing with destruction is dropped: the process is exiting.)
  signal_thread_exit_ = true;
  pthread_kill(signal_thread_.native_handle(), SIGHUP);
  signal_thread_.join();
  callback_thread_.join();
  g_watcher_alive = false;
}

void SignalWatcher::signal_loop() {
  sigset_t set = watched_signals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (signal_thread_exit_) return;
    if (sig == SIGHUP) {
      std::lock_guard<std::mutex> lock(mu_);
      ++reloads_;
      reload_pending_ = true;
      callback_cv_.notify_all();
    } else {
      on_stop_signal(sig);
    }
  }
}

void SignalWatcher::on_stop_signal(int sig) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_requested_) {
    // Second stop signal: the operator does not want to wait for the graceful stop.
    static const char msg[] = "klyn74r: second stop signal, exiting immediately\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(130);
  }
  stop_requested_ = true;
  stop_signal_ = sig;
  stop_callback_pending_ = true;
  stop_cv_.notify_all();
  callback_cv_.notify_all();
}

void SignalWatcher::request_stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_requested_) return;
  stop_requested_ = true;
  stop_callback_pending_ = true;
  stop_cv_.notify_all();
  callback_cv_.notify_all();
}

bool SignalWatcher::stop_requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_requested_;
}

void SignalWatcher::wait_for_stop() {
  std::unique_lock<std::mutex> lock(mu_);
  stop_cv_.wait(lock, [this] { return stop_requested_; });
}

bool SignalWatcher::wait_for_stop(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return stop_cv_.wait_for(lock, timeout, [this] { return stop_requested_; });
}

int SignalWatcher::stop_signal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_signal_;
}

unsigned SignalWatcher::reload_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reloads_;
}

void SignalWatcher::callback_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    callback_cv_.wait(
        lock, [this] { return shutting_down_ || stop_callback_pending_ || reload_pending_; });
    if (shutting_down_) return;
    if (stop_callback_pending_) {
      stop_callback_pending_ = false;
      lock.unlock();
      if (callbacks_.on_stop) callbacks_.on_stop();
      lock.lock();
    } else if (reload_pending_) {
      reload_pending_ = false;
      lock.unlock();
      if (callbacks_.on_reload) callbacks_.on_reload();
      lock.lock();
    }
  }
}

}  // namespace klyn::core
