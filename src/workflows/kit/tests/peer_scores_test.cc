#include "workflows/kit/peer_scores.h"

#include <gtest/gtest.h>

using namespace klyn::kit;
using namespace std::chrono_literals;

TEST(PeerScores, InvalidMessagesBanAPeerForAWhileOthersUnaffected) {
  PeerScores s({.threshold = 100, .ban = 60s, .half_life = 60s});
  const auto t0 = PeerScores::Clock::time_point{} + 1000s;
  const auto bad = PeerScores::key("127.0.0.1", "evil"), good = PeerScores::key("127.0.0.1", "ok");
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(s.penalize(bad, PeerScores::kInvalid, t0));
  EXPECT_EQ(s.banned_for(bad, t0), 0);
  EXPECT_TRUE(s.penalize(bad, PeerScores::kInvalid, t0)) << "5 x 20 reaches the threshold";
  EXPECT_GT(s.banned_for(bad, t0), 0);
  EXPECT_EQ(s.banned_for(good, t0), 0) << "same IP, other node";
  EXPECT_GT(s.banned_for(bad, t0 + 59s), 0);
  EXPECT_EQ(s.banned_for(bad, t0 + 61s), 0) << "the ban ends";
}

TEST(PeerScores, DuplicatesMatterOnlyAsAFloodAndScoresDecay) {
  PeerScores s({.threshold = 100, .ban = 60s, .half_life = 10s});
  const auto t0 = PeerScores::Clock::time_point{} + 1000s;
  const auto p = PeerScores::key("10.0.0.1", "n");
  // An honest rate of duplicates (one per second) never reaches the threshold.
  for (int i = 0; i < 600; ++i)
    EXPECT_FALSE(s.penalize(p, PeerScores::kDuplicate, t0 + std::chrono::seconds(i)));
  EXPECT_LT(s.score(p, t0 + 600s), 20);
  // A burst does.
  bool banned = false;
  for (int i = 0; i < 200 && !banned; ++i)
    banned = s.penalize(p, PeerScores::kDuplicate, t0 + 700s);
  EXPECT_TRUE(banned);
  EXPECT_NEAR(s.score(PeerScores::key("10.0.0.2", "n"), t0), 0, 1e-9);
  EXPECT_EQ(s.to_json(t0 + 700s).size(), 1u);
}

TEST(PeerScores, FirstCopyOfAMessageFromEachPeerIsFreeRepeatsCount) {
  PeerScores s({.threshold = 100, .ban = 60s, .half_life = 60s});
  const auto t0 = PeerScores::Clock::time_point{} + 1000s;
  const auto a = PeerScores::key("127.0.0.1", "a"), b = PeerScores::key("127.0.0.1", "b");
  // Honest gossip: every message once from each of two peers, far more than the threshold.
  for (uint64_t m = 0; m < 5000; ++m) {
    EXPECT_FALSE(s.duplicate(a, m, t0));
    EXPECT_FALSE(s.duplicate(b, m, t0));
  }
  EXPECT_NEAR(s.score(a, t0), 0, 1e-9);
  // One peer re-sending one message: the first copy free, then a point each, banned at 100.
  int sent = 0;
  bool banned = false;
  while (!banned && sent < 200) {
    banned = s.duplicate(a, 777'777, t0);
    ++sent;
  }
  EXPECT_TRUE(banned);
  EXPECT_EQ(sent, 101);
  EXPECT_EQ(s.banned_for(b, t0), 0);
}

// D12 after a heal: a producer offers each of its many unacknowledged instant blocks again with
// back-off (200 ms, 400 ms, ... up to 10 s) to every peer, and the relays answer "known". Those
// repeats come at the protocol's own pace and never ban an honest peer; the same message sent
// faster than the shortest back-off is still a flood.
TEST(PeerScores, RepeatsAtTheBackOffPaceAreFreeAfterAHeal) {
  PeerScores s({.threshold = 100, .ban = 60s, .half_life = 60s});
  const auto t0 = PeerScores::Clock::time_point{} + 1000s;
  const auto producer = PeerScores::key("127.0.0.1", "p2");
  // 300 blocks, each offered 8 times with doubling back-off, all within one minute.
  for (uint64_t block = 0; block < 300; ++block) {
    auto t = t0 + std::chrono::milliseconds(block);  // the first offers of all, at once
    for (int attempt = 0; attempt < 8; ++attempt) {
      EXPECT_FALSE(s.duplicate(producer, block, t)) << "block " << block << " attempt " << attempt;
      t += std::min<std::chrono::milliseconds>(10'000ms, 200ms * (1 << attempt));
    }
  }
  EXPECT_EQ(s.banned_for(producer, t0 + 60s), 0);
  // One message repeated every 10 ms: a flood.
  bool banned = false;
  for (int i = 0; i < 200 && !banned; ++i)
    banned = s.duplicate(producer, 999'999, t0 + 70s + std::chrono::milliseconds(10 * i));
  EXPECT_TRUE(banned);
}
