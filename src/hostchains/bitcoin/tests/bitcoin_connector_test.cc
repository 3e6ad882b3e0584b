// The bitcoin connector against a real `litecoind -regtest` (testing/litecoind.h): commits,
// their depth, read-back with its cursor across a reorganisation, balances, credentials and
// errors. One daemon serves the suite; each test uses its own random symbiote ids and wallets.
#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <chrono>
#include <fstream>
#include <map>
#include <random>

#include "codec/hex.h"
#include "common/process.h"
#include "hostchains/bitcoin/bitcoin.h"
#include "hostchains/bitcoin/testing/litecoind.h"

namespace klyn::hostchains::bitcoin {
namespace {

using nlohmann::json;
using testing::Litecoind;
using testing::LitecoindOptions;
using State = CommitStatus::State;
using namespace std::chrono_literals;

chain::SymbioteId random_symbiote() {
  static std::mt19937_64 rng(std::random_device{}());
  chain::SymbioteId id;
  for (auto& b : id) b = static_cast<uint8_t>(rng());
  return id;
}

Checkpoint checkpoint(const chain::SymbioteId& sym, uint64_t index) {
  Checkpoint cp{sym, index, {}};
  for (size_t i = 0; i < cp.hash.size(); ++i) cp.hash[i] = static_cast<uint8_t>(index * 7 + i);
  return cp;
}

// A TOML string of text without quotes or backslashes (ports, names, paths of the tests).
std::string toml_string(const std::string& s) {
  return "\"" + s + "\"";
}

class BitcoinConnectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto d = Litecoind::start();
    if (!d) {
      start_error_ = new std::string(d.error().to_string());
      return;
    }
    daemon_ = d->release();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(daemon_, nullptr) << "litecoind did not start: " << *start_error_;
  }

  Litecoind& d() { return *daemon_; }

  // A connector built by the factory from a TOML table (the auth keys of the daemon unless
  // `auth` is given), with its errors reported as a test failure.
  std::unique_ptr<BitcoinConnector> make(const std::string& extra = "",
                                         std::optional<std::string> auth = std::nullopt,
                                         std::filesystem::path data_dir = "/nonexistent") {
    std::string text = "type = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\n";
    text += "rpc_url = " + toml_string(d().rpc_url()) + "\n";
    text += auth ? *auth
                 : "rpc_user = " + toml_string(d().options().rpc_user) +
                       "\nrpc_password = " + toml_string(d().options().rpc_password) + "\n";
    text += "timeout = \"10s\"\n" + extra;
    toml::table t = toml::parse(text);
    core::ConfigReader cfg(t, "test.toml", "hostchains.ltc");
    ConnectorSpec spec;
    spec.name = "ltc";
    spec.ref = {"bitcoin", "litecoin-regtest", ""};
    spec.data_dir = std::move(data_dir);
    auto c = factory()(spec, cfg);
    EXPECT_TRUE(c) << cfg.errors().to_string();
    return std::unique_ptr<BitcoinConnector>(static_cast<BitcoinConnector*>(c.release()));
  }
  std::unique_ptr<BitcoinConnector> make_miner(const std::string& extra = "") {
    return make("wallet = " + toml_string(d().options().wallet) + "\n" + extra);
  }

  // A mined block's hash (one block).
  std::string mine_one() {
    auto m = d().mine(1);
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    return m && !m->empty() ? m->front() : "";
  }

  // read_commits until the cursor reached the tip (the tests' chains are short: one call).
  std::vector<FoundCommit> read_all(BitcoinConnector& c, const chain::SymbioteId& sym,
                                    uint64_t from) {
    auto r = c.read_commits(sym, from);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(c.caught_up());
    return r ? *r : std::vector<FoundCommit>{};
  }

  static Litecoind* daemon_;
  static std::string* start_error_;
};

Litecoind* BitcoinConnectorTest::daemon_ = nullptr;
std::string* BitcoinConnectorTest::start_error_ = nullptr;

