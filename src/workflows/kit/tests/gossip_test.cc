// Gossip against real HTTP servers on 127.0.0.1: every peer gets each message once, at
// <symbiote_path><route>, from a background thread; the caller never waits; a failing peer is
// backed off without holding up the others; the queue is bounded and drops the oldest first.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"
#include "workflows/kit/gossip.h"
#include "workflows/kit/tests/loopback.h"

using namespace klyn;
using namespace klyn::kit;
using namespace std::chrono_literals;
using klyn::kit::testing::DeadPort;
using klyn::kit::testing::wait_until;

namespace {

using Clock = std::chrono::steady_clock;

// sent() counts a delivery when the peer's answer is read, a moment after the peer has the
// message: tests wait for it rather than read it at once.

Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// A peer node: a real HttpServer recording every gossip POST under /s/{sym}/sync/{kind}, and
// answering with `status` (settable while it runs).
class RecordingPeer {
 public:
  struct Received {
    std::string path, body, content_type, node;
  };
  explicit RecordingPeer(unsigned status = 200) : status_(status) {
    net::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    so.threads = 1;
    server_ = std::make_unique<net::HttpServer>(so);
    auto st = server_->router().add(
        net::Method::kPost, "/s/{sym}/sync/{kind}", [this](const net::Request& req) {
          {
            std::lock_guard lock(mu_);
            received_.push_back({req.path, req.body, req.header("content-type").value_or(""),
                                 req.header("x-klyn-node").value_or("")});
          }
          const unsigned s = status_;
          if (s == 200) return net::Response::json({{"known", false}});
          return net::Response::error(s, "refused", "the test peer answers " + std::to_string(s));
        });
    EXPECT_TRUE(st.ok());
    auto started = server_->start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().to_string());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  void set_status(unsigned s) { status_ = s; }
  size_t count() const {
    std::lock_guard lock(mu_);
    return received_.size();
  }
  std::vector<Received> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (const auto& r : received()) out.push_back(r.body);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Received> received_;
  std::atomic<unsigned> status_;
  std::unique_ptr<net::HttpServer> server_;  // last: stopped before the rest goes
};

std::shared_ptr<PeerSet> peers_of(const std::vector<std::string>& urls) {
  auto peers = std::make_shared<PeerSet>(16);
  for (const auto& u : urls) EXPECT_TRUE(peers->add(u).ok()) << u;
  return peers;
}

Gossip::Options options(std::shared_ptr<PeerSet> peers) {
  Gossip::Options o;
  o.peers = std::move(peers);
  o.symbiote_path = "/s/00ab";
  o.timeout = 300ms;
  o.backoff = 10s;  // a failed peer stays skipped for the whole test unless a test says otherwise
  o.node_id = "node-under-test";
  return o;
}

}  // namespace

TEST(Gossip, AMessageIsPostedOnceToEveryPeerWithItsExactBody) {
  RecordingPeer a, b, c;
  Gossip g(options(peers_of({a.url(), b.url(), c.url()})));
  g.start();
  const std::string body = std::string("equivocation") + '\0' + "\x01\xff proof";  // binary
  g.send("/sync/equivocation", bytes_of(body));
  ASSERT_TRUE(wait_until([&] { return g.sent() == 3; })) << g.sent();
  // A second message, delivered after the first by the one sending thread: once it is in, any
  // second copy of the first would be too.
  g.send("/sync/instant", bytes_of("marker"));
  ASSERT_TRUE(wait_until([&] { return a.count() == 2 && b.count() == 2 && c.count() == 2; }));
  for (RecordingPeer* p : {&a, &b, &c}) {
    auto got = p->received();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].path, "/s/00ab/sync/equivocation");
    EXPECT_EQ(got[0].body, body);
    EXPECT_EQ(got[0].content_type, "application/octet-stream");
    EXPECT_EQ(got[0].node, "node-under-test");  // X-Klyn-Node, for the peer's scores
    EXPECT_EQ(got[1].path, "/s/00ab/sync/instant");
    EXPECT_EQ(got[1].body, "marker");
  }
  // One per message and peer.
  EXPECT_TRUE(wait_until([&] { return g.sent() == 6u; })) << g.sent();
  EXPECT_EQ(g.dropped(), 0u);
}

TEST(Gossip, MessagesReachEachPeerInTheOrderTheyWereSent) {
  RecordingPeer a, b;
  Gossip g(options(peers_of({a.url(), b.url()})));
  g.start();
  std::vector<std::string> want;
  for (int i = 0; i < 20; ++i) {
    want.push_back("m" + std::to_string(i));
    g.send("/sync/block", bytes_of(want.back()));
  }
  ASSERT_TRUE(wait_until([&] { return a.count() == 20 && b.count() == 20; }))
      << a.count() << " " << b.count();
  EXPECT_EQ(a.bodies(), want);
  EXPECT_EQ(b.bodies(), want);
  EXPECT_TRUE(wait_until([&] { return g.sent() == 40u; })) << g.sent();
}

