// The connector against a scripted JSON-RPC server on 127.0.0.1: hostchain answers a real
// daemon does not give on demand — commits at every output position and in every push form, an
// MWEB-style extra transaction, deep and shortening reorganisations, and malformed answers, which
// must come back as errors, never as exceptions or crashes.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>

#include "codec/hex.h"
#include "hostchains/bitcoin/bitcoin.h"
#include "net/http_server.h"

namespace klyn::hostchains::bitcoin {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A JSON-RPC answer: a result, or an error (code, message).
struct Answer {
  Answer(json r = nullptr) : result(std::move(r)) {}  // NOLINT: implicit by design
  static Answer error(int64_t code, std::string message) {
    Answer a;
    a.code = code;
    a.message = std::move(message);
    return a;
  }
  json result;
  int64_t code = 0;
  std::string message;
};

// A scripted daemon: a best chain of verbose blocks, plus per-method overrides.
class FakeDaemon {
 public:
  using Script = std::function<Answer(const json& params)>;

  FakeDaemon() {
    net::Router router;
    for (const char* path : {"/", "/wallet/w%20x"})
      EXPECT_TRUE(router
                      .add(net::Method::kPost, path,
                           [this](const net::Request& req) { return handle(req); })
                      .ok());
    net::ServerOptions opt;
    opt.threads = 1;
    server_ = std::make_unique<net::HttpServer>(opt, std::move(router));
    EXPECT_TRUE(server_->start().ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // Replaces the chain from `height` on with `blocks` (each a list of transactions).
  void set_chain(size_t from_height, const std::vector<json>& tx_lists, const std::string& tag) {
    std::lock_guard lock(mu_);
    chain_.resize(from_height);
    for (const auto& txs : tx_lists) {
      const size_t h = chain_.size();
      json b = {{"hash", block_hash(h, tag)}, {"height", h}, {"tx", txs}};
      if (h > 0) b["previousblockhash"] = chain_[h - 1]["hash"];
      chain_.push_back(b);
    }
  }
  std::string hash_at(size_t h) {
    std::lock_guard lock(mu_);
    return chain_.at(h)["hash"];
  }
  void script(const std::string& method, Script s) {
    std::lock_guard lock(mu_);
    scripts_[method] = std::move(s);
  }
  std::vector<std::pair<std::string, json>> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::string last_path() {
    std::lock_guard lock(mu_);
    return last_path_;
  }

  static std::string block_hash(size_t height, const std::string& tag) {
    std::string h = codec::hex_encode(as_bytes(tag + ":" + std::to_string(height)));
    h.resize(64, '0');
    return h;
  }

 private:
  net::Response handle(const net::Request& req) {
    std::lock_guard lock(mu_);
    json q = json::parse(req.body, nullptr, false);
    const std::string method = q.value("method", "");
    const json params = q.value("params", json::array());
    calls_.emplace_back(method, params);
    last_path_ = req.path;
    Answer a = answer(method, params);
    if (a.code != 0)
      return net::Response{500,
                           json{{"result", nullptr},
                                {"error", {{"code", a.code}, {"message", a.message}}},
                                {"id", q["id"]}}
                               .dump(),
                           "application/json",
                           {}};
    if (a.result.is_string() && a.result.get<std::string>() == "<raw html>")
      return net::Response{200, "<html>oops</html>", "text/html", {}};
    return net::Response{200,
                         json{{"result", a.result}, {"error", nullptr}, {"id", q["id"]}}.dump(),
                         "application/json",
                         {}};
  }

  Answer answer(const std::string& method, const json& params) {
    if (auto s = scripts_.find(method); s != scripts_.end()) return s->second(params);
    if (method == "getblockcount") return {json(chain_.size() - 1)};
    if (method == "getblockhash") {
      const uint64_t h = params.at(0).get<uint64_t>();
      if (h >= chain_.size()) return Answer::error(-8, "Block height out of range");
      return {chain_[h]["hash"]};
    }
    if (method == "getblock") {
      for (const auto& b : chain_)
        if (b["hash"] == params.at(0)) return {b};
      return Answer::error(-5, "Block not found");
    }
    return Answer::error(-32601, "Method not found");
  }

  std::unique_ptr<net::HttpServer> server_;
  std::mutex mu_;
  std::vector<json> chain_;
  std::map<std::string, Script> scripts_;
  std::vector<std::pair<std::string, json>> calls_;
  std::string last_path_;
};

chain::SymbioteId symbiote(uint8_t tag) {
  chain::SymbioteId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(tag + i);
  return id;
}

std::string payload_hex(const chain::SymbioteId& sym, uint64_t index) {
  Checkpoint cp{sym, index, {}};
  cp.hash.fill(static_cast<uint8_t>(index));
  return codec::hex_encode(encode_commit_payload(cp));
}

json out(const json& hex) {
  return {{"value", 0}, {"scriptPubKey", {{"hex", hex}, {"type", "nulldata"}}}};
}
json tx(const std::string& txid, std::vector<json> outs) {
  return {{"txid", txid}, {"vout", outs}};
}
json coinbase(size_t h) {
  return tx("cb" + std::to_string(h), {out("0014" + std::string(40, 'a'))});
}

class FakeDaemonTest : public ::testing::Test {
 protected:
  std::unique_ptr<BitcoinConnector> make(uint64_t max_scan_blocks = 2000,
                                         std::optional<double> fee_rate = std::nullopt) {
    BitcoinSettings s;
    s.rpc_url = d.url();
    s.rpc_user = "u";
    s.rpc_password = "p";
    s.wallet = "w x";
    s.fee_rate = fee_rate;
    s.max_scan_blocks = max_scan_blocks;
    s.timeout = 3s;
    return std::make_unique<BitcoinConnector>(s);
  }
  // Empty blocks 0..n-1.
  void empty_chain(size_t n, const std::string& tag = "a") {
    std::vector<json> blocks;
    for (size_t h = 0; h < n; ++h) blocks.push_back(json::array({coinbase(h)}));
    d.set_chain(0, blocks, tag);
  }
  std::vector<FoundCommit> read_until_caught_up(BitcoinConnector& c, const chain::SymbioteId& s) {
    std::vector<FoundCommit> found;
    for (int i = 0; i < 100; ++i) {
      auto r = c.read_commits(s, 0);
      EXPECT_TRUE(r.ok()) << r.error().to_string();
      if (!r) break;
      found = *r;
      if (c.caught_up()) break;
    }
    EXPECT_TRUE(c.caught_up());
    return found;
  }

  FakeDaemon d;
};

TEST_F(FakeDaemonTest, FindsCommitsAtAnyOutputInEveryPushFormAndSkipsJunk) {
  const auto a = symbiote(1), b = symbiote(50);
  json hogex = {{"txid", "hogex"},
                {"vout", json::array({{{"value", 1}, {"ismweb", true}},  // no scriptPubKey
                                      {{"ismweb", true}, {"scriptPubKey", 5}}})}};
  json junk = tx("junk", {out(123),
                          out("6azz"),
                          out("6a02beef"),
                          out("6a"),
                          out("6a34" + std::string(104, '0')),  // 52 bytes, no magic
                          out("6a35" + payload_hex(a, 1) + "00"),
                          json("not an output"),
                          {{"scriptPubKey", {{"nohex", 1}}}}});
  json weird_tx = {{"txid", 7}, {"vout", json::array({out("6a34" + payload_hex(a, 99))})}};
  d.set_chain(
      0,
      {json::array({coinbase(0)}),
       json::array({coinbase(1),
                    tx("t1", {out("0014" + std::string(40, 'b')), out("6a34" + payload_hex(a, 3))}),
                    tx("t2", {out("6a4c34" + payload_hex(a, 4)), out("51")}), hogex, junk,
                    weird_tx}),
       json::array({coinbase(2), tx("t3", {out("6a34" + payload_hex(b, 5))}),
                    tx("t4", {out("6a34" + payload_hex(a, 2))})})},
      "a");
  auto c = make();
  auto r = c->read_commits(a, 0);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].tx, "t1");
  EXPECT_EQ((*r)[0].checkpoint.index, 3u);
  EXPECT_EQ((*r)[0].confirmations, 2u);
  EXPECT_EQ((*r)[1].tx, "t2");
  EXPECT_EQ((*r)[1].checkpoint.index, 4u);
  EXPECT_EQ((*r)[2].tx, "t4");
  EXPECT_EQ((*r)[2].confirmations, 1u);
  Checkpoint want{a, 4, {}};
  want.hash.fill(4);
  EXPECT_EQ((*r)[1].checkpoint, want);

