// The ledger (ledger.h) on a real RocksDB database: committed blocks apply their events in one
// write with their records (L1), a reopen comes back at the tip and refuses damaged records
// (L2), kept blocks survive a reopen until committed (L3), and the App's checks of payloads and
// state roots (L4).
#include "workflows/dev_symbiland/ledger.h"

#include <gtest/gtest.h>

#include "chain/tests/test_util.h"
#include "workflows/dev_symbiland/tests/fixtures.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;
using chain::testing::key;

namespace {

// A dev_symbiland genesis with 4 validators (accounts key(1..4)) and funded accounts key(10..12).
struct TestChain {
  chain::Genesis genesis;
  Params params;
  std::unique_ptr<Certifier> cert;
  chain::SymbioteId id{};

  TestChain() {
    genesis.manifest.name = "sl";
    genesis.manifest.workflow = "dev_symbiland";
    genesis.manifest.workflow_version = "0.1.0";
    genesis.manifest.fee.per_event = 10;
    std::vector<ValidatorEntry> vs;
    for (uint32_t i = 0; i < 4; ++i) {
      auto k = bls_key(i);
      vs.push_back(
          {key(static_cast<uint8_t>(i + 1)).public_key(), k.public_key(), k.prove_possession(), 1});
    }
    EXPECT_TRUE(write_params(genesis.manifest, vs).ok());
    for (uint8_t i = 10; i < 13; ++i) genesis.accounts.push_back({key(i).public_key(), 1'000'000});
    std::sort(genesis.accounts.begin(), genesis.accounts.end(),
              [](auto& a, auto& b) { return a.id < b.id; });
    params = read_params(genesis.manifest).value();
    id = genesis.id();
    cert = std::make_unique<Certifier>(id, params.epoch, params.set);
  }

  QuorumCert qc_on(const Block& b, const Hash32& hash) const {
    std::vector<Vote> votes;
    for (uint32_t i = 0; i < 3; ++i) {
      Vote v;
      v.epoch = params.epoch;
      v.round = b.round;
      v.block = hash;
      v.voter = i;
      v.signature = bls_key(i).sign(vote_message(id, v.epoch, v.round, hash)).to_bytes();
      votes.push_back(v);
    }
    return cert->make_qc(votes).value();
  }

  // The block of `round` after `parent` (nullopt: genesis), carrying `events`.
  Block child(const std::optional<Block>& parent, Round round,
              const std::vector<chain::Event>& events, const Hash32& state_root) const {
    Block b;
    b.symbiote = id;
    b.epoch = params.epoch;
    b.round = round;
    if (parent) {
      b.height = parent->height + 1;
      b.parent = parent->hash();
      b.justify = qc_on(*parent, b.parent);
      b.state_height = Block::state_height_after(*parent);
    } else {
      b.height = 1;
      b.parent = id;
      b.justify = QuorumCert::genesis(id, params.epoch, 4);
    }
    b.proposer = params.set.leader(id, params.epoch, round);
    b.state_root = state_root;
    std::vector<const chain::Event*> ptrs;
    for (const auto& e : events) ptrs.push_back(&e);
    b.payload = chain::encode_event_batch(ptrs);
    return b;
  }
};

struct Opened {
  std::unique_ptr<chain::ChainStore> store;
  std::unique_ptr<Ledger> ledger;
};

Result<Opened> open(const TestChain& c, const std::string& path) {
  Opened o;
  auto store = chain::ChainStore::open(path, c.genesis);
  if (!store) return store.error();
  o.store = std::move(*store);
  auto ledger = Ledger::open(*o.store, c.genesis.manifest, *c.cert, c.params, nullptr);
  if (!ledger) return ledger.error();
  o.ledger = std::move(*ledger);
  return o;
}

}  // namespace

