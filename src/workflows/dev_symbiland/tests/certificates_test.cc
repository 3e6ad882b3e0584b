// dev_symbiland's validator set, messages and certificates (consensus/types.h; README B1, B2,
// B6): stake weights and quorums, the leader schedule, QC and TC aggregation and verification,
// and every way a certificate or message can be wrong.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "workflows/dev_symbiland/tests/fixtures.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;

namespace {

Hash32 block_hash(uint8_t n) {
  Hash32 h{};
  h.fill(n);
  return h;
}

QuorumCert qc_of(const Validators& v, Round round, const Hash32& block,
                 std::vector<uint32_t> voters) {
  std::vector<Vote> votes;
  for (uint32_t i : voters) votes.push_back(sign_vote(v, i, round, block));
  return v.certifier->make_qc(votes).value();
}

}  // namespace

TEST(Certificates, AQuorumIsMoreThanTwoThirdsOfTheWeight) {
  EXPECT_EQ(make_validators({1, 1, 1, 1}).set().quorum_weight(), 3u);
  EXPECT_EQ(make_validators({1, 1, 1}).set().quorum_weight(), 3u);
  EXPECT_EQ(make_validators({50, 25, 25}).set().quorum_weight(), 67u);
  EXPECT_EQ(make_validators({1}).set().quorum_weight(), 1u);
  auto v = make_validators({5, 1, 1, 1});
  Bitmap heavy_and_one(4);
  heavy_and_one.set(0);
  heavy_and_one.set(1);
  EXPECT_TRUE(v.set().is_quorum(heavy_and_one));  // 6 of 8
  Bitmap light(4);
  light.set(1);
  light.set(2);
  light.set(3);
  EXPECT_FALSE(v.set().is_quorum(light));  // 3 of 8
  EXPECT_EQ(v.set().weight_of(Bitmap(3)), 0u) << "a bitmap of another length weighs nothing";
}

TEST(Certificates, AValidatorSetRefusesZeroWeightRepeatedKeysAndBadProofs) {
  auto k0 = bls_key(0), k1 = bls_key(1);
  auto a0 = chain::testing::key(1).public_key(), a1 = chain::testing::key(2).public_key();
  auto make = [&](std::vector<Validator> vs, std::vector<bls::Signature> pops) {
    auto s = ValidatorSet::make(std::move(vs), pops);
    return s ? std::string("ok") : s.error().reason;
  };
  const auto p0 = k0.prove_possession(), p1 = k1.prove_possession();
  EXPECT_EQ(make({{a0, k0.public_key(), 1}, {a1, k1.public_key(), 1}}, {p0, p1}), "ok");
  EXPECT_EQ(make({}, {}), "no validators");
  EXPECT_EQ(make({{a0, k0.public_key(), 0}}, {p0}), "validator 0: weight must be at least 1");
  EXPECT_EQ(make({{a0, k0.public_key(), 1}, {a1, k0.public_key(), 1}}, {p0, p0}),
            "validator 1: BLS key used twice");
  EXPECT_EQ(make({{a0, k0.public_key(), 1}, {a0, k1.public_key(), 1}}, {p0, p1}),
            "validator 1: account used twice");
  EXPECT_EQ(make({{a0, k0.public_key(), 1}, {a1, k1.public_key(), 1}}, {p0, p0}),
            "validator 1: the proof of possession of its BLS key does not verify");
  EXPECT_EQ(make({{a0, k0.public_key(), UINT64_MAX}, {a1, k1.public_key(), 1}}, {p0, p1}),
            "total weight overflows 64 bits");
}

TEST(Certificates, TheLeaderScheduleIsDeterministicAndWeightedByStake) {
  auto v = make_validators({7, 1, 1, 1});
  std::map<uint32_t, int> led;
  for (Round r = 1; r <= 4000; ++r) ++led[v.set().leader(v.symbiote, 1, r)];
  EXPECT_NEAR(led[0], 2800, 200);  // 70 % of the weight
  for (uint32_t i = 1; i < 4; ++i) EXPECT_NEAR(led[i], 400, 100) << i;
  EXPECT_EQ(v.set().leader(v.symbiote, 1, 17),
            make_validators({7, 1, 1, 1}).set().leader(v.symbiote, 1, 17));
  // Other epochs start the schedule elsewhere.
  std::set<std::vector<uint32_t>> schedules;
  for (Epoch e = 1; e <= 20; ++e) {
    std::vector<uint32_t> s;
    for (Round r = 1; r <= 10; ++r) s.push_back(v.set().leader(v.symbiote, e, r));
    schedules.insert(s);
  }
  EXPECT_GT(schedules.size(), 3u);
}