  auto from4 = c->read_commits(a, 4);
  ASSERT_TRUE(from4.ok());
  ASSERT_EQ(from4->size(), 1u);
  EXPECT_EQ((*from4)[0].tx, "t2");
  auto rb = c->read_commits(b, 0);
  ASSERT_TRUE(rb.ok());
  ASSERT_EQ(rb->size(), 1u);
  EXPECT_EQ((*rb)[0].tx, "t3");
}

TEST_F(FakeDaemonTest, FollowsAReorganisationOnlyAsFarAsItGoes) {
  const auto a = symbiote(1);
  empty_chain(6);
  d.set_chain(4,
              {json::array({coinbase(4), tx("old", {out("6a34" + payload_hex(a, 1))})}),
               json::array({coinbase(5)})},
              "a");
  auto c = make();
  auto r = c->read_commits(a, 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].confirmations, 2u);

  // Blocks 4.. replaced: the commit moves to height 6 of a longer branch.
  d.set_chain(4,
              {json::array({coinbase(4)}), json::array({coinbase(5)}),
               json::array({coinbase(6), tx("old", {out("6a34" + payload_hex(a, 1))})}),
               json::array({coinbase(7)})},
              "b");
  const size_t before = d.calls().size();
  r = c->read_commits(a, 0);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].confirmations, 2u);  // height 6 of tip 7
  // Walked back two blocks (5, 4: changed; 3: same) and scanned four.
  size_t getblock_calls = 0;
  const auto calls = d.calls();
  for (size_t i = before; i < calls.size(); ++i) getblock_calls += calls[i].first == "getblock";
  EXPECT_EQ(getblock_calls, 4u);

  // A shorter chain without the commit: gone at once.
  d.set_chain(3, {json::array({coinbase(3)})}, "c");
  r = c->read_commits(a, 0);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->empty());
}