// The caller is often an HTTP handler: send() must return at once while the sending thread is
// stuck on a peer that accepts connections and never answers.
TEST(Gossip, SendReturnsAtOnceWhilePeersAreUnreachableOrHang) {
  DeadPort refuses(DeadPort::Kind::kRefuses), hangs(DeadPort::Kind::kHangs);
  RecordingPeer good;
  auto o = options(peers_of({refuses.url(), hangs.url(), good.url()}));
  o.timeout = 500ms;
  Gossip g(o);
  g.start();
  g.send("/sync/a", bytes_of("first"));
  // The sending thread now waits up to 500 ms on the hanging peer; 50 more sends must not.
  const auto t0 = Clock::now();
  for (int i = 0; i < 50; ++i) g.send("/sync/a", bytes_of("more" + std::to_string(i)));
  const auto spent = Clock::now() - t0;
  EXPECT_LT(spent, 200ms) << std::chrono::duration_cast<std::chrono::milliseconds>(spent).count()
                          << " ms for 50 sends";
  // Both failing peers are backed off after the first message: the rest flows to the good one.
  ASSERT_TRUE(wait_until([&] { return good.count() == 51; })) << good.count();
  EXPECT_EQ(good.bodies().front(), "first");
  // The failing peers count for nothing.
  EXPECT_TRUE(wait_until([&] { return g.sent() == 51u; })) << g.sent();
}

TEST(Gossip, AFailingPeerDoesNotStopDeliveryToTheOthersAndIsBackedOff) {
  DeadPort refuses(DeadPort::Kind::kRefuses);
  RecordingPeer broken(500), good1, good2;
  Gossip g(options(peers_of({refuses.url(), broken.url(), good1.url(), good2.url()})));
  g.start();
  for (int i = 0; i < 5; ++i) g.send("/sync/block", bytes_of("b" + std::to_string(i)));
  ASSERT_TRUE(wait_until([&] { return good1.count() == 5 && good2.count() == 5; }));
  const std::vector<std::string> want = {"b0", "b1", "b2", "b3", "b4"};
  EXPECT_EQ(good1.bodies(), want);
  EXPECT_EQ(good2.bodies(), want);
  // The peer answering 500 was tried with the first message only, then skipped (back-off 10 s).
  EXPECT_EQ(broken.bodies(), std::vector<std::string>{"b0"});
  EXPECT_TRUE(wait_until([&] { return g.sent() == 10u; })) << g.sent();
}

TEST(Gossip, ABackedOffPeerIsTriedAgainOnceItsBackOffIsOver) {
  RecordingPeer flaky(500), good;
  auto o = options(peers_of({flaky.url(), good.url()}));
  o.backoff = 500ms;
  Gossip g(o);
  g.start();
  g.send("/sync/x", bytes_of("1"));
  ASSERT_TRUE(wait_until([&] { return good.count() == 1; }));
  g.send("/sync/x", bytes_of("2"));  // within the back-off: not offered to the flaky peer
  ASSERT_TRUE(wait_until([&] { return good.count() == 2; }));
  EXPECT_EQ(flaky.bodies(), std::vector<std::string>{"1"});
  flaky.set_status(200);
  // Once the back-off is over, the peer gets the next message (and only the messages sent then:
  // gossip is best effort, "2" is not sent again).
  const auto retry_deadline = Clock::now() + 3s;
  int n = 3;
  while (flaky.count() < 2 && Clock::now() < retry_deadline) {
    const size_t before = good.count();
    g.send("/sync/x", bytes_of(std::to_string(n++)));
    ASSERT_TRUE(wait_until([&] { return good.count() == before + 1; }));
    std::this_thread::sleep_for(50ms);
  }
  auto got = flaky.bodies();
  ASSERT_EQ(got.size(), 2u) << "the flaky peer was never tried again";
  EXPECT_EQ(got[0], "1");
  EXPECT_EQ(got[1], std::to_string(n - 1));
}

// A 4xx answer is the peer's verdict on the message, not a failure of the peer: no back-off.
TEST(Gossip, APeerRefusingAMessageIsNotBackedOff) {
  RecordingPeer refusing(400), good;
  Gossip g(options(peers_of({refusing.url(), good.url()})));
  g.start();
  for (int i = 0; i < 3; ++i) g.send("/sync/x", bytes_of("r" + std::to_string(i)));
  ASSERT_TRUE(wait_until([&] { return refusing.count() == 3 && good.count() == 3; }));
  EXPECT_EQ(refusing.bodies(), (std::vector<std::string>{"r0", "r1", "r2"}));
  // Delivered, even though refused.
  EXPECT_TRUE(wait_until([&] { return g.sent() == 6u; })) << g.sent();
}

