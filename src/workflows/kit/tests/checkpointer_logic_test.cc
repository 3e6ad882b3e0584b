// The checkpointer's commit, intent and audit logic (K1, K2, K4 and the audit in checkpointer.h),
// driven through its public API against an in-process fake hostchain and a real ChainStore.
// Real hostchains are covered by tests/integration (Hostchains.*).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "chain/tests/test_util.h"
#include "codec/hex.h"
#include "crypto/hash.h"
#include "workflows/kit/checkpointer.h"
#include "workflows/kit/tests/loopback.h"

using namespace klyn;
using namespace klyn::kit;
using namespace std::chrono_literals;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;
using klyn::chain::testing::TempDir;
using klyn::kit::testing::wait_until;
using nlohmann::json;

namespace {

constexpr std::string_view kDomain = "KLY-TEST-CHECKPOINT-PROOF-v1";
constexpr const char* kPrefix = "w:";
constexpr const char* kLinkName = "fake1";
constexpr uint64_t kEvery = 10;
constexpr uint64_t kConfirmations = 2;

// What the fake hostchain holds and answers; shared by the test and the connector the
// checkpointer owns. Thread-safe.
struct FakeHostchain {
  mutable std::mutex mu;
  std::vector<hostchains::Checkpoint> commits;  // every commit() that succeeded, in order
  std::vector<int> checks_before_commit;        // check() calls before each of those commits
  int commit_attempts = 0;
  int check_calls = 0;
  std::map<uint64_t, int> reads_from;                      // read_commits() calls by from_index
  std::map<std::string, hostchains::CommitStatus> status;  // check() answers by tx
  std::vector<hostchains::FoundCommit> on_chain;           // what read_commits() finds
  std::optional<Error> commit_error, check_error, read_error;
  // Runs inside commit(), before anything is sent (on the checkpointer's thread).
  std::function<void(const hostchains::Checkpoint&)> before_commit;

  size_t commit_count() const {
    std::lock_guard lock(mu);
    return commits.size();
  }
  int checks() const {
    std::lock_guard lock(mu);
    return check_calls;
  }
  int reads(uint64_t from_index) const {
    std::lock_guard lock(mu);
    auto it = reads_from.find(from_index);
    return it == reads_from.end() ? 0 : it->second;
  }
  // The transaction is in a block `confirmations` deep (and so is found by read-back).
  void include(const std::string& tx, uint64_t confirmations) {
    std::lock_guard lock(mu);
    status[tx] = {hostchains::CommitStatus::State::kIncluded, confirmations, "b"};
    for (size_t i = 0; i < commits.size(); ++i) {
      if ("tx" + std::to_string(i) != tx) continue;
      for (auto& f : on_chain)
        if (f.tx == tx) {
          f.confirmations = confirmations;
          return;
        }
      on_chain.push_back({commits[i], tx, confirmations});
    }
  }
  void set_state(const std::string& tx, hostchains::CommitStatus::State s) {
    std::lock_guard lock(mu);
    status[tx] = {s, 0, ""};
  }
  // A commit by anyone, found by read-back.
  void put(hostchains::FoundCommit f) {
    std::lock_guard lock(mu);
    for (auto& g : on_chain)
      if (g.tx == f.tx) {
        g = f;
        return;
      }
    on_chain.push_back(std::move(f));
  }
};

class FakeConnector : public hostchains::Connector {
 public:
  explicit FakeConnector(std::shared_ptr<FakeHostchain> h) : h_(std::move(h)) {}
  std::string_view type() const override { return "fake"; }

  Result<std::string> commit(const hostchains::Checkpoint& cp) override {
    std::function<void(const hostchains::Checkpoint&)> hook;
    {
      std::lock_guard lock(h_->mu);
      hook = h_->before_commit;
    }
    if (hook) hook(cp);
    std::lock_guard lock(h_->mu);
    ++h_->commit_attempts;
    if (h_->commit_error) return *h_->commit_error;
    std::string tx = "tx" + std::to_string(h_->commits.size());
    h_->commits.push_back(cp);
    h_->checks_before_commit.push_back(h_->check_calls);
    h_->status[tx] = {hostchains::CommitStatus::State::kPending, 0, ""};
    return tx;
  }

