// EventForwarder against real HTTP servers on 127.0.0.1 that serve POST <symbiote>/events the way
// a node does (binary batch in, per-event JSON results out). D12: an event handed on stays pending
// in the mempool (leased) until a block decides it; only an event invalid in itself is forgotten.
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chain/tests/test_util.h"
#include "codec/hex.h"
#include "net/http_server.h"
#include "workflows/kit/event_forwarder.h"
#include "workflows/kit/tests/loopback.h"

using namespace klyn;
using namespace klyn::kit;
using namespace std::chrono_literals;
using klyn::chain::testing::key;
using klyn::kit::testing::DeadPort;
using klyn::kit::testing::wait_until;

namespace {

using Clock = std::chrono::steady_clock;

const chain::SymbioteId kSymbiote{};

PendingEvent ev(uint8_t k, uint64_t nonce, chain::Amount amount = 1) {
  auto e = chain::make_transfer(kSymbiote, key(k), nonce, 10, key(9).public_key(), amount);
  return {e, e.hash()};
}

const auto kNobodyCommitted = [](const chain::AccountId&) { return uint64_t{0}; };

// A peer node serving POST /s/{sym}/events: decodes the binary batch, checks each signature (a
// bad one is "bad_signature", as on a node), asks `verdict` about the rest ("" = accepted, else
// the error code) and answers {"accepted","rejected","orders","results"}. With a status other
// than 200 it answers that status without looking at the body.
class FakeNode {
 public:
  // `seen_before`: how many earlier requests (answered 200) carried this event.
  using Verdict = std::function<std::string(const PendingEvent&, size_t seen_before)>;
  static Verdict accept_all() {
    return [](const PendingEvent&, size_t) { return std::string(); };
  }
  static Verdict refuse_all(std::string code) {
    return [code](const PendingEvent&, size_t) { return code; };
  }

  explicit FakeNode(bool orders = true, Verdict verdict = accept_all())
      : orders_(orders), verdict_(std::move(verdict)) {
    net::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    so.threads = 1;
    server_ = std::make_unique<net::HttpServer>(so);
    auto st = server_->router().add(net::Method::kPost, "/s/{sym}/events",
                                    [this](const net::Request& req) { return handle(req); });
    EXPECT_TRUE(st.ok());
    auto started = server_->start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().to_string());
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void set_status(unsigned s) { status_ = s; }
  void set_verdict(Verdict v) {
    std::lock_guard lock(mu_);
    verdict_ = std::move(v);
  }
  // Requests answered with a status other than 200.
  size_t failed_requests() const { return failed_; }
  // The events of every request answered 200, one list per request, in order.
  std::vector<std::vector<Hash32>> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  size_t seen(const Hash32& h) const {
    std::lock_guard lock(mu_);
    auto it = seen_.find(h);
    return it == seen_.end() ? 0 : it->second;
  }
  size_t requests() const {
    std::lock_guard lock(mu_);
    return batches_.size();
  }
  std::vector<std::string> content_types() const {
    std::lock_guard lock(mu_);
    return content_types_;
  }

 private:
  net::Response handle(const net::Request& req) {
    if (const unsigned s = status_; s != 200) {
      ++failed_;
      return net::Response::error(s, "internal", "the test node answers " + std::to_string(s));
    }
    auto batch = chain::decode_event_batch(as_bytes(req.body));
    if (!batch) return net::Response::error(400, batch.error().code, batch.error().reason);
    std::lock_guard lock(mu_);
    content_types_.push_back(req.header("content-type").value_or(""));
    nlohmann::json results = nlohmann::json::array();
    std::vector<Hash32> hashes;
    size_t accepted = 0;
    for (auto& e : *batch) {
      PendingEvent pe{e, e.hash()};
      hashes.push_back(pe.hash);
      std::string err = e.verify_signature() ? verdict_(pe, seen_[pe.hash]) : "bad_signature";
      ++seen_[pe.hash];
      if (err.empty()) {
        ++accepted;
        results.push_back({{"hash", codec::hex_encode(pe.hash)}});
      } else {
        results.push_back({{"error", err}, {"reason", "the test node says " + err}});
      }
    }
    batches_.push_back(std::move(hashes));
    return net::Response::json({{"accepted", accepted},
                                {"rejected", batch->size() - accepted},
                                {"orders", orders_},
                                {"results", results}});
  }