TEST_F(BitcoinConnectorTest, CommitIsPendingThenIncludedThenDeeper) {
  auto c = make_miner("fee_rate = 2\n");
  const auto sym = random_symbiote();
  auto tx = c->commit(checkpoint(sym, 1));
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  EXPECT_EQ(tx->size(), 64u);

  auto st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kPending);
  EXPECT_EQ(st->confirmations, 0u);
  EXPECT_EQ(st->block, "");

  // The transaction carries exactly one OP_RETURN output with the 52-byte payload.
  auto raw = d().rpc("getrawtransaction", json::array({*tx, true}));
  ASSERT_TRUE(raw.ok()) << raw.error().to_string();
  int commits = 0;
  for (const auto& out : (*raw)["vout"]) {
    const std::string hex = out["scriptPubKey"]["hex"];
    if (hex.rfind("6a", 0) == 0) {
      ++commits;
      EXPECT_EQ(hex, "6a34" + codec::hex_encode(encode_commit_payload(checkpoint(sym, 1))));
    }
  }
  EXPECT_EQ(commits, 1);

  const std::string block = mine_one();
  st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kIncluded);
  EXPECT_EQ(st->confirmations, 1u);
  EXPECT_EQ(st->block, block);

  ASSERT_TRUE(d().mine(5).ok());
  st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kIncluded);
  EXPECT_EQ(st->confirmations, 6u);
  EXPECT_EQ(st->block, block);

  // A connector without the committing wallet finds it through -txindex.
  auto other = make();
  auto st2 = other->check(*tx);
  ASSERT_TRUE(st2.ok()) << st2.error().to_string();
  EXPECT_EQ(st2->state, State::kIncluded);
  EXPECT_EQ(st2->confirmations, 6u);

  auto found = read_all(*other, sym, 0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].checkpoint, checkpoint(sym, 1));
  EXPECT_EQ(found[0].tx, *tx);
  EXPECT_EQ(found[0].confirmations, 6u);

  auto unknown = c->check(std::string(64, '0'));
  ASSERT_TRUE(unknown.ok()) << unknown.error().to_string();
  EXPECT_EQ(unknown->state, State::kUnknown);
}

// The encoding checked by litecoind itself, against the README's byte-by-byte example (not our
// own encoder): the committed transaction, fetched raw and decoded by `decoderawtransaction`,
// has exactly one nulldata output whose data is "KLYN" | symbiote id prefix | index | hash.
TEST_F(BitcoinConnectorTest, CommitOutputDecodedByLitecoindIsTheDocumentedNulldata) {
  auto c = make_miner();
  Checkpoint cp;
  for (size_t i = 0; i < cp.symbiote.size(); ++i) cp.symbiote[i] = static_cast<uint8_t>(0x10 + i);
  cp.index = 0x0102030405060708ull;
  for (size_t i = 0; i < cp.hash.size(); ++i) cp.hash[i] = static_cast<uint8_t>(0xa0 + i);
  const std::string payload =
      "4b4c594e"
      "1011121314151617"
      "0102030405060708"
      "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
  auto tx = c->commit(cp);
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  mine_one();  // confirmed: getrawtransaction then goes through -txindex, not the mempool

  auto raw = d().rpc("getrawtransaction", json::array({*tx}));
  ASSERT_TRUE(raw.ok()) << raw.error().to_string();
  ASSERT_TRUE(raw->is_string());
  auto decoded = d().rpc("decoderawtransaction", json::array({*raw}));
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ((*decoded)["txid"], *tx);
  int nulldata = 0;
  for (const auto& out : (*decoded)["vout"]) {
    const json& script = out["scriptPubKey"];
    if (script["type"] != "nulldata") continue;
    ++nulldata;
    EXPECT_EQ(script["hex"], "6a34" + payload);
    EXPECT_EQ(script["asm"], "OP_RETURN " + payload);
    EXPECT_EQ(out["value"], 0) << out.dump();
  }
  EXPECT_EQ(nulldata, 1) << decoded->dump(2);
}