  Result<hostchains::CommitStatus> check(const std::string& tx) override {
    std::lock_guard lock(h_->mu);
    ++h_->check_calls;
    if (h_->check_error) return *h_->check_error;
    auto it = h_->status.find(tx);
    if (it == h_->status.end()) return hostchains::CommitStatus{};
    return it->second;
  }

  Result<std::vector<hostchains::FoundCommit>> read_commits(const chain::SymbioteId& symbiote,
                                                            uint64_t from_index) override {
    std::lock_guard lock(h_->mu);
    ++h_->reads_from[from_index];
    if (h_->read_error) return *h_->read_error;
    std::vector<hostchains::FoundCommit> out;
    for (const auto& f : h_->on_chain)
      if (f.checkpoint.symbiote == symbiote && f.checkpoint.index >= from_index) out.push_back(f);
    return out;
  }

  Result<hostchains::Balance> balance() override { return hostchains::Balance{"0", "unit"}; }

 private:
  std::shared_ptr<FakeHostchain> h_;
};

Hash32 local_hash(uint64_t i) {
  Hash32 h{};
  h[0] = static_cast<uint8_t>(i);
  h[1] = static_cast<uint8_t>(i >> 8);
  h[31] = 0x4c;
  return h;
}

Hash32 other_hash(uint64_t i) {
  Hash32 h = local_hash(i);
  h[31] = 0xee;
  return h;
}

class CheckpointerLogic : public ::testing::Test {
 protected:
  void SetUp() override {
    symbiote_.fill(4);
    ref_ = {"fake", "fakenet", ""};
    open_store();
  }