TEST_F(FakeDaemonTest, AWalkBackLongerThanMaxScanBlocksStartsOver) {
  const auto a = symbiote(1);
  std::vector<json> blocks;
  for (size_t h = 0; h < 10; ++h)
    blocks.push_back(
        json::array({coinbase(h), tx("t" + std::to_string(h), {out("6a34" + payload_hex(a, h))})}));
  d.set_chain(0, blocks, "a");
  auto c = make(/*max_scan_blocks=*/3);
  EXPECT_EQ(read_until_caught_up(*c, a).size(), 10u);

  // Everything above block 0 replaced; only even blocks carry commits now.
  std::vector<json> other;
  for (size_t h = 1; h < 10; ++h)
    other.push_back(h % 2 ? json::array({coinbase(h)})
                          : json::array({coinbase(h), tx("u" + std::to_string(h),
                                                         {out("6a34" + payload_hex(a, h))})}));
  d.set_chain(1, other, "b");
  auto found = read_until_caught_up(*c, a);
  ASSERT_EQ(found.size(), 5u);  // 0 (kept from the old chain's block 0), 2, 4, 6, 8
  EXPECT_EQ(found[0].tx, "t0");
  EXPECT_EQ(found[1].tx, "u2");
  EXPECT_EQ(found[4].tx, "u8");
  EXPECT_EQ(found[4].confirmations, 2u);
}

