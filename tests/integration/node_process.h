#pragma once
// The integration-test harness: a real `klyn74r run` child process on 127.0.0.1 with its own
// temporary data directory, plus helpers to run other klyn74r subcommands to completion.
//
// Contract
// * Every wait is bounded in time (and every loop in iterations); nothing here sleeps a fixed
//   time where an event can be polled for.
// * NodeProcess owns a temporary directory (/tmp/klyn-it-<name>-XXXXXX). It is removed when the
//   NodeProcess is destroyed, unless the running test has failed: then it is kept and its path
//   printed, with the node's console output (node-<n>.out) and LOGS/ inside.
// * A NodeProcess still running at destruction is killed with SIGKILL.
// * Not thread-safe: use it from the test's main thread. http() is a client for that thread;
//   other threads make their own with new_client().

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/process.h"
#include "net/http_client.h"

namespace klyn::itest {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using EnvList = std::vector<std::pair<std::string, std::string>>;

// Path of the klyn74r binary under test (a compile definition of the test target).
std::string klyn74r_path();

// How a child process ended.
struct ProcessResult {
  bool exited = false;  // ended by itself (exit or signal) before the deadline
  int exit_code = -1;   // when it called exit()
  int term_signal = 0;  // when a signal ended it
  std::chrono::milliseconds elapsed{0};
  std::string output;  // stdout + stderr

  bool exited_with(int code) const { return exited && term_signal == 0 && exit_code == code; }
  std::string describe() const;  // "exit 2 after 12 ms: <output>"
};

// Runs `klyn74r args...` to completion (SIGKILL after `timeout`). The child gets the test's
// environment without KLYN_* variables, plus `env`.
ProcessResult run_klyn74r(const std::vector<std::string>& args, const EnvList& env = {},
                          std::chrono::milliseconds timeout = 60s);

// Polls `pred` every `step` until it holds or `limit` passes; returns its last value.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit,
                std::chrono::milliseconds step = 10ms);

// A parsed JSON answer of the node (status 0 = transport error, described in `error`).
struct JsonReply {
  unsigned status = 0;
  nlohmann::json body;  // discarded value when the body is not JSON
  std::string error;    // transport error
  std::string raw;

  bool is_json() const { return !body.is_discarded(); }
  std::string str(const char* key) const;  // body[key] as a string, "" if absent
};
JsonReply get_json(net::HttpClient& c, std::string_view target);
JsonReply post_body(net::HttpClient& c, std::string_view target, std::string body,
                    std::string_view content_type = "application/json");

class NodeProcess {
 public:
  explicit NodeProcess(const std::string& name);
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  const std::filesystem::path& dir() const { return data_dir_; }  // the node's data dir (--dir)
  const std::filesystem::path& temp_dir() const { return temp_dir_; }

  // --- set-up through the CLI (each adds --dir) ---
  // `klyn74r init --dir D [--devnet]`.
  ::testing::AssertionResult init(bool devnet = false);
  // A plain (unencrypted) key `name` and keys.allow_plain_keys = true; returns its address.
  std::string add_plain_key(const std::string& name);
  // `klyn74r genesis new --dir D --alias A --controller-key K extra...`.
  ::testing::AssertionResult genesis_new(const std::string& alias, const std::string& key,
                                         const std::vector<std::string>& extra = {});
  // Any subcommand; `--dir D` is appended.
  ProcessResult cli(std::vector<std::string> args, const EnvList& env = {},
                    std::chrono::milliseconds timeout = 60s) const;

  // Sets `key = value` (value is TOML text, e.g. "1000" or "\"abc\"") in [section] of the TOML
  // file at `rel` (relative to the data dir; section "" = top level), replacing an existing line
  // for that key or adding one.
  ::testing::AssertionResult set_toml(const std::string& rel, const std::string& section,
                                      const std::string& key, const std::string& value);
  std::string read_file(const std::string& rel) const;  // "" if missing
  void write_file(const std::string& rel, const std::string& text) const;

  // --- the node process ---
  // Starts `klyn74r run --dir D --port P` (a fresh free port each time; retried if the port was
  // taken meanwhile) and waits until GET /info answers 200 (bounded by `ready_timeout`).
  ::testing::AssertionResult start(const EnvList& env = {},
                                   std::chrono::milliseconds ready_timeout = 10s);
  // Starts without waiting for readiness (for runs expected to fail); see wait_exit().
  void spawn(const EnvList& env = {});
  bool running();
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  net::HttpClient& http();                              // for the test's main thread
  std::unique_ptr<net::HttpClient> new_client() const;  // for other threads
  void signal(int sig) const;
  // SIGTERM (or `sig`), then waits up to `timeout` (then SIGKILL). `elapsed` is measured from
  // the signal.
  ProcessResult stop(std::chrono::milliseconds timeout = 15s, int sig = SIGTERM);
  ProcessResult kill9();
  ProcessResult wait_exit(std::chrono::milliseconds timeout);
  ::testing::AssertionResult restart(const EnvList& env = {});
  // Console output (stdout + stderr) of the n-th start (default: the latest).
  std::string console(int n = -1) const;
  std::string log(const std::string& file) const { return read_file("LOGS/" + file); }

 private:
  std::filesystem::path temp_dir_, data_dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int starts_ = 0;
  Clock::time_point signalled_at_{};
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace klyn::itest
