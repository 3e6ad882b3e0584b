// Catch-up between nodes (sync.h): what a node serves from its RocksDB store (serve_range), and a
// follower's BlockPuller against real HTTP peers on 127.0.0.1 that serve
// GET <symbiote>/sync/blocks?from=&limit= from their own stores with serve_range, as a node does.
// What a range is worth (judge_range, probe_conflict) is Protocol.*; here: what ends up stored,
// reported and asked for.
#include "workflows/dev_controller/sync.h"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "chain/store_faults.h"
#include "chain/tests/test_util.h"
#include "codec/hex.h"
#include "net/http_server.h"
#include "workflows/dev_controller/alarms.h"
#include "workflows/dev_controller/ordering.h"
#include "workflows/dev_controller/protocol.h"
#include "workflows/dev_controller/verifier.h"
#include "workflows/kit/tests/loopback.h"

using namespace klyn;
using namespace klyn::dev_controller;
using namespace std::chrono_literals;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;
using klyn::kit::testing::DeadPort;
using klyn::kit::testing::wait_until;

namespace {

const chain::Genesis kGenesis = small_genesis();  // key(0) is the controller
const SymbioteId kSym = kGenesis.id();
const BlockLimits kLimits = read_params(kGenesis.manifest).value().block_limits();
const std::string kPath = "/s/" + codec::hex_encode(kSym);

std::string str(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// One controller block as a node stores it: its encoding, hash and the instant blocks it names.
struct StoredBlock {
  Bytes controller;
  Hash32 hash{};
  std::vector<std::pair<Hash32, Bytes>> instants;
};
using Chain = std::vector<StoredBlock>;  // chain[i] has index i + 1

// `base` and `n` more blocks after it, signed by the controller, each naming one instant block
// of its own (one transfer). `ms` tells two histories from the same base apart.
Chain grow(Chain base, size_t n, uint64_t ms = 8) {
  static const crypto::KeyPair controller = key(0), producer = key(1);
  Ordering o(kSym, controller, base.size() + 1, base.empty() ? kSym : base.back().hash, 1, true);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t nonce = base.size() + 1;
    auto e = chain::make_transfer(kSym, producer, nonce, 10, key(9).public_key(), 1);
    MadeInstant ib = make_instant_block({{e, e.hash()}}, kSym, producer, ms);
    o.add(ib.hash);
    StoredBlock b;
    b.controller = o.emit(ms).at(0).encode();
    b.hash = ControllerBlock::hash_of(b.controller);
    b.instants.emplace_back(ib.hash, ib.encoded);
    base.push_back(std::move(b));
  }
  return base;
}
Chain prefix(const Chain& c, size_t n) {
  return Chain(c.begin(), c.begin() + n);
}

// Stores blocks 1..n of `c` and makes n the stored head, in one batch (as a round does, D2).
void put_blocks(chain::ChainStore& s, const Chain& c, size_t n) {
  chain::WriteBatch b;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [h, enc] : c[i].instants) b.put(dc_keys::instant(h), enc);
    b.put(dc_keys::controller(i + 1), c[i].controller);
  }
  if (n > 0) {
    b.put(dc_keys::kHead, chain::keys::be64(n));
    b.put(dc_keys::kHeadHash, c[n - 1].hash);
  }
  auto st = s.write(b);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
}

std::unique_ptr<chain::ChainStore> open_store(const TempDir& dir,
                                              const chain::StoreOptions& o = {}) {
  auto s = chain::ChainStore::open(dir.path("db"), kGenesis, o);
  EXPECT_TRUE(s.ok()) << s.error().to_string();
  return s.ok() ? std::move(*s) : nullptr;
}

// The stored head (dc_keys::kHead, kHeadHash) of `s`: index 0 and the symbiote id when none.
ChainTip stored_tip(const chain::ChainStore& s) {
  ChainTip tip{0, kSym};
  auto h = s.get(dc_keys::kHead);
  auto hh = s.get(dc_keys::kHeadHash);
  EXPECT_TRUE(h.ok() && hh.ok());
  if (!h.ok() || !hh.ok() || !*h) return tip;
  tip.index = chain::keys::read_be64(**h);
  EXPECT_TRUE(*hh && (*hh)->size() == 32);
  if (*hh && (*hh)->size() == 32) std::copy((*hh)->begin(), (*hh)->end(), tip.hash.begin());
  return tip;
}

