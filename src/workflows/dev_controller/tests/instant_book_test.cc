// The producer's InstantBook (instant_book.h): back-off, oldest first (D15), never given up while
// pending (D12), done once ordered, evidence once the inclusion window passed (E1).
#include <gtest/gtest.h>

#include <set>

#include "workflows/dev_controller/instant_book.h"

using namespace klyn;
using namespace klyn::dev_controller;

namespace {

Hash32 h(uint8_t b) {
  Hash32 x{};
  x.fill(b);
  return x;
}

InstantAck ack_of(const Hash32& instant, uint64_t height) {
  InstantAck a;
  a.instant = instant;
  a.height = height;
  return a;
}

std::vector<Hash32> hashes(const std::vector<InstantBook::Offer>& offers) {
  std::vector<Hash32> out;
  for (const auto& o : offers) out.push_back(o.hash);
  return out;
}

}  // namespace

TEST(InstantBook, AnUnacknowledgedBlockIsOfferedAgainWithBackOffUpToTheMaximum) {
  InstantBook book({.first_ms = 200, .max_ms = 1000});
  auto pending = [](const Hash32&) { return true; };
  book.made(h(1), Bytes{1}, {h(101)}, 0);
  EXPECT_TRUE(book.due(199, pending).empty());
  // Offers at 200 (2nd), then 400 ms later (3rd), 800 later, then every 1000.
  std::vector<uint64_t> offered_at;
  for (uint64_t t = 0; t <= 6000; t += 10)
    for (const auto& o : book.due(t, pending)) {
      offered_at.push_back(t);
      EXPECT_EQ(o.encoded, Bytes{1});
    }
  ASSERT_GE(offered_at.size(), 5u);
  EXPECT_EQ(offered_at[0], 200u);
  EXPECT_EQ(offered_at[1], 600u);
  EXPECT_EQ(offered_at[2], 1400u);
  EXPECT_EQ(offered_at[3], 2400u);
  EXPECT_EQ(offered_at[4], 3400u);
}

TEST(InstantBook, DueBlocksComeOldestFirstAndAnAcknowledgementMakesTheRestDueAtOnce) {
  InstantBook book({.first_ms = 200, .max_ms = 10'000});
  auto pending = [](const Hash32&) { return true; };
  // Made in the order 3, 1, 2 (hash order differs from making order).
  book.made(h(3), {}, {h(103)}, 0);
  book.made(h(1), {}, {h(101)}, 0);
  book.made(h(2), {}, {h(102)}, 0);
  EXPECT_EQ(hashes(book.due(200, pending)), (std::vector<Hash32>{h(3), h(1), h(2)}));
  // All backed off to 600; the controller acknowledges block 1 at 300: the others are due now.
  EXPECT_TRUE(book.due(300, pending).empty());
  EXPECT_TRUE(book.acknowledged(ack_of(h(1), 5), 300));
  EXPECT_FALSE(book.acknowledged(ack_of(h(1), 5), 300));  // already acknowledged
  EXPECT_FALSE(book.acknowledged(ack_of(h(9), 5), 300));  // unknown
  EXPECT_EQ(hashes(book.due(300, pending)), (std::vector<Hash32>{h(3), h(2)}));
  EXPECT_EQ(book.unacknowledged(), 2u);
  EXPECT_EQ(book.awaiting(), 1u);
}

TEST(InstantBook, ABlockIsKeptWhileAnyOfItsEventsIsPendingAndDroppedAfter) {
  InstantBook book({.first_ms = 100, .max_ms = 100});
  std::set<Hash32> pending_events{h(101), h(102)};
  auto pending = [&](const Hash32& e) { return pending_events.count(e) > 0; };
  book.made(h(1), {}, {h(101), h(102)}, 0);
  for (uint64_t t = 100; t <= 100'000; t += 100) ASSERT_EQ(book.due(t, pending).size(), 1u);
  pending_events.erase(h(101));
  EXPECT_EQ(book.due(100'100, pending).size(), 1u);  // one event still pending
  pending_events.erase(h(102));
  EXPECT_TRUE(book.due(100'200, pending).empty());
  EXPECT_TRUE(book.empty());
}

TEST(InstantBook, OrderedBlocksAreDoneAndAcknowledgedOnesLeftOutOfTheWindowAreEvidenceOnce) {
  InstantBook book({});
  book.made(h(1), Bytes{0xa1}, {h(101)}, 0);
  book.made(h(2), Bytes{0xa2}, {h(102)}, 0);
  book.made(h(3), Bytes{0xa3}, {h(103)}, 0);
  ASSERT_TRUE(book.acknowledged(ack_of(h(1), 10), 0));
  ASSERT_TRUE(book.acknowledged(ack_of(h(2), 10), 0));
  // Block 11 orders instant block 2 and block 3 (whose acknowledgement never arrived).
  EXPECT_TRUE(book.applied(11, {h(2), h(3)}, 5).empty());
  EXPECT_EQ(book.unacknowledged(), 0u);
  EXPECT_EQ(book.awaiting(), 1u);
  // Within the window (10 + 5): not yet evidence.
  EXPECT_TRUE(book.applied(14, {}, 5).empty());
  auto ev = book.applied(15, {}, 5);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].instant, Bytes{0xa1});
  auto a = decode_ack(ev[0].ack);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->instant, h(1));
  EXPECT_EQ(a->height, 10u);
  EXPECT_TRUE(book.applied(16, {}, 5).empty());  // once
  EXPECT_TRUE(book.empty());
}