  void open_store() {
    store_.reset();
    auto s = chain::ChainStore::open(dir_.path("db"), genesis_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_ = std::move(*s);
  }

  // Options of the committer's node (key(0) commits and signs); `committer = false` gives a
  // node that only audits.
  Checkpointer::Options options(bool committer = true) {
    Checkpointer::Options o;
    o.symbiote = symbiote_;
    o.committer = key(0).public_key();
    if (committer) o.key = std::make_shared<const crypto::KeyPair>(key(0));
    o.proof_domain = std::string(kDomain);
    o.mismatch_domain = "KLY-TEST-HOSTCHAIN-MISMATCH";
    o.key_prefix = kPrefix;
    o.every = kEvery;
    o.interval = 20ms;
    o.final_height = [this] { return final_.load(); };
    o.block_hash = [this](uint64_t i) -> std::optional<Hash32> {
      std::lock_guard lock(mu_);
      if (!blocks_.count(i)) return std::nullopt;
      return local_hash(i);
    };
    o.on_proof = [this](const CheckpointProof& p) {
      std::lock_guard lock(mu_);
      made_.push_back(p);
    };
    o.on_mismatch = [this](Alarm a) {
      std::lock_guard lock(mu_);
      alarms_.push_back(std::move(a));
    };
    return o;
  }

  std::unique_ptr<Checkpointer> make(Checkpointer::Options o) {
    std::vector<hostchains::HostchainLink> links;
    hostchains::HostchainLink l;
    l.name = kLinkName;
    l.ref = ref_;
    l.settings.type = ref_.type;
    l.settings.network = ref_.network;
    l.settings.confirmations = kConfirmations;
    l.connector = std::make_unique<FakeConnector>(hc_);
    links.push_back(std::move(l));
    return std::make_unique<Checkpointer>(*store_, std::move(links), std::move(o));
  }

  // Blocks 1..n are stored locally (block_hash answers for them).
  void add_blocks(uint64_t from, uint64_t to) {
    std::lock_guard lock(mu_);
    for (uint64_t i = from; i <= to; ++i) blocks_.insert(i);
  }

  static json link_state(const Checkpointer& c) { return c.finality()["hostchains"][0]; }

  // Waits for `n` more audits (one per interval): time enough for the checkpointer to act.
  void let_rounds_pass(int n = 8) {
    const int start = hc_->reads(1);
    ASSERT_TRUE(wait_until([&] { return hc_->reads(1) >= start + n; }))
        << "the checkpointer does not run its rounds";
  }

  // Runs a checkpointer until its first commit was sent and "kills" it right after the connector
  // returned, before the transaction id is stored (the crash window of K4), then writes back what
  // the store held at that instant and reopens the store: the state a restart finds.
  void crash_right_after_the_first_send() {
    std::optional<std::string> at_return;
    std::atomic<bool> sent{false};
    {
      auto o = options();
      o.after_commit_sent = [&] {
        auto v = store_->get(std::string(kPrefix) + "ckpt:" + kLinkName);
        if (v && *v) at_return = **v;
        sent = true;
      };
      auto c = make(std::move(o));
      ASSERT_TRUE(c->load().ok());
      c->start();
      ASSERT_TRUE(wait_until([&] { return sent.load(); }));
    }  // the process "dies" here
    ASSERT_TRUE(at_return.has_value());
    ASSERT_TRUE(store_->put(std::string(kPrefix) + "ckpt:" + kLinkName, *at_return).ok());
    open_store();
    ASSERT_TRUE(stored_record()->intent());
  }

  std::optional<CommitRecord> stored_record() {
    auto v = store_->get(std::string(kPrefix) + "ckpt:" + kLinkName);
    if (!v || !*v) return std::nullopt;
    auto r = decode_commit_record(as_bytes(**v));
    if (!r) return std::nullopt;
    return *r;
  }

  CheckpointProof proof(uint64_t index, const Hash32& hash, const std::string& tx,
                        const crypto::KeyPair& signer = key(0)) {
    CheckpointProof p;
    p.symbiote = symbiote_;
    p.hostchain = ref_;
    p.index = index;
    p.hash = hash;
    p.tx = tx;
    p.sign(kDomain, signer);
    return p;
  }

  size_t proofs_made() {
    std::lock_guard lock(mu_);
    return made_.size();
  }
  size_t alarm_count() {
    std::lock_guard lock(mu_);
    return alarms_.size();
  }

  TempDir dir_;
  chain::Genesis genesis_ = small_genesis();
  std::unique_ptr<chain::ChainStore> store_;
  chain::SymbioteId symbiote_{};
  chain::HostchainRef ref_;
  std::shared_ptr<FakeHostchain> hc_ = std::make_shared<FakeHostchain>();

  std::atomic<uint64_t> final_{0};
  std::mutex mu_;  // guards blocks_, made_, alarms_ (the checkpointer's thread uses them)
  std::set<uint64_t> blocks_;
  std::vector<CheckpointProof> made_;
  std::vector<Alarm> alarms_;
};

// The crash of K4: the intent as it was stored when commit() returned, and put back after the
// checkpointer is gone, as if the process had died before storing the transaction id. The store
// is then closed and opened again.
struct CrashAfterSend {
  std::mutex mu;
  std::optional<std::string> record_at_send;
  bool sent = false;
};

}  // namespace

// ---- K1 ----

TEST_F(CheckpointerLogic, CommitsOnlyAtMultiplesOfEveryForABlockItHolds) {
  add_blocks(1, 19);  // block 20 not stored yet
  add_blocks(21, 30);
  final_ = 9;
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  c->start();
  let_rounds_pass();
  EXPECT_EQ(hc_->commit_count(), 0u) << "final height 9 < every 10: nothing to commit";

  final_ = 27;  // target 20, whose block this node does not hold
  c->wake();
  let_rounds_pass();
  EXPECT_EQ(hc_->commit_count(), 0u) << "no commit of a block block_hash() does not give";

  add_blocks(20, 20);
  c->wake();
  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 1; }));
  let_rounds_pass();
  c->stop();
  ASSERT_EQ(hc_->commit_count(), 1u);
  EXPECT_EQ(hc_->commits[0], (hostchains::Checkpoint{symbiote_, 20, local_hash(20)}))
      << "the largest multiple of every not above the final height (not 27)";
  json st = link_state(*c);
  EXPECT_EQ(st["status"], "ok");
  EXPECT_EQ(st["last_commit"]["index"], 20);
  EXPECT_EQ(st["last_commit"]["tx"], "tx0");
  EXPECT_EQ(st["last_commit"]["confirmed"], false);
}

