// The protocol's steps without I/O (protocol.h): what a round makes, what a follower stores from
// a range and when it probes, which offered instant blocks and acknowledgements a node takes, and
// what censorship evidence becomes. The node and the simulation both run exactly these.
#include "workflows/dev_controller/protocol.h"

#include <gtest/gtest.h>

#include <map>

#include "chain/tests/test_util.h"

using namespace klyn;
using namespace klyn::dev_controller;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;

namespace {

PendingEvent transfer(const SymbioteId& sym, uint8_t from, uint64_t nonce) {
  auto e = chain::make_transfer(sym, key(from), nonce, 10, key(9).public_key(), 1);
  return {e, e.hash()};
}

// A controller's round inputs: its mempool and ordering (2 instant blocks per controller block).
struct Controller {
  chain::Genesis g = small_genesis();  // key(0) is the controller
  SymbioteId sym = g.id();
  crypto::KeyPair controller = key(0);
  Mempool mempool{MempoolLimits{}};
  Ordering ordering{sym, controller, 1, sym, 2, true};
  void admit(uint8_t from, uint64_t nonce) {
    ASSERT_TRUE(mempool.add(transfer(sym, from, nonce), nonce - 1).ok());
  }
};

// A range of `n` linked, signed controller blocks of one instant block each, from genesis.
BlockRange range_of(const SymbioteId& sym, int n, const crypto::KeyPair& signer = key(0)) {
  Ordering o(sym, signer, 1, sym, 1, true);
  BlockRange r;
  for (int i = 0; i < n; ++i) {
    MadeInstant ib = make_instant_block({transfer(sym, 1, i + 1)}, sym, key(1), 7);
    o.add(ib.hash);
    BlockBundle b;
    b.controller = o.emit(8).at(0).encode();
    b.instants.push_back(ib.encoded);
    r.bundles.push_back(std::move(b));
  }
  r.peer_stored_height = n;
  return r;
}

}  // namespace

TEST(Protocol, AMadeInstantBlockIsSignedAndNamesItsEventsInOrder) {
  auto g = small_genesis();
  MadeInstant made =
      make_instant_block({transfer(g.id(), 1, 1), transfer(g.id(), 1, 2)}, g.id(), key(1), 42);
  auto ib = decode_instant_block(made.encoded, {});
  ASSERT_TRUE(ib.ok()) << ib.error().to_string();
  EXPECT_TRUE(ib->verify_signature());
  EXPECT_EQ(ib->producer, key(1).public_key());
  EXPECT_EQ(ib->created_ms, 42u);
  EXPECT_EQ(made.hash, InstantBlock::hash_of(made.encoded));
  ASSERT_EQ(made.events.size(), 2u);
  EXPECT_EQ(made.events[0], ib->events[0].hash());
  EXPECT_EQ(made.events[1], ib->events[1].hash());
}

TEST(Protocol, ARoundOrdersOfferedBlocksFirstThenReadyEventsWithinItsLimits) {
  Controller c;
  for (uint64_t n = 1; n <= 5; ++n) c.admit(1, n);
  MadeInstant offered = make_instant_block({transfer(c.sym, 2, 1)}, c.sym, key(2), 1);
  // Tick mode: 2 instant blocks per round (the manifest's per-block limit), 2 events each.
  RoundLimits limits{2, 2};
  auto round = make_round({{offered.hash, offered.encoded}}, c.mempool, c.ordering, c.sym, key(0),
                          100, limits);
  ASSERT_TRUE(round.has_value());
  EXPECT_EQ(round->instant_blocks, 2u);  // the offered one and one of ours
  ASSERT_EQ(round->controller_blocks.size(), 1u);
  auto cb = decode_controller_block(round->controller_blocks[0], {});
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(cb->index, 1u);
  EXPECT_EQ(cb->instant_blocks.at(0), offered.hash);
  EXPECT_TRUE(cb->verify_signature(key(0).public_key()));
  EXPECT_EQ(round->first, 1u);
  EXPECT_EQ(round->last, 1u);
  EXPECT_EQ(round->last_hash, ControllerBlock::hash_of(round->controller_blocks[0]));
  EXPECT_EQ(c.mempool.ready_count(), 3u);  // two events taken into our instant block
  // 2 instant blocks + 1 controller block + head + head hash, in one batch (D2).
  EXPECT_EQ(round->batch.count(), 5u);
  // The next round goes on from there (two instant blocks: the three events left); with nothing
  // ready and nothing offered, there is no round.
  auto next = make_round({}, c.mempool, c.ordering, c.sym, key(0), 101, limits);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->first, 2u);
  EXPECT_EQ(next->instant_blocks, 2u);
  EXPECT_EQ(c.mempool.ready_count(), 0u);
  EXPECT_FALSE(make_round({}, c.mempool, c.ordering, c.sym, key(0), 102, limits).has_value());
}

