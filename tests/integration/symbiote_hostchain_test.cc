// The `symbiote` hostchain connector against real node processes: a node hosting symbiote
// "alpha" is the hostchain; the connector commits CHECKPOINT events there, checks them (pending →
// applied, confirmations growing with alpha's height), reads them back filtered by source and
// index, and reports its balance. Then a second node's symbiote "beta" lists alpha as its
// hostchain and reaches finality on it; a dead api_url is "unreachable".
#include <gtest/gtest.h>

#include "cli/cli_common.h"
#include "codec/hex.h"
#include "hostchains/symbiote/symbiote.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

using hostchains::CommitStatus;
using hostchains::symbiote::SymbioteConnector;
using hostchains::symbiote::SymbioteSettings;

SymbioteSettings settings_for(uint16_t port, const chain::SymbioteId& host,
                              const crypto::KeyPair& key, uint64_t fee) {
  SymbioteSettings s;
  s.common = {"symbiote", codec::hex_encode(host), 2, false};
  s.api_url = "http://127.0.0.1:" + std::to_string(port);
  s.host = "127.0.0.1";
  s.port = port;
  s.path = codec::hex_encode(host);
  s.key_name = "committer";
  s.key = std::make_shared<const crypto::KeyPair>(crypto::KeyPair::from_seed(key.seed()));
  s.fee = fee;
  s.timeout = 5s;
  return s;
}

// One transfer on `alias`, applied: alpha's height grows by one block.
void one_block(NodeProcess& n, const std::string& alias, const chain::SymbioteId& sym,
               const crypto::KeyPair& from, uint64_t& nonce, const crypto::KeyPair& to,
               uint64_t fee) {
  auto t = chain::make_transfer(sym, from, ++nonce, fee, to.public_key(), 1);
  ASSERT_EQ(post_body(n.http(), "/s/" + alias + "/event", event_body(t)).status, 202u);
  ASSERT_TRUE(wait_applied(n.http(), alias, {t.hash()}, 10s));
}

chain::SymbioteId sym_of(uint8_t b) {
  chain::SymbioteId s{};
  s.fill(b);
  return s;
}