TEST_F(CheckpointerLogic, NeverCommitsAtOrBelowTheLastCommittedIndexAcrossRestarts) {
  add_blocks(1, 40);
  final_ = 10;
  {
    auto c = make(options());
    ASSERT_TRUE(c->load().ok());
    c->start();
    ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 1; }));
    hc_->include("tx0", kConfirmations);
    ASSERT_TRUE(wait_until([&] { return proofs_made() == 1; }));
    for (uint64_t f : {10, 15, 19}) {
      final_ = f;
      c->wake();
      let_rounds_pass();
      EXPECT_EQ(hc_->commit_count(), 1u) << "final height " << f;
    }
    final_ = 20;
    c->wake();
    ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 2; }));
    hc_->include("tx1", kConfirmations);
    ASSERT_TRUE(wait_until([&] { return proofs_made() == 2; }));
  }
  // A restart keeps the last committed index (and the proofs).
  final_ = 29;
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  EXPECT_EQ(c->proofs().size(), 2u);
  c->start();
  let_rounds_pass();
  EXPECT_EQ(hc_->commit_count(), 2u) << "20 is committed already, 30 is not final";
  final_ = 30;
  c->wake();
  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 3; }));
  c->stop();
  std::vector<uint64_t> indexes;
  for (const auto& cp : hc_->commits) indexes.push_back(cp.index);
  EXPECT_EQ(indexes, (std::vector<uint64_t>{10, 20, 30}));
}

TEST_F(CheckpointerLogic, ANodeWithoutTheCommitterKeyNeverCommits) {
  add_blocks(1, 30);
  final_ = 30;
  auto c = make(options(/*committer=*/false));
  ASSERT_TRUE(c->load().ok());
  c->start();
  let_rounds_pass();
  c->wake();
  let_rounds_pass();
  c->stop();
  EXPECT_EQ(hc_->commit_count(), 0u);
  EXPECT_EQ(hc_->commit_attempts, 0);
  EXPECT_EQ(hc_->checks(), 0);
  EXPECT_FALSE(link_state(*c).contains("last_commit"));
  EXPECT_FALSE(link_state(*c).contains("pending_commit"));
  EXPECT_FALSE(stored_record().has_value());
}

TEST_F(CheckpointerLogic, EveryZeroMeansNoCommits) {
  add_blocks(1, 30);
  final_ = 30;
  auto o = options();
  o.every = 0;
  auto c = make(std::move(o));
  ASSERT_TRUE(c->load().ok());
  c->start();
  let_rounds_pass();
  c->stop();
  EXPECT_EQ(hc_->commit_attempts, 0);
  EXPECT_FALSE(stored_record().has_value());
  EXPECT_EQ(c->finality()["checkpoint_every"], 0);
}

// ---- K2 ----

