// D1–D5 on a real RocksDB: blocks stored as the generation thread stores them, applied by the
// verifier exactly as the verification thread does.
#include <gtest/gtest.h>

#include "chain/state.h"
#include "chain/tests/test_util.h"
#include "workflows/dev_controller/ordering.h"
#include "workflows/dev_controller/verifier.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    genesis_ = small_genesis();  // key(0) is controller with stake 1000; producer stake needed: 100
    store_ = std::move(*chain::ChainStore::open(dir_.path("db"), genesis_));
    verifier_ = std::make_unique<Verifier>(*store_, genesis_.manifest,
                                           read_params(genesis_.manifest).value(), &cache_);
    ASSERT_TRUE(verifier_->init().ok());
    ordering_ = std::make_unique<Ordering>(genesis_.id(), controller_, 1, genesis_.id(), 4, true);
  }
  Hash32 store_instant(const std::vector<chain::Event>& events, const crypto::KeyPair& producer,
                       bool corrupt_sig = false) {
    InstantBlock ib;
    ib.symbiote = genesis_.id();
    ib.events = events;
    ib.sign(producer);
    if (corrupt_sig) ib.signature[0] ^= 1;
    Bytes enc = ib.encode();
    Hash32 h = InstantBlock::hash_of(enc);
    EXPECT_TRUE(store_->put(dc_keys::instant(h), std::string(enc.begin(), enc.end())).ok());
    ordering_->add(h);
    return h;
  }
  void order() {
    for (auto& cb : ordering_->emit(1)) {
      Bytes enc = cb.encode();
      ASSERT_TRUE(
          store_->put(dc_keys::controller(cb.index), std::string(enc.begin(), enc.end())).ok());
      ASSERT_TRUE(store_->put(dc_keys::kHead, chain::keys::be64(cb.index)).ok());
    }
  }
  chain::Event transfer(uint8_t from, uint64_t nonce, chain::Amount amount = 5) {
    return chain::make_transfer(genesis_.id(), key(from), nonce, 10, key(2).public_key(), amount);
  }

  TempDir dir_;
  chain::Genesis genesis_;
  crypto::KeyPair controller_ = key(0);
  std::unique_ptr<chain::ChainStore> store_;
  chain::SignatureCache cache_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<Ordering> ordering_;
};

TEST_F(VerifierTest, AppliesInOrderExactlyOnce) {
  store_instant({transfer(1, 1), transfer(1, 2)}, key(0));
  order();
  store_instant({transfer(3, 1)}, key(0));
  order();
  auto r1 = verifier_->apply_next();
  ASSERT_TRUE(r1.ok()) << r1.error().to_string();
  EXPECT_EQ(r1->index, 1u);
  EXPECT_EQ(r1->applied, 2u);
  auto r2 = verifier_->apply_next();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->index, 2u);
  EXPECT_EQ(verifier_->apply_next().error().code, "not_available");
  EXPECT_EQ(store_->applied_height().value(), 2u);
  EXPECT_EQ(store_->account(key(2).public_key()).value().balance, 1'000'015u);
}

TEST_F(VerifierTest, UnstakedProducerSkipped) {
  store_instant({transfer(1, 1)}, key(3));  // key(3) has no stake
  order();
  auto r = verifier_->apply_next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->skipped_instant_blocks, 1u);
  EXPECT_EQ(r->applied, 0u);
  EXPECT_EQ(store_->account(key(1).public_key()).value().nonce, 0u);
}

TEST_F(VerifierTest, StakeDecidedAgainstStateBeforeTheBlock) {
  // key(1) stakes in block 1; its own instant block in the same controller block 1 is still
  // judged against the pre-block state (unstaked) and skipped; from block 2 on it counts.
  store_instant({chain::make_stake(genesis_.id(), key(1), 1, 10, 500)}, key(0));
  store_instant({transfer(3, 1)}, key(1));
  order();
  auto r1 = verifier_->apply_next();
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->skipped_instant_blocks, 1u);
  store_instant({transfer(3, 1)}, key(1));
  order();
  auto r2 = verifier_->apply_next();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->skipped_instant_blocks, 0u);
  EXPECT_EQ(r2->applied, 1u);
}

TEST_F(VerifierTest, BadInstantSignatureSkipped) {
  store_instant({transfer(1, 1)}, key(0), /*corrupt_sig=*/true);
  order();
  auto r = verifier_->apply_next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->skipped_instant_blocks, 1u);
}