TEST(SymbioteHostchain, CommitCheckReadBackAndBalanceOnARealNode) {
  NodeProcess a("sym-host");
  TestChain c;
  ASSERT_TRUE(setup_chain(a, {.alias = "alpha", .label = "it-sym", .accounts = 3}, c));
  ASSERT_TRUE(a.start());
  const chain::SymbioteId alpha = symbiote_id(a.http(), "alpha");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  SymbioteConnector conn(settings_for(a.port(), alpha, c.accounts[1], fee));

  auto b0 = conn.balance();
  ASSERT_TRUE(b0.ok()) << b0.error().to_string();
  EXPECT_EQ(b0->unit, "unit");
  EXPECT_EQ(b0->amount, "1000000000");

  // Two quick commits (the second's nonce continues the pending first), two sources.
  Hash32 h10{}, h20{}, hx{};
  h10.fill(0x10);
  h20.fill(0x20);
  hx.fill(0x77);
  auto tx1 = conn.commit({sym_of(1), 10, h10});
  ASSERT_TRUE(tx1.ok()) << tx1.error().to_string();
  auto tx2 = conn.commit({sym_of(1), 20, h20});
  ASSERT_TRUE(tx2.ok()) << tx2.error().to_string();
  auto tx3 = conn.commit({sym_of(2), 10, hx});
  ASSERT_TRUE(tx3.ok()) << tx3.error().to_string();
  auto st = conn.check(*tx1);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_TRUE(st->state == CommitStatus::State::kPending ||
              st->state == CommitStatus::State::kIncluded);
  for (const auto& tx : {*tx1, *tx2, *tx3})
    ASSERT_TRUE(wait_until(
        [&] {
          auto s = conn.check(tx);
          return s.ok() && s->state == CommitStatus::State::kIncluded;
        },
        10s))
        << tx;
  auto inc = conn.check(*tx1);
  ASSERT_TRUE(inc.ok());
  const uint64_t before = inc->confirmations;
  EXPECT_GE(before, 1u);
  uint64_t nonce = 0;
  one_block(a, "alpha", alpha, c.accounts[0], nonce, c.accounts[2], fee);
  one_block(a, "alpha", alpha, c.accounts[0], nonce, c.accounts[2], fee);
  auto later = conn.check(*tx1);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->confirmations, before + 2);
  EXPECT_EQ(later->block, inc->block);

  // Read-back: by source, from an index, with depth; the HTTP route's own filters.
  auto all = conn.read_commits(sym_of(1), 0);
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].checkpoint, (hostchains::Checkpoint{sym_of(1), 10, h10}));
  EXPECT_EQ((*all)[0].tx, *tx1);
  EXPECT_GE((*all)[0].confirmations, 3u);
  EXPECT_EQ((*all)[1].checkpoint.index, 20u);
  auto from = conn.read_commits(sym_of(1), 11);
  ASSERT_TRUE(from.ok());
  ASSERT_EQ(from->size(), 1u);
  EXPECT_EQ((*from)[0].tx, *tx2);
  auto other = conn.read_commits(sym_of(2), 0);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].checkpoint.hash, hx);
  EXPECT_TRUE(conn.read_commits(sym_of(3), 0)->empty());
  JsonReply j = get_json(
      a.http(), "/s/alpha/checkpoints?source=" + codec::hex_encode(sym_of(1)) + "&from=10&limit=1");
  ASSERT_EQ(j.status, 200u) << j.raw;
  ASSERT_EQ(j.body["checkpoints"].size(), 1u);
  EXPECT_EQ(j.body["checkpoints"][0]["index"], 10);
  EXPECT_EQ(j.body["checkpoints"][0]["creator"], crypto::address_of(c.accounts[1].public_key()));
  EXPECT_EQ(j.body["checkpoints"][0]["event"], *tx1);
  const std::string some = std::string(64, 'a');
  for (const std::string& bad :
       {std::string("/s/alpha/checkpoints"), std::string("/s/alpha/checkpoints?source=zz"),
        "/s/alpha/checkpoints?source=" + some + "&from=x",
        "/s/alpha/checkpoints?source=" + some + "&limit=0",
        "/s/alpha/checkpoints?source=" + some + "&limit=1001"})
    EXPECT_EQ(get_json(a.http(), bad).status, 400u) << bad;

  // Fees were paid: three commits.
  auto b1 = conn.balance();
  ASSERT_TRUE(b1.ok());
  EXPECT_EQ(std::stoull(b1->amount), 1'000'000'000 - 3 * fee);
  // An event the node never saw is kUnknown.
  auto unknown = conn.check(std::string(64, '0'));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->state, CommitStatus::State::kUnknown);

  // A node that does not answer: unreachable, quickly.
  auto dead = settings_for(free_loopback_port(), alpha, c.accounts[1], fee);
  dead.timeout = 2s;
  SymbioteConnector down(dead);
  auto e = down.commit({sym_of(1), 30, h10});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "unreachable");
  EXPECT_EQ(down.balance().error().code, "unreachable");
  // A node serving another symbiote under that id path is refused.
  auto wrong = settings_for(a.port(), sym_of(9), c.accounts[1], fee);
  wrong.path = "alpha";
  SymbioteConnector misdirected(wrong);
  auto w = misdirected.commit({sym_of(1), 30, h10});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, "bad_response");
}

