// Checkpoint proofs, commit records and the commit target (K1, K3 in checkpointer.h). The
// checkpointer against real hostchains is tested in tests/integration (Hostchains.*).
#include "workflows/kit/checkpointer.h"

#include <gtest/gtest.h>

#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::kit;

namespace {
constexpr std::string_view kDomain = "KLY-TEST-CHECKPOINT-PROOF-v1";
}
using klyn::chain::testing::key;

TEST(Checkpointer, TargetIsTheLargestMultipleNotAboveTheAppliedHeight) {
  EXPECT_EQ(checkpoint_target(0, 10), 0u);
  EXPECT_EQ(checkpoint_target(9, 10), 0u);
  EXPECT_EQ(checkpoint_target(10, 10), 10u);
  EXPECT_EQ(checkpoint_target(27, 10), 20u);
  EXPECT_EQ(checkpoint_target(27, 1), 27u);
  EXPECT_EQ(checkpoint_target(27, 0), 0u) << "checkpoint_every = 0: no checkpoints";
}

TEST(Checkpointer, ProofVerifiesOnlyUnderTheControllerAndRoundTrips) {
  CheckpointProof p;
  p.symbiote.fill(4);
  p.hostchain = {"bitcoin", "litecoin-regtest", ""};
  p.index = 40;
  p.hash.fill(9);
  p.tx = "ab12";
  p.sign(kDomain, key(0));
  EXPECT_TRUE(p.verify(kDomain, key(0).public_key()));
  EXPECT_FALSE(p.verify(kDomain, key(1).public_key()));
  auto d = decode_checkpoint_proof(p.encode(kDomain), kDomain);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->encode(kDomain), p.encode(kDomain));
  EXPECT_TRUE(d->verify(kDomain, key(0).public_key()));
  // Any change of a signed field breaks the signature.
  for (int field = 0; field < 4; ++field) {
    CheckpointProof q = *d;
    if (field == 0) q.index += 1;
    if (field == 1) q.hash[0] ^= 1;
    if (field == 2) q.tx = "ab13";
    if (field == 3) q.hostchain.network = "litecoin";
    EXPECT_FALSE(q.verify(kDomain, key(0).public_key())) << field;
  }
  Bytes enc = p.encode(kDomain);
  enc.push_back(0);
  EXPECT_FALSE(decode_checkpoint_proof(enc, kDomain).ok());
  enc.resize(enc.size() - 10);
  EXPECT_FALSE(decode_checkpoint_proof(enc, kDomain).ok());
}

TEST(Checkpointer, CommitRecordRoundTrips) {
  CommitRecord r;
  r.index = 7;
  r.hash.fill(1);
  r.tx = "deadbeef";
  r.confirmed = true;
  r.unseen_checks = 3;
  auto d = decode_commit_record(r.encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->index, 7u);
  EXPECT_EQ(d->tx, "deadbeef");
  EXPECT_TRUE(d->confirmed);
  EXPECT_EQ(d->unseen_checks, 3u);
  EXPECT_FALSE(decode_commit_record(Bytes{1, 2}).ok());
}