TEST(Ledger, CommittedBlocksApplyTheirEventsWithTheirRecordsAndAReopenComesBackAtTheTip) {
  chain::testing::TempDir dir;
  TestChain c;
  const auto alice = key(10), bob = key(11);
  Block b1, b2;
  Hash32 root1{};
  {
    auto o = open(c, dir.path("db")).value();
    const Hash32 genesis_root = o.ledger->state_root(0).value().value();
    // Alice's nonce 2 comes before nonce 1 in the block: both apply (kit::NonceOrder).
    auto e2 = chain::make_transfer(c.id, alice, 2, 10, bob.public_key(), 7);
    auto e1 = chain::make_transfer(c.id, alice, 1, 10, bob.public_key(), 5);
    auto forged = chain::make_transfer(c.id, bob, 1, 10, alice.public_key(), 1);
    forged.signature[0] ^= 1;
    b1 = c.child(std::nullopt, 1, {e2, e1, forged}, genesis_root);
    b2 = c.child(b1, 2, {}, genesis_root);
    effect::Commit commit{{b1}, b2.justify};
    auto done = o.ledger->execute(commit).value();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].height, 1u);
    EXPECT_EQ(done[0].applied, 2u);
    EXPECT_EQ(done[0].rejected, 1u);  // the forged one, recorded as rejected
    root1 = done[0].state_root;
    EXPECT_EQ(o.ledger->state_root(1).value().value(), root1);
    EXPECT_EQ(o.store->account(bob.public_key()).value().balance, 1'000'000u + 12);
    // The proposer earned the fees (the manifest's share) or they were burnt: either way alice
    // paid amount + fee twice.
    EXPECT_EQ(o.store->account(alice.public_key()).value().balance, 1'000'000u - 12 - 20);
    auto rec = chain::load_event_record(*o.store, forged.hash()).value();
    ASSERT_TRUE(rec);
    EXPECT_EQ(rec->status, chain::EventStatus::kRejected);
    EXPECT_EQ(o.ledger->block(1).value().value(), b1);
    EXPECT_EQ(o.ledger->block_by_hash(b1.hash()).value().value(), b1);
    EXPECT_EQ(o.ledger->certificate(1).value().value(), b2.justify);
    EXPECT_FALSE(o.ledger->block(2).value());
    // A commit that does not extend the tip is refused, nothing written.
    auto again = o.ledger->execute(commit);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "bad_block");
    EXPECT_EQ(o.ledger->height(), 1u);
  }
  auto o = open(c, dir.path("db")).value();
  EXPECT_EQ(o.ledger->height(), 1u);
  EXPECT_EQ(o.ledger->tip().value(), b1);
  EXPECT_EQ(o.ledger->tip_hash(), b1.hash());
  EXPECT_EQ(o.store->lthash().value().root(), root1);
}

TEST(Ledger, KeptBlocksSurviveAReopenAndAreDeletedWithTheCommitThatPassesThem) {
  chain::testing::TempDir dir;
  TestChain c;
  Block b1, b2;
  {
    auto o = open(c, dir.path("db")).value();
    const Hash32 root0 = o.ledger->state_root(0).value().value();
    b1 = c.child(std::nullopt, 1, {}, root0);
    b2 = c.child(b1, 2, {}, root0);
    ASSERT_TRUE(o.ledger->keep(b1).ok());
    ASSERT_TRUE(o.ledger->keep(b2).ok());
  }
  {
    auto o = open(c, dir.path("db")).value();
    auto kept = o.ledger->kept();
    ASSERT_EQ(kept.size(), 2u);
    ASSERT_TRUE(o.ledger->execute(effect::Commit{{b1}, b2.justify}).ok());
    ASSERT_EQ(o.ledger->kept().size(), 1u);
    EXPECT_EQ(o.ledger->kept()[0], b2);
  }
  auto o = open(c, dir.path("db")).value();
  ASSERT_EQ(o.ledger->kept().size(), 1u);
}

TEST(Ledger, DamagedRecordsStopTheOpenWithAReason) {
  TestChain c;
  auto damaged = [&](const std::function<void(chain::ChainStore&, const Block&)>& harm) {
    chain::testing::TempDir dir;
    {
      auto o = open(c, dir.path("db")).value();
      const Hash32 root0 = o.ledger->state_root(0).value().value();
      Block b1 = c.child(std::nullopt, 1, {}, root0);
      Block b2 = c.child(b1, 2, {}, root0);
      EXPECT_TRUE(o.ledger->execute(effect::Commit{{b1}, b2.justify}).ok());
      harm(*o.store, b1);
    }
    auto o = open(c, dir.path("db"));
    EXPECT_FALSE(o.ok());
    return o.ok() ? std::string("opened") : o.error().code + ": " + o.error().reason;
  };
  EXPECT_NE(damaged([](chain::ChainStore& s, const Block&) {
              EXPECT_TRUE(s.put(sl_keys::kTip, std::string(40, 'x')).ok());
            }).find("storage_corrupt"),
            std::string::npos);
  const std::string missing = damaged([](chain::ChainStore& s, const Block&) {
    chain::WriteBatch b;
    b.del(sl_keys::block(1));
    EXPECT_TRUE(s.write(b).ok());
  });
  EXPECT_NE(missing.find("tip block 1 is missing"), std::string::npos) << missing;
  const std::string bad_qc = damaged([&](chain::ChainStore& s, const Block& b1) {
    QuorumCert qc = c.qc_on(b1, b1.hash());
    qc.signature = bls_key(3).sign(Bytes{1}).to_bytes();
    codec::Writer w;
    qc.encode(w);
    const Bytes enc = std::move(w).take();
    EXPECT_TRUE(s.put(sl_keys::certificate(1), std::string(enc.begin(), enc.end())).ok());
  });
  EXPECT_NE(bad_qc.find("certificate does not verify"), std::string::npos) << bad_qc;
  const std::string bad_kept = damaged([](chain::ChainStore& s, const Block&) {
    EXPECT_TRUE(s.put(sl_keys::kept(Hash32{}), "not a block").ok());
  });
  EXPECT_NE(bad_kept.find("kept block"), std::string::npos) << bad_kept;
}