TEST_F(BitcoinConnectorTest, ReadCommitsReturnsOnlyTheAskedSymbioteFromIndex) {
  auto c = make_miner();
  const auto a = random_symbiote();
  auto b = random_symbiote();
  auto a_twin = random_symbiote();  // shares a's 8-byte prefix: indistinguishable on chain
  std::copy_n(a.begin(), 8, a_twin.begin());

  std::map<uint64_t, std::string> a_txs;
  for (uint64_t i : {1, 2, 3}) {
    auto tx = c->commit(checkpoint(a, i));
    ASSERT_TRUE(tx.ok()) << tx.error().to_string();
    a_txs[i] = *tx;
  }
  auto tb = c->commit(checkpoint(b, 5));
  ASSERT_TRUE(tb.ok()) << tb.error().to_string();

  // Nothing is returned while the commits are only in the mempool.
  auto reader = make();
  EXPECT_TRUE(read_all(*reader, a, 0).empty());

  mine_one();
  auto tw = c->commit(checkpoint(a_twin, 4));  // one block later
  ASSERT_TRUE(tw.ok()) << tw.error().to_string();
  mine_one();

  auto from2 = read_all(*reader, a, 2);
  ASSERT_EQ(from2.size(), 3u);
  std::map<uint64_t, FoundCommit> by_index;
  for (const auto& f : from2) by_index[f.checkpoint.index] = f;
  ASSERT_EQ(by_index.size(), 3u);
  EXPECT_EQ(by_index[2].tx, a_txs[2]);
  EXPECT_EQ(by_index[2].confirmations, 2u);
  EXPECT_EQ(by_index[2].checkpoint, checkpoint(a, 2));
  EXPECT_EQ(by_index[3].tx, a_txs[3]);
  EXPECT_EQ(by_index[4].tx, *tw);  // the twin's commit, matched by prefix, one block later
  EXPECT_EQ(by_index[4].confirmations, 1u);
  EXPECT_EQ(from2.back().checkpoint.index, 4u);  // hostchain order

  auto all_a = read_all(*reader, a, 0);
  EXPECT_EQ(all_a.size(), 4u);
  auto only_b = read_all(*reader, b, 0);
  ASSERT_EQ(only_b.size(), 1u);
  EXPECT_EQ(only_b[0].checkpoint, checkpoint(b, 5));
  EXPECT_EQ(only_b[0].tx, *tb);
  EXPECT_TRUE(read_all(*reader, b, 6).empty());
  EXPECT_TRUE(read_all(*reader, random_symbiote(), 0).empty());

  // Confirmations are recomputed on every call.
  mine_one();
  auto again = read_all(*reader, b, 0);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].confirmations, 3u);
}

TEST_F(BitcoinConnectorTest, ReadCommitsBoundsWorkPerCallAndHonoursStartHeight) {
  auto c = make_miner();
  const auto sym = random_symbiote();
  auto tx = c->commit(checkpoint(sym, 9));
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  mine_one();
  auto tip = d().height();
  ASSERT_TRUE(tip.ok());

  // 10 blocks per call: the first calls stop short of the tip, the last one gets there.
  auto slow = make("max_scan_blocks = 10\n");
  uint64_t calls = 0;
  std::vector<FoundCommit> found;
  do {
    auto r = slow->read_commits(sym, 0);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    found = *r;
    ++calls;
    if (calls == 1) {
      EXPECT_FALSE(slow->caught_up());
    }
    if (!slow->caught_up()) {
      EXPECT_TRUE(found.empty());
    }
  } while (!slow->caught_up() && calls < 100);
  EXPECT_EQ(calls, (*tip + 1 + 9) / 10);  // heights 0..tip
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].tx, *tx);

  // Starting above the commit's block: not seen. Starting at it: seen.
  auto late = make("start_height = " + std::to_string(*tip + 1) + "\n");
  EXPECT_TRUE(read_all(*late, sym, 0).empty());
  auto at = make("start_height = " + std::to_string(*tip) + "\n");
  EXPECT_EQ(read_all(*at, sym, 0).size(), 1u);
}

