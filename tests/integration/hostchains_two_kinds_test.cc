// Hostchains of two kinds at once, through real processes: one dev_controller controller commits
// every 5th block to a real `litecoind -regtest` (OP_RETURN) and a real ganache (the Checkpoints
// contract, deployed with `klyn74r hostchain deploy evm`), both started here on loopback.
// * a node that never receives a proof reads the commits back and reaches the same finality;
// * stopping the committer (SIGTERM and kill -9) while a commit is unconfirmed makes no second
//   commit of any index on either hostchain (counted by reading the hostchains back);
// * both hostchains going away mid-run: blocks are still produced, /finality says "retrying",
//   commits resume when they are back on the same port and data;
// * a follower fed a different (controller-signed) block 5 raises `hostchain_mismatch` with the
//   proof and the hostchain transaction once block 5 is checkpointed, and stops applying.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <toml++/toml.h>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "codec/hex.h"
#include "core/keystore.h"
#include "hostchains/bitcoin/bitcoin.h"
#include "hostchains/bitcoin/testing/litecoind.h"
#include "hostchains/evm/evm_connector.h"
#include "hostchains/evm/testing/ganache.h"
#include "net/http_server.h"
#include "test_chain.h"
#include "workflows/dev_controller/block_range.h"
#include "workflows/dev_controller/kit_parts.h"