TEST(Ledger, TheAppProposesWhatIsNotInFlightAndChecksPayloadsAndStateRoots) {
  chain::testing::TempDir dir;
  TestChain c;
  auto o = open(c, dir.path("db")).value();
  const Hash32 root0 = o.ledger->state_root(0).value().value();
  const auto alice = key(10), bob = key(11);
  auto e1 = chain::make_transfer(c.id, alice, 1, 10, bob.public_key(), 5);
  auto e2 = chain::make_transfer(c.id, alice, 2, 10, bob.public_key(), 5);
  Block b1 = c.child(std::nullopt, 1, {e1}, root0);  // uncommitted, known to the core
  std::set<Hash32> excluded;
  bool mempool_empty = false;
  App app = o.ledger->app(
      [&](size_t max, const std::set<Hash32>& exclude) {
        EXPECT_EQ(max, c.params.max_events_per_block);
        excluded = exclude;
        std::vector<chain::Event> out;
        if (mempool_empty) return out;
        for (const auto& e : {e1, e2})
          if (!exclude.count(e.hash())) out.push_back(e);
        return out;
      },
      [&](const Hash32& h) -> std::optional<Block> {
        if (h == b1.hash()) return b1;
        return std::nullopt;
      });
  // Extending b1: e1 is in flight, only e2 is proposed; the state is the genesis' (height 0).
  auto body = app.propose(b1, b1.hash(), 0);
  ASSERT_TRUE(body);
  EXPECT_EQ(excluded, std::set<Hash32>{e1.hash()});
  EXPECT_EQ(body->state_root, root0);
  EXPECT_EQ(chain::decode_event_batch(body->payload).value().size(), 1u);
  EXPECT_FALSE(body->idle);
  mempool_empty = true;
  body = app.propose(b1, b1.hash(), 0);
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->idle) << "e1 is in flight: the chain must go on to commit it";
  mempool_empty = false;
  EXPECT_FALSE(app.propose(b1, b1.hash(), 1)) << "height 1 is not executed yet";

  Block b2 = c.child(b1, 2, {e2}, root0);
  EXPECT_TRUE(app.check(b2, b1).ok());
  Block wrong = b2;
  wrong.state_root[0] ^= 1;
  EXPECT_EQ(app.check(wrong, b1).error().code, "bad_state_root");
  Block ahead = b2;
  ahead.state_height = 1;
  EXPECT_EQ(app.check(ahead, b1).error().code, "not_executed");
  Block forged = c.child(b1, 2, {e2}, root0);
  auto bad = e2;
  bad.signature[5] ^= 1;
  std::vector<const chain::Event*> one{&bad};
  forged.payload = chain::encode_event_batch(one);
  EXPECT_EQ(app.check(forged, b1).error().code, "bad_payload");
  Block garbage = b2;
  garbage.payload = {1, 2, 3};
  EXPECT_EQ(app.check(garbage, b1).error().code, "bad_payload");
  // Committed blocks are served to peers from the store.
  Block b3 = c.child(b2, 3, {}, root0);
  ASSERT_TRUE(o.ledger->execute(effect::Commit{{b1, b2}, b3.justify}).ok());
  EXPECT_EQ(app.stored(b2.hash()).value(), b2);
  EXPECT_FALSE(app.stored(b3.hash()));
  // Nothing pending and nothing in flight above the tip: an idle block.
  mempool_empty = true;
  body = app.propose(b2, b2.hash(), 2);
  ASSERT_TRUE(body);
  EXPECT_TRUE(body->idle);
  EXPECT_EQ(body->state_root, o.ledger->state_root(2).value().value());
}
