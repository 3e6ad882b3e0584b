// The round state machine (consensus/core.h) alone and in the seeded simulation
// (consensus_sim.h): commits without faults, safety and liveness under network faults, crashes and
// Twins, the ordering contract B5, bad input, and that a validator that forgets its safety state
// is caught by the simulation's checks.
#include <gtest/gtest.h>

#include <cstdlib>

#include "workflows/dev_symbiland/tests/consensus_sim.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using namespace klyn::dev_symbiland::testing;

namespace {

// Seeds per suite: a short run in every `make test`; KLYN_SL_SIM_SEEDS=N for more.
uint64_t seeds(uint64_t short_run) {
  if (const char* s = std::getenv("KLYN_SL_SIM_SEEDS")) return std::strtoull(s, nullptr, 10);
  return short_run;
}

std::string replay(const SimParams& p) {
  return "replay: KLYN_SL_SIM_SEEDS=1 KLYN_SL_SIM_FIRST=" + std::to_string(p.seed) +
         " bin/dev_symbiland_tests --gtest_filter=" +
         ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "." +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

uint64_t first_seed() {
  if (const char* s = std::getenv("KLYN_SL_SIM_FIRST")) return std::strtoull(s, nullptr, 10);
  return 1;
}

// The first timer of that kind among the effects.
std::optional<effect::ArmTimer> timer_of(const Effects& fx, effect::ArmTimer::Kind kind) {
  for (const auto& e : fx)
    if (auto* t = std::get_if<effect::ArmTimer>(&e); t && t->kind == kind) return *t;
  return std::nullopt;
}

// Liveness after the heal: every honest node committed at least `blocks` more.
void expect_progress(const SimResult& r, uint64_t blocks, const SimParams& p) {
  for (size_t i = 0; i < r.heights.size(); ++i)
    EXPECT_GE(r.heights[i], r.heights_at_heal[i] + blocks)
        << "node " << i << " made no progress after the heal; " << r.describe() << "\n"
        << replay(p);
}

}  // namespace

TEST(Core, FourValidatorsAndAFollowerCommitTheSameChainWithoutFaults) {
  auto v = make_validators({1, 1, 1, 1});
  SimParams p;
  p.faults.heal_ms = 1000;
  p.run_ms = 3000;
  SimResult r = run_consensus_sim(p, v);
  EXPECT_TRUE(r.violations.empty()) << r.describe();
  for (uint64_t h : r.heights) EXPECT_GE(h, 40u) << r.describe();  // ~2 message delays a block
  EXPECT_EQ(r.refused, 0u) << r.describe();
}

TEST(Core, SafetyAndLivenessUnderDropsDelaysDuplicatesAndPartitions) {
  for (size_t n : {4, 7}) {
    auto v = make_validators(std::vector<uint64_t>(n, 1));
    for (uint64_t s = first_seed(); s < first_seed() + seeds(4); ++s) {
      SimParams p = faulty(s, n);
      SimResult r = run_consensus_sim(p, v);
      ASSERT_TRUE(r.violations.empty()) << "n=" << n << " " << r.describe() << "\n" << replay(p);
      expect_progress(r, 5, p);
    }
  }
}

TEST(Core, StakeWeightsDecideQuorumsNotHeadcount) {
  // One validator holds 70 %: with it down nothing commits, with the three others down it alone
  // is not a quorum either; everything up, it commits.
  auto v = make_validators({7, 1, 1, 1});
  SimParams p;
  p.faults.heal_ms = 500;
  p.run_ms = 4000;
  SimResult r = run_consensus_sim(p, v);
  EXPECT_TRUE(r.violations.empty()) << r.describe();
  for (uint64_t h : r.heights) EXPECT_GE(h, 10u) << r.describe();
}

TEST(Core, TwinsEquivocatingAcrossAPartitionNeverBreakSafety) {
  // f byzantine validators run twice with the same key (n = 4, f = 1; n = 7, f = 2), the copies on
  // different sides of a partition: double proposals and double votes, none of which may make
  // two honest nodes commit different blocks.
  size_t evidence = 0;
  for (auto [n, f] : {std::pair<size_t, size_t>{4, 1}, {7, 2}}) {
    auto v = make_validators(std::vector<uint64_t>(n, 1));
    for (uint64_t s = first_seed(); s < first_seed() + seeds(4); ++s) {
      SimParams p = faulty(s, n);
      p.twins = f;
      p.partition = true;
      SimResult r = run_consensus_sim(p, v);
      ASSERT_TRUE(r.violations.empty()) << "n=" << n << " " << r.describe() << "\n" << replay(p);
      expect_progress(r, 3, p);
      evidence += r.evidence;
    }
  }
  EXPECT_GT(evidence, 0u) << "twins equivocated somewhere and someone kept the evidence";
}

TEST(Core, CrashedValidatorsRestartFromTheirDurableStateAndNeverSignTwice) {
  auto v = make_validators({1, 1, 1, 1});
  for (uint64_t s = first_seed(); s < first_seed() + seeds(4); ++s) {
    SimParams p = faulty(s, 4);
    p.crashes = 3;
    SimResult r = run_consensus_sim(p, v);
    ASSERT_TRUE(r.violations.empty()) << r.describe() << "\n" << replay(p);
    expect_progress(r, 5, p);
  }
}

// f of n down for good (n = 4, f = 1): the others keep committing, through the rounds the dead
// validator leads and the rounds whose votes it should have aggregated.
TEST(Core, OneValidatorDownForGoodDoesNotStopTheOthers) {
  auto v = make_validators({1, 1, 1, 1});
  for (uint64_t s = first_seed(); s < first_seed() + seeds(4); ++s) {
    SimParams p = faulty(s, 4);
    p.down_for_good = static_cast<uint32_t>(s % 4);
    SimResult r = run_consensus_sim(p, v);
    ASSERT_TRUE(r.violations.empty()) << r.describe() << "\n" << replay(p);
    expect_progress(r, 5, p);
  }
}

// B7: every validator down at once (each comes back at its own time). The block the highest QC
// certifies is not committed yet and lived in memory; only the kept blocks bring it back, so a
// leader can extend the highest QC (which safety requires after the timeouts) and commits resume.
TEST(Core, EveryValidatorCrashingAtOnceLosesNoCertifiedBlock) {
  auto v = make_validators({1, 1, 1, 1});
  for (uint64_t s = first_seed(); s < first_seed() + seeds(4); ++s) {
    SimParams p = faulty(s, 4);
    p.crashes = 4;
    p.crash_together = true;
    SimResult r = run_consensus_sim(p, v);
    ASSERT_TRUE(r.violations.empty()) << r.describe() << "\n" << replay(p);
    expect_progress(r, 5, p);
  }
}

// The same with the kept blocks thrown away at restart (B7 violated): some seed must stall, or
// the test above would prove nothing about B7.
TEST(Core, ValidatorsThatForgetTheBlocksTheyVotedForStallTheSimulation) {
  auto v = make_validators({1, 1, 1, 1});
  size_t stalled = 0, runs = 0;
  for (uint64_t s = 1; s <= 8 && stalled == 0; ++s, ++runs) {
    SimParams p = faulty(s, 4);
    p.crashes = 4;
    p.crash_together = true;
    p.lose_blocks = true;
    SimResult r = run_consensus_sim(p, v);
    for (size_t i = 0; i < r.heights.size(); ++i)
      stalled += r.heights[i] < r.heights_at_heal[i] + 5;
  }
  EXPECT_GT(stalled, 0u) << "losing the voted blocks went unnoticed in " << runs << " seeds";
}

// The deliberately broken rule: a validator restarting WITHOUT its safety state (S3 violated).
// The simulation must notice (a second vote or timeout of one round, or a fork) within the seeds
// `make test` runs; if it did not, the checks above would prove nothing about S3.
TEST(Core, AValidatorThatForgetsItsSafetyStateIsCaughtByTheSimulation) {
  auto v = make_validators({1, 1, 1, 1});
  size_t caught = 0, runs = 0;
  for (uint64_t s = 1; s <= 12 && caught == 0; ++s, ++runs) {
    SimParams p = faulty(s, 4);
    p.crashes = 6;
    p.amnesia = true;
    p.twins = 1;  // and an equivocating leader to tempt it
    p.partition = true;
    SimResult r = run_consensus_sim(p, v);
    caught += !r.violations.empty();
    if (!r.violations.empty())
      std::printf("amnesia caught at seed %llu: %s\n", static_cast<unsigned long long>(s),
                  r.violations.front().c_str());
  }
  EXPECT_GT(caught, 0u) << "amnesia went unnoticed in " << runs << " seeds";
}

TEST(Core, BadMessagesAreRefusedWithAReasonAndNeverVotedFor) {
  auto v = make_validators({1, 1, 1, 1});
  // Validator 3 alone, in round 1 (it may or may not lead it).
  CoreOptions o;
  o.self = 3;
  o.signer = v.signers[3].get();
  Core core(*v.certifier, o, test_app(3, std::make_shared<Roots>(genesis_roots())));
  core.start(0);
  auto refused = [](const Effects& fx) {
    std::string codes;
    for (const auto& e : fx) {
      if (auto* r = std::get_if<effect::Refused>(&e)) codes += r->code + " ";
      if (auto* s = std::get_if<effect::Send>(&e)) {
        EXPECT_NE(s->kind, kVote) << "voted for a bad proposal";
      }
    }
    return codes;
  };
  EXPECT_EQ(refused(core.on_message(uint64_t{0}, kProposal, Bytes{1, 2, 3}, 1)), "bad_message ");
  EXPECT_EQ(refused(core.on_message(uint64_t{0}, 99, Bytes{}, 1)), "bad_message ");
  // A proposal for round 1 signed by a validator that does not lead it.
  const uint32_t leader = v.set().leader(v.symbiote, 1, 1);
  const uint32_t impostor = (leader + 1) % 4;
  const QuorumCert genesis = QuorumCert::genesis(v.symbiote, 1, 4);
  Proposal p = sign_proposal(v, impostor, 1, 1, genesis);
  EXPECT_EQ(refused(core.on_message(uint64_t{impostor}, kProposal, p.encode(), 2)), "not_leader ");
  // The leader's, but with a wrong state root: refused by the app's check.
  p = sign_proposal(v, leader, 1, 1, genesis, std::nullopt, Bytes(12, 0));
  if (leader != 3) {
    EXPECT_EQ(refused(core.on_message(uint64_t{leader}, kProposal, p.encode(), 3)),
              "bad_state_root ");
  }
  // The leader's, claiming a state height its parent does not imply (to a node that has not seen
  // the one above: a second proposal of one round would be evidence instead).
  if (leader != 3) {
    Core fresh(*v.certifier, o, test_app(3, std::make_shared<Roots>(genesis_roots())));
    fresh.start(0);
    Proposal q = sign_proposal(v, leader, 1, 1, genesis, std::nullopt, Bytes(12, 0));
    q.block.state_height = 1;
    q.signature = v.signers[leader]->sign(proposal_message(v.symbiote, 1, 1, q.block.hash()));
    EXPECT_EQ(refused(fresh.on_message(uint64_t{leader}, kProposal, q.encode(), 3)), "bad_block ");
  }
  // A vote with another validator's signature.
  Vote bad = sign_vote(v, 1, 1, p.block.hash());
  bad.voter = 2;
  auto fx = core.on_message(uint64_t{2}, kVote, bad.encode(), 4);
  (void)fx;  // stored unverified if this node leads round 2; checked when a quorum forms
  Timeout t = sign_timeout(v, 1, 1, QuorumCert::genesis(v.symbiote, 1, 4));
  t.signature = v.signers[2]->sign(Bytes{1});
  EXPECT_EQ(refused(core.on_message(uint64_t{1}, kTimeout, t.encode(), 5)), "bad_signature ");
  EXPECT_EQ(core.round(), 1u);
}

TEST(Core, EveryVoteAndTimeoutIsPersistedBeforeItIsSent) {
  // B5 in one validator's effects, step by step (the simulation checks it on every run too).
  auto v = make_validators({1, 1, 1, 1});
  CoreOptions o;
  o.self = 2;
  o.signer = v.signers[2].get();
  o.base_timeout_ms = 100;
  Core core(*v.certifier, o, test_app(2, std::make_shared<Roots>(genesis_roots())));
  std::optional<SafetyState> disk;
  auto run = [&](const Effects& fx) {
    for (const auto& e : fx) {
      if (auto* p = std::get_if<effect::Persist>(&e)) disk = p->state;
      if (auto* s = std::get_if<effect::Send>(&e)) {
        if (s->kind == kVote) {
          ASSERT_TRUE(disk);
          EXPECT_EQ(disk->last_vote, s->body);
        }
        if (s->kind == kTimeout) {
          ASSERT_TRUE(disk);
          EXPECT_EQ(disk->last_timeout, s->body);
        }
      }
    }
  };
  run(core.start(0));
  run(core.on_timer(1, 100));  // times out in round 1
  ASSERT_TRUE(disk);
  EXPECT_EQ(disk->last_voted_round, 1u);
  run(core.on_timer(1, 200));  // the same timeout again, nothing new signed
  EXPECT_EQ(disk->last_voted_round, 1u);
}

TEST(Core, AnIdleLeaderWaitsTheEmptyBlockIntervalUnlessEventsArrive) {
  auto v = make_validators({1});  // one validator: it leads every round and certifies alone
  CoreOptions o;
  o.self = 0;
  o.signer = v.signers[0].get();
  o.min_block_interval_ms = 0;
  o.empty_block_interval_ms = 200;
  App app = test_app(0, std::make_shared<Roots>(genesis_roots()));
  auto inner = app.propose;
  app.propose = [inner](const Block& parent, const Hash32& h, uint64_t state_height) {
    auto body = inner(parent, h, state_height);
    if (body) body->idle = true;
    return body;
  };
  Core core(*v.certifier, o, std::move(app));
  auto proposals = [](const Effects& fx) {
    size_t n = 0;
    for (const auto& e : fx)
      if (auto* s = std::get_if<effect::Send>(&e)) n += s->kind == kProposal;
    return n;
  };
  // Block 1 (on genesis) at once; block 2 would be idle: a timer for the rest of the interval.
  Effects fx = core.start(1000);
  EXPECT_EQ(proposals(fx), 1u);
  ASSERT_EQ(core.round(), 2u);
  auto t = timer_of(fx, effect::ArmTimer::Kind::kPropose);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->round, 2u);
  EXPECT_EQ(t->delay_ms, 200u);
  // Events arrive before it fires: proposed now, and the timer then finds nothing to do.
  EXPECT_EQ(proposals(core.on_events(1050)), 1u);
  EXPECT_EQ(core.round(), 3u);
  EXPECT_EQ(proposals(core.on_timer(2, 1200, effect::ArmTimer::Kind::kPropose)), 0u);
}