TEST(Protocol, PhantomRoundsOrderEveryReadyEventAtOnce) {
  Controller c;
  for (uint64_t n = 1; n <= 9; ++n) c.admit(1, n);
  auto round = make_round({}, c.mempool, c.ordering, c.sym, key(0), 5,
                          RoundLimits::of(read_params(c.g.manifest).value(), /*phantom=*/true));
  ASSERT_TRUE(round.has_value());
  EXPECT_EQ(c.mempool.ready_count(), 0u);
  EXPECT_EQ(round->last - round->first + 1, round->controller_blocks.size());
  const Params params = read_params(c.g.manifest).value();
  EXPECT_EQ(RoundLimits::of(params, false).instant_blocks,
            params.max_instant_blocks_per_controller_block);
}

TEST(Protocol, AValidRangeIsStoredWholeAndMovesTheTip) {
  auto g = small_genesis();
  BlockRange r = range_of(g.id(), 3);
  RangeStep s = judge_range({0, g.id()}, g.id(), key(0).public_key(), r, {});
  EXPECT_EQ(s.blocks, 3u);
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_FALSE(s.next_peer);
  EXPECT_FALSE(s.probe);
  EXPECT_EQ(s.tip.index, 3u);
  EXPECT_EQ(s.tip.hash, ControllerBlock::hash_of(r.bundles[2].controller));
  EXPECT_EQ(s.batch.count(), 3u * 2 + 2);  // 3 controller + 3 instant blocks, head, head hash
}

TEST(Protocol, AnInvalidTailIsRefusedAfterTheValidPrefixAndTheNextPeerIsAsked) {
  auto g = small_genesis();
  BlockRange r = range_of(g.id(), 3);
  r.bundles[2].instants.clear();  // block 3 without the instant block it names
  RangeStep s = judge_range({0, g.id()}, g.id(), key(0).public_key(), r, {});
  EXPECT_EQ(s.blocks, 2u);
  EXPECT_FALSE(s.error.empty());
  EXPECT_TRUE(s.next_peer);
  EXPECT_EQ(s.tip.index, 2u);
}

TEST(Protocol, NothingNewAsksTheNextPeerWithoutProbing) {
  auto g = small_genesis();
  BlockRange empty;
  RangeStep s = judge_range({4, g.id()}, g.id(), key(0).public_key(), empty, {});
  EXPECT_EQ(s.blocks, 0u);
  EXPECT_TRUE(s.next_peer);
  EXPECT_FALSE(s.probe);
  EXPECT_EQ(s.batch.count(), 0u);
}