namespace klyn::itest {
namespace {

using hostchains::bitcoin::testing::Litecoind;
using hostchains::evm::testing::Ganache;
using nlohmann::json;

const std::vector<std::string> kHostchains = {"ltc", "eth"};

// The two hostchains, the contract on ganache and the symbiote that commits to both.
struct Rig {
  std::unique_ptr<Litecoind> ltc;
  std::unique_ptr<Ganache> eth;
  std::string contract;
  uint64_t deploy_block = 0;
  TestChain chain;
  chain::SymbioteId sym{};
  std::string alias;
};

// Starts litecoind and a persistent ganache, and deploys the contract through the CLI (the key
// file in `scratch`).
::testing::AssertionResult start_hostchains(Rig& r, const std::filesystem::path& scratch) {
  auto ltc = Litecoind::start();
  if (!ltc) return ::testing::AssertionFailure() << ltc.error().to_string();
  r.ltc = std::move(*ltc);
  hostchains::evm::testing::GanacheOptions go;
  go.persistent = true;
  auto eth = Ganache::start(go);
  if (!eth) return ::testing::AssertionFailure() << eth.error().to_string();
  r.eth = std::move(*eth);
  const auto key_file = scratch / "deployer.key";
  std::ofstream(key_file) << Ganache::account_keys()[0] << "\n";
  ::chmod(key_file.c_str(), 0600);
  auto d = run_klyn74r({"hostchain", "deploy", "evm", "--rpc-url", r.eth->url(), "--key-file",
                        key_file.string(), "--chain-id", "1337", "--json"});
  if (!d.exited_with(0)) return ::testing::AssertionFailure() << d.describe();
  auto j = json::parse(d.output.substr(d.output.find('{')), nullptr, false);
  if (!j.is_object() || !j.contains("address"))
    return ::testing::AssertionFailure() << "deploy printed " << d.output;
  r.contract = j["address"].get<std::string>();
  r.deploy_block = j["block"].get<uint64_t>();
  return ::testing::AssertionSuccess();
}

std::string ltc_table(const Rig& r, bool committer) {
  return "\n[hostchains.ltc]\ntype = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\nrpc_url = \"" +
         r.ltc->rpc_url() + "\"\nrpc_user = \"" + r.ltc->options().rpc_user +
         "\"\nrpc_password = \"" + r.ltc->options().rpc_password + "\"\n" +
         (committer ? "wallet = \"miner\"\n" : "") + "confirmations = 2\n";
}

std::string eth_table(const Rig& r, bool committer) {
  return "\n[hostchains.eth]\ntype = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"" + r.eth->url() +
         "\"\nstart_block = " + std::to_string(r.deploy_block) + "\n" +
         (committer ? "private_key_file = \"KEYS/evm.key\"\n" : "") + "confirmations = 2\n";
}

// The controller: a chain checkpointed every 5 blocks to both hostchains (manifest), with a
// table for each (it pays on litecoin from the daemon's wallet, on ganache with account 1).
::testing::AssertionResult setup_controller(Rig& r, NodeProcess& ctl, const std::string& alias) {
  r.alias = alias;
  if (auto s = setup_chain(
          ctl,
          {.alias = alias,
           .label = "it-" + alias,
           .accounts = 2,
           .extra = {"--checkpoint-every", "5", "--hostchain", "bitcoin:litecoin-regtest",
                     "--hostchain", "evm:1337:" + r.contract}},
          r.chain);
      !s)
    return s;
  ctl.write_file("KEYS/evm.key", Ganache::account_keys()[1] + "\n");
  ::chmod((ctl.dir() / "KEYS" / "evm.key").c_str(), 0600);
  const std::string rel = "CONFIGS/symbiotes/" + alias + ".toml";
  ctl.write_file(rel, ctl.read_file(rel) + ltc_table(r, true) + eth_table(r, true));
  return ::testing::AssertionSuccess();
}

// A follower of `alias` pulling from `peer_port`, with read-only tables for both hostchains.
// Both hostchains, a controller of `alias` committing to them (configured, started), r.sym set.
::testing::AssertionResult start_controller(Rig& r, NodeProcess& ctl, const std::string& alias,
                                            const std::filesystem::path& scratch) {
  if (auto s = start_hostchains(r, scratch); !s) return s;
  if (auto s = setup_controller(r, ctl, alias); !s) return s;
  if (auto s = ctl.start(); !s) return s;
  r.sym = symbiote_id(ctl.http(), alias);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult setup_reader(const Rig& r, NodeProcess& n, const NodeProcess& ctl,
                                        uint16_t peer_port) {
  if (auto s = n.init(); !s) return s;
  n.write_file("GENESIS/" + r.alias + ".json", ctl.read_file("GENESIS/" + r.alias + ".json"));
  n.write_file("CONFIGS/symbiotes/" + r.alias + ".toml",
               "enabled = true\ngenesis = \"GENESIS/" + r.alias +
                   ".json\"\nkey = \"\"\nrole = \"follower\"\npeers = [\"http://127.0.0.1:" +
                   std::to_string(peer_port) + "\"]\n\n[workflow]\nsync_interval_ms = 20\n" +
                   ltc_table(r, false) + eth_table(r, false));
  return ::testing::AssertionSuccess();
}

// The /finality entry of hostchain `name` (null when absent or the node does not answer).
json finality(NodeProcess& n, const std::string& alias, const std::string& name) {
  JsonReply r = get_json(n.http(), "/s/" + alias + "/finality");
  if (!r.is_json() || !r.body.contains("hostchains")) return json();
  for (const auto& h : r.body["hostchains"])
    if (h["name"] == name) return h;
  return json();
}

std::string all_finality(NodeProcess& n, const std::string& alias) {
  return get_json(n.http(), "/s/" + alias + "/finality").raw;
}

::testing::AssertionResult wait_last_commit(NodeProcess& n, const std::string& alias,
                                            uint64_t index, std::chrono::milliseconds limit) {
  bool ok = wait_until(
      [&] {
        for (const auto& name : kHostchains) {
          json j = finality(n, alias, name);
          if (!j.contains("last_commit") || j["last_commit"]["index"] != index) return false;
        }
        return true;
      },
      limit, 50ms);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no commit of " << index << " on every hostchain: " << all_finality(n, alias);
}

::testing::AssertionResult wait_final(NodeProcess& n, const std::string& alias, uint64_t index,
                                      std::chrono::milliseconds limit) {
  bool ok = wait_until(
      [&] {
        for (const auto& name : kHostchains)
          if (finality(n, alias, name)["final_index"] != index) return false;
        return true;
      },
      limit, 50ms);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "index " << index << " not final on every hostchain: " << all_finality(n, alias);
}

// Gives the pending commits their second confirmation on both hostchains (litecoin: mined in a
// block plus one; ganache instamined the commit: one more block).
::testing::AssertionResult confirm(Rig& r) {
  if (auto m = r.ltc->mine(2); !m) return ::testing::AssertionFailure() << m.error().to_string();
  if (auto m = r.eth->mine(1); !m) return ::testing::AssertionFailure() << m.error().to_string();
  return ::testing::AssertionSuccess();
}

// `blocks` controller blocks, one transfer each (each applied before the next is sent).
::testing::AssertionResult push_blocks(Rig& r, NodeProcess& ctl, uint64_t& nonce, int blocks) {
  const uint64_t fee = r.chain.genesis.manifest.fee.per_event;
  for (int i = 0; i < blocks; ++i) {
    auto t = chain::make_transfer(r.sym, r.chain.accounts[0], ++nonce, fee,
                                  r.chain.accounts[1].public_key(), 1);
    JsonReply p = post_body(ctl.http(), "/s/" + r.alias + "/event", event_body(t));
    if (p.status != 202) return ::testing::AssertionFailure() << "POST event: " << p.raw;
    if (auto w = wait_applied(ctl.http(), r.alias, {t.hash()}, 10s); !w) return w;
  }
  return ::testing::AssertionSuccess();
}

std::string block_hash(NodeProcess& n, const std::string& alias, uint64_t index) {
  return get_json(n.http(), "/s/" + alias + "/block/controller/" + std::to_string(index))
      .str("hash");
}

// A read-only connector of the test's own for hostchain `name`, built by its registered
// factory from a table like a node's.
std::unique_ptr<hostchains::Connector> reader(const Rig& r, const std::string& name) {
  const bool ltc = name == "ltc";
  std::string text = ltc ? ltc_table(r, false) : eth_table(r, false);
  toml::table t = toml::parse(text);
  core::ConfigReader cfg(*t["hostchains"][name].as_table(), "test.toml", "hostchains." + name);
  hostchains::ConnectorSpec spec;
  spec.name = name;
  spec.ref = ltc ? chain::HostchainRef{"bitcoin", "litecoin-regtest", ""}
                 : chain::HostchainRef{"evm", "1337", r.contract};
  spec.symbiote = r.sym;
  spec.data_dir = "/nonexistent";
  auto c = ltc ? hostchains::bitcoin::factory()(spec, cfg) : hostchains::evm::factory()(spec, cfg);
  EXPECT_TRUE(c) << cfg.errors().to_string();
  return c;
}

// Every commit of the symbiote on hostchain `name`, by index (their transactions).
std::map<uint64_t, std::vector<std::string>> commits_on(const Rig& r, const std::string& name) {
  std::map<uint64_t, std::vector<std::string>> out;
  auto c = reader(r, name);
  if (!c) return out;
  auto found = c->read_commits(r.sym, 1);
  EXPECT_TRUE(found.ok()) << found.error().to_string();
  if (found)
    for (const auto& f : *found) out[f.checkpoint.index].push_back(f.tx);
  return out;
}

TEST(HostchainsTwoKinds, CommitsLandOnBothAndANodeWithoutProofsReachesTheSameFinality) {
  NodeProcess ctl("hc2-ctl"), aud("hc2-aud");
  Rig r;
  ASSERT_TRUE(start_controller(r, ctl, "h2", aud.temp_dir()));
  // The auditor pulls blocks from the controller, but the controller does not know it: no
  // proof is ever gossiped to it.
  ASSERT_TRUE(setup_reader(r, aud, ctl, ctl.port()));
  ASSERT_TRUE(aud.start());
  EXPECT_EQ(get_json(ctl.http(), "/s/h2/nodes").body["nodes"].size(), 0u);

  uint64_t nonce = 0;
  for (uint64_t index : {5u, 10u}) {
    ASSERT_TRUE(push_blocks(r, ctl, nonce, 5));
    ASSERT_TRUE(wait_last_commit(ctl, "h2", index, 15s));
    for (const auto& name : kHostchains)
      EXPECT_FALSE(finality(ctl, "h2", name)["last_commit"]["confirmed"].get<bool>()) << name;
    ASSERT_TRUE(confirm(r));
    ASSERT_TRUE(wait_final(ctl, "h2", index, 15s));
    ASSERT_TRUE(wait_final(aud, "h2", index, 15s));
  }

  const std::string hash10 = block_hash(ctl, "h2", 10);
  ASSERT_EQ(hash10.size(), 64u);
  EXPECT_EQ(block_hash(aud, "h2", 10), hash10);
  for (const auto& name : kHostchains) {
    SCOPED_TRACE(name);
    json c = finality(ctl, "h2", name), a = finality(aud, "h2", name);
    EXPECT_EQ(c["final_hash"], hash10);
    EXPECT_EQ(a["final_hash"], hash10);
    EXPECT_EQ(a["final_tx"], c["final_tx"]);
    EXPECT_EQ(c["final_tx"], c["last_commit"]["tx"]);
    EXPECT_TRUE(c["last_commit"]["confirmed"].get<bool>());
    EXPECT_GE(a["final_confirmations"].get<uint64_t>(), 2u);
    EXPECT_TRUE(a["matches_local"].get<bool>());
    EXPECT_EQ(a["status"], "ok");
    EXPECT_EQ(a["foreign_commits"], 0);
    EXPECT_EQ(a["highest_seen"], 10);
    EXPECT_FALSE(a.contains("last_commit"));  // it commits nothing
    // On the hostchain itself: one commit of 5 and one of 10.
    auto commits = commits_on(r, name);
    ASSERT_EQ(commits.size(), 2u);
    EXPECT_EQ(commits[5].size(), 1u);
    ASSERT_EQ(commits[10].size(), 1u);
    EXPECT_EQ(commits[10][0], c["final_tx"]);
  }
  EXPECT_EQ(r.contract, finality(aud, "h2", "eth")["address"]);
  // The controller holds four proofs (two indexes × two hostchains); the auditor none.
  EXPECT_EQ(get_json(ctl.http(), "/s/h2/checkpoint_proofs").body["proofs"].size(), 4u);
  JsonReply none = get_json(aud.http(), "/s/h2/checkpoint_proofs");
  ASSERT_TRUE(none.is_json()) << none.raw;
  EXPECT_EQ(none.body["proofs"].size(), 0u) << none.raw;

  auto q = run_klyn74r({"query", "finality", "--symbiote", "h2", "--node",
                        "http://127.0.0.1:" + std::to_string(aud.port())});
  EXPECT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("litecoin-regtest"), std::string::npos) << q.output;
  EXPECT_NE(q.output.find("1337"), std::string::npos) << q.output;
}

TEST(HostchainsTwoKinds, StoppingTheCommitterMidCommitMakesNoDuplicateCommits) {
  NodeProcess ctl("hc2-restart");
  Rig r;
  ASSERT_TRUE(start_controller(r, ctl, "h3", ctl.temp_dir()));
  uint64_t nonce = 0;
  std::map<std::string, std::map<uint64_t, std::string>> committed;  // hostchain → index → tx
  auto remember = [&](uint64_t index) {
    for (const auto& name : kHostchains)
      committed[name][index] = finality(ctl, "h3", name)["last_commit"]["tx"].get<std::string>();
  };

  // Commit 5 sent, unconfirmed: a graceful stop; confirmed while the node is down.
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 5));
  ASSERT_TRUE(wait_last_commit(ctl, "h3", 5, 15s));
  remember(5);
  const ProcessResult stopped = ctl.stop();
  ASSERT_TRUE(stopped.exited_with(0)) << stopped.describe();
  ASSERT_TRUE(confirm(r));
  ASSERT_TRUE(ctl.start());
  ASSERT_TRUE(wait_final(ctl, "h3", 5, 15s));