BlockRange serve(const chain::ChainStore& s, uint64_t from, uint64_t limit, uint64_t head) {
  auto body = serve_range(s, from, limit, head, kLimits);
  EXPECT_TRUE(body.ok()) << body.error().to_string();
  if (!body.ok()) return {};
  auto range = decode_range(*body, kLimits);
  EXPECT_TRUE(range.ok()) << range.error().to_string();
  return range.ok() ? std::move(*range) : BlockRange{};
}

// `range` holds exactly blocks first..last of `c`, each with its instant blocks.
void expect_blocks(const BlockRange& range, const Chain& c, uint64_t first, uint64_t last) {
  ASSERT_EQ(range.bundles.size(), last + 1 - first) << "blocks " << first << ".." << last;
  for (uint64_t i = first; i <= last; ++i) {
    const BlockBundle& b = range.bundles[i - first];
    const StoredBlock& want = c[i - 1];
    EXPECT_EQ(b.controller, want.controller) << "block " << i;
    ASSERT_EQ(b.instants.size(), want.instants.size()) << "block " << i;
    for (size_t k = 0; k < b.instants.size(); ++k)
      EXPECT_EQ(b.instants[k], want.instants[k].second) << "block " << i;
  }
}

// A peer node: its own store, serving GET /s/{sym}/sync/blocks?from=&limit= with serve_range up
// to its stored head, or answering `status` without looking when that is not 200.
class PeerNode {
 public:
  PeerNode() : store_(open_store(dir_)) {
    net::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    so.threads = 1;
    server_ = std::make_unique<net::HttpServer>(so);
    auto st = server_->router().add(net::Method::kGet, "/s/{sym}/sync/blocks",
                                    [this](const net::Request& req) { return handle(req); });
    EXPECT_TRUE(st.ok());
    auto started = server_->start();
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().to_string());
  }

  // Stores blocks 1..n of `c` (n the head) and serves them from now on.
  void hold(const Chain& c, size_t n) {
    put_blocks(*store_, c, n);
    head_ = n;
  }
  chain::ChainStore& store() { return *store_; }
  void set_status(unsigned s) { status_ = s; }
  // Requests for exactly one block are answered with `probe_answer` (a lying peer), not from the
  // store. Set before the follower starts.
  void answer_probes_with(BlockRange probe_answer) { probe_answer_ = std::move(probe_answer); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  size_t requests() const {
    std::lock_guard lock(mu_);
    return targets_.size();
  }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mu_);
    return targets_;
  }
  std::vector<std::string> nodes() const {
    std::lock_guard lock(mu_);
    return nodes_;
  }

 private:
  net::Response handle(const net::Request& req) {
    {
      std::lock_guard lock(mu_);
      targets_.push_back(req.target);
      nodes_.push_back(req.header("x-klyn-node").value_or(""));
    }
    if (const unsigned s = status_; s != 200)
      return net::Response::error(s, "internal", "the test peer answers " + std::to_string(s));
    const uint64_t from = std::stoull(req.query("from").value_or("1"));
    const uint64_t limit = std::stoull(req.query("limit").value_or("256"));
    if (from == 0 || limit == 0 || limit > kMaxRangeBlocks)
      return net::Response::error(400, "bad_query", "from >= 1, limit in 1..256");
    if (limit == 1 && probe_answer_) {
      net::Response resp;
      resp.content_type = "application/octet-stream";
      resp.body = str(encode_range(*probe_answer_));
      return resp;
    }
    auto body = serve_range(*store_, from, limit, head_.load(), kLimits);
    if (!body) return net::Response::error(500, body.error().code, body.error().reason);
    net::Response resp;
    resp.content_type = "application/octet-stream";
    resp.body = str(*body);
    return resp;
  }

  TempDir dir_;
  std::unique_ptr<chain::ChainStore> store_;
  std::atomic<uint64_t> head_{0};
  std::atomic<unsigned> status_{200};
  std::optional<BlockRange> probe_answer_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_, nodes_;
  std::unique_ptr<net::HttpServer> server_;  // last: stopped before the rest goes
};

