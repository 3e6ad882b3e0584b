// NonceOrder (nonce_order.h) on a real RocksDB store: a sender's events met out of order within
// one block apply in nonce order; what never becomes applicable stays undecided and unrecorded.
#include <gtest/gtest.h>

#include "chain/state.h"
#include "chain/store.h"
#include "chain/tests/test_util.h"
#include "workflows/kit/nonce_order.h"

using namespace klyn;
using chain::testing::key;

TEST(NonceOrder, EventsAheadOfTheirSendersNonceWaitAndApplyInOrderWithinTheBlock) {
  chain::testing::TempDir dir;
  const chain::Genesis g = chain::testing::small_genesis();
  auto store = chain::ChainStore::open(dir.path("db"), g).value();
  chain::LtHash acc = store->lthash().value();
  const auto sym = g.id();
  const auto alice = key(1), bob = key(2);
  const Hash32 block{};
  chain::BlockApplier b(*store, g.manifest, acc, 1);
  kit::NonceOrder order(b);
  auto send = [&](uint64_t nonce, uint32_t pos) {
    auto e = chain::make_transfer(sym, alice, nonce, 10, bob.public_key(), 5);
    order.apply(e, e.hash(), key(0).public_key(), block, pos);
    return e.hash();
  };
  const Hash32 h3 = send(3, 0), h1 = send(1, 1), h2 = send(2, 2), h5 = send(5, 3);
  auto bad = chain::make_transfer(sym, bob, 1, 10, alice.public_key(), 1);
  order.reject(bad, bad.hash(), block, 4, "bad_signature: test");
  ASSERT_EQ(order.decided().size(), 4u);
  EXPECT_EQ(order.decided()[0].second, h1);
  EXPECT_EQ(order.decided()[1].second, h2);
  EXPECT_EQ(order.decided()[2].second, h3);  // applied as soon as nonce 2 was
  EXPECT_EQ(order.decided()[3].second, bad.hash());
  auto waiting = order.take_deferred();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].hash, h5);  // nonce 4 never came: undecided
  EXPECT_EQ(b.account(alice.public_key()).nonce, 3u);
  ASSERT_TRUE(b.commit().ok());
  EXPECT_FALSE(chain::load_event_record(*store, h5).value().has_value());
  EXPECT_TRUE(chain::load_event_record(*store, h3).value().has_value());
}