  // Commit 10 sent, unconfirmed, events still arriving: kill -9.
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 5));
  ASSERT_TRUE(wait_last_commit(ctl, "h3", 10, 15s));
  remember(10);
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 2));
  ctl.kill9();
  ASSERT_TRUE(ctl.start());
  for (const auto& name : kHostchains) {
    json j = finality(ctl, "h3", name);  // the stored record, not a new commit
    EXPECT_EQ(j["last_commit"]["index"], 10) << name;
    EXPECT_EQ(j["last_commit"]["tx"], committed[name][10]) << name;
  }
  ASSERT_TRUE(confirm(r));
  ASSERT_TRUE(wait_final(ctl, "h3", 10, 15s));

  // And once more after the restarts: 15 is committed once and becomes final.
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 3));
  ASSERT_TRUE(wait_last_commit(ctl, "h3", 15, 15s));
  remember(15);
  ASSERT_TRUE(confirm(r));
  ASSERT_TRUE(wait_final(ctl, "h3", 15, 15s));

  for (const auto& name : kHostchains) {
    SCOPED_TRACE(name);
    auto commits = commits_on(r, name);
    ASSERT_EQ(commits.size(), 3u);
    for (uint64_t index : {5u, 10u, 15u}) {
      ASSERT_EQ(commits[index].size(), 1u) << "index " << index;
      EXPECT_EQ(commits[index][0], committed[name][index]) << "index " << index;
    }
    EXPECT_EQ(finality(ctl, "h3", name)["final_tx"], committed[name][15]);
  }
}