TEST(Core, ANodeToldOfAPeersHighestCertificateFetchesTheBlocksFromThatPeer) {
  auto v = make_validators({1, 1, 1, 1});
  CoreOptions o;  // a follower
  Core follower(*v.certifier, o, test_app(9, std::make_shared<Roots>(genesis_roots())));
  follower.start(0);
  // A validator answers a high-QC request with its high QC (here the genesis QC).
  CoreOptions vo;
  vo.self = 1;
  vo.signer = v.signers[1].get();
  Core validator(*v.certifier, vo, test_app(1, std::make_shared<Roots>(genesis_roots())));
  validator.start(0);
  Effects fx = validator.on_message(uint64_t{7}, kHighQcRequest, Bytes{}, 1);
  ASSERT_EQ(fx.size(), 1u);
  auto* answer = std::get_if<effect::Send>(&fx[0]);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->kind, kQuorumCert);
  EXPECT_EQ(answer->to, effect::Send::To::kPeer);
  EXPECT_EQ(answer->id, 7u);
  // A QC on some block at round 5: the follower moves on and asks that peer for the block.
  const Hash32 block = crypto::blake2b256("T", Bytes{5});
  std::vector<Vote> votes;
  for (uint32_t i = 0; i < 3; ++i) votes.push_back(sign_vote(v, i, 5, block));
  const QuorumCert qc = v.certifier->make_qc(votes).value();
  codec::Writer w;
  qc.encode(w);
  fx = follower.on_message(uint64_t{3}, kQuorumCert, std::move(w).take(), 2);
  EXPECT_EQ(follower.round(), 6u);
  bool asked = false;
  for (const auto& e : fx)
    if (auto* s = std::get_if<effect::Send>(&e))
      asked |= s->kind == kBlockRequest && s->to == effect::Send::To::kPeer && s->id == 3;
  EXPECT_TRUE(asked);
  // A forged certificate is refused.
  QuorumCert forged = qc;
  forged.round = 9;
  codec::Writer f;
  forged.encode(f);
  fx = follower.on_message(uint64_t{3}, kQuorumCert, std::move(f).take(), 3);
  ASSERT_FALSE(fx.empty());
  EXPECT_TRUE(std::holds_alternative<effect::Refused>(fx[0]));
  EXPECT_EQ(follower.round(), 6u);
}

