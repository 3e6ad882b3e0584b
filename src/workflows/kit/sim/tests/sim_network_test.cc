// The kit's simulated network: the fault model its header promises, and the same seed giving the
// same run (what every workflow's seeded simulation relies on).
#include "workflows/kit/sim/sim_network.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace klyn;
using namespace klyn::kit::sim;

namespace {

// Records what it receives: "t=<ms> from=<id> kind=<k> req=<r>" and timers.
struct Recorder : SimHandler {
  SimNetwork& net;
  std::vector<std::string> log;
  std::vector<uint64_t> timer_times;
  explicit Recorder(SimNetwork& n) : net(n) {}
  void on_message(const SimMessage& m) override {
    log.push_back("t=" + std::to_string(net.now()) + " from=" + std::to_string(m.from) +
                  " kind=" + std::to_string(m.kind) + " req=" + std::to_string(m.request) +
                  " body=" + std::to_string(m.body.size()));
  }
  void on_timer(uint64_t tag) override {
    timer_times.push_back(net.now());
    log.push_back("timer " + std::to_string(tag) + " at " + std::to_string(net.now()));
  }
};

std::vector<std::string> run(uint64_t seed, FaultModel f, int messages) {
  SimNetwork net(seed, f);
  Recorder a(net), b(net);
  net.add_node(&a);
  net.add_node(&b);
  for (int i = 0; i < messages; ++i)
    net.at(static_cast<uint64_t>(i), [&net, i] { net.send(0, 1, 7, i, Bytes(i % 5, 1)); });
  net.schedule(1, 33, 99);
  net.run_until(10'000);
  return b.log;
}

}  // namespace

TEST(SimNetwork, TheSameSeedGivesTheSameRunAndAnotherSeedAnother) {
  FaultModel f;
  f.drop = 0.2;
  f.duplicate = 0.2;
  f.min_delay_ms = 1;
  f.max_delay_ms = 50;
  f.heal_ms = 5'000;
  EXPECT_EQ(run(7, f, 200), run(7, f, 200));
  EXPECT_NE(run(7, f, 200), run(8, f, 200));
}

TEST(SimNetwork, DropsDuplicatesAndDelaysFollowTheFaultModel) {
  FaultModel f;
  f.drop = 0.25;
  f.duplicate = 0.1;
  f.min_delay_ms = 5;
  f.max_delay_ms = 80;
  f.heal_ms = 1'000'000;
  SimNetwork net(42, f);
  Recorder a(net);
  const int n = 4000;
  std::vector<uint64_t> sent_at(n);
  std::vector<int> seen(n, 0);
  struct Timing : SimHandler {
    SimNetwork& net;
    std::vector<uint64_t>& sent_at;
    std::vector<int>& seen;
    uint64_t min_delay = ~0ull, max_delay = 0;
    bool reordered = false;
    uint64_t last_request = 0;
    Timing(SimNetwork& n, std::vector<uint64_t>& s, std::vector<int>& c)
        : net(n), sent_at(s), seen(c) {}
    void on_message(const SimMessage& m) override {
      const uint64_t d = net.now() - sent_at[m.request];
      min_delay = std::min(min_delay, d);
      max_delay = std::max(max_delay, d);
      if (m.request < last_request) reordered = true;
      last_request = m.request;
      ++seen[m.request];
    }
    void on_timer(uint64_t) override {}
  } t(net, sent_at, seen);
  const NodeId from = net.add_node(&a), to = net.add_node(&t);
  for (int i = 0; i < n; ++i)
    net.at(static_cast<uint64_t>(i), [&, i] {
      sent_at[i] = net.now();
      net.send(from, to, 1, i, {});
    });
  net.run_until(100'000);
  const auto& st = net.stats();
  EXPECT_EQ(st.sent, static_cast<uint64_t>(n));
  // Within 4 standard deviations of the expected counts (n = 4000).
  EXPECT_NEAR(static_cast<double>(st.dropped), 0.25 * n, 4 * 27.4);
  EXPECT_NEAR(static_cast<double>(st.duplicated), 0.1 * 0.75 * n, 4 * 16.7);
  EXPECT_EQ(st.delivered, n - st.dropped + st.duplicated);
  int twice = 0, never = 0;
  for (int c : seen) {
    twice += c == 2;
    never += c == 0;
  }
  EXPECT_EQ(static_cast<uint64_t>(twice), st.duplicated);
  EXPECT_EQ(static_cast<uint64_t>(never), st.dropped);
  EXPECT_GE(t.min_delay, f.min_delay_ms);
  EXPECT_LE(t.max_delay, f.max_delay_ms);
  EXPECT_TRUE(t.reordered);  // one link, yet not in send order
}

TEST(SimNetwork, APartitionCutsBothWaysUntilItHealsAndNothingIsDroppedAfterTheGlobalHeal) {
  FaultModel f;
  f.drop = 0.5;
  f.min_delay_ms = f.max_delay_ms = 1;
  f.heal_ms = 2'000;
  SimNetwork net(1, f);
  Recorder a(net), b(net), c(net);
  net.add_node(&a);
  net.add_node(&b);
  net.add_node(&c);
  net.add_partition(Partition{{0}, 100, 500});
  net.at(200, [&] {
    net.send(0, 1, 1, 1, {});
    net.send(1, 0, 1, 2, {});
  });
  net.at(600, [&] { net.send(0, 1, 1, 3, {}); });  // the partition healed; drops still apply
  for (int i = 0; i < 50; ++i) net.at(2'000 + i, [&, i] { net.send(1, 2, 1, 100 + i, {}); });
  net.run_until(5'000);
  EXPECT_GE(net.stats().cut, 2u);
  for (const auto& line : a.log) EXPECT_EQ(line.find("req=2 "), std::string::npos) << line;
  EXPECT_EQ(c.log.size(), 50u);  // after the global heal: no drops
  // Timers are exact and never dropped.
  net.schedule(2, 10, 5);
  net.run_until(5'010);
  ASSERT_EQ(c.timer_times.size(), 1u);
  EXPECT_EQ(c.timer_times[0], 5'010u);
}

TEST(SimNetwork, MessagesToClientsOrUnknownNodesAreDiscardedAndTiesKeepSendOrder) {
  FaultModel f;
  f.min_delay_ms = f.max_delay_ms = 3;
  SimNetwork net(3, f);
  Recorder a(net), b(net);
  net.add_node(&a);
  net.add_node(&b);
  net.at(10, [&] {
    net.send(0, kClient, 1, 1, {});
    net.send(0, 9, 1, 2, {});
    for (uint64_t r = 10; r < 20; ++r) net.send(0, 1, 2, r, {});
  });
  net.run_until(100);
  EXPECT_EQ(net.stats().sent, 10u);
  ASSERT_EQ(b.log.size(), 10u);
  for (size_t i = 0; i < b.log.size(); ++i)
    EXPECT_EQ(b.log[i], "t=13 from=0 kind=2 req=" + std::to_string(10 + i) + " body=0");
}