TEST_F(FakeDaemonTest, MalformedChainAnswersAreBadResponse) {
  empty_chain(3);
  const auto a = symbiote(1);
  auto expect_bad = [&](const char* what) {
    auto c = make();
    auto r = c->read_commits(a, 0);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, "bad_response") << what << ": " << r.error().to_string();
  };
  d.script("getblockcount", [](const json&) { return Answer{"three"}; });
  expect_bad("getblockcount is a string");
  d.script("getblockcount", [](const json&) { return Answer{-1}; });
  expect_bad("getblockcount is negative");
  d.script("getblockcount", [](const json&) { return Answer{"<raw html>"}; });
  expect_bad("not JSON");
  d.script("getblockcount", [](const json&) { return Answer{2}; });

  d.script("getblockhash", [](const json&) { return Answer{"xyz"}; });
  expect_bad("getblockhash is not a hash");
  d.script("getblockhash", [](const json&) { return Answer{json::object()}; });
  expect_bad("getblockhash is an object");
  d.script("getblockhash",
           [](const json& p) { return Answer{FakeDaemon::block_hash(p[0].get<size_t>(), "a")}; });

  d.script("getblock", [](const json&) { return Answer{json::array()}; });
  expect_bad("getblock is an array");
  d.script("getblock", [](const json& p) {
    return Answer{{{"hash", p[0]}, {"height", 0}, {"tx", json::array({"txid1"})}}};
  });
  expect_bad("verbosity 1 block");
  d.script("getblock", [](const json& p) {
    return Answer{{{"hash", p[0]}, {"height", 7}, {"tx", json::array()}}};
  });
  expect_bad("wrong height");
  d.script("getblock", [](const json& p) {
    return Answer{{{"hash", p[0]}, {"height", "0"}, {"tx", json::array()}}};
  });
  expect_bad("height is a string");
  d.script("getblock", [](const json& p) { return Answer{{{"hash", p[0]}, {"height", 0}}}; });
  expect_bad("no tx");
}

TEST_F(FakeDaemonTest, MalformedWalletAnswersAreBadResponse) {
  auto c = make();
  const std::string txid(64, 'c');
  auto check_code = [&](const char* what, const std::string& code) {
    auto r = c->check(txid);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().to_string();
  };
  d.script("gettransaction", [](const json&) { return Answer{json::array()}; });
  check_code("gettransaction is an array", "bad_response");
  d.script("gettransaction", [](const json&) { return Answer{{{"confirmations", "3"}}}; });
  check_code("confirmations is a string", "bad_response");
  d.script("gettransaction", [](const json&) { return Answer{{{"confirmations", 3}}}; });
  check_code("no blockhash", "bad_response");
  d.script("gettransaction", [](const json&) {
    return Answer{{{"confirmations", 3}, {"blockhash", std::string(64, 'b')}}};
  });
  auto ok = c->check(txid);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->state, CommitStatus::State::kIncluded);
  EXPECT_EQ(ok->confirmations, 3u);
  EXPECT_EQ(d.last_path(), "/wallet/w%20x");  // the wallet endpoint, name percent-encoded
  // Conflicted (negative confirmations) and not in the mempool: unknown.
  d.script("gettransaction", [](const json&) { return Answer{{{"confirmations", -2}}}; });
  d.script("getmempoolentry", [](const json&) { return Answer::error(-5, "not in mempool"); });
  auto gone = c->check(txid);
  ASSERT_TRUE(gone.ok()) << gone.error().to_string();
  EXPECT_EQ(gone->state, CommitStatus::State::kUnknown);
  auto bad_id = c->check("xyz");
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.error().code, "not_found");

  auto balance_code = [&](const char* what) {
    auto r = c->balance();
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, "bad_response") << what << ": " << r.error().to_string();
  };
  d.script("getbalances", [](const json&) { return Answer{{{"mine", {{"trusted", "50"}}}}}; });
  balance_code("trusted is a string");
  d.script("getbalances", [](const json&) { return Answer{{{"mine", 5}}}; });
  balance_code("mine is a number");
  d.script("getbalances", [](const json&) { return Answer{json::array()}; });
  balance_code("an array");
  d.script("getbalances", [](const json&) { return Answer{{{"mine", {{"trusted", 1e300}}}}}; });
  balance_code("too large");
  // A daemon without getbalances: getbalance.
  d.script("getbalances", [](const json&) { return Answer::error(-32601, "Method not found"); });
  d.script("getbalance", [](const json&) { return Answer{json::parse("0.00012345")}; });
  auto b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "12345");
}