// A validator that is down costs its own rounds one at a time, never a run of them (the hashed
// pick per round this replaced gave validator 0 of four equal ones rounds 80-84 in a row).
TEST(Certificates, TheLeaderScheduleHasNoRunsOfOneLeaderWithLessThanHalfTheWeight) {
  for (const std::vector<uint64_t>& weights : std::vector<std::vector<uint64_t>>{
           {1, 1, 1, 1}, {3, 2, 2, 1}, {1, 1, 1, 1, 1, 1, 1}, {4, 3}, {1'000'000'007, 1, 999}}) {
    auto v = make_validators(weights);
    std::map<uint32_t, uint64_t> led;
    const Round rounds = 100'000;
    for (Round r = 1; r <= rounds; ++r) {
      const uint32_t l = v.set().leader(v.symbiote, 1, r);
      ++led[l];
      const uint64_t w = weights[l];
      if (w * 2 < v.set().total_weight()) {
        ASSERT_NE(l, v.set().leader(v.symbiote, 1, r + 1))
            << "validator " << l << " of " << weights.size() << " leads rounds " << r << " and "
            << r + 1;
      }
    }
    // In proportion to the weight (scaled for large totals, every validator leading at least
    // once per period).
    for (size_t i = 0; i < weights.size(); ++i) {
      const double share = static_cast<double>(weights[i]) / v.set().total_weight();
      EXPECT_NEAR(static_cast<double>(led[static_cast<uint32_t>(i)]) / rounds, share, 0.01)
          << "validator " << i;
    }
  }
  // Four equal validators: each leads once in every four consecutive rounds.
  auto v = make_validators({1, 1, 1, 1});
  for (Round r = 1; r <= 400; ++r) {
    std::set<uint32_t> window;
    for (Round k = r; k < r + 4; ++k) window.insert(v.set().leader(v.symbiote, 1, k));
    EXPECT_EQ(window.size(), 4u) << "rounds " << r << ".." << r + 3;
  }
}

TEST(Certificates, AQuorumOfVotesMakesAQcThatVerifiesAndNothingLessDoes) {
  auto v = make_validators({1, 1, 1, 1});
  const Hash32 b = block_hash(7);
  QuorumCert qc = qc_of(v, 5, b, {0, 2, 3});
  EXPECT_TRUE(v.certifier->verify_qc(qc).ok());
  EXPECT_EQ(qc.signers.indices(), (std::vector<uint32_t>{0, 2, 3}));
  std::vector<Vote> two = {sign_vote(v, 0, 5, b), sign_vote(v, 1, 5, b)};
  EXPECT_EQ(v.certifier->make_qc(two).error().code, "no_quorum");

  // B1: every field the signature covers, and the signer set, must be exactly right.
  auto fresh = [] { return make_validators({1, 1, 1, 1}); };  // no remembered certificates
  auto check = [&](const QuorumCert& q) {
    auto f = fresh();
    auto st = f.certifier->verify_qc(q);
    return st ? std::string("ok") : st.error().code;
  };
  QuorumCert bad = qc;
  bad.round = 6;
  EXPECT_EQ(check(bad), "bad_signature");
  bad = qc;
  bad.block = block_hash(8);
  EXPECT_EQ(check(bad), "bad_signature");
  bad = qc;
  bad.signers.set(1);  // claims a signer that did not sign
  EXPECT_EQ(check(bad), "bad_signature");
  bad = qc;
  bad.signers = Bitmap(4);
  bad.signers.set(0);
  bad.signers.set(2);  // drops a signer: under quorum
  EXPECT_EQ(check(bad), "no_quorum");
  bad = qc;
  bad.signers = Bitmap(5);
  for (uint32_t i : {0, 2, 3}) bad.signers.set(i);
  EXPECT_EQ(check(bad), "bad_signers");
  bad = qc;
  bad.epoch = 2;
  EXPECT_EQ(check(bad), "wrong_epoch");
  // Another symbiote's validators (same keys) do not accept it.
  auto other = make_validators({1, 1, 1, 1});
  Certifier elsewhere(block_hash(9), 1, other.set());
  EXPECT_EQ(elsewhere.verify_qc(qc).error().code, "bad_signature");
  // Votes of different blocks or a repeated voter do not aggregate.
  EXPECT_FALSE(v.certifier
                   ->make_qc({sign_vote(v, 0, 5, b), sign_vote(v, 1, 5, block_hash(1)),
                              sign_vote(v, 2, 5, b)})
                   .ok());
  EXPECT_FALSE(
      v.certifier->make_qc({sign_vote(v, 0, 5, b), sign_vote(v, 0, 5, b), sign_vote(v, 2, 5, b)})
          .ok());
}

TEST(Certificates, TheGenesisQcIsTheOnlyRoundZeroCertificate) {
  auto v = make_validators({1, 1, 1, 1});
  QuorumCert g = QuorumCert::genesis(v.symbiote, 1, 4);
  EXPECT_TRUE(v.certifier->verify_qc(g).ok());
  QuorumCert bad = g;
  bad.block = block_hash(1);
  EXPECT_EQ(v.certifier->verify_qc(bad).error().code, "bad_certificate");
  bad = g;
  bad.signers.set(0);
  EXPECT_EQ(v.certifier->verify_qc(bad).error().code, "bad_certificate");
}

TEST(Certificates, ATcHoldsEachSignersOwnHighQcRound) {
  auto v = make_validators({1, 1, 1, 1});
  const QuorumCert g = QuorumCert::genesis(v.symbiote, 1, 4);
  const QuorumCert q1 = qc_of(v, 1, block_hash(1), {0, 1, 2});
  const QuorumCert q2 = qc_of(v, 2, block_hash(2), {1, 2, 3});
  std::vector<Timeout> ts = {sign_timeout(v, 3, 4, q2), sign_timeout(v, 0, 4, g),
                             sign_timeout(v, 1, 4, q1)};
  for (const auto& t : ts) ASSERT_TRUE(v.certifier->verify_timeout(t).ok());
  auto tc = v.certifier->make_tc(ts);
  ASSERT_TRUE(tc.ok()) << tc.error().to_string();
  EXPECT_EQ(tc->signers.indices(), (std::vector<uint32_t>{0, 1, 3}));
  EXPECT_EQ(tc->high_qc_rounds, (std::vector<Round>{0, 1, 2}));
  EXPECT_EQ(tc->max_high_qc_round(), 2u);

  auto check = [](const TimeoutCert& t) {
    auto f = make_validators({1, 1, 1, 1});
    auto st = f.certifier->verify_tc(t);
    return st ? std::string("ok") : st.error().code;
  };
  EXPECT_EQ(check(*tc), "ok");
  TimeoutCert bad = *tc;
  bad.high_qc_rounds = {1, 0, 2};  // two signers' rounds swapped
  EXPECT_EQ(check(bad), "bad_signature");
  bad = *tc;
  bad.high_qc_rounds[2] = 3;  // one round raised
  EXPECT_EQ(check(bad), "bad_signature");
  bad = *tc;
  bad.high_qc_rounds[2] = 4;  // not below the timeout's round
  EXPECT_EQ(check(bad), "bad_certificate");
  bad = *tc;
  bad.round = 5;
  EXPECT_EQ(check(bad), "bad_signature");
  EXPECT_EQ(v.certifier->make_tc({ts[0], ts[1]}).error().code, "no_quorum");
  // A timeout whose high QC is not older than its round, or whose signature is another's.
  Timeout t = sign_timeout(v, 2, 4, q2);
  t.voter = 1;
  EXPECT_EQ(make_validators({1, 1, 1, 1}).certifier->verify_timeout(t).error().code,
            "bad_signature");
  EXPECT_EQ(v.certifier->verify_timeout(sign_timeout(v, 2, 2, q2)).error().code, "bad_message");
}

TEST(Certificates, EveryMessageRoundTripsAndTruncationsAreRefused) {
  auto v = make_validators({1, 1, 1, 1});
  const QuorumCert q1 = qc_of(v, 1, block_hash(1), {0, 1, 2});
  auto tc = v.certifier->make_tc(
      {sign_timeout(v, 0, 2, q1), sign_timeout(v, 1, 2, q1), sign_timeout(v, 2, 2, q1)});
  ASSERT_TRUE(tc.ok());
  Proposal p;
  p.block.symbiote = v.symbiote;
  p.block.epoch = 1;
  p.block.round = 3;
  p.block.height = 2;
  p.block.parent = q1.block;
  p.block.justify = q1;
  p.block.tc = *tc;
  p.block.proposer = v.set().leader(v.symbiote, 1, 3);
  p.block.created_ms = 99;
  p.block.state_height = 1;
  p.block.state_root = block_hash(4);
  p.block.payload = {1, 2, 3};
  p.signature =
      v.signers[p.block.proposer]->sign(proposal_message(v.symbiote, 1, 3, p.block.hash()));
  EXPECT_TRUE(v.certifier->verify_proposal(p).ok());
  const Bytes enc = p.encode();
  auto back = Proposal::decode(enc);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->block, p.block);
  EXPECT_EQ(back->encode(), enc);
  for (size_t n = 0; n < enc.size(); n += 7)
    EXPECT_FALSE(Proposal::decode(ByteSpan(enc.data(), n)).ok()) << n;
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_FALSE(Proposal::decode(longer).ok());

  Timeout t = sign_timeout(v, 3, 2, q1);
  t.last_tc = *tc;
  auto tb = Timeout::decode(t.encode());
  ASSERT_TRUE(tb.ok());
  EXPECT_EQ(tb->encode(), t.encode());
  Vote vote = sign_vote(v, 1, 3, block_hash(3));
  EXPECT_EQ(Vote::decode(vote.encode()).value(), vote);
  Bytes garbage(200, 0xff);
  EXPECT_FALSE(Vote::decode(garbage).ok());
  EXPECT_FALSE(Timeout::decode(garbage).ok());
  EXPECT_FALSE(Proposal::decode(garbage).ok());
  // A bitmap with a bit past its length is not canonical.
  codec::Writer w;
  w.varint(3);
  w.u8(0x09);  // bit 3 set in a 3-bit map
  codec::Reader r(w.data());
  Bitmap bm;
  EXPECT_FALSE(bm.decode(r));
}

TEST(Certificates, TheStateHeightIsTheHighestAncestorTheChainProvesCommitted) {
  Block genesis;  // height 0
  EXPECT_EQ(Block::state_height_after(genesis), 0u);
  Block parent;
  parent.height = 5;
  parent.round = 7;
  parent.justify.round = 6;  // follows its justify directly: a child's QC commits height 4
  parent.state_height = 3;
  EXPECT_EQ(Block::state_height_after(parent), 4u);
  parent.justify.round = 5;  // after a timeout: nothing new is committed by a child's QC
  EXPECT_EQ(Block::state_height_after(parent), 3u);
}

TEST(Certificates, AProposalMustComeFromTheRoundsLeaderAndExtendItsJustify) {
  auto v = make_validators({1, 1, 1, 1});
  const QuorumCert g = QuorumCert::genesis(v.symbiote, 1, 4);
  auto proposal = [&](uint32_t proposer, Round round, const QuorumCert& justify) {
    return sign_proposal(v, proposer, round, 1, justify);
  };
  const uint32_t leader = v.set().leader(v.symbiote, 1, 1);
  EXPECT_TRUE(v.certifier->verify_proposal(proposal(leader, 1, g)).ok());
  EXPECT_EQ(v.certifier->verify_proposal(proposal((leader + 1) % 4, 1, g)).error().code,
            "not_leader");
  Proposal p = proposal(leader, 1, g);
  p.block.parent = block_hash(3);
  EXPECT_EQ(v.certifier->verify_proposal(p).error().code, "bad_block");
  p = proposal(leader, 1, g);
  p.block.payload = {9};  // changed after signing
  EXPECT_EQ(v.certifier->verify_proposal(p).error().code, "bad_signature");
  p = proposal(leader, 1, g);
  p.block.symbiote = block_hash(1);
  EXPECT_EQ(v.certifier->verify_proposal(p).error().code, "wrong_symbiote");
  // Round 3 after the genesis QC needs TC(2).
  const uint32_t l3 = v.set().leader(v.symbiote, 1, 3);
  EXPECT_EQ(v.certifier->verify_proposal(proposal(l3, 3, g)).error().code, "bad_block");
}
