// EventPool (README "Events", E2-E4): the relay book, proposal leases, the TTL, and what is
// reported to the admission journal.
#include <gtest/gtest.h>

#include <map>

#include "chain/tests/test_util.h"
#include "workflows/dev_symbiland/event_pool.h"

using namespace klyn;
using namespace klyn::dev_symbiland;
using klyn::chain::testing::key;
using namespace std::chrono_literals;

namespace {

kit::PendingEvent ev(uint8_t k, uint64_t nonce, chain::Amount amount = 1) {
  chain::SymbioteId s{};
  auto e = chain::make_transfer(s, key(k), nonce, 10, key(9).public_key(), amount);
  return {e, e.hash()};
}

EventPool::Options options() {
  EventPool::Options o;
  o.base_timeout_ms = 100;  // leases 400 ms .. 3.2 s
  o.resend = 1000ms;
  return o;
}

struct Nonces {
  std::map<chain::AccountId, uint64_t> committed;
  EventPool::NonceOf fn() {
    return [this](const chain::AccountId& a) {
      auto it = committed.find(a);
      return it == committed.end() ? 0 : it->second;
    };
  }
};

const EventPool::Clock::time_point t0{std::chrono::hours(1)};

}  // namespace

// E2: a client's event is relayed at once and again every `resend` until a block decides it; an
// event that came from a peer is never relayed by the receiver.
TEST(EventPool, RelaysAClientsEventUntilABlockDecidesIt) {
  EventPool pool(options());
  Nonces n;
  const auto mine = ev(1, 1), theirs = ev(2, 1);
  ASSERT_TRUE(pool.admit(mine, true, t0, n.fn()).ok());
  ASSERT_TRUE(pool.admit(theirs, false, t0, n.fn()).ok());
  EXPECT_EQ(pool.relaying(), 1u);
  ASSERT_EQ(pool.next_relay(), t0);

  auto first = pool.to_relay(t0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].hash(), mine.hash);
  EXPECT_TRUE(pool.to_relay(t0 + 999ms).empty());  // not due yet
  EXPECT_EQ(pool.next_relay(), t0 + 1000ms);
  EXPECT_EQ(pool.to_relay(t0 + 1000ms).size(), 1u);  // still pending: again
  EXPECT_EQ(pool.next_relay(), t0 + 3000ms);         // then 2, 4, 4, ... x resend
  EXPECT_EQ(pool.to_relay(t0 + 3000ms).size(), 1u);
  EXPECT_EQ(pool.next_relay(), t0 + 7000ms);

  // Decided (applied) by a block: out of the relay book and the pool, reported once.
  n.committed[mine.event.creator] = 1;
  pool.on_executed({{mine.event.creator, mine.hash}}, {}, n.fn());
  EXPECT_EQ(pool.relaying(), 0u);
  EXPECT_FALSE(pool.contains(mine.hash));
  EXPECT_FALSE(pool.next_relay().has_value());
  EXPECT_TRUE(pool.to_relay(t0 + 5000ms).empty());
  EXPECT_EQ(pool.forgotten(), std::vector<Hash32>{mine.hash});
  EXPECT_TRUE(pool.forgotten().empty());
  EXPECT_TRUE(pool.contains(theirs.hash));
}

// A client sends this node an event a peer relayed here first: it is pending here, and this node
// relays it from now on as well (its owner may be gone for good).
TEST(EventPool, AnAdoptedEventIsRelayedByItsNewOwner) {
  EventPool pool(options());
  Nonces n;
  const auto e = ev(1, 1);
  ASSERT_TRUE(pool.admit(e, false, t0, n.fn()).ok());
  EXPECT_EQ(pool.admit(e, true, t0, n.fn()).error().code, "duplicate");
  EXPECT_EQ(pool.relaying(), 0u);
  EXPECT_TRUE(pool.adopt(e.event, e.hash, t0));
  EXPECT_TRUE(pool.adopt(e.event, e.hash, t0));  // once in the book
  EXPECT_EQ(pool.relaying(), 1u);
  EXPECT_EQ(pool.to_relay(t0).size(), 1u);
  EXPECT_FALSE(pool.adopt(ev(2, 1).event, ev(2, 1).hash, t0));  // not held: nothing to adopt
}