TEST(Protocol, ASignedNextBlockOnAnotherHistoryIsProbedAForgedOneIsNot) {
  auto g = small_genesis();
  BlockRange ours = range_of(g.id(), 2);
  ChainTip tip{1, ControllerBlock::hash_of(ours.bundles[0].controller)};
  // The peer's block 2 links to a block 1 we do not have (another history, signed).
  const crypto::KeyPair controller = key(0), forger = key(3);
  Ordering other(g.id(), controller, 2, Hash32{7}, 1, true);
  MadeInstant ib = make_instant_block({transfer(g.id(), 2, 1)}, g.id(), key(2), 1);
  other.add(ib.hash);
  BlockRange theirs;
  theirs.bundles.push_back({other.emit(3).at(0).encode(), {ib.encoded}});
  RangeStep s = judge_range(tip, g.id(), key(0).public_key(), theirs, {});
  EXPECT_EQ(s.blocks, 0u);
  EXPECT_TRUE(s.probe);
  EXPECT_TRUE(s.next_peer);
  // The same block signed by someone else is refused, not probed.
  Ordering forged(g.id(), forger, 2, Hash32{7}, 1, true);
  forged.add(ib.hash);
  theirs.bundles[0].controller = forged.emit(3).at(0).encode();
  EXPECT_FALSE(judge_range(tip, g.id(), key(0).public_key(), theirs, {}).probe);
  // At genesis there is nothing to conflict with.
  EXPECT_FALSE(judge_range({0, g.id()}, g.id(), key(0).public_key(), theirs, {}).probe);
}

TEST(Protocol, AProbeAnswerConflictsOnlyWithASignedDifferentBlockAtTheTipIndex) {
  auto g = small_genesis();
  const auto ctl = key(0).public_key();
  BlockRange a = range_of(g.id(), 2);
  const Bytes& mine = a.bundles[0].controller;
  auto probe = [&](const BlockRange& r, uint64_t index) {
    return probe_conflict(r, mine, index, g.id(), ctl, {});
  };
  EXPECT_FALSE(probe(a, 1).has_value()) << "the same block";
  EXPECT_FALSE(probe(BlockRange{}, 1).has_value());
  BlockRange b = range_of(g.id(), 1, key(0));
  auto cb = *decode_controller_block(b.bundles[0].controller, {});
  cb.created_ms += 1;
  cb.sign(key(0));
  b.bundles[0].controller = cb.encode();
  auto theirs = probe(b, 1);
  ASSERT_TRUE(theirs.has_value());
  EXPECT_TRUE(check_equivocation(mine, *theirs, g.id(), ctl, {}).ok());
  // No evidence: the same block forged, or a signed block at another index.
  cb.sign(key(5));
  BlockRange forged;
  forged.bundles.push_back({cb.encode(), {}});
  EXPECT_FALSE(probe(forged, 1).has_value());
  BlockRange next;
  next.bundles.push_back({a.bundles[1].controller, {}});
  EXPECT_FALSE(probe(next, 1).has_value());
}

TEST(Protocol, OfferedInstantBlocksAreTakenOnlyFromStakedProducersValidlySigned) {
  auto g = small_genesis();
  const Params m = read_params(g.manifest).value();
  MadeInstant made = make_instant_block({transfer(g.id(), 1, 1)}, g.id(), key(1), 1);
  auto ib = decode_offered_instant(made.encoded, g.id(), {});
  ASSERT_TRUE(ib.ok());
  chain::Account staked;
  staked.stake = m.instant_producer_stake;
  chain::Account unstaked;
  unstaked.stake = m.instant_producer_stake - 1;
  EXPECT_TRUE(judge_offered_instant(*ib, m, staked).ok());
  EXPECT_EQ(judge_offered_instant(*ib, m, unstaked).error().code, "not_staked");
  InstantBlock bad = *ib;
  bad.created_ms += 1;  // signature no longer covers it
  EXPECT_EQ(judge_offered_instant(bad, m, staked).error().code, "bad_signature");
  MadeInstant own = make_instant_block({transfer(g.id(), 1, 1)}, g.id(), key(0), 1);
  EXPECT_EQ(judge_offered_instant(*decode_offered_instant(own.encoded, g.id(), {}), m, staked)
                .error()
                .code,
            "bad_block");
  SymbioteId other{};
  other.fill(3);
  EXPECT_EQ(decode_offered_instant(made.encoded, other, {}).error().code, "wrong_symbiote");
  Bytes cut(made.encoded.begin(), made.encoded.end() - 1);
  EXPECT_EQ(decode_offered_instant(cut, g.id(), {}).error().code, "bad_block");
}