TEST(HostchainsTwoKinds, ACrashBetweenSendingAndStoringACommitFindsItInsteadOfSendingAgain) {
  // K4: the commit record is stored as an intent before the connector sends. The fault hook
  // kills the node (SIGKILL) right after the first send returned, before its transaction id is
  // stored; after the restart the node reads the hostchain back, finds its own commit and adopts
  // it: one commit of index 5 on each hostchain.
  NodeProcess ctl("hc2-crash");
  Rig r;
  ASSERT_TRUE(start_hostchains(r, ctl.temp_dir()));
  ASSERT_TRUE(setup_controller(r, ctl, "h6"));
  ASSERT_TRUE(ctl.set_toml("CONFIGS/symbiotes/h6.toml", "workflow",
                           "fault_crash_after_checkpoint_send", "true"));
  ASSERT_TRUE(ctl.start());
  r.sym = symbiote_id(ctl.http(), "h6");
  uint64_t nonce = 0;
  const uint64_t fee = r.chain.genesis.manifest.fee.per_event;
  for (int i = 0; i < 5; ++i) {  // blocks 1..5; the node dies once 5 is committed somewhere
    auto t = chain::make_transfer(r.sym, r.chain.accounts[0], ++nonce, fee,
                                  r.chain.accounts[1].public_key(), 1);
    ASSERT_EQ(post_body(ctl.http(), "/s/h6/event", event_body(t)).status, 202u);
    ASSERT_TRUE(wait_applied(ctl.http(), "h6", {t.hash()}, 10s));
  }
  const ProcessResult crashed = ctl.wait_exit(15s);
  ASSERT_TRUE(crashed.exited && crashed.term_signal == SIGKILL) << crashed.describe();
  ASSERT_TRUE(confirm(r));  // the transaction sent before the crash is mined
  ASSERT_TRUE(ctl.set_toml("CONFIGS/symbiotes/h6.toml", "workflow",
                           "fault_crash_after_checkpoint_send", "false"));
  ASSERT_TRUE(ctl.start());
  ASSERT_TRUE(wait_last_commit(ctl, "h6", 5, 15s));
  ASSERT_TRUE(confirm(r));  // the other hostchain's commit, sent after the restart
  ASSERT_TRUE(wait_final(ctl, "h6", 5, 20s));
  for (const auto& name : kHostchains) {
    SCOPED_TRACE(name);
    auto commits = commits_on(r, name);
    ASSERT_EQ(commits[5].size(), 1u);
    EXPECT_EQ(finality(ctl, "h6", name)["final_tx"], commits[5][0]);
  }
  EXPECT_NE(ctl.console().find("found the commit sent before the restart"), std::string::npos)
      << ctl.console();
}