// An event that expired and is accepted again is in the relay book once, due at once.
TEST(EventPool, AnExpiredEventAcceptedAgainIsRelayedAgain) {
  auto o = options();
  o.limits.ttl = 60s;
  EventPool pool(o);
  Nonces n;
  const auto e = ev(1, 1);
  ASSERT_TRUE(pool.admit(e, true, t0, n.fn()).ok());
  ASSERT_EQ(pool.to_relay(t0).size(), 1u);
  EXPECT_EQ(pool.expire(t0 + 61s, n.fn()), 1u);
  ASSERT_TRUE(pool.admit(e, true, t0 + 62s, n.fn()).ok());
  EXPECT_EQ(pool.relaying(), 1u);
  EXPECT_EQ(pool.to_relay(t0 + 62s).size(), 1u);
  EXPECT_EQ(pool.forgotten(), std::vector<Hash32>{e.hash});  // the expiry, reported once
}

// Another event took the nonce: the relayed one can never apply and leaves too.
TEST(EventPool, AnEventPassedByTheCommittedNonceLeavesTheRelayBook) {
  EventPool pool(options());
  Nonces n;
  const auto a = ev(1, 1), b = ev(1, 1, 2);  // same sender and nonce, other content
  ASSERT_TRUE(pool.admit(a, true, t0, n.fn()).ok());
  n.committed[b.event.creator] = 1;
  pool.on_executed({{b.event.creator, b.hash}}, {}, n.fn());
  EXPECT_EQ(pool.relaying(), 0u);
  EXPECT_EQ(pool.forgotten(), std::vector<Hash32>{a.hash});
}

// E3: a leader's events are leased; a proposal never certified gives them back when the lease
// (4 base timeouts) runs out; events its parent chain carries are not proposed again.
TEST(EventPool, ProposedEventsComeBackWhenTheLeaseRunsOut) {
  EventPool pool(options());
  Nonces n;
  const auto a = ev(1, 1), b = ev(2, 1), c = ev(3, 1);
  for (const auto& e : {a, b, c}) ASSERT_TRUE(pool.admit(e, false, t0, n.fn()).ok());
  auto first = pool.to_propose(10, {c.hash}, t0);
  ASSERT_EQ(first.size(), 2u);  // c is in flight in an ancestor
  EXPECT_TRUE(pool.to_propose(10, {}, t0 + 399ms).empty());
  auto again = pool.to_propose(10, {}, t0 + 400ms);
  EXPECT_EQ(again.size(), 3u);
  // The second lease is twice as long.
  EXPECT_TRUE(pool.to_propose(10, {}, t0 + 400ms + 799ms).empty());
  EXPECT_EQ(pool.to_propose(10, {}, t0 + 400ms + 800ms).size(), 3u);
}

// E4: the TTL drops an undecided event, whatever its state, and reports it to the journal.
TEST(EventPool, TheTtlIsTheOnlyWayAnUndecidedEventLeaves) {
  auto o = options();
  o.limits.ttl = 60s;
  EventPool pool(o);
  Nonces n;
  const auto a = ev(1, 1), gap = ev(2, 5);
  ASSERT_TRUE(pool.admit(a, true, t0, n.fn()).ok());
  ASSERT_TRUE(pool.admit(gap, true, t0, n.fn()).ok());
  ASSERT_EQ(pool.to_propose(10, {}, t0).size(), 1u);
  EXPECT_EQ(pool.expire(t0 + 59s, n.fn()), 0u);
  EXPECT_EQ(pool.relaying(), 2u);
  EXPECT_EQ(pool.expire(t0 + 61s, n.fn()), 2u);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.relaying(), 0u);
  EXPECT_EQ(pool.forgotten().size(), 2u);
}
