// Stopping a node under load: kill -9 (state is the replay of stored blocks, applied events stay
// applied) and SIGTERM (exit 0 within 10 s).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "cli/cli_common.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

// `klyn74r replay` on the stopped node: the stored state root must equal a fresh replay.
::testing::AssertionResult replay_matches(NodeProcess& node, const std::string& alias,
                                          uint64_t* height = nullptr) {
  ProcessResult r = node.cli({"replay", "--symbiote", alias}, {}, 120s);
  const auto brace = r.output.rfind("{\"");
  auto j = nlohmann::json::parse(brace == std::string::npos ? "" : r.output.substr(brace), nullptr,
                                 false);
  if (!r.exited_with(0) || !j.is_object() || j.value("match", false) != true)
    return ::testing::AssertionFailure() << "replay: " << r.describe();
  if (height) *height = j.value("height", uint64_t{0});
  return ::testing::AssertionSuccess();
}

// Records planned events the node reports as applied. A sender's events apply in nonce order,
// so each pass binary-searches every sender's applied prefix (a few requests per sender, which
// keeps up with a fast node) and records each event it saw reported applied, including the
// newest applied event of every sender.
class AppliedTracker {
 public:
  explicit AppliedTracker(const TransferPlan& plan)
      : plan_(plan), known_(plan.per_sender.size(), 0) {}

  void poll(net::HttpClient& c, const std::string& sym) {
    for (size_t s = 0; s < plan_.per_sender.size(); ++s) {
      const auto& evs = plan_.per_sender[s];
      size_t lo = known_[s], hi = evs.size();  // [0, lo) seen applied; [hi, end) not applied
      while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const Hash32 h = evs[mid].hash();
        EventView v = get_event(c, sym, h);
        if (v.status == "applied") {
          applied_.emplace_back(h, v.height);
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      known_[s] = lo;
    }
  }
  // Events known applied (the prefix of every sender).
  size_t applied_prefix() const {
    size_t n = 0;
    for (size_t k : known_) n += k;
    return n;
  }
  const std::vector<std::pair<Hash32, uint64_t>>& reported() const { return applied_; }

 private:
  const TransferPlan& plan_;
  std::vector<size_t> known_;
  std::vector<std::pair<Hash32, uint64_t>> applied_;  // hash, height as reported
};

TEST(Crash, KillNineUnderLoadThenReplayMatchesAndAppliedStaysApplied) {
  NodeProcess node("kill9");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "load", .label = "it-kill9"}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const TransferPlan plan = plan_transfers(
      sym, c.accounts, ids_of(c), {.per_sender = 1000, .fee = c.genesis.manifest.fee.per_event});

  std::atomic<bool> stop_submitting{false}, submitting_done{false};
  SubmitResult sub;
  std::thread submitter([&] {
    sub = submit_plan(node.port(), "load", plan, 2, &stop_submitting);
    submitting_done = true;
  });

  // Kill once a good part of the load is applied while events are still arriving.
  AppliedTracker tracker(plan);
  const size_t target = plan.total() / 4;
  const bool enough = wait_until(
      [&] {
        tracker.poll(node.http(), "load");
        return tracker.applied_prefix() >= target;
      },
      60s, 1ms);
  const SymbioteView last = get_symbiote(node.http(), "load");
  const bool load_running = !submitting_done.load();
  const ProcessResult killed = node.kill9();
  stop_submitting = true;
  submitter.join();
  EXPECT_TRUE(enough) << "only " << tracker.applied_prefix() << " events applied in 60 s";
  EXPECT_EQ(killed.term_signal, SIGKILL) << killed.describe();
  EXPECT_TRUE(load_running) << "the load had finished before the kill; the test proves less";
  ASSERT_FALSE(tracker.reported().empty());
  std::cout << "[ info ] killed at height " << last.height << " (stored " << last.stored_height
            << ", mempool " << last.mempool << ", " << last.applied << " events applied) with "
            << tracker.reported().size() << " events seen reported applied; " << sub.accepted
            << " of " << plan.total() << " accepted\n";

  // (b) After a restart, every event reported applied before the kill is still applied, at the
  // same height.
  ASSERT_TRUE(node.start());
  size_t moved = 0;
  for (const auto& [h, height] : tracker.reported()) {
    EventView v = get_event(node.http(), "load", h);
    if (v.status != "applied" || v.height != height) {
      if (++moved <= 5)
        ADD_FAILURE() << "event " << hex(h) << " was applied at " << height << ", now " << v.status
                      << " at " << v.height;
    }
  }
  EXPECT_EQ(moved, 0u);
  // Blocks stored before the kill are applied after the restart.
  ASSERT_TRUE(wait_idle(node.http(), "load", 30s));
  EXPECT_GE(get_symbiote(node.http(), "load").height, last.height);