TEST(HostchainsTwoKinds, HostchainsDownMidRunAreRetriedWhileBlocksGoOnAndCommitsResume) {
  NodeProcess ctl("hc2-down");
  Rig r;
  ASSERT_TRUE(start_controller(r, ctl, "h4", ctl.temp_dir()));
  uint64_t nonce = 0;
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 5));
  ASSERT_TRUE(wait_last_commit(ctl, "h4", 5, 15s));
  ASSERT_TRUE(confirm(r));
  ASSERT_TRUE(wait_final(ctl, "h4", 5, 15s));

  // Both hostchains go away; the chain goes on (each block applied within wait_applied's bound).
  r.ltc->stop();
  r.eth->stop();
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 6));
  EXPECT_EQ(get_symbiote(ctl.http(), "h4").height, 11u);
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& name : kHostchains) {
          json j = finality(ctl, "h4", name);
          if (j["status"] != "retrying" || !j.contains("last_error")) return false;
        }
        return true;
      },
      10s, 50ms))
      << all_finality(ctl, "h4");
  for (const auto& name : kHostchains) {
    json j = finality(ctl, "h4", name);
    EXPECT_NE(j["last_error"].get<std::string>().find("unreachable"), std::string::npos) << j;
    EXPECT_EQ(j["final_index"], 5) << j;
  }
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 1));  // still producing while retrying

  // Back on the same ports and data: the commit of 10 is made, confirmed and final.
  ASSERT_TRUE(r.ltc->restart().ok());
  ASSERT_TRUE(r.eth->restart().ok());
  ASSERT_TRUE(wait_last_commit(ctl, "h4", 10, 30s));
  ASSERT_TRUE(confirm(r));
  ASSERT_TRUE(wait_final(ctl, "h4", 10, 15s));
  for (const auto& name : kHostchains) {
    json j = finality(ctl, "h4", name);
    EXPECT_EQ(j["status"], "ok") << j;
    EXPECT_FALSE(j.contains("last_error")) << j;
    auto commits = commits_on(r, name);
    EXPECT_EQ(commits.size(), 2u) << name;
    EXPECT_EQ(commits[10].size(), 1u) << name;
  }
}

