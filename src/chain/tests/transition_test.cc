// Every event type's transition, including each failure case (C3, C4, C5).
#include <gtest/gtest.h>

#include "chain/state.h"
#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

class Transition : public ::testing::Test {
 protected:
  void SetUp() override { open(small_genesis()); }
  void open(const Genesis& g) {
    store_.reset();
    genesis_ = g;
    auto s = ChainStore::open(dir_.path("db" + std::to_string(n_++)), genesis_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_ = std::move(*s);
    acc_ = *store_->lthash();
  }
  // Applies one block with the given events (producer = key(0)); returns per-event statuses.
  std::vector<Status> block(const std::vector<Event>& events) {
    Height h = store_->applied_height().value() + 1;
    BlockApplier b(*store_, genesis_.manifest, acc_, h);
    std::vector<Status> out;
    uint32_t pos = 0;
    for (const auto& e : events)
      out.push_back(b.apply(e, e.hash(), key(0).public_key(), Hash32{}, pos++));
    auto root = b.commit();
    EXPECT_TRUE(root.ok());
    return out;
  }
  Account acct(uint8_t k) { return store_->account(key(k).public_key()).value(); }
  SymbioteId id() const { return genesis_.id(); }

  TempDir dir_;
  int n_ = 0;
  Genesis genesis_;
  std::unique_ptr<ChainStore> store_;
  LtHash acc_;
};

TEST_F(Transition, TransferMovesAmountAndSplitsFee) {
  auto r = block({make_transfer(id(), key(1), 1, 10, key(2).public_key(), 500)});
  ASSERT_TRUE(r[0].ok()) << r[0].error().to_string();
  EXPECT_EQ(acct(1).balance, 1'000'000 - 510);
  EXPECT_EQ(acct(1).nonce, 1u);
  EXPECT_EQ(acct(2).balance, 1'000'500u);
  EXPECT_EQ(acct(0).balance, 1'000'006u);  // producer: 60% of 10
  EXPECT_EQ(store_->applied_height().value(), 1u);
  EXPECT_EQ(
      load_event_record(
          *store_,
          r.size() ? make_transfer(id(), key(1), 1, 10, key(2).public_key(), 500).hash() : Hash32{})
          .value()
          ->status,
      EventStatus::kApplied);
}

TEST_F(Transition, RestOfFeeGoesToSinkWhenConfigured) {
  open(small_genesis(10, 250, /*burn=*/false));
  auto r = block({make_transfer(id(), key(1), 1, 10, key(2).public_key(), 1)});
  ASSERT_TRUE(r[0].ok());
  EXPECT_EQ(acct(0).balance, 1'000'002u);  // floor(10 * 250 / 1000)
  EXPECT_EQ(acct(99).balance, 8u);
}

TEST_F(Transition, TransferToSelfOnlyCostsFee) {
  auto r = block({make_transfer(id(), key(1), 1, 10, key(1).public_key(), 77)});
  ASSERT_TRUE(r[0].ok());
  EXPECT_EQ(acct(1).balance, 1'000'000u - 10);
}

TEST_F(Transition, NonceReuseRejected) {
  auto e = make_transfer(id(), key(1), 1, 10, key(2).public_key(), 5);
  auto r = block({e, e, make_transfer(id(), key(1), 3, 10, key(2).public_key(), 5)});
  EXPECT_TRUE(r[0].ok());
  EXPECT_EQ(r[1].error().code, "bad_nonce");
  EXPECT_EQ(r[2].error().code, "nonce_gap");  // ahead: not yet applicable (C4)
  EXPECT_EQ(acct(1).nonce, 1u);
  auto again = block({e});
  EXPECT_EQ(again[0].error().code, "bad_nonce");
  EXPECT_EQ(acct(2).balance, 1'000'005u);
}

// C4: a nonce ahead of the account's is neither applied nor recorded, and applies once the gap
// is filled; beyond the nonce window it is rejected.
TEST_F(Transition, FutureNonceIsNotYetApplicableAndNotRecorded) {
  auto e1 = make_transfer(id(), key(1), 1, 10, key(2).public_key(), 5);
  auto e2 = make_transfer(id(), key(1), 2, 10, key(2).public_key(), 5);
  auto e3 = make_transfer(id(), key(1), 3, 10, key(2).public_key(), 5);
  const Account before = acct(1);
  auto r = block({e3, e2});
  EXPECT_EQ(r[0].error().code, "nonce_gap");
  EXPECT_EQ(r[1].error().code, "nonce_gap");
  EXPECT_EQ(acct(1), before);
  EXPECT_FALSE(load_event_record(*store_, e3.hash()).value().has_value());
  EXPECT_FALSE(load_event_record(*store_, e2.hash()).value().has_value());
  auto later = block({e1, e2, e3});
  for (const auto& x : later) EXPECT_TRUE(x.ok());
  EXPECT_EQ(acct(1).nonce, 3u);
  EXPECT_EQ(load_event_record(*store_, e3.hash()).value()->status, EventStatus::kApplied);
  const uint64_t far = 3 + genesis_.manifest.limits.nonce_window + 1;
  auto beyond = block({make_transfer(id(), key(1), far, 10, key(2).public_key(), 5)});
  EXPECT_EQ(beyond[0].error().code, "bad_nonce");
}

TEST_F(Transition, InsufficientBalanceChangesNothing) {
  Account before = acct(1);
  auto r = block({make_transfer(id(), key(1), 1, 10, key(2).public_key(), 999'991)});
  EXPECT_EQ(r[0].error().code, "insufficient_balance");
  EXPECT_EQ(acct(1), before);
  EXPECT_EQ(acct(2).balance, 1'000'000u);
  EXPECT_EQ(acct(0).balance, 1'000'000u);  // no fee taken
}

TEST_F(Transition, FeeBelowMinimumRejected) {
  auto r = block({make_transfer(id(), key(1), 1, 9, key(2).public_key(), 5)});
  EXPECT_EQ(r[0].error().code, "fee_too_low");
}

TEST_F(Transition, WrongSymbioteRejected) {
  SymbioteId other{};
  other.fill(7);
  auto r = block({make_transfer(other, key(1), 1, 10, key(2).public_key(), 5)});
  EXPECT_EQ(r[0].error().code, "wrong_symbiote");
}

TEST_F(Transition, OverflowRejected) {
  Genesis g = small_genesis();
  for (auto& a : g.accounts)
    if (a.id == key(2).public_key()) a.balance = UINT64_MAX - 1'500'000;
  open(g);
  // Recipient overflow.
  auto r = block({make_transfer(id(), key(1), 1, 10, key(2).public_key(), 999'000)});
  EXPECT_TRUE(r[0].ok());
  auto r2 = block({make_transfer(id(), key(3), 1, 10, key(2).public_key(), 999'000)});
  EXPECT_EQ(r2[0].error().code, "overflow");
  // amount + fee overflow.
  auto r3 = block({make_transfer(id(), key(1), 2, 10, key(3).public_key(), UINT64_MAX - 5)});
  EXPECT_EQ(r3[0].error().code, "overflow");
}

TEST_F(Transition, StakeUnstakeAndDelayedRelease) {
  auto r = block({make_stake(id(), key(1), 1, 10, 400)});
  ASSERT_TRUE(r[0].ok());
  EXPECT_EQ(acct(1).stake, 400u);
  EXPECT_EQ(acct(1).balance, 1'000'000u - 410);
  EXPECT_EQ(block({make_unstake(id(), key(1), 2, 10, 401)})[0].error().code, "insufficient_stake");
  auto u = block({make_unstake(id(), key(1), 2, 10, 150)});  // at height 3, delay 3 -> unlock at 6
  ASSERT_TRUE(u[0].ok());
  EXPECT_EQ(acct(1).stake, 250u);
  EXPECT_EQ(acct(1).unstaking, 150u);
  EXPECT_EQ(acct(1).unlock_at, 6u);
  block({});  // 4
  block({});  // 5
  EXPECT_EQ(acct(1).unstaking, 150u);
  block({});  // 6: released before the block's events
  EXPECT_EQ(acct(1).unstaking, 0u);
  EXPECT_EQ(acct(1).balance, 1'000'000u - 410 - 10 + 150);  // the rejected UNSTAKE paid nothing
  EXPECT_EQ(block({make_stake(id(), key(1), 3, 10, 2'000'000)})[0].error().code,
            "insufficient_balance");
}

TEST_F(Transition, SecondUnstakeMergesAndResetsUnlock) {
  block({make_stake(id(), key(1), 1, 10, 400)});
  block({make_unstake(id(), key(1), 2, 10, 100)});  // h2 -> unlock 5
  block({make_unstake(id(), key(1), 3, 10, 100)});  // h3 -> unlock 6, merged 200
  EXPECT_EQ(acct(1).unstaking, 200u);
  EXPECT_EQ(acct(1).unlock_at, 6u);
  block({});
  block({});  // 5: nothing released (the old unlock entry was replaced)
  EXPECT_EQ(acct(1).unstaking, 200u);
  block({});  // 6
  EXPECT_EQ(acct(1).unstaking, 0u);
  EXPECT_EQ(acct(1).stake, 200u);
}

TEST_F(Transition, DelegateSetsAndClears) {
  auto r = block({make_delegate(id(), key(1), 1, 10, key(3).public_key())});
  ASSERT_TRUE(r[0].ok());
  EXPECT_EQ(acct(1).delegate, key(3).public_key());
  EXPECT_EQ(acct(1).balance, 1'000'000u - 10);
  block({make_delegate(id(), key(1), 2, 10, std::nullopt)});
  EXPECT_FALSE(acct(1).delegate.has_value());
}

TEST_F(Transition, UnknownAccountCannotPayFee) {
  auto r = block({make_delegate(id(), key(50), 1, 10, std::nullopt)});
  EXPECT_EQ(r[0].error().code, "insufficient_balance");
  EXPECT_TRUE(acct(50).empty());
}

TEST_F(Transition, UnsupportedTypeRejected) {
  Event e = make_stake(id(), key(1), 1, 10, 5);
  e.type = EventType::kOffspring;
  e.sign(key(1));
  EXPECT_EQ(block({e})[0].error().code, "unsupported_type");
}

TEST_F(Transition, DuplicateCopyDoesNotOverwriteAppliedRecord) {
  auto e = make_transfer(id(), key(1), 1, 10, key(2).public_key(), 5);
  auto r = block({e, e});
  EXPECT_TRUE(r[0].ok());
  EXPECT_FALSE(r[1].ok());
  EXPECT_EQ(load_event_record(*store_, e.hash()).value()->status, EventStatus::kApplied);
  block({e});  // and again in a later block
  EXPECT_EQ(load_event_record(*store_, e.hash()).value()->status, EventStatus::kApplied);
}

// C9: CHECKPOINT pays the fee, bumps the nonce and records (source, index, hash) atomically;
// rejected ones record nothing.
static SymbioteId source_id(uint8_t b) {
  SymbioteId s{};
  s.fill(b);
  return s;
}
static Hash32 block_hash(uint8_t b) {
  Hash32 h{};
  h.fill(b);
  h[0] = 0xbb;
  return h;
}

TEST_F(Transition, CheckpointAppliedPaysFeeAndIsRecorded) {
  auto e = make_checkpoint(id(), key(1), 1, 10, source_id(7), 20, block_hash(1));
  auto r = block({e});
  ASSERT_TRUE(r[0].ok()) << r[0].error().to_string();
  EXPECT_EQ(acct(1).balance, 1'000'000u - 10);
  EXPECT_EQ(acct(1).nonce, 1u);
  EXPECT_EQ(acct(0).balance, 1'000'006u);  // producer's share of the fee
  auto recs = scan_checkpoints(*store_, source_id(7), 0, 100).value();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].source, source_id(7));
  EXPECT_EQ(recs[0].index, 20u);
  EXPECT_EQ(recs[0].hash, block_hash(1));
  EXPECT_EQ(recs[0].event, e.hash());
  EXPECT_EQ(recs[0].creator, key(1).public_key());
  EXPECT_EQ(recs[0].height, 1u);
  EXPECT_TRUE(scan_checkpoints(*store_, source_id(8), 0, 100).value().empty());
  EXPECT_EQ(load_event_record(*store_, e.hash()).value()->status, EventStatus::kApplied);
}

TEST_F(Transition, CheckpointRejectedWritesNoRecord) {
  Event bad = make_checkpoint(id(), key(1), 1, 10, source_id(7), 20, block_hash(1));
  bad.payload.pop_back();  // 71 bytes
  bad.sign(key(1));
  Event low_fee = make_checkpoint(id(), key(2), 1, 9, source_id(7), 20, block_hash(1));
  Event broke = make_checkpoint(id(), key(50), 1, 10, source_id(7), 20, block_hash(1));
  Event gap = make_checkpoint(id(), key(3), 2, 10, source_id(7), 20, block_hash(1));
  auto r = block({bad, low_fee, broke, gap});
  EXPECT_EQ(r[0].error().code, "malformed");
  EXPECT_EQ(r[1].error().code, "fee_too_low");
  EXPECT_EQ(r[2].error().code, "insufficient_balance");
  EXPECT_EQ(r[3].error().code, "nonce_gap");  // not yet applicable: no record either (C4)
  EXPECT_TRUE(scan_checkpoints(*store_, source_id(7), 0, 100).value().empty());
  EXPECT_EQ(acct(1).nonce, 0u);
  EXPECT_EQ(acct(1).balance, 1'000'000u);
  EXPECT_EQ(acct(0).balance, 1'000'000u);
  EXPECT_EQ(load_event_record(*store_, bad.hash()).value()->status, EventStatus::kRejected);
}

TEST_F(Transition, CheckpointSeveralPerIndexAndScanFromIndexInOrder) {
  // Two committers of index 10 (different hashes: the auditors decide), then 20 and 30, another
  // source in between; a later block adds index 5.
  block({make_checkpoint(id(), key(1), 1, 10, source_id(7), 30, block_hash(3)),
         make_checkpoint(id(), key(2), 1, 10, source_id(7), 10, block_hash(1)),
         make_checkpoint(id(), key(3), 1, 10, source_id(7), 10, block_hash(9)),
         make_checkpoint(id(), key(1), 2, 10, source_id(8), 15, block_hash(2)),
         make_checkpoint(id(), key(1), 3, 10, source_id(7), 20, block_hash(2))});
  block({make_checkpoint(id(), key(2), 2, 10, source_id(7), 5, block_hash(5))});
  auto all = scan_checkpoints(*store_, source_id(7), 0, 100).value();
  ASSERT_EQ(all.size(), 5u);
  std::vector<uint64_t> idx;
  for (const auto& c : all) idx.push_back(c.index);
  EXPECT_EQ(idx, (std::vector<uint64_t>{5, 10, 10, 20, 30}));
  EXPECT_EQ(all[0].height, 2u);
  EXPECT_NE(all[1].hash, all[2].hash);
  auto from = scan_checkpoints(*store_, source_id(7), 11, 100).value();
  ASSERT_EQ(from.size(), 2u);
  EXPECT_EQ(from[0].index, 20u);
  EXPECT_EQ(from[1].index, 30u);
  auto limited = scan_checkpoints(*store_, source_id(7), 10, 2).value();
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[0].index, 10u);
  EXPECT_EQ(limited[1].index, 10u);
  EXPECT_TRUE(scan_checkpoints(*store_, source_id(7), 31, 100).value().empty());
  auto other = scan_checkpoints(*store_, source_id(8), 0, 100).value();
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].index, 15u);
  EXPECT_TRUE(scan_checkpoints(*store_, source_id(7), UINT64_MAX, 100).value().empty());
}
