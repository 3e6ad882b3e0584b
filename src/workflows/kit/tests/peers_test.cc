// PeerSet: the capped peer set of one symbiote; http://host:port addresses only, one entry per
// host:port, readers take a snapshot.
#include <gtest/gtest.h>

#include "workflows/kit/peers.h"

#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace klyn;
using namespace klyn::kit;

TEST(PeerSet, AddsHttpHostPortAddressesAndSplitsThem) {
  PeerSet peers(8);
  const std::vector<std::pair<std::string, std::pair<std::string, uint16_t>>> cases = {
      {"http://127.0.0.1:7331", {"127.0.0.1", 7331}},
      {"http://10.0.0.2:1/s/abc", {"10.0.0.2", 1}},
      {"http://[::1]:8080", {"::1", 8080}},
      {"http://node-1.example.org:65535/", {"node-1.example.org", 65535}},
  };
  for (const auto& [url, hp] : cases) {
    auto r = peers.add(url);
    ASSERT_TRUE(r.ok()) << url << ": " << r.error().to_string();
    EXPECT_TRUE(*r) << url;
  }
  ASSERT_EQ(peers.size(), cases.size());
  auto snap = peers.snapshot();
  ASSERT_EQ(snap.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(snap[i].url, cases[i].first);  // kept as given, in the order added
    EXPECT_EQ(snap[i].host, cases[i].second.first);
    EXPECT_EQ(snap[i].port, cases[i].second.second);
  }
}

TEST(PeerSet, RefusesAddressesThatAreNotHttpHostPort) {
  PeerSet peers(8);
  for (const char* url :
       {"", "127.0.0.1:7331", "https://127.0.0.1:443", "ftp://host:21", "http://host",
        "http://host:0", "http://host:65536", "http://user@host:80", "http://[::1]",
        "http://host:80?x=1", " http://host:80"}) {
    auto r = peers.add(url);
    ASSERT_FALSE(r.ok()) << "accepted: '" << url << "'";
    EXPECT_EQ(r.error().code, "bad_url") << url;
    EXPECT_NE(r.error().reason.find(url), std::string::npos) << r.error().reason;
  }
  EXPECT_EQ(peers.size(), 0u);
  EXPECT_TRUE(peers.snapshot().empty());
}

TEST(PeerSet, AKnownHostAndPortIsNotAddedTwice) {
  PeerSet peers(8);
  ASSERT_TRUE(*peers.add("http://127.0.0.1:7331"));
  // Same host and port, written differently: still the same peer.
  for (const char* url : {"http://127.0.0.1:7331", "http://127.0.0.1:7331/",
                          "HTTP://127.0.0.1:7331", "http://127.0.0.1:7331/s/other"}) {
    auto r = peers.add(url);
    ASSERT_TRUE(r.ok()) << url << ": " << r.error().to_string();
    EXPECT_FALSE(*r) << url;
  }
  EXPECT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers.snapshot()[0].url, "http://127.0.0.1:7331");  // the first spelling stays
  // Another port, or another host, is another peer.
  EXPECT_TRUE(*peers.add("http://127.0.0.1:7332"));
  EXPECT_TRUE(*peers.add("http://127.0.0.2:7331"));
  EXPECT_EQ(peers.size(), 3u);
}

TEST(PeerSet, RefusesPeersBeyondTheCap) {
  PeerSet peers(2);
  ASSERT_TRUE(*peers.add("http://10.0.0.1:80"));
  ASSERT_TRUE(*peers.add("http://10.0.0.2:80"));
  auto r = peers.add("http://10.0.0.3:80");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_many_peers");
  EXPECT_NE(r.error().reason.find('2'), std::string::npos) << r.error().reason;
  EXPECT_EQ(peers.size(), 2u);
  // At the cap, a known peer is still "already known", not an error.
  auto known = peers.add("http://10.0.0.1:80");
  ASSERT_TRUE(known.ok()) << known.error().to_string();
  EXPECT_FALSE(*known);
  // A bad address is refused as such, whatever the cap.
  EXPECT_EQ(peers.add("http://10.0.0.4").error().code, "bad_url");
}

TEST(PeerSet, ACapOfZeroRefusesEveryPeer) {
  PeerSet peers(0);
  auto r = peers.add("http://127.0.0.1:7331");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "too_many_peers");
  EXPECT_EQ(peers.size(), 0u);
}

TEST(PeerSet, ASnapshotDoesNotChangeWhenPeersAreAddedLater) {
  PeerSet peers(4);
  ASSERT_TRUE(*peers.add("http://10.0.0.1:80"));
  auto before = peers.snapshot();
  ASSERT_TRUE(*peers.add("http://10.0.0.2:80"));
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].host, "10.0.0.1");
  auto after = peers.snapshot();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].host, "10.0.0.2");
}

// Several threads adding overlapping addresses (addnode racing the configured peers): each
// host:port is added exactly once, by one thread, and the cap holds.
TEST(PeerSet, ConcurrentAddsNeverExceedTheCapNorDuplicateAPeer) {
  constexpr size_t kCap = 20;
  constexpr int kThreads = 4, kUrls = 50;
  PeerSet peers(kCap);
  std::vector<int> added(kThreads, 0), known(kThreads, 0), full(kThreads, 0);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kUrls; ++i) {
        auto r = peers.add("http://10.0.0.1:" + std::to_string(1000 + (i * 7 + t) % kUrls));
        if (!r)
          full[t] += r.error().code == "too_many_peers";
        else if (*r)
          ++added[t];
        else
          ++known[t];
        (void)peers.snapshot();  // readers run alongside
      }
    });
  for (auto& t : ts) t.join();
  int total_added = 0, total_answers = 0;
  for (int t = 0; t < kThreads; ++t) {
    total_added += added[t];
    total_answers += added[t] + known[t] + full[t];
  }
  EXPECT_EQ(total_answers, kThreads * kUrls);  // every answer was one of the three
  EXPECT_EQ(total_added, int(kCap));
  EXPECT_EQ(peers.size(), kCap);
  std::set<uint16_t> ports;
  for (const auto& p : peers.snapshot()) ports.insert(p.port);
  EXPECT_EQ(ports.size(), kCap);
}