  // Clients resubmit everything: what was applied is refused as a used nonce, what is pending
  // again (the admission journal, D14) as a duplicate, what was never accepted is accepted, and
  // in the end every event has applied exactly once.
  const SubmitResult again = submit_plan(node.port(), "load", plan, 2);
  EXPECT_TRUE(again.transport_errors.empty());
  for (const auto& refusal : again.refusals)
    // Used nonces (applied), and duplicates: accepted events pending again from the journal.
    if (refusal.find("nonce_used") == std::string::npos &&
        refusal.find("duplicate") == std::string::npos) {
      ADD_FAILURE() << "resubmission refused: " << refusal;
      break;
    }
  ASSERT_TRUE(wait_applied(node.http(), "load", plan.hashes(), 60s));
  ASSERT_TRUE(wait_idle(node.http(), "load", 30s));
  EXPECT_TRUE(
      accounts_match(node.http(), "load", expected_after(c.genesis, c.controller, {&plan})));
  const SymbioteView after = get_symbiote(node.http(), "load");

  // (a) The state root equals that of a fresh replay of the stored blocks.
  const ProcessResult stopped = node.stop();
  ASSERT_TRUE(stopped.exited_with(0)) << stopped.describe();
  uint64_t replayed_height = 0;
  EXPECT_TRUE(replay_matches(node, "load", &replayed_height));
  EXPECT_EQ(replayed_height, after.height);
}

TEST(Crash, SigtermUnderLoadExitsZeroWithinTenSeconds) {
  NodeProcess node("sigterm");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "load", .label = "it-sigterm"}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const TransferPlan plan = plan_transfers(
      sym, c.accounts, ids_of(c), {.per_sender = 1000, .fee = c.genesis.manifest.fee.per_event});

  std::atomic<bool> stop_submitting{false}, submitting_done{false};
  SubmitResult sub;
  std::thread submitter([&] {
    sub = submit_plan(node.port(), "load", plan, 2, &stop_submitting);
    submitting_done = true;
  });
  const bool busy = wait_until(
      [&] {
        SymbioteView s = get_symbiote(node.http(), "load");
        return s.applied >= plan.total() / 4;
      },
      30s, 5ms);
  const bool load_running = !submitting_done.load();
  const ProcessResult stopped = node.stop(20s);
  stop_submitting = true;
  submitter.join();

  EXPECT_TRUE(busy);
  EXPECT_TRUE(load_running) << "the load had finished before SIGTERM; the test proves less";
  EXPECT_TRUE(stopped.exited_with(0)) << stopped.describe();
  EXPECT_LT(stopped.elapsed, 10s) << stopped.describe();
  std::cout << "[ info ] SIGTERM under load: exit " << stopped.exit_code << " after "
            << stopped.elapsed.count() << " ms\n";
  EXPECT_NE(stopped.output.find("stopped cleanly"), std::string::npos) << stopped.output;
  // What was stored is consistent.
  EXPECT_TRUE(replay_matches(node, "load"));
}

// §4.8: a second SIGTERM while the graceful stop is still waiting exits at once. The stop is held
// up by a request whose body is still arriving (the server lets it finish for a grace period).
TEST(Crash, SecondSignalExitsAtOnceAndStorageStaysConsistent) {
  NodeProcess node("twosignals");
  TestChain c;
  ASSERT_TRUE(setup_chain(node, {.alias = "load", .label = "it-twosignals", .accounts = 4}, c));
  ASSERT_TRUE(node.start());
  const chain::SymbioteId sym = symbiote_id(node.http(), "load");
  const TransferPlan plan = plan_transfers(
      sym, c.accounts, ids_of(c), {.per_sender = 50, .fee = c.genesis.manifest.fee.per_event});
  ASSERT_EQ(submit_plan(node.port(), "load", plan, 1).accepted, plan.total());
  ASSERT_TRUE(wait_applied(node.http(), "load", plan.hashes(), 30s));

  // A request with half its body sent.
  std::atomic<bool> done{false};
  std::thread body_sender([&] {
    // HttpClient sends whole bodies; a raw socket keeps one open mid-body.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(node.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      std::string head =
          "POST /s/load/event HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 1000\r\n\r\n{\"a\":";
      (void)!::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
      wait_until([&] { return done.load(); }, 20s);
    }
    ::close(fd);
  });
  std::this_thread::sleep_for(200ms);  // let the server read the header (no event to poll for)
  node.signal(SIGTERM);
  std::this_thread::sleep_for(50ms);  // the stop is now waiting for that request
  const auto second = Clock::now();
  node.signal(SIGTERM);
  const ProcessResult r = node.wait_exit(15s);
  const auto after_second = Clock::now() - second;
  done = true;
  body_sender.join();
  // 130: the core's immediate exit (0 would mean the first stop had already finished).
  EXPECT_TRUE(r.exited_with(130)) << r.describe();
  std::cout << "[ info ] two SIGTERMs: " << r.describe().substr(0, 40) << "; "
            << std::chrono::duration_cast<std::chrono::milliseconds>(after_second).count()
            << " ms after the second\n";
  EXPECT_LT(after_second, 500ms);
  EXPECT_TRUE(replay_matches(node, "load"));
  ASSERT_TRUE(node.start());
  EXPECT_TRUE(wait_applied(node.http(), "load", plan.hashes(), 10s));
}

}  // namespace
}  // namespace klyn::itest