TEST_F(CheckpointerLogic, OneUnconfirmedCommitAtATimeThenAProofAndTheNextTarget) {
  add_blocks(1, 40);
  final_ = 10;
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  c->start();
  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 1; }));

  // Target 30 is due, but tx0 is pending, then included too shallow.
  final_ = 30;
  c->wake();
  int checks = hc_->checks();
  ASSERT_TRUE(wait_until([&] { return hc_->checks() >= checks + 5; }));
  EXPECT_EQ(hc_->commit_count(), 1u) << "a second commit while tx0 is pending";
  hc_->include("tx0", kConfirmations - 1);
  checks = hc_->checks();
  ASSERT_TRUE(wait_until([&] { return hc_->checks() >= checks + 5; }));
  EXPECT_EQ(hc_->commit_count(), 1u) << "a second commit while tx0 is too shallow";
  EXPECT_EQ(proofs_made(), 0u);
  EXPECT_TRUE(c->proofs().empty());

  hc_->include("tx0", kConfirmations);
  ASSERT_TRUE(wait_until([&] { return proofs_made() == 1; }));
  CheckpointProof made;
  {
    std::lock_guard lock(mu_);
    made = made_[0];
  }
  EXPECT_EQ(made.symbiote, symbiote_);
  EXPECT_EQ(made.hostchain, ref_);
  EXPECT_EQ(made.index, 10u);
  EXPECT_EQ(made.hash, local_hash(10));
  EXPECT_EQ(made.tx, "tx0");
  EXPECT_TRUE(made.verify(kDomain, key(0).public_key()));
  EXPECT_FALSE(made.verify(kDomain, key(1).public_key()));
  EXPECT_FALSE(made.verify("KLY-OTHER-DOMAIN", key(0).public_key()));
  const auto listed = c->proofs();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].encode(kDomain), made.encode(kDomain));

  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 2; }));
  let_rounds_pass();
  c->stop();
  ASSERT_EQ(hc_->commit_count(), 2u);
  EXPECT_EQ(hc_->commits[1], (hostchains::Checkpoint{symbiote_, 30, local_hash(30)}));
  json st = link_state(*c);
  EXPECT_EQ(st["last_commit"]["index"], 30);
  EXPECT_EQ(st["last_commit"]["tx"], "tx1");
  EXPECT_EQ(st["last_commit"]["confirmed"], false);
}

TEST_F(CheckpointerLogic, ADroppedCommitIsSentAgainOnlyAfterEnoughChecksThroughAnIntent) {
  add_blocks(1, 10);
  final_ = 10;
  std::mutex rec_mu;
  std::vector<std::optional<CommitRecord>> at_send;
  hc_->before_commit = [&](const hostchains::Checkpoint&) {
    auto r = stored_record();
    std::lock_guard lock(rec_mu);
    at_send.push_back(r);
  };
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  c->start();
  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 1; }));
  hc_->set_state("tx0", hostchains::CommitStatus::State::kUnknown);
  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 2; }));
  let_rounds_pass();
  c->stop();
  ASSERT_EQ(hc_->commit_count(), 2u) << "tx1 is pending: no third commit";
  EXPECT_EQ(hc_->commits[1], hc_->commits[0]);
  EXPECT_GE(hc_->checks_before_commit[1], 30) << "kUnseenChecksBeforeResend checks first";
  std::lock_guard lock(rec_mu);
  ASSERT_EQ(at_send.size(), 2u);
  for (const auto& r : at_send) {
    ASSERT_TRUE(r.has_value()) << "no record stored before the send";
    EXPECT_TRUE(r->intent());
    EXPECT_EQ(r->index, 10u);
    EXPECT_EQ(r->hash, local_hash(10));
    EXPECT_FALSE(r->confirmed);
  }
}

// ---- K4 ----

TEST_F(CheckpointerLogic, AnIntentSentBeforeACrashIsAdoptedWhenTheHostchainShowsIt) {
  add_blocks(1, 10);
  final_ = 10;
  std::optional<CommitRecord> at_send;
  hc_->before_commit = [&](const hostchains::Checkpoint&) { at_send = stored_record(); };
  ASSERT_NO_FATAL_FAILURE(crash_right_after_the_first_send());
  ASSERT_TRUE(at_send.has_value()) << "K4: the intent must be durable before the send";
  EXPECT_TRUE(at_send->intent());
  EXPECT_EQ(at_send->index, 10u);

  hc_->include("tx0", 1);  // the hostchain has it (not deep yet)
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  EXPECT_EQ(link_state(*c)["pending_commit"]["index"], 10);
  c->start();
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["last_commit"]["tx"] == "tx0"; }));
  EXPECT_EQ(stored_record()->tx, "tx0") << "the adopted transaction is stored";
  hc_->include("tx0", kConfirmations);
  ASSERT_TRUE(wait_until([&] { return proofs_made() == 1; }));
  let_rounds_pass();
  c->stop();
  EXPECT_EQ(hc_->commit_count(), 1u) << "no second commit of an adopted intent";
  EXPECT_EQ(c->proofs().at(0).tx, "tx0");
  EXPECT_TRUE(stored_record()->confirmed);
}

