// dev_symbiland as a network of real `klyn74r run` processes on loopback: four validators (BLS
// keys from `keys new --bls`, a genesis from `genesis new --workflow dev_symbiland`) and a
// follower commit the same events with the same state roots and certificates; a validator
// killed with SIGKILL comes back from its database and safety file and catches up; with it down
// the other three keep committing; malformed consensus input is answered 400; a BLS key that
// is not a validator's is refused at start with the file and key.
#include <gtest/gtest.h>

#include <thread>

#include "chain/event.h"
#include "chain/event_json.h"
#include "codec/binary.h"
#include "codec/hex.h"
#include "core/keystore.h"
#include "network_nodes.h"
#include "node_process.h"
#include "workflows/dev_symbiland/consensus/core.h"

namespace klyn::itest {
namespace {

constexpr const char* kAlias = "gamma";

crypto::KeyPair test_key(uint8_t n) {
  crypto::Seed s{};
  s[0] = n;
  s[31] = 0x77;
  return crypto::KeyPair::from_seed(s);
}

// `keys new val --bls --plain`: "BLS_KEY:POP".
std::string bls_validator_key(NodeProcess& n) {
  auto r = n.cli({"keys", "new", "val", "--bls", "--plain"});
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  if (!j.is_object()) return "";
  return j.value("bls_key", "") + ":" + j.value("pop", "");
}

void write_config(NodeProcess& n, const std::string& bls_key, const std::string& peers = "") {
  n.write_file(std::string("CONFIGS/symbiotes/") + kAlias + ".toml",
               std::string("enabled = true\ngenesis = \"GENESIS/") + kAlias + ".json\"\npeers = [" +
                   peers + "]\n\n[workflow]\nbls_key = \"" + bls_key + "\"\n");
}

uint64_t balance(NodeProcess& n, const crypto::KeyPair& who) {
  JsonReply r = get_json(n.http(), std::string("/s/") + kAlias + "/account/" + who.address());
  return r.status == 200 ? r.body.value("balance", uint64_t{0}) : 0;
}

// Submits `count` transfers of 1 from `from` (nonces first..first+count-1) to `to` via `n`.
void transfer(NodeProcess& n, const chain::SymbioteId& id, const crypto::KeyPair& from,
              uint64_t first, size_t count, const crypto::KeyPair& to) {
  nlohmann::json batch = nlohmann::json::array();
  for (size_t i = 0; i < count; ++i)
    batch.push_back(
        chain::event_to_json(chain::make_transfer(id, from, first + i, 1, to.public_key(), 1)));
  JsonReply r = post_body(n.http(), std::string("/s/") + kAlias + "/events", batch.dump());
  ASSERT_EQ(r.status, 200u) << r.raw;
  EXPECT_EQ(r.body.value("accepted", size_t{0}), count) << r.raw;
}

struct Network {
  std::vector<std::unique_ptr<NodeProcess>> validators;
  NodeProcess follower{"sl-follower"};
  chain::SymbioteId id{};
  crypto::KeyPair alice = test_key(1), bob = test_key(2);

  std::vector<NodeProcess*> all() {
    std::vector<NodeProcess*> out;
    for (auto& v : validators) out.push_back(v.get());
    out.push_back(&follower);
    return out;
  }

  ::testing::AssertionResult setup(size_t n) {
    std::vector<std::string> args{"genesis",       "new",     "--workflow",
                                  "dev_symbiland", "--alias", kAlias,
                                  "--bls-key",     "val",     "--base-timeout-ms",
                                  "300",           "--fund",  alice.address() + "=1000000000"};
    for (size_t i = 0; i < n; ++i) {
      validators.push_back(std::make_unique<NodeProcess>("sl-v" + std::to_string(i)));
      NodeProcess& v = *validators.back();
      if (auto r = v.init(); !r) return r;
      const std::string account = v.add_plain_key("acct");
      const std::string key = bls_validator_key(v);
      if (account.empty() || key.size() < 10) return ::testing::AssertionFailure() << "keys";
      args.push_back("--validator");
      args.push_back(account + ":" + key);
    }
    auto r = validators[0]->cli(args);
    if (!r.exited_with(0)) return ::testing::AssertionFailure() << r.describe();
    auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
    auto parsed = codec::hex_decode_fixed<32>(j.value("id", ""));
    if (!parsed) return ::testing::AssertionFailure() << "no id in " << r.output;
    id = *parsed;
    const std::string genesis =
        validators[0]->read_file(std::string("GENESIS/") + kAlias + ".json");
    if (auto r2 = follower.init(); !r2) return r2;
    for (NodeProcess* node : all()) {
      node->write_file(std::string("GENESIS/") + kAlias + ".json", genesis);
      write_config(*node, node == &follower ? "" : "val");
    }
    for (NodeProcess* node : all())
      if (auto st = node->start(); !st) return st;
    connect_all(all(), kAlias);
    return ::testing::AssertionSuccess();
  }

