// Acknowledgements and censorship evidence (invariants E1–E3 in censorship.h).
#include "workflows/dev_controller/censorship.h"

#include <gtest/gtest.h>

#include <map>

#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using Verdict = CensorshipCheck::Verdict;

namespace {

struct Fixture {
  chain::Genesis g = small_genesis();  // key(0) is the controller
  Bytes instant;
  Hash32 instant_hash{};
  std::map<uint64_t, std::vector<Hash32>> blocks;  // the local chain: index -> instant hashes

  Fixture() {
    InstantBlock ib;
    ib.symbiote = g.id();
    ib.created_ms = 5;
    ib.events.push_back(chain::make_transfer(g.id(), key(1), 1, 10, key(2).public_key(), 3));
    ib.sign(key(1));
    instant = ib.encode();
    instant_hash = InstantBlock::hash_of(instant);
  }
  CensorshipEvidence evidence(uint64_t height, const crypto::KeyPair& signer = key(0)) const {
    InstantAck a;
    a.symbiote = g.id();
    a.instant = instant_hash;
    a.height = height;
    a.sign(signer);
    return {a.encode(), instant};
  }
  CensorshipCheck check(const CensorshipEvidence& ev, uint64_t window = 3) const {
    return check_censorship(ev, g.id(), key(0).public_key(), {}, window,
                            [&](uint64_t i) -> std::optional<std::vector<Hash32>> {
                              auto it = blocks.find(i);
                              if (it == blocks.end()) return std::nullopt;
                              return it->second;
                            });
  }
};

}  // namespace

TEST(Censorship, AckRoundTripsAndVerifiesOnlyUnderTheController) {
  Fixture f;
  auto ev = f.evidence(7);
  auto a = decode_ack(ev.ack);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->height, 7u);
  EXPECT_EQ(a->instant, f.instant_hash);
  EXPECT_TRUE(a->verify(key(0).public_key()));
  EXPECT_FALSE(a->verify(key(1).public_key()));
  Bytes longer = ev.ack;
  longer.push_back(0);
  EXPECT_FALSE(decode_ack(longer).ok());
  auto d = decode_evidence(ev.encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ack, ev.ack);
  EXPECT_EQ(d->instant, ev.instant);
}

TEST(Censorship, ValidOnlyWhenTheWholeWindowIsStoredAndOmitsTheBlock) {
  Fixture f;
  auto ev = f.evidence(10);
  EXPECT_EQ(f.check(ev).verdict, Verdict::kNotYet) << "no block of the window stored";
  f.blocks[11] = {Hash32{1}};
  f.blocks[12] = {};
  EXPECT_EQ(f.check(ev).verdict, Verdict::kNotYet) << "block 13 missing";
  f.blocks[13] = {Hash32{2}, Hash32{3}};
  auto c = f.check(ev);
  EXPECT_EQ(c.verdict, Verdict::kValid) << c.reason;
  EXPECT_EQ(c.producer, key(1).public_key());

  f.blocks[12] = {f.instant_hash};
  c = f.check(ev);
  EXPECT_EQ(c.verdict, Verdict::kInvalid) << "included within the window";
  EXPECT_NE(c.reason.find("includes"), std::string::npos) << c.reason;
}

TEST(Censorship, RejectsForgedOrMismatchedEvidence) {
  Fixture f;
  for (uint64_t i = 1; i <= 20; ++i) f.blocks[i] = {};
  EXPECT_EQ(f.check(f.evidence(1, key(1))).verdict, Verdict::kInvalid) << "ack not by controller";
  auto ev = f.evidence(1);
  auto tampered = ev;
  tampered.instant.back() ^= 1;  // producer signature broken, hash differs
  EXPECT_EQ(f.check(tampered).verdict, Verdict::kInvalid);
  auto other = ev;
  InstantBlock ib;
  ib.symbiote = f.g.id();
  ib.sign(key(2));
  other.instant = ib.encode();  // a valid block, but not the acknowledged one
  EXPECT_EQ(f.check(other).verdict, Verdict::kInvalid);
  auto garbage = ev;
  garbage.ack = {1, 2, 3};
  EXPECT_EQ(f.check(garbage).verdict, Verdict::kInvalid);
  auto c = check_censorship(ev, small_genesis(11).id(), key(0).public_key(), {}, 3,
                            [](uint64_t) { return std::vector<Hash32>{}; });
  EXPECT_EQ(c.verdict, Verdict::kInvalid) << "another symbiote";
}
