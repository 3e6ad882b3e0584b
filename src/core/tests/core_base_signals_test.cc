#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "core/config.h"
#include "core/data_dir.h"
#include "core/logging.h"
#include "core/signals.h"

namespace klyn::core {
namespace {

using namespace std::chrono_literals;

// Signals are sent to the process (as an operator or systemd would). raise() would target
// the calling thread, which has them blocked, so the watcher thread would never see them.
void send(int sig) {
  ASSERT_EQ(::kill(::getpid(), sig), 0);
}

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 200; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

TEST(CoreBaseSignals, SighupCallsOnReload) {
  std::atomic<int> reloads{0}, stops{0};
  SignalWatcher w({[&] { ++stops; }, [&] { ++reloads; }});
  send(SIGHUP);
  ASSERT_TRUE(eventually([&] { return reloads.load() == 1; }));
  send(SIGHUP);
  ASSERT_TRUE(eventually([&] { return reloads.load() == 2; }));
  EXPECT_EQ(w.reload_count(), 2u);
  EXPECT_EQ(stops.load(), 0);
  EXPECT_FALSE(w.stop_requested());
}

TEST(CoreBaseSignals, SigtermCallsOnStopOnceAndWakesTheMainThread) {
  std::atomic<int> stops{0};
  SignalWatcher w({[&] { ++stops; }, nullptr});
  EXPECT_FALSE(w.wait_for_stop(20ms));
  send(SIGTERM);
  w.wait_for_stop();
  EXPECT_TRUE(w.stop_requested());
  EXPECT_EQ(w.stop_signal(), SIGTERM);
  ASSERT_TRUE(eventually([&] { return stops.load() == 1; }));
  w.request_stop();  // idempotent
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(stops.load(), 1);
}

TEST(CoreBaseSignals, SigintAlsoStops) {
  SignalWatcher w;
  send(SIGINT);
  EXPECT_TRUE(w.wait_for_stop(2s));
  EXPECT_EQ(w.stop_signal(), SIGINT);
}

TEST(CoreBaseSignals, RequestStopFromAnotherThread) {
  std::atomic<int> stops{0};
  SignalWatcher w({[&] { ++stops; }, nullptr});
  std::thread t([&] { w.request_stop(); });
  w.wait_for_stop();
  t.join();
  EXPECT_EQ(w.stop_signal(), 0);
  EXPECT_TRUE(eventually([&] { return stops.load() == 1; }));
}

TEST(CoreBaseSignals, SlowReloadDoesNotDelayStop) {
  std::atomic<bool> in_reload{false};
  SignalWatcher w({nullptr, [&] {
                     in_reload = true;
                     std::this_thread::sleep_for(300ms);
                   }});
  send(SIGHUP);
  ASSERT_TRUE(eventually([&] { return in_reload.load(); }));
  auto start = std::chrono::steady_clock::now();
  send(SIGTERM);
  EXPECT_TRUE(w.wait_for_stop(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 250ms);
}

TEST(CoreBaseSignals, WatcherShutsDownCleanly) {
  for (int i = 0; i < 5; ++i) {
    SignalWatcher w;
  }
  SUCCEED();
}

// The whole SIGHUP path as the node wires it: reopen the log files, re-read the configs,
// apply the new levels.
TEST(CoreBaseSignals, SighupFlowReopensLogsAndReloadsLevels) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("klyn-core-sig-" + std::to_string(::getpid()));
  fs::remove_all(root);
  DataDir dir(root);
  ASSERT_TRUE(dir.create_layout().ok());
  std::ofstream(dir.genesis("alpha")) << "{}";
  std::ofstream(dir.node_config()) << "[log]\nlevel = \"warn\"\nconsole = false\n";
  std::ofstream(dir.symbiote_config("alpha")) << "genesis = \"GENESIS/alpha.json\"\n";

  auto node = load_node_config(dir);
  auto syms = load_symbiote_configs(dir);
  ASSERT_TRUE(node.ok() && syms.ok());
  std::mutex mu;
  LogLevels levels = log_levels_of(*node, *syms);
  std::atomic<int> reloads{0};
  std::unique_ptr<LogHub> hub;
  SignalWatcher w({nullptr, [&] {
                     std::lock_guard<std::mutex> lock(mu);
                     (void)hub->reopen();
                     ReloadResult r = reload_log_levels(dir, levels);
                     if (hub->apply(r.levels).ok()) levels = r.levels;
                     ++reloads;
                   }});
  {
    auto opened = LogHub::open(dir, node->log);  // after the watcher: threads inherit the mask
    ASSERT_TRUE(opened.ok());
    std::lock_guard<std::mutex> lock(mu);
    hub = std::move(*opened);
  }
  auto alpha = *hub->symbiote("alpha", "");
  alpha->info("hidden-at-warn");
  fs::rename(dir.symbiote_log("alpha"), root / "LOGS/alpha.log.1");
  std::ofstream(dir.symbiote_config("alpha"))
      << "genesis = \"GENESIS/alpha.json\"\nlog_level = \"debug\"\n";
  send(SIGHUP);
  ASSERT_TRUE(eventually([&] { return reloads.load() == 1; }));
  alpha->debug("shown-after-reload");
  hub->flush();
  std::ifstream in(dir.symbiote_log("alpha"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("shown-after-reload"), std::string::npos);
  EXPECT_EQ(text.find("hidden-at-warn"), std::string::npos);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(levels.symbiotes.at("alpha"), "debug");
  }
  hub.reset();
  fs::remove_all(root);
}

// The second SIGTERM exits at once with 130. Done in a child process, which the signal kills.
TEST(CoreBaseSignals, SecondSigtermExits130) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    SignalWatcher w;
    ::kill(::getpid(), SIGTERM);
    if (!w.wait_for_stop(5s)) ::_exit(2);
    // The graceful stop would run here; an impatient operator sends another signal.
    ::kill(::getpid(), SIGTERM);
    std::this_thread::sleep_for(5s);
    ::_exit(3);  // not reached if the second signal was handled
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 130);
}

TEST(CoreBaseSignals, SignalAfterRequestStopExits130) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    SignalWatcher w;
    w.request_stop();  // e.g. a fatal error started the graceful stop
    ::kill(::getpid(), SIGINT);
    std::this_thread::sleep_for(5s);
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
}

}  // namespace
}  // namespace klyn::core