  const bool orders_;
  mutable std::mutex mu_;
  Verdict verdict_;
  std::map<Hash32, size_t> seen_;
  std::vector<std::vector<Hash32>> batches_;
  std::vector<std::string> content_types_;
  std::atomic<unsigned> status_{200};
  std::atomic<size_t> failed_{0};
  std::unique_ptr<net::HttpServer> server_;  // last: stopped before the rest goes
};

std::shared_ptr<PeerSet> peers_of(const std::vector<std::string>& urls) {
  auto peers = std::make_shared<PeerSet>(16);
  for (const auto& u : urls) EXPECT_TRUE(peers->add(u).ok()) << u;
  return peers;
}

// Long leases unless a test wants them short: an event seen again before 10 s was given back,
// not re-offered by its lease.
EventForwarder::Options options(std::shared_ptr<PeerSet> peers,
                                std::chrono::milliseconds lease = 10s) {
  EventForwarder::Options o;
  o.peers = std::move(peers);
  o.symbiote_path = "/s/" + codec::hex_encode(kSymbiote);
  o.lease_first = lease;
  o.lease_max = 2 * lease;
  o.log = std::make_shared<spdlog::logger>("forwarder-test",
                                           std::make_shared<spdlog::sinks::null_sink_mt>());
  return o;
}

void add_all(Mempool& pool, const std::vector<PendingEvent>& events) {
  for (const auto& pe : events) ASSERT_TRUE(pool.add(pe, 0).ok());
}

}  // namespace

TEST(EventForwarder, RefusedForGoodOnlyForEventsInvalidInThemselves) {
  for (const char* code : {"bad_signature", "wrong_symbiote", "too_large", "bad_payload",
                           "unsupported_type", "malformed", "fee_too_low"})
    EXPECT_TRUE(EventForwarder::refused_for_good(code)) << code;
  // The peer's state (nonce, balance, room), or its having the event already: not for good.
  for (const char* code : {"", "duplicate", "nonce_used", "nonce_too_high", "mempool_full",
                           "insufficient_balance", "busy", "stopping", "halted"})
    EXPECT_FALSE(EventForwarder::refused_for_good(code)) << code;
}

TEST(EventForwarder, AdmittedEventsAreForwardedAndCountedButStayPending) {
  FakeNode node;
  Mempool pool({});
  const std::vector<PendingEvent> events = {ev(1, 1), ev(1, 2), ev(1, 3), ev(2, 1)};
  add_all(pool, events);
  EventForwarder fwd(pool, options(peers_of({node.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == events.size(); })) << fwd.forwarded();
  auto batches = node.batches();
  ASSERT_EQ(batches.size(), 1u);  // all four were ready: one batch
  ASSERT_EQ(batches[0].size(), events.size());
  for (size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(batches[0][i], events[i].hash) << i;  // in nonce order per sender, signed intact
  EXPECT_EQ(node.content_types(), std::vector<std::string>{"application/octet-stream"});
  // D12: handed on, not decided: still held, leased (not ready).
  EXPECT_EQ(pool.size(), events.size());
  for (const auto& pe : events) EXPECT_TRUE(pool.contains(pe.hash));
  EXPECT_EQ(pool.ready_count(), 0u);
}

TEST(EventForwarder, EventsGoInBatchesOfAtMostTheBatchSize) {
  FakeNode node;
  Mempool pool({});
  std::vector<PendingEvent> events;
  for (uint64_t n = 1; n <= 5; ++n) events.push_back(ev(1, n));
  add_all(pool, events);
  auto o = options(peers_of({node.url()}));
  o.batch = 2;
  EventForwarder fwd(pool, o, kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 5; })) << fwd.forwarded();
  auto batches = node.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 2u);
  EXPECT_EQ(batches[1].size(), 2u);
  EXPECT_EQ(batches[2].size(), 1u);
  EXPECT_EQ(batches[2][0], events[4].hash);
}

TEST(EventForwarder, EventsAdmittedWhileRunningAreForwarded) {
  FakeNode node;
  Mempool pool({});
  EventForwarder fwd(pool, options(peers_of({node.url()})), kNobodyCommitted);
  fwd.start();
  auto e1 = ev(1, 1), e2 = ev(1, 2);
  ASSERT_TRUE(pool.add(e1, 0).ok());
  ASSERT_TRUE(wait_until([&] { return node.seen(e1.hash) == 1; }));
  ASSERT_TRUE(pool.add(e2, 0).ok());
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 2; })) << fwd.forwarded();
  EXPECT_EQ(node.seen(e2.hash), 1u);
  EXPECT_EQ(node.seen(e1.hash), 1u);  // leased for 10 s: not offered twice
}

