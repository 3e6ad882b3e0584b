// The safety rules S1–S4 (consensus/safety.h, README B3) one by one, and the durable safety
// state: it round-trips, and a damaged one is refused rather than read as "never voted".
#include <gtest/gtest.h>

#include "workflows/dev_symbiland/consensus/safety.h"
#include "workflows/dev_symbiland/tests/fixtures.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;

namespace {

using D = SafetyRules::Decision;

struct Fixture {
  Validators v = make_validators({1, 1, 1, 1});
  QuorumCert qc(Round r, uint8_t fill) {
    Hash32 h{};
    h.fill(fill);
    std::vector<Vote> votes;
    for (uint32_t i = 0; i < 3; ++i) votes.push_back(sign_vote(v, i, r, h));
    return v.certifier->make_qc(votes).value();
  }
  Block block(Round r, const QuorumCert& justify, std::optional<TimeoutCert> tc = {}) {
    Block b;
    b.symbiote = v.symbiote;
    b.epoch = 1;
    b.round = r;
    b.parent = justify.block;
    b.justify = justify;
    b.tc = std::move(tc);
    return b;
  }
  TimeoutCert tc(Round r, std::vector<QuorumCert> high) {
    std::vector<Timeout> ts;
    for (uint32_t i = 0; i < high.size(); ++i) ts.push_back(sign_timeout(v, i, r, high[i]));
    return v.certifier->make_tc(ts).value();
  }
};

}  // namespace

TEST(SafetyRules, OneVotePerRoundAndTheSameVoteIsOnlyResent) {
  Fixture f;
  SafetyRules s;
  const QuorumCert q1 = f.qc(1, 1);
  Block b2 = f.block(2, q1);
  ASSERT_EQ(s.vote(b2, b2.hash()).value(), D::kSign);
  EXPECT_EQ(s.state().last_voted_round, 2u);
  EXPECT_EQ(s.state().one_chain_round, 1u) << "S4: the justify is observed";
  s.signed_vote(sign_vote(f.v, 0, 2, b2.hash()));
  EXPECT_EQ(s.vote(b2, b2.hash()).value(), D::kResend);
  Block other = b2;
  other.payload = {1};
  EXPECT_EQ(s.vote(other, other.hash()).error().code, "unsafe_vote") << "a second block";
  Block older = f.block(1, QuorumCert::genesis(f.v.symbiote, 1, 4));
  EXPECT_EQ(s.vote(older, older.hash()).error().code, "unsafe_vote") << "an earlier round";
}

TEST(SafetyRules, AVoteNeedsADirectJustifyOrATcItExtends) {
  Fixture f;
  const QuorumCert q1 = f.qc(1, 1), q3 = f.qc(3, 3);
  SafetyRules s;
  Block gap = f.block(5, q3);  // round 4 missing, no TC
  EXPECT_EQ(s.vote(gap, gap.hash()).error().code, "unsafe_vote");
  // TC(4) whose highest QC is round 3: a block justified by QC(3) extends it; QC(1) does not.
  const TimeoutCert tc4 = f.tc(4, {q3, q1, q1});
  Block after_tc = f.block(5, q3, tc4);
  Block stale = f.block(5, q1, tc4);
  EXPECT_EQ(s.vote(stale, stale.hash()).error().code, "unsafe_vote");
  EXPECT_EQ(s.vote(after_tc, after_tc.hash()).value(), D::kSign);
  // A TC of another round does not justify.
  SafetyRules s2;
  Block wrong_tc = f.block(6, q3, tc4);
  EXPECT_EQ(s2.vote(wrong_tc, wrong_tc.hash()).error().code, "unsafe_vote");
}

TEST(SafetyRules, NoVoteInARoundAfterTimingOutInIt) {
  Fixture f;
  SafetyRules s;
  const QuorumCert q1 = f.qc(1, 1);
  ASSERT_EQ(s.timeout(2, q1, std::nullopt).value(), D::kSign);
  Timeout t = sign_timeout(f.v, 0, 2, q1);
  s.signed_timeout(t);
  Block b2 = f.block(2, q1);
  EXPECT_EQ(s.vote(b2, b2.hash()).error().code, "unsafe_vote");
  // The timeout of round 2 is re-sent as it was, even with a newer QC at hand (no second content).
  const QuorumCert q1b = f.qc(1, 9);
  EXPECT_EQ(s.timeout(2, q1b, std::nullopt).value(), D::kResend);
  EXPECT_EQ(s.state().last_timeout, t.encode());
}

TEST(SafetyRules, ATimeoutNeedsTheRoundsCertificateAndTheHighestQc) {
  Fixture f;
  const QuorumCert g = QuorumCert::genesis(f.v.symbiote, 1, 4), q1 = f.qc(1, 1), q2 = f.qc(2, 2);
  SafetyRules s;
  s.observe_qc(q2);
  EXPECT_EQ(s.timeout(3, q1, std::nullopt).error().code, "unsafe_timeout") << "older high QC";
  EXPECT_EQ(s.timeout(5, q2, std::nullopt).error().code, "unsafe_timeout")
      << "no certificate shows round 5 began";
  const TimeoutCert tc4 = f.tc(4, {q2, g, q1});
  EXPECT_EQ(s.timeout(5, q2, tc4).value(), D::kSign);
  SafetyRules voted;
  Block b3 = f.block(3, q2);
  ASSERT_TRUE(voted.vote(b3, b3.hash()).ok());
  EXPECT_EQ(voted.timeout(2, q1, std::nullopt).error().code, "unsafe_timeout")
      << "before the round voted in";
  EXPECT_EQ(voted.timeout(3, q2, std::nullopt).value(), D::kSign) << "in the round voted in";
}

TEST(SafetyRules, OneProposalPerRound) {
  SafetyRules s;
  Hash32 a{}, b{};
  b.fill(1);
  EXPECT_EQ(s.propose(4, a).value(), D::kSign);
  EXPECT_EQ(s.propose(4, a).value(), D::kResend);
  EXPECT_EQ(s.propose(4, b).error().code, "unsafe_proposal");
  EXPECT_EQ(s.propose(3, b).error().code, "unsafe_proposal");
  EXPECT_EQ(s.propose(5, b).value(), D::kSign);
}

TEST(SafetyRules, TheDurableStateRoundTripsAndADamagedOneIsRefused) {
  Fixture f;
  SafetyRules s;
  const QuorumCert q1 = f.qc(1, 1);
  Block b2 = f.block(2, q1);
  ASSERT_TRUE(s.vote(b2, b2.hash()).ok());
  s.signed_vote(sign_vote(f.v, 1, 2, b2.hash()));
  ASSERT_TRUE(s.timeout(2, q1, std::nullopt).ok());
  s.signed_timeout(sign_timeout(f.v, 1, 2, q1));
  ASSERT_TRUE(s.propose(3, b2.hash()).ok());
  const Bytes enc = s.state().encode();
  auto back = SafetyState::decode(enc);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, s.state());
  // A restarted validator with this state refuses what the first life refused.
  SafetyRules again(*back);
  Block other = b2;
  other.payload = {7};
  EXPECT_EQ(again.vote(other, other.hash()).error().code, "unsafe_vote");
  for (size_t n = 0; n < enc.size(); ++n)
    EXPECT_FALSE(SafetyState::decode(ByteSpan(enc.data(), n)).ok()) << n;
  Bytes flipped = enc;
  flipped[0] ^= 1;
  EXPECT_EQ(SafetyState::decode(flipped).error().code, "bad_safety_state");
}
