// Durable admission (dev_controller D14): an event answered "accepted" survives kill -9. A node
// under load is killed again and again at random instants; every event it ever accepted is
// applied in the end, exactly once (balances exact), and replay matches.
// KLYN_KILL_STORM=N sets the number of kills (default 30).
#include <signal.h>

#include <random>
#include <thread>

#include "cli/cli_common.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

size_t kills_from_env() {
  const char* v = std::getenv("KLYN_KILL_STORM");
  const long n = v ? std::strtol(v, nullptr, 10) : 30;
  return n > 0 && n <= 10'000 ? static_cast<size_t>(n) : 30;
}

TEST(KillStorm, EveryAcceptedEventIsAppliedAfterRepeatedKillNine) {
  NodeProcess node("killstorm");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "storm", .label = "it-killstorm", .accounts = 12}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "storm");
  const TransferPlan plan = plan_transfers(
      sym, c.accounts, ids_of(c), {.per_sender = 400, .fee = c.genesis.manifest.fee.per_event});

  std::mt19937 rng(20261203);
  std::set<Hash32> accepted;
  const size_t kills = kills_from_env();
  size_t killed_with_pending = 0, found_pending_after_restart = 0;
  std::set<Hash32> last_accepted;  // accepted in the cycle before the kill
  for (size_t k = 0; k < kills; ++k) {
    if (!node.running()) {
      ASSERT_TRUE(node.start()) << "restart " << k;
      // Before any client resends anything: what was accepted before the kill is known.
      for (const Hash32& h : last_accepted) {
        const EventView v = get_event(node.http(), "storm", h);
        if (v.status == "pending") ++found_pending_after_restart;
        if (v.status != "applied" && v.status != "pending") {
          ADD_FAILURE() << "kill " << k << ": accepted event " << hex(h) << " is " << v.status
                        << " after the restart";
          break;
        }
      }
    }
    std::atomic<bool> stop{false};
    SubmitResult sub;
    // The whole plan every time: what was applied is refused as used, what is pending again
    // (restored from the journal) as a duplicate, the rest is taken.
    std::thread submitter([&] { sub = submit_plan(node.port(), "storm", plan, 2, &stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 250));
    const SymbioteView before = get_symbiote(node.http(), "storm");
    node.kill9();
    stop = true;
    submitter.join();
    accepted.insert(sub.accepted_hashes.begin(), sub.accepted_hashes.end());
    last_accepted = sub.accepted_hashes;
    if (before.mempool > 0) ++killed_with_pending;
    for (const auto& r : sub.refusals)
      if (r.find("nonce_used") == std::string::npos && r.find("duplicate") == std::string::npos &&
          r.find("nonce_too_high") == std::string::npos) {
        ADD_FAILURE() << "kill " << k << ": unexpected refusal " << r;
        break;
      }
  }
  std::cout << "[ info ] " << kills << " kills, " << killed_with_pending
            << " of them with events pending; " << found_pending_after_restart
            << " accepted events found pending again after a restart; " << accepted.size() << " of "
            << plan.total() << " events accepted at least once\n";
  EXPECT_GT(killed_with_pending, 0u)
      << "no kill found accepted events pending: the test proves less";

  // Every accepted event is applied after the last restart, without any resubmission.
  ASSERT_TRUE(node.start());
  const std::vector<Hash32> want(accepted.begin(), accepted.end());
  ASSERT_TRUE(wait_applied(node.http(), "storm", want, 120s));
  // Then the clients finish the plan; the state is exact.
  ASSERT_EQ(submit_plan(node.port(), "storm", plan, 2).transport_errors.size(), 0u);
  ASSERT_TRUE(wait_applied(node.http(), "storm", plan.hashes(), 120s));
  EXPECT_TRUE(
      accounts_match(node.http(), "storm", expected_after(c.genesis, c.controller, {&plan})));
  ASSERT_TRUE(node.stop().exited_with(0));
  ProcessResult replay = node.cli({"replay", "--symbiote", "storm"}, {}, 120s);
  EXPECT_TRUE(replay.exited_with(0)) << replay.describe();
  EXPECT_NE(replay.output.find("\"match\":true"), std::string::npos) << replay.describe();
}

}  // namespace
}  // namespace klyn::itest