TEST(Protocol, AnAcknowledgementCountsOnlyFromTheControllerForThisSymbiote) {
  auto g = small_genesis();
  Hash32 h{};
  h.fill(5);
  const InstantAck ack = make_ack(g.id(), h, 12, key(0));
  auto got = decode_received_ack(ack.encode(), g.id(), key(0).public_key());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->height, 12u);
  EXPECT_EQ(got->instant, h);
  EXPECT_EQ(
      decode_received_ack(make_ack(g.id(), h, 12, key(1)).encode(), g.id(), key(0).public_key())
          .error()
          .code,
      "bad_ack");
  SymbioteId other{};
  other.fill(3);
  EXPECT_EQ(
      decode_received_ack(make_ack(other, h, 12, key(0)).encode(), g.id(), key(0).public_key())
          .error()
          .code,
      "bad_ack");
  EXPECT_EQ(decode_received_ack(Bytes{1, 2, 3}, g.id(), key(0).public_key()).error().code,
            "bad_ack");
}

TEST(Protocol, EvidenceBecomesAnAlarmOnlyWhenCompleteNewAndOfAStakedProducer) {
  auto g = small_genesis();
  Params params = read_params(g.manifest).value();
  params.inclusion_window = 2;
  ASSERT_TRUE(write_params(g.manifest, params).ok());
  MadeInstant made = make_instant_block({transfer(g.id(), 1, 1)}, g.id(), key(1), 1);
  const CensorshipEvidence ev{make_ack(g.id(), made.hash, 3, key(0)).encode(), made.encoded};
  std::map<uint64_t, std::vector<Hash32>> blocks{{4, {}}};  // block 5 not stored yet
  auto stored = [&](uint64_t i) -> std::optional<std::vector<Hash32>> {
    auto it = blocks.find(i);
    if (it == blocks.end()) return std::nullopt;
    return it->second;
  };
  bool known = false;
  chain::Amount stake = params.instant_producer_stake;
  auto account = [&](const chain::AccountId&) -> Result<chain::Account> {
    chain::Account a;
    a.stake = stake;
    return a;
  };
  auto judge = [&] {
    return judge_evidence(
               ev, g.id(), params, stored, [&](const Hash32&) { return known; }, account, "local",
               77)
        .value();
  };
  using V = EvidenceStep::Verdict;
  EXPECT_EQ(judge().verdict, V::kNotYet);
  blocks[5] = {};
  EvidenceStep s = judge();
  ASSERT_EQ(s.verdict, V::kAlarm) << s.reason;
  EXPECT_EQ(s.alarm.kind, "censorship");
  EXPECT_EQ(s.alarm.index, 3u);
  EXPECT_EQ(s.alarm.id, made.hash);
  EXPECT_EQ(s.alarm.detected_ms, 77u);
  EXPECT_EQ(s.alarm.source, "local");
  EXPECT_EQ(s.alarm.evidence, ev.encode());
  EXPECT_EQ(s.producer, key(1).public_key());
  stake -= 1;
  EXPECT_EQ(judge().verdict, V::kInvalid);
  known = true;
  EXPECT_EQ(judge().verdict, V::kKnown);
  blocks[5] = {made.hash};  // it was ordered after all: no evidence
  EXPECT_EQ(judge().verdict, V::kInvalid);
}

TEST(Protocol, EvidenceWaitingIsBounded) {
  EvidenceWaiting w;
  EXPECT_TRUE(w.empty());
  for (size_t i = 0; i < EvidenceWaiting::kMax; ++i) ASSERT_TRUE(w.hold({}));
  EXPECT_FALSE(w.hold({}));
  EXPECT_EQ(w.take().size(), EvidenceWaiting::kMax);
  EXPECT_TRUE(w.empty());
}
