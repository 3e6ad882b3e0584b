// SIGHUP: log files moved away are reopened at their original paths (logrotate without
// copytruncate).
#include <signal.h>

#include "test_chain.h"

namespace klyn::itest {
namespace {

namespace fs = std::filesystem;

uintmax_t size_of(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

TEST(Signals, SighupAfterMovingLogsWritesNewFiles) {
  NodeProcess node("sighup");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "load", .label = "it-sighup", .accounts = 2}, c));
  // Debug level: every request (core.log) and every block ordered (load.log) makes a line.
  ASSERT_TRUE(node.set_toml("CONFIGS/node.toml", "log", "level", "\"debug\""));
  ASSERT_TRUE(node.start());
  const fs::path logs = node.dir() / "LOGS";
  ASSERT_TRUE(
      wait_until([&] { return node.log("core.log").find("serving on") != std::string::npos; }, 5s));

  fs::rename(logs / "core.log", logs / "core.log.1");
  fs::rename(logs / "load.log", logs / "load.log.1");
  node.signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] { return node.log("core.log").find("log files reopened") != std::string::npos; }, 5s))
      << "no new core.log after SIGHUP; console:\n"
      << node.console();
  EXPECT_TRUE(fs::exists(logs / "load.log"));
  EXPECT_TRUE(node.running());
  const uintmax_t core_moved = size_of(logs / "core.log.1");
  const uintmax_t load_moved = size_of(logs / "load.log.1");
  EXPECT_NE(node.log("core.log.1").find("serving on"), std::string::npos);

  // Activity after the reopen: requests and a block.
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const TransferPlan plan =
      plan_transfers(sym, c.accounts, {c.controller}, {.per_sender = 1, .fee = 7});
  ASSERT_EQ(submit_plan(node.port(), "load", plan, 1).accepted, plan.total());
  ASSERT_TRUE(wait_applied(node.http(), "load", plan.hashes(), 10s));
  // Info lines are flushed at least once a second: wait for them in the new files.
  EXPECT_TRUE(wait_until(
      [&] { return node.log("core.log").find("/s/load/event/") != std::string::npos; }, 5s))
      << node.log("core.log");
  EXPECT_TRUE(
      wait_until([&] { return node.log("load.log").find("ordered") != std::string::npos; }, 5s))
      << node.log("load.log");

  // The moved files did not grow.
  EXPECT_EQ(size_of(logs / "core.log.1"), core_moved);
  EXPECT_EQ(size_of(logs / "load.log.1"), load_moved);
  const ProcessResult stopped = node.stop();
  EXPECT_TRUE(stopped.exited_with(0)) << stopped.describe();
  EXPECT_EQ(size_of(logs / "core.log.1"), core_moved);
  EXPECT_NE(node.log("core.log").find("stopped cleanly"), std::string::npos);
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// SIGHUP reloads log levels from node.toml; a file broken meanwhile is reported and its old
// values are kept, and the node keeps serving. Absence of a line is checked against a later line
// that is known to be written (the logger writes in order).
TEST(Signals, SighupReloadsLogLevelAndSurvivesABrokenConfig) {
  NodeProcess node("reload");
  ASSERT_TRUE(node.init(true));
  ASSERT_TRUE(node.start());  // log.level = "info": no access lines
  auto& c = node.http();
  ASSERT_EQ(get_json(c, "/info?probe=A").status, 200u);

  ASSERT_TRUE(node.set_toml("CONFIGS/node.toml", "log", "level", "\"debug\""));
  node.signal(SIGHUP);
  ASSERT_TRUE(
      wait_until([&] { return count(node.log("core.log"), "log files reopened") == 1; }, 5s));
  EXPECT_EQ(node.log("core.log").find("probe=A"), std::string::npos);
  ASSERT_EQ(get_json(c, "/info?probe=B").status, 200u);
  EXPECT_TRUE(
      wait_until([&] { return node.log("core.log").find("probe=B") != std::string::npos; }, 5s))
      << "debug access line missing after reloading log.level = \"debug\"";

  // A broken value: reported, the old level (debug) stays, the node keeps serving.
  ASSERT_TRUE(node.set_toml("CONFIGS/node.toml", "log", "level", "\"loud\""));
  node.signal(SIGHUP);
  ASSERT_TRUE(
      wait_until([&] { return count(node.log("core.log"), "log files reopened") == 2; }, 5s));
  const std::string log = node.log("core.log");
  EXPECT_NE(log.find("reload"), std::string::npos);
  EXPECT_NE(log.find("log.level"), std::string::npos) << log;
  EXPECT_TRUE(node.running());
  ASSERT_EQ(get_json(c, "/info?probe=C").status, 200u);
  EXPECT_TRUE(
      wait_until([&] { return node.log("core.log").find("probe=C") != std::string::npos; }, 5s));
  const ProcessResult stopped = node.stop();
  EXPECT_TRUE(stopped.exited_with(0)) << stopped.describe();
}

}  // namespace
}  // namespace klyn::itest
