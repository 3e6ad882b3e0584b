// Equivocation proofs and the alarm book (invariants A1–A3 in alarms.h).
#include "workflows/dev_controller/alarms.h"

#include <gtest/gtest.h>

#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;

namespace {

// key(0) is the controller of small_genesis().
Bytes block(const chain::Genesis& g, uint64_t index, uint64_t created_ms,
            const crypto::KeyPair& signer = key(0)) {
  ControllerBlock cb;
  cb.symbiote = g.id();
  cb.index = index;
  cb.prev_hash.fill(7);
  cb.created_ms = created_ms;
  cb.instant_blocks = {Hash32{1}};
  cb.sign(signer);
  return cb.encode();
}

}  // namespace

TEST(Alarms, ProofOfTwoSignedBlocksAtOneIndexIsOrderIndependent) {
  auto g = small_genesis();
  const auto ctl = key(0).public_key();
  Bytes a = block(g, 5, 100), b = block(g, 5, 101);
  auto p1 = check_equivocation(a, b, g.id(), ctl, {});
  auto p2 = check_equivocation(b, a, g.id(), ctl, {});
  ASSERT_TRUE(p1.ok()) << p1.error().to_string();
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p1->id(), p2->id());
  EXPECT_EQ(p1->encode(), p2->encode());
  EXPECT_EQ(p1->index, 5u);
  EXPECT_LT(p1->first_hash, p1->second_hash);

  auto d = decode_equivocation(p1->encode(), g.id(), ctl, {});
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->id(), p1->id());
}

TEST(Alarms, RejectsEverythingThatIsNotAProof) {
  auto g = small_genesis();
  const auto ctl = key(0).public_key();
  Bytes a = block(g, 5, 100);
  auto expect_bad = [&](ByteSpan x, ByteSpan y, const char* why) {
    auto p = check_equivocation(x, y, g.id(), ctl, {});
    ASSERT_FALSE(p.ok()) << why;
    EXPECT_EQ(p.error().code, "bad_proof") << why;
  };
  expect_bad(a, a, "the same block twice");
  Bytes other_index = block(g, 6, 101);
  expect_bad(a, other_index, "different indexes");
  Bytes wrong_signer = block(g, 5, 101, key(1));
  expect_bad(a, wrong_signer, "not the controller's signature");
  Bytes tampered = block(g, 5, 101);
  tampered[tampered.size() - 1] ^= 1;
  expect_bad(a, tampered, "broken signature");
  auto other = small_genesis(11);  // another symbiote, same controller
  expect_bad(block(other, 5, 100), block(other, 5, 101), "blocks of another symbiote");
  Bytes garbage = {1, 2, 3};
  expect_bad(a, garbage, "not a block");

  auto p = check_equivocation(a, block(g, 5, 101), g.id(), ctl, {});
  ASSERT_TRUE(p.ok());
  Bytes enc = p->encode();
  enc.push_back(0);
  EXPECT_FALSE(decode_equivocation(enc, g.id(), ctl, {}).ok()) << "trailing byte";
  enc.pop_back();
  enc.pop_back();
  EXPECT_FALSE(decode_equivocation(enc, g.id(), ctl, {}).ok()) << "truncated";
  EXPECT_FALSE(decode_equivocation(enc, g.id(), key(1).public_key(), {}).ok())
      << "another controller";
}

TEST(Alarms, BookIsDurableAndDeduplicates) {
  auto g = small_genesis();
  TempDir dir;
  auto p = check_equivocation(block(g, 3, 1), block(g, 3, 2), g.id(), key(0).public_key(), {});
  ASSERT_TRUE(p.ok());
  {
    auto store = chain::ChainStore::open(dir.path("db"), g);
    ASSERT_TRUE(store.ok());
    AlarmBook book(**store, alarm_book_options());
    ASSERT_TRUE(book.load().ok());
    EXPECT_FALSE(book.halting());
    auto r1 = book.record(equivocation_alarm(*p, "local", 1000));
    ASSERT_TRUE(r1.ok());
    EXPECT_TRUE(*r1);
    auto r2 = book.record(equivocation_alarm(*p, "peer x", 2000));
    ASSERT_TRUE(r2.ok());
    EXPECT_FALSE(*r2) << "A3: the same proof again is not new";
    EXPECT_EQ(book.list().size(), 1u);
  }
  auto store = chain::ChainStore::open(dir.path("db"), g);
  ASSERT_TRUE(store.ok());
  AlarmBook book(**store, alarm_book_options());
  ASSERT_TRUE(book.load().ok());
  ASSERT_TRUE(book.halting()) << "A2: alarms survive a restart";
  auto list = book.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kind, "equivocation");
  EXPECT_EQ(list[0].index, 3u);
  EXPECT_EQ(list[0].source, "local");
  EXPECT_EQ(list[0].detected_ms, 1000u);
  EXPECT_EQ(list[0].id, p->id());
  EXPECT_EQ(list[0].evidence, p->encode());
  auto j = list[0].to_json();
  EXPECT_EQ(j["hashes"].size(), 2u);
  auto again = book.record(equivocation_alarm(*p, "peer y", 3000));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}