TEST(EventForwarder, EventsWaitUntilAPeerIsAdded) {
  FakeNode node;
  Mempool pool({});
  auto e = ev(1, 1);
  ASSERT_TRUE(pool.add(e, 0).ok());
  auto peers = std::make_shared<PeerSet>(4);
  EventForwarder fwd(pool, options(peers), kNobodyCommitted);
  fwd.start();
  std::this_thread::sleep_for(60ms);  // a turn or so of the forwarder with nobody to forward to
  EXPECT_EQ(fwd.forwarded(), 0u);
  EXPECT_EQ(pool.ready_count(), 1u);     // not taken while there is no peer
  ASSERT_TRUE(*peers->add(node.url()));  // POST addnode
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 1; }));
  EXPECT_EQ(node.seen(e.hash), 1u);
  EXPECT_TRUE(pool.contains(e.hash));
}

// No block decides the event: when its lease runs out it is offered again (and again), and it is
// never dropped; once a block decides it, it is forgotten and no longer offered.
TEST(EventForwarder, AForwardedEventIsOfferedAgainWhenItsLeaseRunsOutUntilDecided) {
  FakeNode node;
  Mempool pool({});
  auto e1 = ev(1, 1);
  ASSERT_TRUE(pool.add(e1, 0).ok());
  EventForwarder fwd(pool, options(peers_of({node.url()}), 40ms), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return node.seen(e1.hash) >= 3; })) << node.seen(e1.hash);
  EXPECT_TRUE(pool.contains(e1.hash));
  // Each offer the peer took counts (once its answer is read, a moment after the peer has it).
  EXPECT_TRUE(wait_until([&] { return fwd.forwarded() >= 3; })) << fwd.forwarded();

  // A block applies e1 (the sender's committed nonce is now 1).
  auto committed_one = [](const chain::AccountId&) { return uint64_t{1}; };
  pool.on_decided(e1.event.creator, e1.hash, committed_one);
  EXPECT_FALSE(pool.contains(e1.hash));
  // The sender's next event: by the time the peer has it, a post of e1 already under way has
  // landed; after two more of its leases, e1 must not have been offered again.
  auto e2 = ev(1, 2);
  ASSERT_TRUE(pool.add(e2, committed_one).ok());
  ASSERT_TRUE(wait_until([&] { return node.seen(e2.hash) >= 1; }));
  const size_t e1_offers = node.seen(e1.hash);
  ASSERT_TRUE(wait_until([&] { return node.seen(e2.hash) >= 3; })) << node.seen(e2.hash);
  EXPECT_EQ(node.seen(e1.hash), e1_offers);
  EXPECT_TRUE(pool.contains(e2.hash));
}

TEST(EventForwarder, AnEventWithABadSignatureIsForgottenWhenThePeerRefusesIt) {
  FakeNode node;  // checks signatures like a node
  Mempool pool({});
  auto bad = ev(1, 1);
  bad.event.signature[0] ^= 0x01;  // what the peer sees as a forged event
  bad.hash = bad.event.hash();
  auto good = ev(2, 1);
  add_all(pool, {bad, good});
  EventForwarder fwd(pool, options(peers_of({node.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return !pool.contains(bad.hash); }));
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 1; }));
  EXPECT_TRUE(pool.contains(good.hash));  // the valid one of the same batch stays, leased
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(node.seen(bad.hash), 1u);
  fwd.stop();
  EXPECT_EQ(pool.ready_count(), 0u);  // nothing left to offer
}