// A follower: its own store and a BlockPuller over `urls` (in that order) from its stored head,
// recording what on_stored and on_conflict report.
class Follower {
 public:
  struct Conflict {
    Bytes ours, theirs;
    std::string peer;
  };

  Follower() : store_(open_store(dir_)) {}
  ~Follower() {
    if (puller_) puller_->stop();
  }

  void hold(const Chain& c, size_t n) { put_blocks(*store_, c, n); }
  void start(const std::vector<std::string>& urls) {
    BlockPuller::Options o;
    o.peers = std::make_shared<kit::PeerSet>(16);
    for (const auto& u : urls) EXPECT_TRUE(o.peers->add(u).ok()) << u;
    o.symbiote_path = kPath;
    o.symbiote = kSym;
    o.controller = key(0).public_key();
    o.limits = kLimits;
    o.interval = 10ms;
    o.log = std::make_shared<spdlog::logger>("sync-test",
                                             std::make_shared<spdlog::sinks::null_sink_mt>());
    o.node_id = "follower-1";
    o.on_conflict = [this](Bytes ours, Bytes theirs, const std::string& peer) {
      std::lock_guard lock(mu_);
      conflicts_.push_back({std::move(ours), std::move(theirs), peer});
    };
    puller_ = std::make_unique<BlockPuller>(*store_, std::move(o), stored_tip(*store_),
                                            [this](uint64_t head) {
                                              std::lock_guard lock(mu_);
                                              reports_.push_back(head);
                                            });
    puller_->start();
  }
  void stop() { puller_->stop(); }

  // The last head on_stored reported (0 before any).
  uint64_t reported() const {
    std::lock_guard lock(mu_);
    return reports_.empty() ? 0 : reports_.back();
  }
  std::vector<uint64_t> reports() const {
    std::lock_guard lock(mu_);
    return reports_;
  }
  std::vector<Conflict> conflicts() const {
    std::lock_guard lock(mu_);
    return conflicts_;
  }
  const chain::ChainStore& store() const { return *store_; }
  const BlockPuller& puller() const { return *puller_; }

  // The stored head is `c`'s block n, and blocks 1..n of `c` are stored with their instant
  // blocks.
  void expect_holds(const Chain& c, size_t n) const {
    ChainTip tip = stored_tip(*store_);
    EXPECT_EQ(tip.index, n);
    ASSERT_GE(c.size(), n);
    if (n > 0) {
      EXPECT_EQ(tip.hash, c[n - 1].hash);
    }
    for (size_t i = 0; i < n; ++i) {
      auto cb = store_->get(dc_keys::controller(i + 1));
      ASSERT_TRUE(cb.ok() && cb->has_value()) << "block " << i + 1;
      EXPECT_EQ(**cb, str(c[i].controller)) << "block " << i + 1;
      for (const auto& [h, enc] : c[i].instants) {
        auto ib = store_->get(dc_keys::instant(h));
        ASSERT_TRUE(ib.ok() && ib->has_value()) << "instant block of " << i + 1;
        EXPECT_EQ(**ib, str(enc)) << "instant block of " << i + 1;
      }
    }
  }

 private:
  TempDir dir_;
  std::unique_ptr<chain::ChainStore> store_;
  mutable std::mutex mu_;
  std::vector<uint64_t> reports_;
  std::vector<Conflict> conflicts_;
  std::unique_ptr<BlockPuller> puller_;  // last: stopped before the rest goes
};

}  // namespace

// ---- serve_range ----

TEST(Sync, ServesStoredBlocksWithTheirInstantBlocksUpToTheStoredHead) {
  TempDir dir;
  auto s = open_store(dir);
  ASSERT_TRUE(s);
  const Chain c = grow({}, 10);
  put_blocks(*s, c, 10);

  BlockRange r = serve(*s, 3, 4, 10);
  EXPECT_EQ(r.peer_stored_height, 10u);
  expect_blocks(r, c, 3, 6);
  // The range ends at the stored head, and a follower at genesis can store it whole.
  r = serve(*s, 8, 100, 10);
  EXPECT_EQ(r.peer_stored_height, 10u);
  expect_blocks(r, c, 8, 10);
  EXPECT_EQ(judge_range({7, c[6].hash}, kSym, key(0).public_key(), r, kLimits).blocks, 3u);
  // The head given is the one served, even with more blocks stored (a round not published yet).
  r = serve(*s, 1, 256, 4);
  EXPECT_EQ(r.peer_stored_height, 4u);
  expect_blocks(r, c, 1, 4);
  // Beyond the head: nothing, but the height still tells how far the peer is.
  r = serve(*s, 11, 256, 10);
  EXPECT_EQ(r.peer_stored_height, 10u);
  EXPECT_TRUE(r.bundles.empty());
}

