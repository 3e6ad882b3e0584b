// The bounded memory of admission refusals (recent_refusals.h).
#include "workflows/kit/recent_refusals.h"

#include <gtest/gtest.h>

using namespace klyn;
using namespace klyn::kit;

namespace {
Hash32 h(uint32_t n) {
  Hash32 x{};
  for (int i = 0; i < 4; ++i) x[i] = static_cast<uint8_t>(n >> (8 * i));
  return x;
}
}  // namespace

TEST(RecentRefusals, RemembersTheLatestRefusalOfEachEventAndForgetsTheOldestFirst) {
  RecentRefusals r(3);
  EXPECT_FALSE(r.find(h(1)));
  r.record(h(1), "insufficient_balance", "needs 610", 10);
  r.record(h(2), "bad_signature", "no", 11);
  r.record(h(3), "nonce_used", "nonce 1 is used", 12);
  ASSERT_TRUE(r.find(h(1)));
  EXPECT_EQ(r.find(h(1))->code, "insufficient_balance");
  EXPECT_EQ(r.find(h(1))->reason, "needs 610");
  EXPECT_EQ(r.find(h(1))->at_ms, 10u);
  // Refused again: the newer answer, and it is now the newest entry.
  r.record(h(1), "fee_too_low", "fee 1 < 10", 13);
  EXPECT_EQ(r.find(h(1))->code, "fee_too_low");
  r.record(h(4), "too_large", "big", 14);  // over capacity: the oldest (2) goes
  EXPECT_EQ(r.size(), 3u);
  EXPECT_FALSE(r.find(h(2)));
  EXPECT_TRUE(r.find(h(1)));
  EXPECT_TRUE(r.find(h(3)));
  EXPECT_TRUE(r.find(h(4)));
}

TEST(RecentRefusals, StaysBoundedWhenTheSameEventsAreRefusedOverAndOver) {
  RecentRefusals r(100);
  for (uint32_t i = 0; i < 100'000; ++i) r.record(h(i % 150), "nonce_used", "", i);
  EXPECT_EQ(r.size(), 100u);
  // The 100 most recently refused are kept.
  for (uint32_t i = 100'000 - 100; i < 100'000; ++i) EXPECT_TRUE(r.find(h(i % 150))) << i;
  RecentRefusals none(0);
  none.record(h(1), "x", "", 1);
  EXPECT_FALSE(none.find(h(1)));
}