TEST(Core, ALeaderRestartedInTheRoundItProposedInSendsThatSameProposalAgain) {
  auto v = make_validators({1, 1, 1, 1});
  const uint32_t leader = v.set().leader(v.symbiote, 1, 1);
  CoreOptions o;
  o.self = leader;
  o.signer = v.signers[leader].get();
  auto roots = std::make_shared<Roots>(genesis_roots());
  std::optional<effect::Persist> disk;
  std::vector<Block> kept;
  auto run = [&](const Effects& fx) {
    std::vector<Bytes> proposals, votes;
    for (const auto& e : fx) {
      if (auto* p = std::get_if<effect::Persist>(&e)) disk = *p;
      if (auto* k = std::get_if<effect::KeepBlock>(&e)) kept.push_back(k->block);
      if (auto* s = std::get_if<effect::Send>(&e)) {
        if (s->kind == kProposal) proposals.push_back(s->body);
        if (s->kind == kVote) votes.push_back(s->body);
      }
    }
    return std::make_pair(proposals, votes);
  };
  Core first(*v.certifier, o, test_app(leader, roots));
  auto [p1, v1] = run(first.start(0));
  ASSERT_EQ(p1.size(), 1u);
  ASSERT_EQ(v1.size(), 1u);
  // Restart from what was durable: the same proposal and the same vote, nothing new signed.
  Restored r;
  r.safety = disk->state;
  r.high_qc = disk->high_qc;
  r.last_tc = disk->last_tc;
  r.uncommitted = kept;
  Core second(*v.certifier, o, test_app(leader, roots), r);
  auto [p2, v2] = run(second.start(5000));
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0], p1[0]);
  ASSERT_EQ(v2.size(), 1u);
  EXPECT_EQ(v2[0], v1[0]);
}