TEST_F(FakeDaemonTest, CommitStepsAndTheirFailures) {
  const Checkpoint cp{symbiote(9), 42, {}};
  d.script("createrawtransaction", [](const json& p) {
    EXPECT_EQ(p[0], json::array());
    EXPECT_EQ(p[1].size(), 1u);
    return Answer{"rawhex"};
  });
  d.script("fundrawtransaction", [](const json& p) {
    EXPECT_EQ(p[0], "rawhex");
    EXPECT_DOUBLE_EQ(p[1].value("fee_rate", 0.0), 2.5);
    return Answer{{{"hex", "fundedhex"}, {"changepos", 0}}};
  });
  d.script("signrawtransactionwithwallet", [](const json& p) {
    EXPECT_EQ(p[0], "fundedhex");
    return Answer{{{"hex", "signedhex"}, {"complete", true}}};
  });
  d.script("sendrawtransaction", [](const json& p) {
    EXPECT_EQ(p[0], "signedhex");
    return Answer{std::string(64, 'e')};
  });
  auto c = make(2000, 2.5);
  auto tx = c->commit(cp);
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  EXPECT_EQ(*tx, std::string(64, 'e'));
  // The data output carries the payload.
  for (const auto& [method, params] : d.calls()) {
    if (method == "createrawtransaction") {
      EXPECT_EQ(params[1][0]["data"], codec::hex_encode(encode_commit_payload(cp)));
    }
  }

  auto expect_code = [&](const char* what, const std::string& code) {
    auto r = c->commit(cp);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().to_string();
  };
  // Already sent (a retried request): the txid is that of the signed transaction.
  d.script("sendrawtransaction",
           [](const json&) { return Answer::error(-26, "txn-already-in-mempool"); });
  d.script("decoderawtransaction", [](const json& p) {
    EXPECT_EQ(p[0], "signedhex");
    return Answer{{{"txid", std::string(64, 'f')}}};
  });
  auto again = c->commit(cp);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, std::string(64, 'f'));
  d.script("sendrawtransaction", [](const json&) { return Answer{"not a txid"}; });
  expect_code("sendrawtransaction answers junk", "bad_response");
  d.script("sendrawtransaction",
           [](const json&) { return Answer::error(-26, "min relay fee not met"); });
  expect_code("rejected", "rpc_error");
  d.script("signrawtransactionwithwallet", [](const json&) {
    return Answer{{{"hex", "x"}, {"complete", false}, {"errors", json::array()}}};
  });
  expect_code("signing incomplete", "rpc_error");
  d.script("signrawtransactionwithwallet", [](const json&) { return Answer{{{"hex", 5}}}; });
  expect_code("signed hex is a number", "bad_response");
  d.script("fundrawtransaction", [](const json&) { return Answer{json::object()}; });
  expect_code("no funded hex", "bad_response");
  d.script("fundrawtransaction",
           [](const json&) { return Answer::error(-4, "Insufficient funds"); });
  expect_code("insufficient funds", "insufficient_funds");
  d.script("fundrawtransaction", [](const json&) { return Answer::error(-6, "Not enough"); });
  expect_code("insufficient funds (-6)", "insufficient_funds");
  d.script("createrawtransaction", [](const json&) { return Answer{5}; });
  expect_code("raw tx is a number", "bad_response");
}

}  // namespace
}  // namespace klyn::hostchains::bitcoin