TEST(EventForwarder, EveryRefusalForGoodForgetsTheEvent) {
  const std::vector<std::string> codes = {"bad_signature", "wrong_symbiote",   "too_large",
                                          "bad_payload",   "unsupported_type", "malformed",
                                          "fee_too_low"};
  std::vector<PendingEvent> events;
  std::map<Hash32, std::string> code_of;
  for (size_t i = 0; i < codes.size(); ++i) {
    events.push_back(ev(uint8_t(10 + i), 1));
    code_of[events.back().hash] = codes[i];
  }
  auto kept = ev(30, 1);  // refused for now: stays
  code_of[kept.hash] = "mempool_full";
  FakeNode node(true, [code_of](const PendingEvent& pe, size_t) { return code_of.at(pe.hash); });
  Mempool pool({});
  add_all(pool, events);
  ASSERT_TRUE(pool.add(kept, 0).ok());
  EventForwarder fwd(pool, options(peers_of({node.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return pool.size() == 1; })) << pool.size();
  for (size_t i = 0; i < events.size(); ++i)
    EXPECT_FALSE(pool.contains(events[i].hash)) << codes[i];
  EXPECT_TRUE(pool.contains(kept.hash));
  EXPECT_EQ(fwd.forwarded(), 0u);
}

TEST(EventForwarder, AnEventRefusedForNowStaysAndIsOfferedAgain) {
  for (const char* code : {"nonce_used", "mempool_full", "insufficient_balance"}) {
    SCOPED_TRACE(code);
    // Refused once for the peer's own state, then taken.
    FakeNode node(true, [code](const PendingEvent&, size_t seen_before) {
      return seen_before == 0 ? std::string(code) : std::string();
    });
    Mempool pool({});
    auto e = ev(1, 1);
    ASSERT_TRUE(pool.add(e, 0).ok());
    EventForwarder fwd(pool, options(peers_of({node.url()}), 30ms), kNobodyCommitted);
    fwd.start();
    ASSERT_TRUE(wait_until([&] { return node.seen(e.hash) >= 1; }));
    EXPECT_TRUE(pool.contains(e.hash));
    ASSERT_TRUE(wait_until([&] { return fwd.forwarded() >= 1; })) << node.seen(e.hash);
    EXPECT_GE(node.seen(e.hash), 2u);  // the refusal, then the offer the peer took
    EXPECT_TRUE(pool.contains(e.hash));
    EXPECT_EQ(pool.size(), 1u);
  }
}

// The peer may hold a twin of the event that never gets in: the next offer goes elsewhere.
TEST(EventForwarder, AnEventRefusedForNowIsOfferedAgainThroughTheNextPeer) {
  FakeNode full(true, FakeNode::refuse_all("mempool_full")), other;
  Mempool pool({});
  auto e = ev(1, 1);
  ASSERT_TRUE(pool.add(e, 0).ok());
  EventForwarder fwd(pool, options(peers_of({full.url(), other.url()}), 30ms), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 1; })) << fwd.forwarded();
  EXPECT_EQ(other.seen(e.hash), 1u);
  EXPECT_EQ(full.seen(e.hash), 1u);
  EXPECT_TRUE(pool.contains(e.hash));
}

TEST(EventForwarder, AFailedPostGivesTheBatchBack) {
  FakeNode node;
  node.set_status(500);
  Mempool pool({});
  const std::vector<PendingEvent> events = {ev(1, 1), ev(1, 2), ev(2, 1)};
  add_all(pool, events);
  EventForwarder fwd(pool, options(peers_of({node.url()})), kNobodyCommitted);
  fwd.start();
  // Offered again long before a 10 s lease could run out: the batch was given back.
  ASSERT_TRUE(wait_until([&] { return node.failed_requests() >= 2; })) << node.failed_requests();
  EXPECT_EQ(fwd.forwarded(), 0u);
  EXPECT_EQ(pool.size(), events.size());
  for (const auto& pe : events) EXPECT_TRUE(pool.contains(pe.hash));
  // The node recovers: the same events, as one batch, each once.
  node.set_status(200);
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == events.size(); })) << fwd.forwarded();
  auto batches = node.batches();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), events.size());
  for (const auto& pe : events) EXPECT_EQ(node.seen(pe.hash), 1u);
  EXPECT_EQ(pool.size(), events.size());
}

TEST(EventForwarder, AFailedPostLeavesTheEventsReadyWhenStopped) {
  FakeNode node;
  node.set_status(500);
  Mempool pool({});
  const std::vector<PendingEvent> events = {ev(1, 1), ev(2, 1)};
  add_all(pool, events);
  EventForwarder fwd(pool, options(peers_of({node.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return node.failed_requests() >= 1; }));
  fwd.stop();
  EXPECT_EQ(pool.ready_count(), events.size());  // given back, not leased
  EXPECT_EQ(pool.take(10).size(), events.size());
  EXPECT_EQ(fwd.forwarded(), 0u);
}

TEST(EventForwarder, WithNoServerTheBatchIsGivenBackAndGoesToTheNextPeer) {
  DeadPort nobody(DeadPort::Kind::kRefuses);
  FakeNode node;
  Mempool pool({});
  const std::vector<PendingEvent> events = {ev(1, 1), ev(1, 2)};
  add_all(pool, events);
  auto peers = peers_of({nobody.url()});
  EventForwarder fwd(pool, options(peers), kNobodyCommitted);
  fwd.start();
  std::this_thread::sleep_for(100ms);  // a few attempts at the closed port
  EXPECT_EQ(fwd.forwarded(), 0u);
  EXPECT_EQ(pool.size(), events.size());
  ASSERT_TRUE(*peers->add(node.url()));
  // With a 10 s lease, only a given-back batch can reach the second peer this soon.
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == events.size(); })) << fwd.forwarded();
  for (const auto& pe : events) EXPECT_EQ(node.seen(pe.hash), 1u);
  EXPECT_EQ(pool.size(), events.size());
}