// A peer that serves the controller's blocks, except that from index `forge_from` on it serves
// blocks of another history, each validly signed with the controller's key (a controller gone
// bad, or its stolen key): block `forge_from` differs from the controller's only in created_ms,
// later ones link to the forged ones. It serves nothing above `serve_up_to`.
class ForgingPeer {
 public:
  ForgingPeer(uint16_t controller_port, const crypto::KeyPair& key, uint64_t forge_from)
      : controller_port_(controller_port), key_(key), forge_from_(forge_from) {
    net::ServerOptions so;
    so.threads = 1;
    server_ = std::make_unique<net::HttpServer>(so);
    (void)server_->router().add(net::Method::kGet, "/s/{sym}/sync/blocks",
                                [this](const net::Request& req) { return serve(req); });
  }
  Status start() { return server_->start(); }
  uint16_t port() const { return server_->port(); }
  void serve_up_to(uint64_t index) {
    std::lock_guard lock(mu_);
    serve_up_to_ = index;
  }
  size_t forged_served() const {
    std::lock_guard lock(mu_);
    return forged_served_;
  }

 private:
  net::Response serve(const net::Request& req) {
    net::HttpClient ctl("127.0.0.1", controller_port_, 5s);
    auto real = ctl.get(req.target);
    if (!real || real->status != 200)
      return net::Response::error(502, "upstream", real ? real->body : real.error().to_string());
    auto range = dev_controller::decode_range(as_bytes(real->body), {});
    if (!range) return net::Response::error(502, "upstream", range.error().reason);
    std::lock_guard lock(mu_);
    dev_controller::BlockRange out;
    out.peer_stored_height = std::min(range->peer_stored_height, serve_up_to_);
    for (auto& bundle : range->bundles) {
      auto cb = dev_controller::decode_controller_block(bundle.controller, {});
      if (!cb) return net::Response::error(502, "upstream", cb.error().reason);
      if (cb->index > serve_up_to_) break;
      if (cb->index >= forge_from_) {
        // The same instant blocks, another block: a different hash at this index.
        if (cb->index == forge_from_)
          cb->created_ms += 1;
        else
          cb->prev_hash = forged_.at(cb->index - 1);
        cb->sign(key_);
        bundle.controller = cb->encode();
        forged_[cb->index] = cb->hash();
        ++forged_served_;
      }
      out.bundles.push_back(std::move(bundle));
    }
    Bytes body = dev_controller::encode_range(out);
    return net::Response::text(std::string(body.begin(), body.end()), 200,
                               "application/octet-stream");
  }