  // Every node in `nodes` shows bob's balance `want`.
  bool everyone_has(std::vector<NodeProcess*> nodes, uint64_t want) {
    return wait_until(
        [&] {
          for (NodeProcess* node : nodes)
            if (balance(*node, bob) != want) return false;
          return true;
        },
        30s, 50ms);
  }
};

nlohmann::json block_at(NodeProcess& n, uint64_t h) {
  return get_json(n.http(), std::string("/s/") + kAlias + "/block/" + std::to_string(h)).body;
}

}  // namespace

TEST(SymbilandNetwork, ValidatorsAndAFollowerAgreeSurviveAKill9AndKeepCommittingWithOneDown) {
  Network net;
  ASSERT_TRUE(net.setup(4));
  transfer(*net.validators[2], net.id, net.alice, 1, 50, net.bob);
  ASSERT_TRUE(net.everyone_has(net.all(), 50))
      << "bob on v0: " << balance(*net.validators[0], net.bob);

  // An applied event is answered with its record and the event; a refused one with its reason.
  {
    auto e = chain::make_transfer(net.id, net.alice, 1, 1, net.bob.public_key(), 1);
    JsonReply got = get_json(net.follower.http(),
                             std::string("/s/") + kAlias + "/event/" + codec::hex_encode(e.hash()));
    ASSERT_EQ(got.status, 200u) << got.raw;
    EXPECT_EQ(got.str("status"), "applied");
    EXPECT_EQ(got.body.value("committed", false), true);
    EXPECT_EQ(got.body["event"].value("nonce", uint64_t{0}), 1u) << got.raw;
    // Sent again (a client that timed out): answered with what became of it, alone or in a batch.
    JsonReply again = post_body(net.validators[0]->http(), std::string("/s/") + kAlias + "/event",
                                chain::event_to_json(e).dump());
    EXPECT_EQ(again.status, 200u) << again.raw;
    EXPECT_EQ(again.str("status"), "applied") << again.raw;
    EXPECT_TRUE(again.body.value("known", false)) << again.raw;
    EXPECT_TRUE(again.body.value("committed", false)) << again.raw;
    JsonReply batch = post_body(net.validators[0]->http(), std::string("/s/") + kAlias + "/events",
                                nlohmann::json::array({chain::event_to_json(e)}).dump());
    ASSERT_EQ(batch.status, 200u) << batch.raw;
    EXPECT_EQ(batch.body["results"][0].value("status", ""), "applied") << batch.raw;
    EXPECT_TRUE(batch.body["results"][0].value("known", false)) << batch.raw;
    EXPECT_FALSE(batch.body["results"][0].contains("hash")) << "an item with a hash is accepted";
    auto forged = chain::make_transfer(net.id, net.alice, 999, 1, net.bob.public_key(), 1);
    forged.signature[3] ^= 1;
    JsonReply refused = post_body(net.validators[1]->http(), std::string("/s/") + kAlias + "/event",
                                  chain::event_to_json(forged).dump());
    EXPECT_EQ(refused.status, 400u) << refused.raw;
    got = get_json(net.validators[1]->http(),
                   std::string("/s/") + kAlias + "/event/" + codec::hex_encode(forged.hash()));
    EXPECT_EQ(got.str("status"), "refused") << got.raw;
    EXPECT_EQ(got.str("error"), refused.str("error")) << got.raw;
  }

  // Every node holds the same certified block, state root and certificate at a common height.
  uint64_t common = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        common = UINT64_MAX;
        for (NodeProcess* node : net.all())
          common = std::min<uint64_t>(common,
                                      get_json(node->http(), std::string("/s/") + kAlias + "/info")
                                          .body.value("height", uint64_t{0}));
        return common > 2;
      },
      10s, 50ms));
  const nlohmann::json ref = block_at(*net.validators[0], common - 1);
  ASSERT_TRUE(ref.contains("certificate")) << ref.dump();
  EXPECT_GE(ref["certificate"]["signers"].size(), 3u) << "a quorum of 4 equal weights is 3";
  for (NodeProcess* node : net.all()) {
    const nlohmann::json b = block_at(*node, common - 1);
    EXPECT_EQ(b.value("hash", ""), ref.value("hash", ""));
    EXPECT_EQ(b.value("state_root_after", ""), ref.value("state_root_after", ""));
  }

  // Validator 1 dies without a chance to flush; the three others still hold a quorum.
  NodeProcess& v1 = *net.validators[1];
  ASSERT_TRUE(
      std::filesystem::exists(v1.dir() / "SIGNING" / (codec::hex_encode(net.id) + ".safety")));
  // Killed under load: the transfers are in flight when it dies.
  transfer(*net.validators[3], net.id, net.alice, 51, 20, net.bob);
  v1.kill9();
  std::vector<NodeProcess*> alive;
  for (NodeProcess* node : net.all())
    if (node != &v1) alive.push_back(node);
  ASSERT_TRUE(net.everyone_has(alive, 70)) << "with one validator down";
  // ... and go on long enough that v1 has a real gap to fetch (blocks and their QCs).
  auto height = [&](NodeProcess& n) {
    return get_json(n.http(), std::string("/s/") + kAlias + "/info")
        .body.value("height", uint64_t{0});
  };
  const uint64_t gap_from = height(*net.validators[0]);
  ASSERT_TRUE(wait_until([&] { return height(*net.validators[0]) >= gap_from + 30; }, 20s, 50ms));

  // Back from its database and safety file, on a new port; it catches up.
  ASSERT_TRUE(v1.start());
  connect_all(net.all(), kAlias);
  transfer(*net.validators[0], net.id, net.alice, 71, 5, net.bob);
  ASSERT_TRUE(net.everyone_has(net.all(), 75)) << "bob on v1: " << balance(v1, net.bob);
  EXPECT_EQ(get_json(v1.http(), std::string("/s/") + kAlias + "/info").body.value("role", ""),
            "validator");

  // Malformed consensus input: 400 with a reason, and the node goes on.
  const std::string sync = std::string("/s/") + kAlias + "/sync/sl";
  JsonReply bad = post_body(v1.http(), sync, std::string("\x00\x00\x00\x01garbage", 11),
                            "application/octet-stream");
  EXPECT_EQ(bad.status, 400u) << bad.raw;
  EXPECT_EQ(bad.str("error"), "bad_message");
  bad = post_body(v1.http(), sync, "ab", "application/octet-stream");
  EXPECT_EQ(bad.status, 400u) << bad.raw;
  transfer(v1, net.id, net.alice, 76, 1, net.bob);
  EXPECT_TRUE(net.everyone_has(net.all(), 76));

  // Validator 3 signs two different votes for one round: v0 keeps both as evidence.
  {
    core::Keystore ks(net.validators[3]->dir() / "KEYS");
    auto sk = ks.load_bls("val", "", core::PlainKeys::allow);
    ASSERT_TRUE(sk.ok()) << sk.error().to_string();
    const uint64_t round =
        get_json(net.validators[0]->http(), std::string("/s/") + kAlias + "/info")
            .body.value("round", uint64_t{0}) +
        3;
    for (uint8_t b : {1, 2}) {
      dev_symbiland::Vote v;
      v.epoch = 1;
      v.round = round;
      v.block.fill(b);
      v.voter = 3;
      v.signature = sk->sign(dev_symbiland::vote_message(net.id, 1, round, v.block)).to_bytes();
      codec::Writer w;
      w.u32(dev_symbiland::kVote);
      w.raw(v.encode());
      const Bytes framed = std::move(w).take();
      JsonReply r =
          post_body(net.validators[0]->http(), sync, std::string(framed.begin(), framed.end()),
                    "application/octet-stream");
      EXPECT_EQ(r.status, 202u) << r.raw;
    }
    JsonReply ev;
    ASSERT_TRUE(wait_until(
        [&] {
          ev = get_json(net.validators[0]->http(), std::string("/s/") + kAlias + "/evidence");
          return ev.status == 200 && ev.body["evidence"].size() == 1;
        },
        5s, 20ms))
        << ev.raw;
    EXPECT_EQ(ev.body["evidence"][0]["kind"], "double_vote");
    EXPECT_EQ(ev.body["evidence"][0]["index"], round);
    EXPECT_NE(ev.body["evidence"][0].value("note", "").find("validator 3"), std::string::npos);
  }

  // A peer that keeps sending garbage is banned (403) after a few messages; the others are not.
  {
    net::HttpClient attacker("127.0.0.1", net.validators[0]->port(), 5s);
    unsigned last = 0;
    for (int i = 0; i < 8 && last != 403; ++i) {
      auto r = attacker.request(net::Method::kPost, sync, std::string("\x00\x00\x00\x02xx", 6),
                                "application/octet-stream", {{"X-Klyn-Node", "attacker"}});
      ASSERT_TRUE(r.ok());
      last = r->status;
    }
    EXPECT_EQ(last, 403u) << "not banned after 8 malformed votes";
    JsonReply nodes = get_json(net.validators[0]->http(), std::string("/s/") + kAlias + "/nodes");
    EXPECT_NE(nodes.raw.find("attacker"), std::string::npos) << nodes.raw;
  }

  // Two of four down: no quorum, so nothing new commits (and nothing forks); back: it resumes.
  auto info_height = [&](NodeProcess& n) {
    return get_json(n.http(), std::string("/s/") + kAlias + "/info")
        .body.value("height", uint64_t{0});
  };
  net.validators[2]->kill9();
  net.validators[3]->kill9();
  transfer(*net.validators[0], net.id, net.alice, 77, 1, net.bob);
  std::this_thread::sleep_for(300ms);  // what was certified before may still commit
  const uint64_t stalled = info_height(*net.validators[0]);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(info_height(*net.validators[0]), stalled) << "committed without a quorum";
  EXPECT_EQ(balance(*net.validators[0], net.bob), 76u);
  ASSERT_TRUE(net.validators[2]->start());
  ASSERT_TRUE(net.validators[3]->start());
  connect_all(net.all(), kAlias);
  EXPECT_TRUE(net.everyone_has(net.all(), 77)) << "after two validators came back";

  // A fresh follower joins from genesis: it verifies the QC chain its peers serve. Nobody lists
  // it as a peer, so it learns the chain only by asking (the high-QC pull).
  NodeProcess late("sl-late");
  ASSERT_TRUE(late.init());
  late.write_file(std::string("GENESIS/") + kAlias + ".json",
                  net.validators[0]->read_file(std::string("GENESIS/") + kAlias + ".json"));
  std::string peers;
  for (auto& v : net.validators)
    peers += (peers.empty() ? "\"" : ", \"") + loopback_url(v->port()) + "\"";
  write_config(late, "", peers);
  ASSERT_TRUE(late.start());
  EXPECT_TRUE(net.everyone_has({&late}, 77));
  EXPECT_GT(info_height(late), 30u);

  // E1: events a node accepted survive its kill -9. With every validator down, the follower
  // accepts five transfers it cannot relay to anyone (it journals them), and is killed too; all
  // come back, and the follower's journal makes them pending again: they commit.
  for (auto& v : net.validators) v->kill9();
  transfer(net.follower, net.id, net.alice, 78, 5, net.bob);
  net.follower.kill9();
  for (auto& v : net.validators) ASSERT_TRUE(v->start());
  ASSERT_TRUE(net.follower.start());
  connect_all(net.all(), kAlias);
  EXPECT_TRUE(net.everyone_has(net.all(), 82))
      << "bob on v0: " << balance(*net.validators[0], net.bob);

  // Through its kills and restarts nobody signed twice: the only evidence anywhere is the
  // double vote this test made itself.
  for (NodeProcess* node : net.all()) {
    JsonReply ev = get_json(node->http(), std::string("/s/") + kAlias + "/evidence");
    ASSERT_EQ(ev.status, 200u);
    for (const auto& e : ev.body["evidence"])
      EXPECT_NE(e.value("note", "").find("validator 3"), std::string::npos) << e.dump();
  }
}