TEST_F(VerifierTest, InvalidEventsSkipped) {
  auto good = transfer(1, 1);
  auto poor = transfer(1, 2, 5'000'000);  // more than the balance
  auto after = transfer(1, 2);            // nonce 2 still free after the rejection
  store_instant({good, poor, after}, key(0));
  order();
  auto r = verifier_->apply_next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 2u);
  EXPECT_EQ(r->rejected, 1u);
  auto rec = chain::load_event_record(*store_, poor.hash()).value();
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->status, chain::EventStatus::kRejected);
  EXPECT_NE(rec->reason.find("insufficient_balance"), std::string::npos);
  EXPECT_EQ(chain::load_event_record(*store_, after.hash()).value()->status,
            chain::EventStatus::kApplied);
}

TEST_F(VerifierTest, SignatureCacheMissStillVerifies) {
  auto forged = transfer(1, 1);
  forged.signature[5] ^= 1;  // not in the cache, does not verify
  auto cached = transfer(3, 1);
  cache_.insert(cached.hash());
  store_instant({forged, cached}, key(0));
  order();
  auto r = verifier_->apply_next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 1u);
  EXPECT_NE(chain::load_event_record(*store_, forged.hash()).value()->reason.find("bad_signature"),
            std::string::npos);
  EXPECT_FALSE(cache_.contains(cached.hash()));  // used once, dropped
}

TEST_F(VerifierTest, ForeignOrUnlinkedControllerBlockHaltsInsteadOfApplying) {
  // A controller block signed by someone else at the next index.
  ControllerBlock cb;
  cb.symbiote = genesis_.id();
  cb.index = 1;
  cb.prev_hash = genesis_.id();
  cb.sign(key(1));
  Bytes enc = cb.encode();
  ASSERT_TRUE(store_->put(dc_keys::controller(1), std::string(enc.begin(), enc.end())).ok());
  EXPECT_EQ(verifier_->apply_next().error().code, "bad_block");
  cb.sign(key(0));
  cb.prev_hash = Hash32{};  // wrong link
  cb.sign(key(0));
  enc = cb.encode();
  ASSERT_TRUE(store_->put(dc_keys::controller(1), std::string(enc.begin(), enc.end())).ok());
  EXPECT_EQ(verifier_->apply_next().error().code, "bad_block");
  EXPECT_EQ(store_->applied_height().value(), 0u);
}

// D4/D15: a sender's runs arriving in the wrong order inside one controller block all apply.
TEST_F(VerifierTest, OutOfOrderRunsInOneBlockAllApply) {
  store_instant({transfer(1, 3), transfer(1, 4)}, key(0));
  store_instant({transfer(1, 1), transfer(1, 2)}, key(0));
  order();
  auto r = verifier_->apply_next();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->applied, 4u);
  EXPECT_EQ(r->rejected, 0u);
  EXPECT_TRUE(r->deferred.empty());
  EXPECT_EQ(r->decided.size(), 4u);
  EXPECT_EQ(store_->account(key(1).public_key()).value().nonce, 4u);
  EXPECT_EQ(chain::load_event_record(*store_, transfer(1, 4).hash()).value()->status,
            chain::EventStatus::kApplied);
}

// D4: a gap left open at the end of the block: the later event is deferred, not recorded and not
// decided; a later block that fills the gap applies it.
TEST_F(VerifierTest, AGapLeftOpenDefersWithoutARecord) {
  store_instant({transfer(1, 3), transfer(1, 1)}, key(0));
  order();
  auto r = verifier_->apply_next();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 1u);
  EXPECT_EQ(r->rejected, 0u);
  ASSERT_EQ(r->deferred.size(), 1u);
  EXPECT_EQ(r->deferred[0].hash, transfer(1, 3).hash());
  EXPECT_EQ(r->decided.size(), 1u);
  EXPECT_FALSE(chain::load_event_record(*store_, transfer(1, 3).hash()).value().has_value());
  store_instant({transfer(1, 3), transfer(1, 2)}, key(0));
  order();
  auto r2 = verifier_->apply_next();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->applied, 2u);
  EXPECT_TRUE(r2->deferred.empty());
  EXPECT_EQ(store_->account(key(1).public_key()).value().nonce, 3u);
}