  uint16_t controller_port_;
  const crypto::KeyPair& key_;  // outlives the peer
  uint64_t forge_from_;
  mutable std::mutex mu_;
  uint64_t serve_up_to_ = 0;
  size_t forged_served_ = 0;
  std::map<uint64_t, Hash32> forged_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST(HostchainsTwoKinds, AFollowerFedAnotherBlockAtACheckpointedIndexRaisesHostchainMismatch) {
  NodeProcess ctl("hc2-fork-ctl"), v("hc2-fork-v");
  Rig r;
  ASSERT_TRUE(start_controller(r, ctl, "h5", ctl.temp_dir()));
  core::Keystore keys(ctl.dir() / "KEYS");
  auto ctl_key = keys.load("ctl", "", core::PlainKeys::allow);
  ASSERT_TRUE(ctl_key.ok()) << ctl_key.error().to_string();

  // The follower's only peer forges block 5; the controller gossips its proofs to the follower.
  ForgingPeer evil(ctl.port(), *ctl_key, 5);
  evil.serve_up_to(5);
  ASSERT_TRUE(evil.start().ok());
  ASSERT_TRUE(setup_reader(r, v, ctl, evil.port()));
  ASSERT_TRUE(v.start());
  ASSERT_EQ(post_body(ctl.http(), "/s/h5/addnode",
                      "{\"url\": \"http://127.0.0.1:" + std::to_string(v.port()) + "\"}")
                .status,
            200u);

  uint64_t nonce = 0;
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 5));
  ASSERT_TRUE(wait_until([&] { return get_symbiote(v.http(), "h5").height == 5; }, 10s));
  const std::string real5 = block_hash(ctl, "h5", 5), forged5 = block_hash(v, "h5", 5);
  ASSERT_EQ(real5.size(), 64u);
  ASSERT_EQ(forged5.size(), 64u);
  ASSERT_NE(real5, forged5);
  EXPECT_EQ(block_hash(v, "h5", 4), block_hash(ctl, "h5", 4));
  EXPECT_EQ(get_json(v.http(), "/s/h5/alarms").body["alarms"].size(), 0u);

  // The controller checkpoints its block 5 on both hostchains.
  ASSERT_TRUE(wait_last_commit(ctl, "h5", 5, 15s));
  ASSERT_TRUE(confirm(r));
  ASSERT_TRUE(wait_final(ctl, "h5", 5, 15s));
  ASSERT_TRUE(wait_until(
      [&] { return get_json(v.http(), "/s/h5/alarms").body["alarms"].size() == 2; }, 15s))
      << get_json(v.http(), "/s/h5/alarms").raw << all_finality(v, "h5");

  // One alarm per hostchain, each with the controller-signed proof of the hostchain commit.
  JsonReply alarms = get_json(v.http(), "/s/h5/alarms");
  EXPECT_FALSE(alarms.body["applying"].get<bool>());
  std::set<std::string> txs;
  for (const auto& a : alarms.body["alarms"]) {
    EXPECT_EQ(a["kind"], "hostchain_mismatch");
    EXPECT_EQ(a["index"], 5);
    ASSERT_EQ(a["hashes"].size(), 2u);
    EXPECT_EQ(a["hashes"][0], real5);    // what the hostchain holds
    EXPECT_EQ(a["hashes"][1], forged5);  // what this node has
    auto bytes = codec::hex_decode(a["proof"].get<std::string>());
    ASSERT_TRUE(bytes.ok());
    auto proof =
        dev_controller::decode_checkpoint_proof(*bytes, dev_controller::kCheckpointProofDomain);
    ASSERT_TRUE(proof.ok()) << proof.error().to_string();
    EXPECT_TRUE(proof->verify(dev_controller::kCheckpointProofDomain, ctl_key->public_key()));
    EXPECT_EQ(proof->index, 5u);
    EXPECT_EQ(codec::hex_encode(proof->hash), real5);
    const std::string name = proof->hostchain.type == "bitcoin" ? "ltc" : "eth";
    EXPECT_EQ(proof->tx, finality(ctl, "h5", name)["final_tx"]) << name;
    EXPECT_NE(a["note"].get<std::string>().find(proof->tx), std::string::npos) << a;
    txs.insert(proof->hostchain.type);
  }
  EXPECT_EQ(txs, (std::set<std::string>{"bitcoin", "evm"}));
  for (const auto& name : kHostchains) {
    json j = finality(v, "h5", name);
    EXPECT_FALSE(j["matches_local"].get<bool>()) << j;
    EXPECT_EQ(j["final_index"], 0) << j;
  }

  // The forged history goes on (block 6 on top of the forged 5): stored, never applied.
  ASSERT_TRUE(push_blocks(r, ctl, nonce, 1));
  // (The verification thread may be waiting for the next block when the alarm is raised: it
  // must look at the alarm again when block 6 wakes it.)
  evil.serve_up_to(6);
  EXPECT_TRUE(wait_until([&] { return get_symbiote(v.http(), "h5").stored_height == 6; }, 5s));
  EXPECT_EQ(get_symbiote(v.http(), "h5").height, 5u);
  EXPECT_EQ(get_symbiote(ctl.http(), "h5").height, 6u);
  // Durable: after a restart the follower still holds both alarms and does not apply.
  ASSERT_TRUE(v.restart());
  EXPECT_EQ(get_json(v.http(), "/s/h5/alarms").body["alarms"].size(), 2u);
  EXPECT_EQ(get_symbiote(v.http(), "h5").height, 5u);
}

}  // namespace
}  // namespace klyn::itest