TEST(Sync, StopsBeforeABlockWhoseInstantBlockIsMissing) {
  TempDir dir;
  auto s = open_store(dir);
  ASSERT_TRUE(s);
  const Chain c = grow({}, 10);
  put_blocks(*s, c, 10);
  chain::WriteBatch b;
  b.del(dc_keys::instant(c[4].instants.at(0).first));  // block 5's
  ASSERT_TRUE(s->write(b).ok());

  BlockRange r = serve(*s, 1, 256, 10);
  EXPECT_EQ(r.peer_stored_height, 10u);
  expect_blocks(r, c, 1, 4);  // never block 5 without what it names
  r = serve(*s, 5, 256, 10);
  EXPECT_TRUE(r.bundles.empty());
  r = serve(*s, 6, 256, 10);
  expect_blocks(r, c, 6, 10);
}

TEST(Sync, AFailingReadIsAnErrorNotAShorterRange) {
  TempDir dir;
  auto faults = std::make_shared<chain::StoreFaults>();
  chain::StoreOptions o;
  o.faults = faults;
  o.write_buffer_bytes = 64 << 10;  // small memtables: table files are written (and read) soon
  const Chain c = grow({}, 300);
  {
    auto s = open_store(dir, o);
    ASSERT_TRUE(s);
    put_blocks(*s, c, 300);
  }
  auto s = open_store(dir, o);  // the blocks now live in table files; the block cache is empty
  ASSERT_TRUE(s);
  faults->set_fail_reads(true);
  auto body = serve_range(*s, 1, 256, 300, kLimits);
  ASSERT_FALSE(body.ok()) << "a failing store served " << body->size() << " bytes";
  EXPECT_EQ(body.error().code, "storage_io") << body.error().to_string();
}

// A stored controller block that no longer decodes is damage: an error, not the end of the range.
TEST(Sync, AStoredBlockThatDoesNotDecodeIsAnErrorNotTheEndOfTheRange) {
  TempDir dir;
  const Chain c = grow({}, 5);
  auto s = open_store(dir, {});
  ASSERT_TRUE(s);
  put_blocks(*s, c, 5);
  ASSERT_TRUE(s->put(dc_keys::controller(3), std::string_view("not a block")).ok());
  auto body = serve_range(*s, 1, 256, 5, kLimits);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, "storage_corrupt") << body.error().to_string();
  EXPECT_TRUE(serve_range(*s, 4, 256, 5, kLimits).ok()) << "the blocks after it still serve";
}

// ---- BlockPuller ----

TEST(SyncPuller, CatchesUpFromAPeerInRangesOfAtMostKMaxRangeBlocks) {
  const size_t n = 2 * kMaxRangeBlocks + 88;
  const Chain c = grow({}, n);
  PeerNode peer;
  peer.hold(c, n);
  Follower f;
  f.start({peer.url()});
  ASSERT_TRUE(wait_until([&] { return f.reported() == n; }, 5s)) << f.reported();
  f.stop();

  f.expect_holds(c, n);
  EXPECT_EQ(f.reports(), (std::vector<uint64_t>{256, 512, n}));  // one report per stored range
  EXPECT_EQ(f.puller().peer_height(), n);
  auto targets = peer.targets();
  ASSERT_GE(targets.size(), 3u);
  EXPECT_EQ(targets[0], kPath + "/sync/blocks?from=1&limit=256");
  EXPECT_EQ(targets[1], kPath + "/sync/blocks?from=257&limit=256");
  EXPECT_EQ(targets[2], kPath + "/sync/blocks?from=513&limit=256");
  for (const auto& node : peer.nodes()) EXPECT_EQ(node, "follower-1");  // X-Klyn-Node
  EXPECT_TRUE(f.conflicts().empty());
}

