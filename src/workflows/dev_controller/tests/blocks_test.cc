#include <gtest/gtest.h>

#include "chain/tests/test_util.h"
#include "workflows/dev_controller/blocks.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;

static InstantBlock sample_instant(int n) {
  InstantBlock ib;
  ib.symbiote.fill(3);
  ib.created_ms = 1234;
  for (int i = 0; i < n; ++i)
    ib.events.push_back(
        chain::make_transfer(ib.symbiote, key(1), i + 1, 10, key(2).public_key(), 5));
  ib.sign(key(0));
  return ib;
}

TEST(Blocks, InstantRoundTripAndSignature) {
  InstantBlock ib = sample_instant(3);
  Bytes enc = ib.encode();
  auto d = decode_instant_block(enc, {});
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->encode(), enc);
  EXPECT_TRUE(d->verify_signature());
  d->events[1].fee += 1;
  EXPECT_FALSE(d->verify_signature());
}

TEST(Blocks, ControllerRoundTripSignatureAndLimits) {
  ControllerBlock cb;
  cb.symbiote.fill(3);
  cb.index = 7;
  cb.prev_hash.fill(9);
  cb.instant_blocks = {Hash32{}, Hash32{1}};
  cb.sign(key(0));
  Bytes enc = cb.encode();
  auto d = decode_controller_block(enc, {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->verify_signature(key(0).public_key()));
  EXPECT_FALSE(d->verify_signature(key(1).public_key()));
  EXPECT_EQ(d->hash(), cb.hash());
  BlockLimits tight;
  tight.max_instant_blocks = 1;
  EXPECT_FALSE(decode_controller_block(enc, tight).ok());
}

TEST(Blocks, DecodersRejectTruncationTrailingAndWrongDomain) {
  Bytes enc = sample_instant(2).encode();
  for (size_t n = 0; n < enc.size(); n += 7)
    EXPECT_FALSE(decode_instant_block(Bytes(enc.begin(), enc.begin() + n), {}).ok());
  Bytes trailing = enc;
  trailing.push_back(0);
  EXPECT_FALSE(decode_instant_block(trailing, {}).ok());
  Bytes wrong = enc;
  wrong[0] ^= 1;
  EXPECT_FALSE(decode_instant_block(wrong, {}).ok());
  // A huge declared event count with little input is refused before allocating.
  ControllerBlock cb;
  cb.index = 1;
  Bytes c = cb.encode();
  EXPECT_FALSE(decode_instant_block(c, {}).ok());
  BlockLimits tight;
  tight.max_events = 1;
  EXPECT_FALSE(decode_instant_block(enc, tight).ok());
}

TEST(Blocks, IndexZeroIsNotABlock) {
  ControllerBlock cb;
  cb.index = 0;
  cb.sign(key(0));
  EXPECT_FALSE(decode_controller_block(cb.encode(), {}).ok());
}