TEST_F(CheckpointerLogic, AnIntentNotFoundAfterACrashIsNotSentAgainAtOnce) {
  add_blocks(1, 10);
  final_ = 10;
  ASSERT_NO_FATAL_FAILURE(crash_right_after_the_first_send());

  // tx0 is not (yet) visible on the hostchain: e.g. still in its mempool.
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  c->start();
  c->wake();
  // Well past kUnseenChecksBeforeResend (30) look-ups of the intent: the 10-minute rule holds.
  ASSERT_TRUE(wait_until([&] { return hc_->reads(10) >= 40; }, 5000ms));
  EXPECT_EQ(hc_->commit_count(), 1u) << "an unseen intent was sent again right after a restart";
  auto rec = stored_record();
  ASSERT_TRUE(rec.has_value());
  EXPECT_TRUE(rec->intent());
  EXPECT_GE(rec->unseen_checks, 30u);
  EXPECT_EQ(link_state(*c)["status"], "ok");
  EXPECT_EQ(link_state(*c)["pending_commit"]["index"], 10);

  // It shows up late: adopted, still no second commit.
  hc_->include("tx0", 1);
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["last_commit"]["tx"] == "tx0"; }));
  let_rounds_pass();
  c->stop();
  EXPECT_EQ(hc_->commit_count(), 1u);
}

// ---- Audit ----

TEST_F(CheckpointerLogic, ADeepCommitEqualToTheLocalBlockAdvancesFinality) {
  add_blocks(1, 30);
  hc_->put({{symbiote_, 10, local_hash(10)}, "h10", kConfirmations - 1});
  auto c = make(options(/*committer=*/false));
  ASSERT_TRUE(c->load().ok());
  c->start();
  let_rounds_pass();
  EXPECT_EQ(link_state(*c)["final_index"], 0) << "too shallow to count";

  hc_->put({{symbiote_, 10, local_hash(10)}, "h10", kConfirmations});
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["final_index"] == 10; }));
  json st = link_state(*c);
  EXPECT_EQ(st["final_hash"], codec::hex_encode(local_hash(10)));
  EXPECT_EQ(st["final_tx"], "h10");
  EXPECT_EQ(st["final_confirmations"], kConfirmations);
  EXPECT_EQ(st["matches_local"], true);

  // A deeper one advances it; one of a block not held here does not (but is seen).
  hc_->put({{symbiote_, 20, local_hash(20)}, "h20", 5});
  hc_->put({{symbiote_, 50, other_hash(50)}, "h50", 5});
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["highest_seen"] == 50; }));
  let_rounds_pass(2);
  c->stop();
  st = link_state(*c);
  EXPECT_EQ(st["final_index"], 20);
  EXPECT_EQ(st["final_tx"], "h20");
  EXPECT_EQ(st["foreign_commits"], 0);
  EXPECT_EQ(alarm_count(), 0u);
}

TEST_F(CheckpointerLogic, ADifferingCommitWithoutAProofIsOnlyCountedAsForeign) {
  add_blocks(1, 30);
  hc_->put({{symbiote_, 10, other_hash(10)}, "evil", 3});
  hc_->put({{symbiote_, 10, local_hash(10)}, "good", 3});
  auto c = make(options(/*committer=*/false));
  ASSERT_TRUE(c->load().ok());
  c->start();
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["foreign_commits"] == 1; }));
  let_rounds_pass();
  c->stop();
  json st = link_state(*c);
  EXPECT_EQ(st["foreign_commits"], 1) << "counted once, not once per audit";
  EXPECT_EQ(st["final_index"], 10);
  EXPECT_EQ(st["final_tx"], "good");
  EXPECT_EQ(st["matches_local"], true);
  EXPECT_EQ(alarm_count(), 0u);
}