TEST(SyncPuller, FollowsBlocksThePeerStoresLaterFromWhereItsStoreEnds) {
  const Chain c = grow({}, 12);
  PeerNode peer;
  peer.hold(c, 8);
  Follower f;
  f.hold(c, 3);  // a restart: it resumes from its stored head
  f.start({peer.url()});
  ASSERT_TRUE(wait_until([&] { return f.reported() == 8; })) << f.reported();
  EXPECT_EQ(peer.targets().at(0), kPath + "/sync/blocks?from=4&limit=256");
  peer.hold(c, 12);
  ASSERT_TRUE(wait_until([&] { return f.reported() == 12; })) << f.reported();
  f.stop();
  f.expect_holds(c, 12);
  EXPECT_EQ(f.reports(), (std::vector<uint64_t>{8, 12}));
}

namespace {
// `c` with block k's signature forged (so its hash, and nothing else, changes too).
Chain forge(const Chain& c, size_t k) {
  Chain bad = c;
  auto cb = decode_controller_block(bad[k - 1].controller, kLimits);
  EXPECT_TRUE(cb.ok());
  cb->signature[0] ^= 1;
  bad[k - 1].controller = cb->encode();
  bad[k - 1].hash = cb->hash();
  return bad;
}
}  // namespace

// A peer that serves block k with a forged signature: blocks before k are stored, k never.

TEST(SyncPuller, StoresOnlyTheValidPrefixOfAPeerThatServesAForgedBlock) {
  const size_t n = 20, k = 7;
  const Chain c = grow({}, n);
  PeerNode bad;
  bad.hold(forge(c, k), n);
  Follower f;
  f.start({bad.url()});
  ASSERT_TRUE(wait_until([&] { return f.reports().size() == 1; }));
  // The peer sent an invalid block: it rests (kInvalidRest, 10 s) instead of being asked again.
  std::this_thread::sleep_for(500ms);
  f.stop();
  f.expect_holds(c, k - 1);
  EXPECT_EQ(f.reports(), (std::vector<uint64_t>{k - 1}));
  auto forged = f.store().get(dc_keys::controller(k));
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(forged->has_value());
  EXPECT_EQ(bad.requests(), 1u) << "asked again while resting";
  EXPECT_TRUE(f.conflicts().empty());  // a bad signature is no evidence
}

TEST(SyncPuller, MovesOnFromAPeerThatServesAForgedBlockToOneThatServesTheChain) {
  const size_t n = 20, k = 7;
  const Chain c = grow({}, n);
  PeerNode bad, good;
  bad.hold(forge(c, k), n);
  good.hold(c, n);
  Follower f;
  f.start({bad.url(), good.url()});
  ASSERT_TRUE(wait_until([&] { return f.reported() == n; })) << f.reported();
  f.stop();
  f.expect_holds(c, n);  // block k is the controller's, not the forged one
  EXPECT_EQ(f.reports(), (std::vector<uint64_t>{k - 1, n}));
  EXPECT_EQ(good.targets().at(0), kPath + "/sync/blocks?from=7&limit=256");
}

// Equivocation: the peer holds another signed history. Whether it forked at our tip or below it,
// the follower reports its block and the peer's at its tip's index, which prove the fork (A1),
// and stores nothing of the other history.
TEST(SyncPuller, AnotherSignedHistoryIsReportedAsAConflictAtTheTip) {
  const Chain ours = grow({}, 10);
  for (size_t fork_after : {5u, 3u}) {
    SCOPED_TRACE("the peer's history leaves ours after block " + std::to_string(fork_after));
    const Chain theirs = grow(prefix(ours, fork_after), 10 - fork_after, /*ms=*/99);
    ASSERT_NE(theirs[5].hash, ours[5].hash);
    PeerNode peer;
    peer.hold(theirs, 10);
    Follower f;
    f.hold(ours, 6);
    f.start({peer.url()});
    ASSERT_TRUE(wait_until([&] { return !f.conflicts().empty(); })) << peer.requests();
    f.stop();

    const Follower::Conflict got = f.conflicts().at(0);
    EXPECT_EQ(got.ours, ours[5].controller);
    EXPECT_EQ(got.theirs, theirs[5].controller);
    EXPECT_EQ(got.peer, peer.url());
    auto proof = check_equivocation(got.ours, got.theirs, kSym, key(0).public_key(), kLimits);
    ASSERT_TRUE(proof.ok()) << proof.error().to_string();
    EXPECT_EQ(proof->index, 6u);
    auto targets = peer.targets();
    ASSERT_GE(targets.size(), 2u);
    EXPECT_EQ(targets[0], kPath + "/sync/blocks?from=7&limit=256");
    EXPECT_EQ(targets[1], kPath + "/sync/blocks?from=6&limit=1");  // the probe
    f.expect_holds(ours, 6);
    EXPECT_TRUE(f.reports().empty());
  }
}