TEST(SymbioteHostchain, BetaReachesFinalityOnAlphaHostedByAnotherNode) {
  NodeProcess a("sym-a"), b("sym-b");
  TestChain ca;
  ASSERT_TRUE(setup_chain(a, {.alias = "alpha", .label = "it-syma", .accounts = 2}, ca));
  ASSERT_TRUE(b.init());
  const std::string committer = b.add_plain_key("committer");
  ASSERT_FALSE(committer.empty());
  ASSERT_TRUE(a.start());
  const chain::SymbioteId alpha = symbiote_id(a.http(), "alpha");
  const uint64_t fee = ca.genesis.manifest.fee.per_event;
  // Fund the committer on alpha.
  auto fund = chain::make_transfer(alpha, ca.accounts[0], 1, fee, *crypto::parse_address(committer),
                                   1'000'000);
  ASSERT_EQ(post_body(a.http(), "/s/alpha/event", event_body(fund)).status, 202u);
  ASSERT_TRUE(wait_applied(a.http(), "alpha", {fund.hash()}, 10s));
  uint64_t nonce = 1;

  // beta on node b: checkpoints every 5 blocks to alpha (named by id in its manifest).
  const std::string ctl = b.add_plain_key("ctl");
  ASSERT_TRUE(b.genesis_new(
      "beta", "ctl",
      {"--fee", "1", "--checkpoint-every", "5", "--fund-derived", "it-symb:2:1000000"}));
  auto g = nlohmann::json::parse(b.read_file("GENESIS/beta.json"));
  g["manifest"]["hostchains"] = nlohmann::json::array(
      {{{"type", "symbiote"}, {"network", codec::hex_encode(alpha)}, {"address", ""}}});
  b.write_file("GENESIS/beta.json", g.dump(2));
  b.write_file(
      "CONFIGS/symbiotes/beta.toml",
      b.read_file("CONFIGS/symbiotes/beta.toml") +
          "\n[hostchains.alpha]\ntype = \"symbiote\"\nnetwork = \"" + codec::hex_encode(alpha) +
          "\"\napi_url = \"http://127.0.0.1:" + std::to_string(a.port()) +
          "\"\nkey = \"committer\"\nfee = " + std::to_string(fee) + "\nconfirmations = 2\n");
  ASSERT_TRUE(b.start());
  const chain::SymbioteId beta = symbiote_id(b.http(), "beta");
  auto bk = cli::derived_test_key("it-symb", 0), bk2 = cli::derived_test_key("it-symb", 1);
  uint64_t bnonce = 0;
  for (int i = 0; i < 6; ++i) one_block(b, "beta", beta, bk, bnonce, bk2, 1);

  auto finality = [&] {
    JsonReply r = get_json(b.http(), "/s/beta/finality");
    return r.is_json() && r.body.contains("hostchains") && !r.body["hostchains"].empty()
               ? r.body["hostchains"][0]
               : nlohmann::json();
  };
  // The commit lands on alpha; alpha grows (2 confirmations needed); beta sees index 5 final.
  ASSERT_TRUE(wait_until(
      [&] {
        auto j = get_json(a.http(), "/s/alpha/checkpoints?source=" + codec::hex_encode(beta));
        return j.status == 200 && !j.body["checkpoints"].empty();
      },
      15s))
      << finality().dump();
  for (int i = 0; i < 2; ++i)
    one_block(a, "alpha", alpha, ca.accounts[0], nonce, ca.accounts[1], fee);
  ASSERT_TRUE(wait_until([&] { return finality()["final_index"] == 5; }, 20s)) << finality().dump();
  EXPECT_TRUE(finality()["matches_local"].get<bool>());
  EXPECT_EQ(finality()["status"], "ok") << finality().dump();
}

TEST(SymbioteHostchain, ConfigErrorsNameTheKey) {
  NodeProcess n("sym-bad");
  TestChain c;
  ASSERT_TRUE(setup_chain(n, {.alias = "sb", .label = "it-symbad", .accounts = 1}, c));
  const std::string net = std::string(64, 'c');
  auto g = nlohmann::json::parse(n.read_file("GENESIS/sb.json"));
  g["manifest"]["hostchains"] =
      nlohmann::json::array({{{"type", "symbiote"}, {"network", net}, {"address", ""}}});
  n.write_file("GENESIS/sb.json", g.dump(2));
  n.write_file("CONFIGS/symbiotes/sb.toml",
               n.read_file("CONFIGS/symbiotes/sb.toml") +
                   "\n[hostchains.host]\ntype = \"symbiote\"\nnetwork = \"" + net +
                   "\"\napi_url = \"http://127.0.0.1:1\"\nkey = \"no-such-key\"\n");
  n.spawn();
  auto r = n.wait_exit(20s);
  EXPECT_TRUE(r.exited_with(2)) << r.describe();
  EXPECT_NE(r.output.find("hostchains.host.key"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace klyn::itest
