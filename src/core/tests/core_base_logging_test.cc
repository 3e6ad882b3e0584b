#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/logging.h"

namespace klyn::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("klyn-core-log-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::unique_ptr<LogHub> open_hub(const fs::path& logs, const std::string& level = "info") {
  LogHub::Options o;
  o.logs_dir = logs;
  o.level = level;
  o.console = false;
  auto hub = LogHub::open(o);
  EXPECT_TRUE(hub.ok()) << hub.error().to_string();
  return std::move(*hub);
}

TEST(CoreBaseLogging, LinesLandInPerSymbioteFiles) {
  TempDir t;
  auto hub = open_hub(t.path / "LOGS");
  auto alpha = hub->symbiote("alpha");
  auto beta = hub->symbiote("beta");
  ASSERT_TRUE(alpha.ok() && beta.ok());
  hub->core()->info("core started");
  (*alpha)->info("alpha block {}", 1);
  (*beta)->warn("beta fork alarm");
  hub->flush();
  std::string core = slurp(t.path / "LOGS/core.log");
  std::string a = slurp(t.path / "LOGS/alpha.log");
  std::string b = slurp(t.path / "LOGS/beta.log");
  EXPECT_THAT(core, HasSubstr("core started"));
  EXPECT_THAT(core, Not(HasSubstr("alpha block")));
  EXPECT_THAT(a, HasSubstr("info"));
  EXPECT_THAT(a, HasSubstr("alpha block 1"));
  EXPECT_THAT(a, Not(HasSubstr("beta")));
  EXPECT_THAT(b, HasSubstr("beta fork alarm"));
  EXPECT_EQ(hub->find("alpha"), *alpha);
  EXPECT_EQ(hub->find("nobody"), nullptr);
  EXPECT_FALSE(hub->symbiote("Bad/Alias").ok());
}

TEST(CoreBaseLogging, WarningsAreFlushedAtOnce) {
  TempDir t;
  auto hub = open_hub(t.path);
  hub->core()->warn("urgent");
  EXPECT_THAT(slurp(t.path / "core.log"), HasSubstr("urgent"));  // no explicit flush
}

TEST(CoreBaseLogging, InfoIsFlushedWithinASecond) {
  TempDir t;
  LogHub::Options o;
  o.logs_dir = t.path;
  o.console = false;
  o.flush_interval = std::chrono::milliseconds(50);
  auto hub = LogHub::open(o);
  ASSERT_TRUE(hub.ok());
  (*hub)->core()->info("routine");
  for (int i = 0; i < 100 && slurp(t.path / "core.log").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_THAT(slurp(t.path / "core.log"), HasSubstr("routine"));
}

TEST(CoreBaseLogging, LevelsCoreAndPerSymbiote) {
  TempDir t;
  auto hub = open_hub(t.path, "warn");
  auto alpha = *hub->symbiote("alpha");
  auto beta = *hub->symbiote("beta", "debug");
  hub->core()->info("core-info-hidden");
  alpha->info("alpha-info-hidden");
  beta->debug("beta-debug-shown");
  ASSERT_TRUE(hub->set_level("info").ok());  // alpha follows core, beta keeps its own
  hub->core()->info("core-info-shown");
  alpha->info("alpha-info-shown");
  beta->trace("beta-trace-hidden");
  ASSERT_TRUE(hub->set_symbiote_level("beta", "").ok());  // back to following core
  beta->debug("beta-debug-hidden");
  EXPECT_FALSE(hub->set_level("loud").ok());
  EXPECT_FALSE(hub->set_symbiote_level("nobody", "info").ok());

  LogLevels levels;
  levels.core = "error";
  levels.symbiotes = {{"alpha", "trace"}, {"unknown", "info"}};
  ASSERT_TRUE(hub->apply(levels).ok());
  alpha->trace("alpha-trace-shown");
  hub->core()->warn("core-warn-hidden");
  levels.core = "bogus";
  EXPECT_FALSE(hub->apply(levels).ok());
  EXPECT_EQ(alpha->level(), spdlog::level::trace);  // unchanged by the rejected apply

  hub->flush();
  std::string all =
      slurp(t.path / "core.log") + slurp(t.path / "alpha.log") + slurp(t.path / "beta.log");
  for (auto shown :
       {"beta-debug-shown", "core-info-shown", "alpha-info-shown", "alpha-trace-shown"})
    EXPECT_THAT(all, HasSubstr(shown));
  for (auto hidden : {"core-info-hidden", "alpha-info-hidden", "beta-trace-hidden",
                      "beta-debug-hidden", "core-warn-hidden"})
    EXPECT_THAT(all, Not(HasSubstr(hidden)));
}

TEST(CoreBaseLogging, ReopenAfterRenameWritesToANewFileAtTheOldPath) {
  TempDir t;
  auto hub = open_hub(t.path);
  auto alpha = *hub->symbiote("alpha");
  hub->core()->info("before rotation");
  alpha->info("alpha before");
  hub->flush();
  fs::rename(t.path / "core.log", t.path / "core.log.1");
  fs::rename(t.path / "alpha.log", t.path / "alpha.log.1");

  // Until reopen, lines still go to the moved file (same inode).
  hub->core()->info("between");
  hub->flush();
  EXPECT_FALSE(fs::exists(t.path / "core.log"));

  ASSERT_TRUE(hub->reopen().ok());
  EXPECT_TRUE(fs::exists(t.path / "core.log"));
  auto old_size = fs::file_size(t.path / "core.log.1");
  hub->core()->info("after rotation");
  alpha->info("alpha after");
  hub->flush();

  std::string old_core = slurp(t.path / "core.log.1");
  std::string new_core = slurp(t.path / "core.log");
  EXPECT_THAT(old_core, HasSubstr("before rotation"));
  EXPECT_THAT(old_core, HasSubstr("between"));
  EXPECT_THAT(old_core, Not(HasSubstr("after rotation")));
  EXPECT_EQ(fs::file_size(t.path / "core.log.1"), old_size);  // the old file no longer grows
  EXPECT_THAT(new_core, HasSubstr("after rotation"));
  EXPECT_THAT(new_core, Not(HasSubstr("before rotation")));
  EXPECT_THAT(slurp(t.path / "alpha.log"), HasSubstr("alpha after"));
  EXPECT_THAT(slurp(t.path / "alpha.log.1"), Not(HasSubstr("alpha after")));
}

TEST(CoreBaseLogging, ReopenFailureKeepsTheOldFile) {
  TempDir t;
  auto sink = std::make_shared<ReopenableFileSink>(t.path / "x" / "a.log");
  ASSERT_EQ(sink->open_error(), "");
  spdlog::logger log("x", sink);
  log.info("one");
  // Make the directory unusable: replace it by a file, so the path cannot be opened.
  fs::rename(t.path / "x", t.path / "moved");
  std::ofstream(t.path / "x") << "not a dir";
  Status st = sink->reopen();
  EXPECT_FALSE(st.ok());
  log.info("two");
  log.flush();
  EXPECT_THAT(slurp(t.path / "moved" / "a.log"), HasSubstr("two"));
}

TEST(CoreBaseLogging, BadLevelRejectedAtOpen) {
  TempDir t;
  LogHub::Options o;
  o.logs_dir = t.path;
  o.level = "chatty";
  o.console = false;
  auto hub = LogHub::open(o);
  ASSERT_FALSE(hub.ok());
  EXPECT_EQ(hub.error().code, "config");
}

}  // namespace
}  // namespace klyn::core