TEST(Gossip, AFullQueueDropsTheOldestMessagesFirst) {
  RecordingPeer peer;
  auto o = options(peers_of({peer.url()}));
  o.max_queue = 4;
  Gossip g(o);
  // Not started yet: everything stays queued, so what is dropped does not depend on timing.
  for (int i = 0; i < 10; ++i) g.send("/sync/x", bytes_of("q" + std::to_string(i)));
  EXPECT_EQ(g.dropped(), 6u);
  EXPECT_EQ(g.sent(), 0u);
  EXPECT_EQ(peer.count(), 0u);
  g.start();
  ASSERT_TRUE(wait_until([&] { return peer.count() == 4; }));
  EXPECT_EQ(peer.bodies(), (std::vector<std::string>{"q6", "q7", "q8", "q9"}));
  EXPECT_TRUE(wait_until([&] { return g.sent() == 4u; })) << g.sent();
  EXPECT_EQ(g.dropped(), 6u);
}

TEST(Gossip, APeerAddedAtRunTimeGetsTheMessagesSentAfterwards) {
  RecordingPeer first, later;
  auto peers = peers_of({first.url()});
  Gossip g(options(peers));
  g.start();
  g.send("/sync/x", bytes_of("before"));
  ASSERT_TRUE(wait_until([&] { return first.count() == 1; }));
  ASSERT_TRUE(*peers->add(later.url()));  // POST addnode
  g.send("/sync/x", bytes_of("after"));
  ASSERT_TRUE(wait_until([&] { return first.count() == 2 && later.count() == 1; }));
  EXPECT_EQ(later.bodies(), std::vector<std::string>{"after"});
  EXPECT_EQ(first.bodies(), (std::vector<std::string>{"before", "after"}));
}

TEST(Gossip, NothingIsSentAfterStop) {
  RecordingPeer peer;
  Gossip g(options(peers_of({peer.url()})));
  g.start();
  g.send("/sync/x", bytes_of("one"));
  ASSERT_TRUE(wait_until([&] { return peer.count() == 1; }));
  g.stop();
  g.send("/sync/x", bytes_of("two"));  // queued, never sent; and send() does not block
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(peer.count(), 1u);
  EXPECT_EQ(g.sent(), 1u);
  g.start();  // a restart sends what was queued meanwhile
  ASSERT_TRUE(wait_until([&] { return peer.count() == 2; }));
  EXPECT_EQ(peer.bodies().back(), "two");
}

// Regression: the back-off was counted from the start of the attempt, so with a timeout longer
// than the back-off a hanging peer was never skipped and every message waited its timeout.
TEST(Gossip, AHangingPeerIsBackedOffFromItsTimeoutNotFromTheAttempt) {
  DeadPort hangs(DeadPort::Kind::kHangs);
  RecordingPeer good;
  auto o = options(peers_of({hangs.url(), good.url()}));
  o.timeout = 300ms;
  o.backoff = 150ms;
  Gossip g(o);
  g.start();
  const auto t0 = Clock::now();
  for (int i = 0; i < 4; ++i) g.send("/sync/a", bytes_of("m" + std::to_string(i)));
  ASSERT_TRUE(wait_until([&] { return good.count() == 4; })) << good.count();
  const auto spent = Clock::now() - t0;
  // One timeout on the hanging peer, then it is skipped: well under 4 x 300 ms.
  EXPECT_LT(spent, 900ms) << std::chrono::duration_cast<std::chrono::milliseconds>(spent).count()
                          << " ms";
}

TEST(Gossip, WithALanePerPeerEachPeerGetsEveryMessageOnceInOrder) {
  RecordingPeer a, b, c;
  auto o = options(peers_of({a.url(), b.url(), c.url()}));
  o.per_peer = true;
  Gossip g(o);
  g.start();
  std::vector<std::string> want;
  for (int i = 0; i < 30; ++i) {
    want.push_back("m" + std::to_string(i));
    g.send("/sync/vote", bytes_of(want.back()));
  }
  ASSERT_TRUE(wait_until([&] { return g.sent() == 90u; })) << g.sent();
  for (RecordingPeer* p : {&a, &b, &c}) {
    EXPECT_EQ(p->bodies(), want);
    EXPECT_EQ(p->received().front().path, "/s/00ab/sync/vote");
    EXPECT_EQ(p->received().front().node, "node-under-test");
  }
  EXPECT_EQ(g.dropped(), 0u);
}

// One sending thread would wait out the hanging peer (listed first) before the good one got
// anything; with a lane per peer the good one has every message at once.
TEST(Gossip, WithALanePerPeerAPeerThatHangsHoldsUpNobody) {
  DeadPort hangs(DeadPort::Kind::kHangs);
  RecordingPeer good;
  auto o = options(peers_of({hangs.url(), good.url()}));
  o.timeout = 2s;
  o.per_peer = true;
  Gossip g(o);
  g.start();
  const auto t0 = Clock::now();
  for (int i = 0; i < 5; ++i) g.send("/sync/vote", bytes_of("v" + std::to_string(i)));
  ASSERT_TRUE(wait_until([&] { return good.count() == 5; })) << good.count();
  const auto spent = Clock::now() - t0;
  EXPECT_LT(spent, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(spent).count()
                       << " ms: the good peer waited on the hanging one";
  EXPECT_EQ(good.bodies(), (std::vector<std::string>{"v0", "v1", "v2", "v3", "v4"}));
}