TEST_F(BitcoinConnectorTest, ReorganisationDropsAndRestoresCommits) {
  auto c = make_miner();
  const auto sym = random_symbiote();
  auto tx = c->commit(checkpoint(sym, 7));
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  const std::string block = mine_one();

  auto reader = make();
  auto found = read_all(*reader, sym, 0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].confirmations, 1u);

  // The block with the commit leaves the best chain; the transaction goes back to the mempool.
  ASSERT_TRUE(d().rpc("invalidateblock", json::array({block})).ok());
  EXPECT_TRUE(read_all(*reader, sym, 0).empty());
  auto st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_TRUE(st->state == State::kPending || st->state == State::kUnknown) << to_string(st->state);
  EXPECT_EQ(st->confirmations, 0u);

  // Back again.
  ASSERT_TRUE(d().rpc("reconsiderblock", json::array({block})).ok());
  found = read_all(*reader, sym, 0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].tx, *tx);
  EXPECT_EQ(found[0].confirmations, 1u);
  st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kIncluded);
  EXPECT_EQ(st->block, block);

  // A competing chain replaces the block at the same height: the commit is re-mined into a
  // different block and found there, at its new depth.
  ASSERT_TRUE(d().rpc("invalidateblock", json::array({block})).ok());
  // Mined to another address: the first replacement block differs from the invalid one.
  auto other_address = d().new_address(d().options().wallet);
  ASSERT_TRUE(other_address.ok()) << other_address.error().to_string();
  auto replacement = d().mine(2, *other_address);
  ASSERT_TRUE(replacement.ok()) << replacement.error().to_string();
  found = read_all(*reader, sym, 0);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].tx, *tx);
  EXPECT_EQ(found[0].confirmations, 2u);
  st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kIncluded);
  EXPECT_EQ(st->block, replacement->front());
}

TEST_F(BitcoinConnectorTest, BalanceIsTheExactAmountInSatoshi) {
  const std::string wallet = "balance-" + codec::hex_encode(ByteSpan(random_symbiote()).first(4));
  ASSERT_TRUE(d().create_wallet(wallet).ok());
  auto addr = d().new_address(wallet);
  ASSERT_TRUE(addr.ok()) << addr.error().to_string();
  auto c = make("wallet = " + toml_string(wallet) + "\n");

  auto b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "0");
  EXPECT_EQ(b->unit, "sat");

  auto send = [&](const char* amount) {
    auto r = d().wallet_rpc(d().options().wallet, "sendtoaddress",
                            json::array({*addr, json::parse(amount)}));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  };
  send("1.23456789");
  mine_one();
  b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "123456789");

  send("0.00005000");  // the daemon writes it as 5e-05 once it went through a double
  send("0.1");
  mine_one();
  b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "133461789");
}

TEST_F(BitcoinConnectorTest, EmptyWalletHasInsufficientFunds) {
  const std::string wallet = "empty-" + codec::hex_encode(ByteSpan(random_symbiote()).first(4));
  ASSERT_TRUE(d().create_wallet(wallet).ok());
  auto c = make("wallet = " + toml_string(wallet) + "\n");
  auto tx = c->commit(checkpoint(random_symbiote(), 1));
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.error().code, "insufficient_funds") << tx.error().to_string();
}

TEST_F(BitcoinConnectorTest, StoppedConnectorDoesNotCommit) {
  auto c = make_miner("stopped = true\n");
  auto tx = c->commit(checkpoint(random_symbiote(), 1));
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.error().code, "stopped");
  EXPECT_TRUE(c->balance().ok());  // reading still works
}

TEST_F(BitcoinConnectorTest, UnknownWalletIsAnRpcError) {
  auto c = make("wallet = \"no-such-wallet\"\n");
  auto b = c->balance();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "rpc_error") << b.error().to_string();
}