// A relaying peer answering "duplicate" may have the event from us (A -> B -> A): it must go on
// towards an orderer through another peer.
TEST(EventForwarder, ARelayingPeerAnsweringDuplicateSendsTheEventToTheNextPeer) {
  FakeNode relay(false, FakeNode::refuse_all("duplicate")), orderer(true);
  Mempool pool({});
  auto e = ev(1, 1);
  ASSERT_TRUE(pool.add(e, 0).ok());
  EventForwarder fwd(pool, options(peers_of({relay.url(), orderer.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return orderer.seen(e.hash) == 1; }));  // 10 s lease: at once
  EXPECT_EQ(relay.seen(e.hash), 1u);
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 1; }));
  EXPECT_TRUE(pool.contains(e.hash));
}

// An orderer answering "duplicate" has the event: it counts as forwarded and stays with that peer.
TEST(EventForwarder, AnOrderingPeerAnsweringDuplicateHasTheEvent) {
  FakeNode orderer(true, FakeNode::refuse_all("duplicate")), other(true);
  Mempool pool({});
  auto e1 = ev(1, 1), e2 = ev(2, 1);
  ASSERT_TRUE(pool.add(e1, 0).ok());
  EventForwarder fwd(pool, options(peers_of({orderer.url(), other.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 1; }));
  ASSERT_TRUE(pool.add(e2, 0).ok());  // goes to the same peer: no reason to move on
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 2; }));
  EXPECT_EQ(orderer.seen(e1.hash), 1u);
  EXPECT_EQ(orderer.seen(e2.hash), 1u);
  EXPECT_EQ(other.requests(), 0u);
}

// When every peer relays and says "duplicate", the event is taken as handed on (its lease will
// offer it again) instead of bouncing between them.
TEST(EventForwarder, DuplicatesFromEveryRelayingPeerEndTheRound) {
  FakeNode a(false, FakeNode::refuse_all("duplicate")), b(false, FakeNode::refuse_all("duplicate"));
  Mempool pool({});
  auto e1 = ev(1, 1), e2 = ev(2, 1);
  ASSERT_TRUE(pool.add(e1, 0).ok());
  EventForwarder fwd(pool, options(peers_of({a.url(), b.url()})), kNobodyCommitted);
  fwd.start();
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 1; }));
  ASSERT_TRUE(pool.add(e2, 0).ok());  // a marker: once it is through, e1 had every chance to bounce
  ASSERT_TRUE(wait_until([&] { return fwd.forwarded() == 2; }));
  EXPECT_EQ(a.seen(e1.hash), 1u);
  EXPECT_EQ(b.seen(e1.hash), 1u);
  EXPECT_EQ(a.seen(e2.hash), 1u);
  EXPECT_EQ(b.seen(e2.hash), 1u);
  EXPECT_TRUE(pool.contains(e1.hash));
  EXPECT_TRUE(pool.contains(e2.hash));
}

// Regressions found by these tests: a forwarder without a logger crashed on its first failed
// post or refusal, and a second start() aborted the process.
TEST(EventForwarder, RunsWithoutALoggerAndASecondStartDoesNothing) {
  FakeNode failing;
  failing.set_status(500);
  FakeNode refusing(true, FakeNode::refuse_all("nonce_used"));
  Mempool pool({});
  add_all(pool, {ev(1, 1)});
  auto o = options(peers_of({failing.url(), refusing.url()}), 50ms);
  o.log = nullptr;
  EventForwarder f(pool, o, kNobodyCommitted);
  f.start();
  f.start();
  EXPECT_TRUE(
      wait_until([&] { return failing.failed_requests() >= 1 && refusing.requests() >= 1; }));
  f.stop();
  EXPECT_EQ(pool.size(), 1u);  // refused for now: still pending here
}

