// Hostchains through real processes: a dev_controller symbiote whose controller checkpoints to a
// real `litecoind -regtest` (started here), a follower that audits the same hostchain, proofs
// gossiped between them, and a rewrite of checkpointed history caught as a fork alarm.
#include <gtest/gtest.h>

#include "core/keystore.h"
#include "hostchains/bitcoin/bitcoin.h"
#include "hostchains/bitcoin/testing/litecoind.h"
#include "test_chain.h"
#include "workflows/dev_controller/kit_parts.h"

namespace klyn::itest {
namespace {

using hostchains::bitcoin::testing::Litecoind;

// Adds the litecoin-regtest hostchain to the genesis manifest of `alias` on `node` (before the
// first start, so the symbiote id includes it).
void add_manifest_hostchain(NodeProcess& node, const std::string& alias) {
  auto g = nlohmann::json::parse(node.read_file("GENESIS/" + alias + ".json"));
  g["manifest"]["hostchains"] = nlohmann::json::array(
      {{{"type", "bitcoin"}, {"network", "litecoin-regtest"}, {"address", ""}}});
  node.write_file("GENESIS/" + alias + ".json", g.dump(2));
}

std::string hostchain_table(const Litecoind& ltc) {
  return "\n[hostchains.ltc]\ntype = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\nrpc_url = \"" +
         ltc.rpc_url() + "\"\nrpc_user = \"" + ltc.options().rpc_user + "\"\nrpc_password = \"" +
         ltc.options().rpc_password + "\"\nwallet = \"miner\"\nconfirmations = 2\n";
}

nlohmann::json finality_of(NodeProcess& n, const std::string& alias) {
  JsonReply r = get_json(n.http(), "/s/" + alias + "/finality");
  return r.is_json() ? r.body["hostchains"][0] : nlohmann::json();
}

void push_blocks(NodeProcess& ctl, const std::string& alias, const chain::SymbioteId& sym,
                 const crypto::KeyPair& from, uint64_t& nonce, const crypto::KeyPair& to,
                 uint64_t fee, int blocks) {
  for (int i = 0; i < blocks; ++i) {
    auto t = chain::make_transfer(sym, from, ++nonce, fee, to.public_key(), 1);
    ASSERT_EQ(post_body(ctl.http(), "/s/" + alias + "/event", event_body(t)).status, 202u);
    ASSERT_TRUE(wait_applied(ctl.http(), alias, {t.hash()}, 10s));
  }
}

TEST(Hostchains, ControllerCheckpointsToLitecoinFollowerAuditsAndARewriteRaisesTheAlarm) {
  auto ltc = Litecoind::start();
  ASSERT_TRUE(ltc.ok()) << ltc.error().to_string();
  NodeProcess ctl("hc-ctl"), f("hc-f");
  TestChain c;
  ASSERT_TRUE(setup_chain(
      ctl, {.alias = "hc", .label = "it-hc", .accounts = 2, .extra = {"--checkpoint-every", "5"}},
      c));
  add_manifest_hostchain(ctl, "hc");
  ctl.write_file("CONFIGS/symbiotes/hc.toml",
                 ctl.read_file("CONFIGS/symbiotes/hc.toml") + hostchain_table(**ltc));
  ASSERT_TRUE(ctl.start());
  ASSERT_TRUE(f.init());
  f.write_file("GENESIS/hc.json", ctl.read_file("GENESIS/hc.json"));
  f.write_file("CONFIGS/symbiotes/hc.toml",
               "enabled = true\ngenesis = \"GENESIS/hc.json\"\nkey = \"\"\nrole = \"follower\"\n"
               "peers = [\"http://127.0.0.1:" +
                   std::to_string(ctl.port()) + "\"]\n" + hostchain_table(**ltc));
  ASSERT_TRUE(f.start());
  ASSERT_EQ(post_body(ctl.http(), "/s/hc/addnode",
                      "{\"url\": \"http://127.0.0.1:" + std::to_string(f.port()) + "\"}")
                .status,
            200u);
  const chain::SymbioteId sym = symbiote_id(ctl.http(), "hc");
  const uint64_t fee = c.genesis.manifest.fee.per_event;
  EXPECT_EQ(get_json(ctl.http(), "/s/hc/info").body["fee"], fee);  // what connectors default to
  uint64_t nonce = 0;
  push_blocks(ctl, "hc", sym, c.accounts[0], nonce, c.accounts[1], fee, 6);

  // The controller commits block 5 (one unconfirmed commit at a time) ...
  ASSERT_TRUE(wait_until(
      [&] {
        auto j = finality_of(ctl, "hc");
        return j.contains("last_commit") && j["last_commit"]["index"] == 5;
      },
      10s))
      << finality_of(ctl, "hc").dump();
  // ... and once litecoin has 2 confirmations, both nodes see index 5 final and the proof.
  ASSERT_TRUE((*ltc)->mine(2).ok());
  for (auto* n : {&ctl, &f}) {
    ASSERT_TRUE(wait_until([&] { return finality_of(*n, "hc")["final_index"] == 5; }, 15s))
        << finality_of(*n, "hc").dump();
    EXPECT_TRUE(finality_of(*n, "hc")["matches_local"].get<bool>());
  }
  ASSERT_TRUE(wait_until(
      [&] { return get_json(f.http(), "/s/hc/checkpoint_proofs").body["proofs"].size() == 1; },
      5s));
  EXPECT_EQ(finality_of(f, "hc")["status"], "ok");

  // Someone (not the controller) writes a different hash for index 5 to litecoin: it proves
  // nothing, so it is only counted.
  hostchains::bitcoin::BitcoinSettings bs;
  bs.common = {"bitcoin", "litecoin-regtest", 2, false};
  bs.rpc_url = (*ltc)->rpc_url();
  bs.rpc_user = (*ltc)->options().rpc_user;
  bs.rpc_password = (*ltc)->options().rpc_password;
  bs.wallet = "miner";
  hostchains::bitcoin::BitcoinConnector writer(bs);
  Hash32 fake{};
  fake.fill(0x5a);
  auto tx = writer.commit({sym, 5, fake});
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  ASSERT_TRUE((*ltc)->mine(2).ok());
  ASSERT_TRUE(wait_until([&] { return finality_of(f, "hc")["foreign_commits"] == 1; }, 15s))
      << finality_of(f, "hc").dump();
  EXPECT_EQ(get_json(f.http(), "/s/hc/alarms").body["alarms"].size(), 0u);

  // The controller's key signs a proof for that commit: a rewrite of checkpointed history,
  // checked against litecoin itself → fork alarm, and the follower stops applying.
  core::Keystore keys(ctl.dir() / "KEYS");
  auto ctl_key = keys.load("ctl", "", core::PlainKeys::allow);
  ASSERT_TRUE(ctl_key.ok());
  dev_controller::CheckpointProof proof;
  proof.symbiote = sym;
  proof.hostchain = {"bitcoin", "litecoin-regtest", ""};
  proof.index = 5;
  proof.hash = fake;
  proof.tx = *tx;
  proof.sign(dev_controller::kCheckpointProofDomain, *ctl_key);
  Bytes enc = proof.encode(dev_controller::kCheckpointProofDomain);
  auto posted = f.http().post("/s/hc/sync/checkpoint_proof", std::string(enc.begin(), enc.end()),
                              "application/octet-stream");
  ASSERT_TRUE(posted.ok());
  ASSERT_EQ(posted->status, 200u) << posted->body;
  ASSERT_TRUE(wait_until(
      [&] { return get_json(f.http(), "/s/hc/alarms").body["alarms"].size() == 1; }, 10s));
  JsonReply alarms = get_json(f.http(), "/s/hc/alarms");
  EXPECT_EQ(alarms.body["alarms"][0]["kind"], "hostchain_mismatch");
  EXPECT_FALSE(finality_of(f, "hc")["matches_local"].get<bool>());
  // A proof not signed by the controller is refused.
  proof.sign(dev_controller::kCheckpointProofDomain, c.accounts[0]);
  enc = proof.encode(dev_controller::kCheckpointProofDomain);
  auto refused = f.http().post("/s/hc/sync/checkpoint_proof", std::string(enc.begin(), enc.end()),
                               "application/octet-stream");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 400u);
  auto q = run_klyn74r({"query", "finality", "--symbiote", "hc", "--node",
                        "http://127.0.0.1:" + std::to_string(f.port())});
  EXPECT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("litecoin-regtest"), std::string::npos) << q.output;
}

TEST(Hostchains, UnknownHostchainTableIsAConfigError) {
  NodeProcess ctl("hc-bad");
  TestChain c;
  ASSERT_TRUE(setup_chain(ctl, {.alias = "hb", .label = "it-hb", .accounts = 1}, c));
  ctl.write_file("CONFIGS/symbiotes/hb.toml",
                 ctl.read_file("CONFIGS/symbiotes/hb.toml") +
                     "\n[hostchains.x]\ntype = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\n"
                     "rpc_url = \"http://127.0.0.1:1\"\nrpc_user = \"a\"\nrpc_password = \"b\"\n");
  ctl.spawn();
  auto r = ctl.wait_exit(20s);
  EXPECT_TRUE(r.exited_with(2)) << r.describe();
  EXPECT_NE(r.output.find("hostchains.x.network"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("manifest has no hostchain"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace klyn::itest