TEST_F(BitcoinConnectorTest, WrongPasswordIsUnauthorized) {
  auto c = make(
      "", "rpc_user = " + toml_string(d().options().rpc_user) + "\nrpc_password = \"wrong\"\n");
  auto r = c->read_commits(random_symbiote(), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unauthorized") << r.error().to_string();
  auto b = c->balance();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "unauthorized") << b.error().to_string();
}

TEST_F(BitcoinConnectorTest, ClosedPortIsUnreachable) {
  const uint16_t port = free_loopback_port();
  toml::table t = toml::parse(
      "type = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\nrpc_url = "
      "\"http://127.0.0.1:" +
      std::to_string(port) + "\"\nrpc_user = \"u\"\nrpc_password = \"p\"\ntimeout = \"2s\"\n");
  core::ConfigReader cfg(t, "test.toml", "hostchains.ltc");
  auto c =
      factory()({"ltc", {"bitcoin", "litecoin-regtest", ""}, {}, "/", nullptr, nullptr, ""}, cfg);
  ASSERT_TRUE(c);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c->commit(checkpoint(random_symbiote(), 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unreachable") << r.error().to_string();
  auto s = c->check(std::string(64, 'a'));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unreachable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

// A daemon of its own that authenticates with its cookie file; the cookie is read again after
// the daemon restarts (a new cookie).
TEST(BitcoinConnectorCookie, CookieAuthSurvivesADaemonRestart) {
  LitecoindOptions opt;
  opt.cookie_auth = true;
  opt.initial_blocks = 1;
  auto started = Litecoind::start(opt);
  ASSERT_TRUE(started.ok()) << started.error().to_string();
  Litecoind& d = **started;

  // rpc_cookie_file relative to the node's data dir.
  toml::table t =
      toml::parse("type = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\nrpc_url = \"" + d.rpc_url() +
                  "\"\nrpc_cookie_file = \"regtest/.cookie\"\nwallet = \"" + opt.wallet + "\"\n");
  core::ConfigReader cfg(t, "test.toml", "hostchains.ltc");
  auto c = factory()(
      {"ltc", {"bitcoin", "litecoin-regtest", ""}, {}, d.datadir(), nullptr, nullptr, ""}, cfg);
  ASSERT_TRUE(c) << cfg.errors().to_string();

  auto r = c->read_commits(random_symbiote(), 0);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "0");  // one immature coinbase

  std::ifstream in(d.cookie_file());
  std::string old_cookie;
  std::getline(in, old_cookie);

  // Stopped: the cookie file is gone, which reads as "unreachable".
  d.stop();
  auto down = c->balance();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, "unreachable") << down.error().to_string();

  auto restarted = d.restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().to_string();
  std::ifstream in2(d.cookie_file());
  std::string new_cookie;
  std::getline(in2, new_cookie);
  EXPECT_NE(old_cookie, new_cookie);
  b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "0");
}

// A connection opened before the daemon restarts carries the old cookie: the call is retried
// once with the new one.
TEST(BitcoinConnectorCookie, StaleConnectionIsRetriedWithTheNewCookie) {
  LitecoindOptions opt;
  opt.cookie_auth = true;
  opt.initial_blocks = 0;
  auto started = Litecoind::start(opt);
  ASSERT_TRUE(started.ok()) << started.error().to_string();
  Litecoind& d = **started;
  BitcoinSettings s;
  s.rpc_url = d.rpc_url();
  s.rpc_cookie_file = d.cookie_file();
  s.timeout = 5s;
  BitcoinConnector c(s);
  ASSERT_TRUE(c.read_commits(random_symbiote(), 0).ok());
  ASSERT_TRUE(d.restart().ok());
  auto r = c.read_commits(random_symbiote(), 0);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
}

}  // namespace
}  // namespace klyn::hostchains::bitcoin