TEST_F(CheckpointerLogic, ADifferingCommitNamedByACommitterProofRaisesAMismatch) {
  add_blocks(1, 30);
  hc_->put({{symbiote_, 10, other_hash(10)}, "txX", kConfirmations - 1});
  auto c = make(options(/*committer=*/false));
  ASSERT_TRUE(c->load().ok());
  c->start();
  const CheckpointProof p = proof(10, other_hash(10), "txX");
  auto r = c->receive_proof(p);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(*r);
  auto again = c->receive_proof(p);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "a known proof is not new";
  let_rounds_pass();
  EXPECT_EQ(alarm_count(), 0u) << "K3: the read-back must show the commit at the required depth";

  hc_->put({{symbiote_, 10, other_hash(10)}, "txX", kConfirmations});
  ASSERT_TRUE(wait_until([&] { return alarm_count() >= 1; }));
  c->stop();
  Alarm a;
  {
    std::lock_guard lock(mu_);
    a = alarms_[0];
  }
  EXPECT_EQ(a.kind, "hostchain_mismatch");
  EXPECT_EQ(a.index, 10u);
  EXPECT_EQ(a.hashes, (std::vector<Hash32>{other_hash(10), local_hash(10)}));
  EXPECT_EQ(a.evidence, p.encode(kDomain));
  EXPECT_EQ(a.id, crypto::blake2b256("KLY-TEST-HOSTCHAIN-MISMATCH", a.evidence));
  EXPECT_NE(a.note.find("txX"), std::string::npos);
  EXPECT_EQ(link_state(*c)["matches_local"], false);
  ASSERT_EQ(c->proofs().size(), 1u);
  EXPECT_EQ(c->proofs()[0].tx, "txX");
}

TEST_F(CheckpointerLogic, AProofNotSignedByTheCommitterIsRefused) {
  add_blocks(1, 30);
  hc_->put({{symbiote_, 10, other_hash(10)}, "txX", 3});
  auto c = make(options(/*committer=*/false));
  ASSERT_TRUE(c->load().ok());
  c->start();

  auto by_other_key = c->receive_proof(proof(10, other_hash(10), "txX", key(1)));
  ASSERT_FALSE(by_other_key.ok());
  EXPECT_EQ(by_other_key.error().code, "bad_proof");

  CheckpointProof other_symbiote = proof(10, other_hash(10), "txX");
  other_symbiote.symbiote.fill(5);
  other_symbiote.sign(kDomain, key(0));
  auto r2 = c->receive_proof(other_symbiote);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code, "bad_proof");

  CheckpointProof other_domain = proof(10, other_hash(10), "txX");
  other_domain.sign("KLY-OTHER-DOMAIN", key(0));
  auto r3 = c->receive_proof(other_domain);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().code, "bad_proof");

  ASSERT_TRUE(wait_until([&] { return link_state(*c)["foreign_commits"] == 1; }));
  let_rounds_pass();
  c->stop();
  EXPECT_TRUE(c->proofs().empty());
  EXPECT_EQ(alarm_count(), 0u);
  EXPECT_EQ(link_state(*c)["matches_local"], true);
  // Nothing of the refused proofs was stored either.
  auto reopened = make(options(/*committer=*/false));
  ASSERT_TRUE(reopened->load().ok());
  EXPECT_TRUE(reopened->proofs().empty());
}

// ---- Connector errors ----