// A peer that accepts connections and never answers holds forwarding (and stop()) up for the
// post timeout of the options, not a fixed 10 s.
TEST(EventForwarder, APeerThatNeverAnswersHoldsItUpOnlyForTheTimeout) {
  DeadPort hangs(DeadPort::Kind::kHangs);
  const std::string hanging = hangs.url();
  FakeNode good;
  Mempool pool({});
  add_all(pool, {ev(1, 1)});
  auto o = options(peers_of({hanging, good.url()}));
  o.timeout = 200ms;
  EventForwarder f(pool, o, kNobodyCommitted);
  const auto t0 = Clock::now();
  f.start();
  EXPECT_TRUE(wait_until([&] { return good.requests() >= 1; }));
  EXPECT_LT(Clock::now() - t0, 2s);
  f.stop();
}

// ForwardAnswers: the I/O-free rules the forwarder (and the simulation) apply to a peer's answers.
TEST(ForwardAnswers, EachAnswerDecidesWhatBecomesOfItsEvent) {
  Mempool pool{MempoolLimits{}};
  std::vector<PendingEvent> batch;
  for (uint8_t k = 1; k <= 4; ++k) {
    batch.push_back(ev(k, 1));
    ASSERT_TRUE(pool.add(batch.back(), 0).ok());
  }
  ASSERT_EQ(pool.take(10).size(), 4u);
  ForwardAnswers answers;
  const std::vector<std::string> errors = {"", "duplicate", "bad_signature", "nonce_used"};
  auto out = answers.settle(pool, batch, errors, /*orders=*/true, 3, kNobodyCommitted);
  EXPECT_EQ(out.taken, 2u);  // taken, and "duplicate" from a peer that orders
  ASSERT_EQ(out.refused_for_good.size(), 1u);
  EXPECT_EQ(out.refused_for_good[0].first, batch[2].hash);
  EXPECT_FALSE(pool.contains(batch[2].hash));  // forgotten: invalid in itself
  ASSERT_EQ(out.refused_for_now.size(), 1u);
  EXPECT_EQ(out.refused_for_now[0].second, "nonce_used");
  EXPECT_TRUE(pool.contains(batch[3].hash));  // still pending here, offered again later
  EXPECT_TRUE(out.next_peer);
  EXPECT_EQ(pool.ready_count(), 0u);  // nothing handed back at once
}

TEST(ForwardAnswers, ADuplicateFromARelayGoesOnThroughTheOtherPeersThenCountsAsTaken) {
  Mempool pool{MempoolLimits{}};
  PendingEvent e = ev(1, 1);
  ASSERT_TRUE(pool.add(e, 0).ok());
  ForwardAnswers answers;
  const std::vector<std::string> dup = {"duplicate"};
  const size_t peers = 3;
  for (size_t round = 1; round < peers; ++round) {
    auto batch = pool.take(10);
    ASSERT_EQ(batch.size(), 1u) << "round " << round;
    auto out = answers.settle(pool, batch, dup, /*orders=*/false, peers, kNobodyCommitted);
    EXPECT_EQ(out.taken, 0u);
    EXPECT_TRUE(out.next_peer);
    EXPECT_EQ(pool.ready_count(), 1u);  // given back: first in the next batch
  }
  auto batch = pool.take(10);
  auto out = answers.settle(pool, batch, dup, false, peers, kNobodyCommitted);
  EXPECT_EQ(out.taken, 1u);  // every peer has it now
  EXPECT_FALSE(out.next_peer);
  EXPECT_EQ(pool.ready_count(), 0u);
}

TEST(ForwardAnswers, AnswersThatDoNotMatchTheBatchCountAsAFailedPost) {
  Mempool pool{MempoolLimits{}};
  for (uint8_t k = 1; k <= 2; ++k) ASSERT_TRUE(pool.add(ev(k, 1), 0).ok());
  auto batch = pool.take(10);
  ForwardAnswers answers;
  const std::vector<std::string> one = {""};
  auto out = answers.settle(pool, batch, one, true, 2, kNobodyCommitted);
  EXPECT_EQ(out.taken, 0u);
  EXPECT_TRUE(out.next_peer);
  EXPECT_EQ(pool.ready_count(), 2u);  // the whole batch is back
}