TEST(Core, AValidatorNotLeadingTheNextRoundWaitsForItsQcBeforeAggregatingOne) {
  // README rule 2 with CoreOptions::qc_wait_ms: a quorum of votes for round 1 moves the leader of
  // round 2 on at once; any other validator waits for that leader's proposal (which carries the
  // QC) and aggregates the QC itself only when the wait is over.
  auto v = make_validators({1, 1, 1, 1});
  const uint32_t l1 = v.set().leader(v.symbiote, 1, 1), l2 = v.set().leader(v.symbiote, 1, 2);
  auto roots = std::make_shared<Roots>(genesis_roots());
  auto core_of = [&](uint32_t self) {
    CoreOptions o;
    o.self = self;
    o.signer = v.signers[self].get();
    o.qc_wait_ms = 50;
    return std::make_unique<Core>(*v.certifier, o, test_app(self, roots));
  };
  auto leader = core_of(l1);
  Bytes proposal;
  for (const auto& e : leader->start(0))
    if (auto* s = std::get_if<effect::Send>(&e); s && s->kind == kProposal) proposal = s->body;
  ASSERT_FALSE(proposal.empty());
  const Hash32 block = Proposal::decode(proposal).value().block.hash();
  for (uint32_t self = 0; self < 4; ++self) {
    if (self == l1) continue;
    auto node = core_of(self);
    node->start(0);
    node->on_message(uint64_t{1}, kProposal, proposal, 1);  // votes for it
    std::optional<effect::ArmTimer> wait;
    for (uint32_t voter = 0; voter < 4 && node->round() == 1 && !wait; ++voter) {
      if (voter == self) continue;
      wait =
          timer_of(node->on_message(uint64_t{1}, kVote, sign_vote(v, voter, 1, block).encode(), 2),
                   effect::ArmTimer::Kind::kFormQc);
    }
    if (self == l2) {
      EXPECT_EQ(node->round(), 2u) << "the next leader aggregates at once";
      EXPECT_FALSE(wait);
      continue;
    }
    ASSERT_TRUE(wait) << "validator " << self;
    EXPECT_EQ(wait->round, 1u);
    EXPECT_EQ(wait->delay_ms, 50u);
    EXPECT_EQ(node->round(), 1u) << "waits for the next leader's proposal";
    // One more vote changes nothing while it waits.
    node->on_message(uint64_t{1}, kVote, sign_vote(v, l1, 1, block).encode(), 3);
    EXPECT_EQ(node->round(), 1u);
    // No proposal came: the wait is over and it aggregates the QC itself.
    node->on_timer(1, 52, effect::ArmTimer::Kind::kFormQc);
    EXPECT_EQ(node->round(), 2u);
    EXPECT_EQ(node->high_qc().round, 1u);
    EXPECT_EQ(node->high_qc().block, block);
  }
}
