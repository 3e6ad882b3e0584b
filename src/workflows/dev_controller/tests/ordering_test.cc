// D7: consecutive, hash-linked, signed controller blocks; phantom batching.
#include <gtest/gtest.h>

#include "chain/tests/test_util.h"
#include "workflows/dev_controller/ordering.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;

static Hash32 h(uint8_t b) {
  Hash32 x{};
  x.fill(b);
  return x;
}

TEST(Ordering, PhantomEmitsEverythingAsLinkedBlocks) {
  auto k = key(0);
  SymbioteId sym = h(7);
  Ordering o(sym, k, 1, sym, 3, /*phantom=*/true);
  for (uint8_t i = 0; i < 10; ++i) o.add(h(i));
  auto blocks = o.emit(5);
  ASSERT_EQ(blocks.size(), 4u);  // 3+3+3+1
  Hash32 prev = sym;
  size_t seen = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i].index, i + 1);
    EXPECT_EQ(blocks[i].prev_hash, prev);
    EXPECT_TRUE(blocks[i].verify_signature(k.public_key()));
    for (auto& ib : blocks[i].instant_blocks) EXPECT_EQ(ib, h(static_cast<uint8_t>(seen++)));
    prev = blocks[i].hash();
  }
  EXPECT_EQ(o.next_index(), 5u);
  EXPECT_EQ(o.prev_hash(), prev);
  EXPECT_TRUE(o.emit(6).empty());
}

TEST(Ordering, TickModeEmitsOneBlockPerCall) {
  auto k = key(0);
  Ordering o(h(7), k, 10, h(1), 2, /*phantom=*/false);
  for (uint8_t i = 0; i < 5; ++i) o.add(h(i));
  EXPECT_EQ(o.emit(1).size(), 1u);
  EXPECT_EQ(o.pending(), 3u);
  auto b = o.emit(2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].index, 11u);
}
