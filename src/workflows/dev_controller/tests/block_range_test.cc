// What a follower accepts from a peer: only a signed, linked continuation of its chain with
// exactly the instant blocks it names.
#include <gtest/gtest.h>

#include "chain/tests/test_util.h"
#include "workflows/dev_controller/block_range.h"
#include "workflows/dev_controller/ordering.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;

namespace {

struct Fixture {
  SymbioteId sym{};
  crypto::KeyPair controller = key(0);
  BlockRange range;
  Fixture(int blocks) {
    sym.fill(4);
    Ordering o(sym, controller, 1, sym, 4, true);
    for (int b = 0; b < blocks; ++b) {
      BlockBundle bundle;
      for (int i = 0; i < 2; ++i) {
        InstantBlock ib;
        ib.symbiote = sym;
        ib.events.push_back(
            chain::make_transfer(sym, key(1), b * 2 + i + 1, 1, key(2).public_key(), 1));
        ib.sign(controller);
        Bytes enc = ib.encode();
        o.add(InstantBlock::hash_of(enc));
        bundle.instants.push_back(std::move(enc));
      }
      auto cbs = o.emit(1);
      bundle.controller = cbs.at(0).encode();
      range.bundles.push_back(std::move(bundle));
    }
    range.peer_stored_height = blocks;
  }
  ContinuationResult check(const BlockRange& r) const {
    return check_continuation({0, sym}, sym, controller.public_key(), r, {});
  }
};

}  // namespace

TEST(BlockRange, EncodeDecodeRoundTrip) {
  Fixture f(3);
  Bytes enc = encode_range(f.range);
  auto d = decode_range(enc, {});
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(encode_range(*d), enc);
  EXPECT_EQ(d->peer_stored_height, 3u);
  enc.push_back(0);
  EXPECT_FALSE(decode_range(enc, {}).ok());
}

TEST(BlockRange, ValidContinuationIsAcceptedWhole) {
  Fixture f(3);
  auto r = f.check(f.range);
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.blocks.size(), 3u);
  EXPECT_EQ(r.blocks[2].block.index, 3u);
  EXPECT_EQ(r.blocks[1].instants.size(), 2u);
}

TEST(BlockRange, ForgedSignatureStopsAtThatBlock) {
  Fixture f(3);
  auto cb = *decode_controller_block(f.range.bundles[1].controller, {});
  cb.sign(key(5));  // not the controller
  f.range.bundles[1].controller = cb.encode();
  auto r = f.check(f.range);
  EXPECT_EQ(r.blocks.size(), 1u);
  EXPECT_NE(r.error.find("not signed by the controller"), std::string::npos);
}

TEST(BlockRange, GapsWrongLinksAndMismatchedInstantsAreRefused) {
  {
    Fixture f(3);
    f.range.bundles.erase(f.range.bundles.begin());  // starts at 2
    EXPECT_TRUE(f.check(f.range).blocks.empty());
  }
  {
    Fixture f(2);
    auto r = check_continuation({0, Hash32{}}, f.sym, f.controller.public_key(), f.range,
                                {});  // other tip
    EXPECT_TRUE(r.blocks.empty());
    EXPECT_NE(r.error.find("link"), std::string::npos);
  }
  {
    Fixture f(2);
    f.range.bundles[1].instants[0][100] ^= 1;  // tampered instant block
    auto r = f.check(f.range);
    EXPECT_EQ(r.blocks.size(), 1u);
    EXPECT_NE(r.error.find("does not match its hash"), std::string::npos);
  }
  {
    Fixture f(2);
    f.range.bundles[0].instants.pop_back();  // missing instant block
    EXPECT_TRUE(f.check(f.range).blocks.empty());
  }
}