TEST_F(CheckpointerLogic, AFailingCommitShowsRetryingAndIsSentOnceTheConnectorRecovers) {
  add_blocks(1, 10);
  final_ = 10;
  hc_->commit_error = Error("unreachable", "fake hostchain down");
  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  c->start();
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["status"] == "retrying"; }));
  json st = link_state(*c);
  EXPECT_EQ(st["last_error"], "unreachable: fake hostchain down");
  EXPECT_EQ(st["pending_commit"]["index"], 10) << "the intent is kept";
  ASSERT_TRUE(stored_record().has_value());
  EXPECT_TRUE(stored_record()->intent());
  std::this_thread::sleep_for(300ms);  // well inside the first back-off (2 s)
  {
    std::lock_guard lock(hc_->mu);
    EXPECT_EQ(hc_->commit_attempts, 1) << "retried before the back-off ended";
    hc_->commit_error.reset();
  }
  ASSERT_TRUE(wait_until([&] { return hc_->commit_count() == 1; }, 5000ms));
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["status"] == "ok"; }));
  let_rounds_pass();
  c->stop();
  st = link_state(*c);
  EXPECT_FALSE(st.contains("last_error"));
  EXPECT_EQ(st["last_commit"]["index"], 10);
  EXPECT_EQ(st["last_commit"]["tx"], "tx0");
  EXPECT_EQ(hc_->commit_count(), 1u);
  EXPECT_EQ(hc_->commits[0], (hostchains::Checkpoint{symbiote_, 10, local_hash(10)}));
}

TEST_F(CheckpointerLogic, AFailingReadBackShowsRetryingAndTheAuditResumes) {
  add_blocks(1, 10);
  hc_->put({{symbiote_, 10, local_hash(10)}, "h10", kConfirmations});
  hc_->read_error = Error("bad_response", "garbled");
  auto c = make(options(/*committer=*/false));
  ASSERT_TRUE(c->load().ok());
  c->start();
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["status"] == "retrying"; }));
  EXPECT_EQ(link_state(*c)["last_error"], "bad_response: garbled");
  EXPECT_EQ(link_state(*c)["final_index"], 0);
  {
    std::lock_guard lock(hc_->mu);
    hc_->read_error.reset();
  }
  ASSERT_TRUE(wait_until([&] { return link_state(*c)["final_index"] == 10; }, 5000ms));
  c->stop();
  EXPECT_EQ(link_state(*c)["status"], "ok");
  EXPECT_FALSE(link_state(*c).contains("last_error"));
}

// ---- Found bug (see the report): a proof lost between two writes ----

// commit_step stores the record as confirmed before it stores the proof (receive_proof), in two
// separate writes. A crash between them (or a store_proof that fails, e.g. storage_full) leaves
// a confirmed commit with no proof: after the restart the record says "confirmed", so
// commit_step moves on to the next target and the proof is never made, stored or gossiped.
// This reproduces the on-disk state such a crash leaves (record confirmed, no proof stored).
// K5: the state an older version could leave (record stored as confirmed, proof write lost).
TEST_F(CheckpointerLogic, AConfirmedCommitWithoutAStoredProofGetsItsProofAfterARestart) {
  add_blocks(1, 10);
  final_ = 10;
  {
    auto c = make(options());
    ASSERT_TRUE(c->load().ok());
    c->start();
    ASSERT_TRUE(wait_until([&] { return stored_record() && !stored_record()->intent(); }));
  }
  CommitRecord r = *stored_record();
  ASSERT_EQ(r.tx, "tx0");
  r.confirmed = true;  // the first of the two writes made it to disk, the second did not
  const Bytes enc = r.encode();
  ASSERT_TRUE(store_
                  ->put(std::string(kPrefix) + "ckpt:" + kLinkName,
                        std::string_view(reinterpret_cast<const char*>(enc.data()), enc.size()))
                  .ok());
  hc_->include("tx0", kConfirmations);
  open_store();

  auto c = make(options());
  ASSERT_TRUE(c->load().ok());
  c->start();
  const bool made = wait_until([&] { return proofs_made() == 1; }, 1000ms);
  c->stop();
  EXPECT_TRUE(made) << "the confirmed commit tx0 never gets its proof";
  EXPECT_EQ(c->proofs().size(), 1u);
}
