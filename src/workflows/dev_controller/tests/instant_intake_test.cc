// InstantIntake (instant_intake.h): each offered block taken once, acknowledged at the height it
// was first seen at, queued in arrival order, relayed once by a non-orderer, refused while the
// controller's queue is at its cap (E1), bounded memory.
#include <gtest/gtest.h>

#include "workflows/dev_controller/instant_intake.h"

using namespace klyn;
using namespace klyn::dev_controller;
using Taken = InstantIntake::Taken;

namespace {

Hash32 h(uint8_t b) {
  Hash32 x{};
  x.fill(b);
  return x;
}

}  // namespace

TEST(InstantIntake, TheControllerTakesEachBlockOnceAtTheHeightItFirstSawItAndQueuesInOrder) {
  InstantIntake in(true, 10);
  EXPECT_FALSE(in.seen(h(1)).has_value());
  EXPECT_EQ(in.take(h(1), Bytes{1}, 7), Taken::kQueued);
  EXPECT_EQ(in.take(h(2), Bytes{2}, 8), Taken::kQueued);
  EXPECT_EQ(in.take(h(1), Bytes{1}, 9), Taken::kKnown);  // a second offer racing the first
  ASSERT_TRUE(in.seen(h(1)).has_value());
  EXPECT_EQ(*in.seen(h(1)), 7u);  // an offer again is acknowledged with the same height
  EXPECT_EQ(in.queued(), 2u);
  auto first = in.next(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].first, h(1));
  EXPECT_EQ(first[0].second, Bytes{1});
  auto rest = in.next(10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].first, h(2));
  EXPECT_EQ(in.queued(), 0u);
  EXPECT_EQ(*in.seen(h(2)), 8u);  // still known after ordering
}

TEST(InstantIntake, AtItsCapTheControllerTakesNothingAndForgetsWhatItRefused) {
  InstantIntake in(true, InstantIntake::cap_for(4, 1));  // half a window of 4 blocks of 1
  EXPECT_EQ(InstantIntake::cap_for(4, 1), 2u);
  EXPECT_EQ(InstantIntake::cap_for(1, 0), 1u);  // never 0
  EXPECT_EQ(in.take(h(1), {}, 1), Taken::kQueued);
  EXPECT_EQ(in.take(h(2), {}, 1), Taken::kQueued);
  EXPECT_EQ(in.take(h(3), {}, 1), Taken::kBusy);
  EXPECT_FALSE(in.seen(h(3)).has_value());  // offered again later, it is new
  in.next(1);
  EXPECT_EQ(in.take(h(3), {}, 2), Taken::kQueued);
  EXPECT_EQ(*in.seen(h(3)), 2u);
}

TEST(InstantIntake, ANodeThatDoesNotOrderRelaysEachBlockOnceAndQueuesNothing) {
  InstantIntake in(false, 1);
  for (uint8_t i = 1; i <= 5; ++i) EXPECT_EQ(in.take(h(i), {}, 0), Taken::kRelay);
  EXPECT_EQ(in.take(h(3), {}, 0), Taken::kKnown);
  EXPECT_EQ(in.queued(), 0u);
}

TEST(InstantIntake, ABlockKeptOutOfOrderingIsStillAcknowledgedAndKnown) {
  InstantIntake in(true, 10);
  EXPECT_EQ(in.take(h(1), {}, 3, /*order=*/false), Taken::kQueued);
  EXPECT_EQ(in.queued(), 0u);
  EXPECT_EQ(*in.seen(h(1)), 3u);
}

TEST(InstantIntake, ItsMemoryIsBoundedOldestForgottenFirst) {
  InstantIntake in(false, 1, /*memory=*/3);
  for (uint8_t i = 1; i <= 4; ++i) in.take(h(i), {}, i);
  EXPECT_FALSE(in.seen(h(1)).has_value());
  EXPECT_TRUE(in.seen(h(2)).has_value());
  EXPECT_TRUE(in.seen(h(4)).has_value());
}