TEST(SymbilandNetwork, ABlsKeyThatIsNotAValidatorsIsRefusedAtStartWithTheFileAndKey) {
  Network net;
  NodeProcess& v = *net.validators.emplace_back(std::make_unique<NodeProcess>("sl-bad"));
  ASSERT_TRUE(v.init());
  const std::string account = v.add_plain_key("acct");
  const std::string key = bls_validator_key(v);
  auto r = v.cli({"genesis", "new", "--workflow", "dev_symbiland", "--alias", kAlias, "--validator",
                  account + ":" + key});
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  // Another BLS key of this node's keystore, not in the genesis.
  ASSERT_TRUE(v.cli({"keys", "new", "other", "--bls", "--plain"}).exited_with(0));
  write_config(v, "other");
  v.spawn();
  auto end = v.wait_exit(20s);
  EXPECT_TRUE(end.exited_with(2)) << end.describe();
  EXPECT_NE(end.output.find("workflow.bls_key"), std::string::npos) << end.output;
  EXPECT_NE(end.output.find("not a validator"), std::string::npos) << end.output;

  // And a genesis whose proof of possession does not match its key is refused with the path.
  const auto colon = key.find(':');
  std::string wrong_pop = key.substr(0, colon + 1) + std::string(192, '0');
  r = v.cli({"genesis", "new", "--workflow", "dev_symbiland", "--alias", "delta", "--validator",
             account + ":" + wrong_pop});
  EXPECT_FALSE(r.exited_with(0)) << r.describe();
  EXPECT_NE(r.output.find("manifest.dev_symbiland.validators[0].pop"), std::string::npos)
      << r.output;
}

}  // namespace klyn::itest