TEST(SyncPuller, APeerThatIsDownOrAnswers500DoesNotStopCatchUp) {
  const Chain c = grow({}, 30);
  DeadPort down(DeadPort::Kind::kRefuses);
  PeerNode failing, good;
  failing.hold(c, 30);  // it has the blocks, but answers 500
  failing.set_status(500);
  good.hold(c, 30);
  Follower f;
  f.start({down.url(), failing.url(), good.url()});
  ASSERT_TRUE(wait_until([&] { return f.reported() == 30; }, 5s)) << f.reported();
  f.stop();
  f.expect_holds(c, 30);
  EXPECT_EQ(f.reports(), (std::vector<uint64_t>{30}));
  EXPECT_GE(failing.requests(), 1u);  // it was asked, and its answer was not taken
  EXPECT_EQ(good.targets().at(0), kPath + "/sync/blocks?from=1&limit=256");
}

// ---- regressions: bugs these tests found (fixed) ----

// Options::on_conflict promises a call only when a peer serves a validly signed controller block
// at an index this node has stored with a different hash. It used to hand on whatever the probe
// answer held, so a peer whose next block is a signed fork but which answers the probe with a
// forged block, or with a signed block at another index, was reported (probe_conflict now checks).
TEST(SyncPuller, OnConflictIsCalledOnlyWithASignedBlockAtOurTipsIndex) {
  const Chain ours = grow({}, 10);
  const Chain theirs = grow(prefix(ours, 5), 5, /*ms=*/99);
  const Chain forged = forge(theirs, 6);
  for (const StoredBlock* lie : {&forged[5], &theirs[6]}) {
    SCOPED_TRACE(lie == &forged[5] ? "a forged block 6" : "its signed block 7");
    PeerNode peer;
    peer.hold(theirs, 10);
    BlockRange answer;
    answer.peer_stored_height = 10;
    answer.bundles.push_back({lie->controller, {lie->instants.at(0).second}});
    peer.answer_probes_with(answer);
    Follower f;
    f.hold(ours, 6);
    f.start({peer.url()});
    // The range, then the probe; the peer then rests (its range was invalid). The probe's
    // answer is judged right after it arrives.
    ASSERT_TRUE(wait_until([&] { return peer.requests() >= 2; })) << peer.requests();
    std::this_thread::sleep_for(300ms);
    f.stop();
    EXPECT_EQ(peer.requests(), 2u);
    ASSERT_EQ(peer.targets().at(1), kPath + "/sync/blocks?from=6&limit=1");
    for (const auto& c : f.conflicts()) {
      auto proof = check_equivocation(c.ours, c.theirs, kSym, key(0).public_key(), kLimits);
      EXPECT_TRUE(proof.ok()) << "on_conflict was called with no evidence: "
                              << proof.error().to_string();
    }
  }
}

// sync.h: a peer that showed a conflicting signed block rests for kConflictRest (60 s); before
// that, it was asked again (range + probe) about every 0.5 s and on_conflict fired each time.
TEST(SyncPuller, AConflictingPeerIsNotAskedAgainForAWhile) {
  const Chain ours = grow({}, 10);
  const Chain theirs = grow(prefix(ours, 5), 5, /*ms=*/99);
  PeerNode forked, same;
  forked.hold(theirs, 10);
  same.hold(ours, 6);  // has nothing new for the follower
  Follower f;
  f.hold(ours, 6);
  f.start({forked.url(), same.url()});
  ASSERT_TRUE(wait_until([&] { return !f.conflicts().empty(); }));
  std::this_thread::sleep_for(1500ms);
  f.stop();
  EXPECT_GE(same.requests(), 1u);
  EXPECT_EQ(forked.requests(), 2u);  // the range and the probe, once
  EXPECT_EQ(f.conflicts().size(), 1u);
}
