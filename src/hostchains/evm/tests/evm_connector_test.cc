// The evm connector against a real ganache (tools/node_modules, started by the test): deploy,
// commit, check, read back, reorganisation, failures and balances.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <filesystem>
#include <fstream>

#include "codec/hex.h"
#include "hostchains/evm/deploy.h"
#include "hostchains/evm/eth_client.h"
#include "hostchains/evm/evm_connector.h"
#include "hostchains/evm/testing/ganache.h"
#include "hostchains/evm/transaction.h"

namespace klyn::hostchains::evm {
namespace {

using nlohmann::json;
using testing::Ganache;
using State = CommitStatus::State;

// Accounts of ganache --wallet.deterministic, one job each so exact balances and nonces hold
// whatever order the tests run in.
enum Account : size_t {
  kDeployer = 0,
  kCommitter = 1,
  kOther = 2,
  kNonces = 3,
  kBalance = 4,
  kReverts = 5,
  kPending = 6,
  kReorg = 7,
};

chain::SymbioteId symbiote(uint8_t tag) {
  chain::SymbioteId s{};
  s.fill(tag);
  s[0] = 0x5e;
  return s;
}

Checkpoint checkpoint(uint8_t sym_tag, uint64_t index, uint8_t salt = 0) {
  Checkpoint cp;
  cp.symbiote = symbiote(sym_tag);
  cp.index = index;
  cp.hash.fill(static_cast<uint8_t>(index * 7 + salt));
  return cp;
}

class EvmConnectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto g = Ganache::start();
    if (!g) {
      start_error_ = new std::string(g.error().to_string());
      return;
    }
    ganache_ = g->release();
    DeploySettings d;
    d.rpc_url = ganache_->url();
    d.chain_id = ganache_->chain_id();
    d.wait = std::chrono::seconds(30);
    auto key = PrivateKey::from_hex(Ganache::account_keys()[kDeployer]);
    auto dep = deploy_checkpoint_contract(d, *key);
    if (!dep) {
      start_error_ = new std::string("deploy: " + dep.error().to_string());
      return;
    }
    deployment_ = new Deployment(*dep);
  }
  static void TearDownTestSuite() {
    delete ganache_;
    ganache_ = nullptr;
    delete deployment_;
    deployment_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    data_dir_ = std::filesystem::temp_directory_path() /
                ("klyn-evm-it-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(data_dir_);
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  // A connector for `key_hex` ("" = read only) with extra table lines.
  std::unique_ptr<EvmConnector> connector(const std::string& key_hex, const std::string& extra = "",
                                          std::string network = "", std::string address = "") {
    if (network.empty()) network = std::to_string(ganache_->chain_id());
    if (address.empty()) address = deployment_->address;
    std::string text = "type = \"evm\"\nnetwork = \"" + network + "\"\nrpc_url = \"" +
                       ganache_->url() + "\"\nstart_block = " + std::to_string(deployment_->block) +
                       "\ntimeout = \"5s\"\n" + extra;
    if (!key_hex.empty()) {
      const std::string file = "key-" + std::to_string(key_counter_++);
      std::ofstream(data_dir_ / file) << key_hex << "\n";
      ::chmod((data_dir_ / file).c_str(), 0600);
      text += "private_key_file = \"" + file + "\"\n";
    }
    tables_.push_back(std::make_unique<toml::table>(toml::parse(text)));
    core::ConfigReader cfg(*tables_.back(), "CONFIGS/symbiotes/t.toml", "hostchains.eth");
    ConnectorSpec spec;
    spec.name = "eth";
    spec.ref = {"evm", network, address};
    spec.data_dir = data_dir_;
    auto c = factory()(spec, cfg);
    const std::string errors = cfg.finish().to_string();
    EXPECT_TRUE(c) << errors;
    EXPECT_EQ(errors, "");
    return std::unique_ptr<EvmConnector>(static_cast<EvmConnector*>(c.release()));
  }
  std::unique_ptr<EvmConnector> connector_for(Account a, const std::string& extra = "") {
    return connector(Ganache::account_keys()[a], extra);
  }

  std::unique_ptr<EthClient> eth() {
    return std::move(EthClient::create(ganache_->url(), std::chrono::seconds(5)).value());
  }

  static Ganache* ganache_;
  static Deployment* deployment_;
  static std::string* start_error_;
  std::filesystem::path data_dir_;
  int key_counter_ = 0;
  std::vector<std::unique_ptr<toml::table>> tables_;
};

Ganache* EvmConnectorTest::ganache_ = nullptr;
Deployment* EvmConnectorTest::deployment_ = nullptr;
std::string* EvmConnectorTest::start_error_ = nullptr;

TEST_F(EvmConnectorTest, DeploysTheCheckpointsContract) {
  EXPECT_EQ(deployment_->chain_id, 1337u);
  EXPECT_GE(deployment_->block, 1u);
  auto code = eth()->has_code(parse_address(deployment_->address).value());
  ASSERT_TRUE(code.ok()) << code.error().to_string();
  EXPECT_TRUE(*code);

  DeploySettings d;
  d.rpc_url = ganache_->url();
  d.chain_id = 1;
  auto key = PrivateKey::from_hex(Ganache::account_keys()[kDeployer]);
  auto wrong = deploy_checkpoint_contract(d, *key);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "wrong_network");
  EXPECT_NE(wrong.error().reason.find("is chain 1337, expected 1"), std::string::npos)
      << wrong.error().reason;
}

TEST_F(EvmConnectorTest, CommitIsIncludedAndConfirmationsGrowWithBlocks) {
  auto c = connector_for(kCommitter);
  auto tx = c->commit(checkpoint(1, 10));
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  EXPECT_TRUE(parse_hash(*tx).ok()) << *tx;

  auto st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kIncluded);
  EXPECT_EQ(st->confirmations, 1u);  // instamine: the tip block
  EXPECT_TRUE(parse_hash(st->block).ok()) << st->block;

  ASSERT_TRUE(ganache_->mine(3).ok());
  st = c->check(*tx);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, State::kIncluded);
  EXPECT_EQ(st->confirmations, 4u);

  auto found = c->read_commits(symbiote(1), 10);
  ASSERT_TRUE(found.ok()) << found.error().to_string();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].checkpoint, checkpoint(1, 10));
  EXPECT_EQ((*found)[0].tx, *tx);
  EXPECT_EQ((*found)[0].confirmations, 4u);
}

TEST_F(EvmConnectorTest, ReadCommitsReturnsOneSymbiotesCommitsFromAnIndexByAnyone) {
  auto a = connector_for(kCommitter);
  auto b = connector_for(kOther);
  std::vector<std::string> txs;
  for (const auto& [conn, cp] : std::vector<std::pair<EvmConnector*, Checkpoint>>{
           {a.get(), checkpoint(2, 1)},
           {a.get(), checkpoint(2, 2)},
           {a.get(), checkpoint(3, 2)},  // another symbiote
           {b.get(), checkpoint(2, 3, 1)},
           {a.get(), checkpoint(2, 3)},  // the same index again, by someone else
       }) {
    auto tx = conn->commit(cp);
    ASSERT_TRUE(tx.ok()) << tx.error().to_string();
    txs.push_back(*tx);
    ASSERT_TRUE(ganache_->mine(2).ok());  // spread over blocks and windows
  }

  // A reader without a key, scanning in small windows.
  auto reader = connector("", "logs_block_range = 3\n");
  auto found = reader->read_commits(symbiote(2), 2);
  ASSERT_TRUE(found.ok()) << found.error().to_string();
  ASSERT_EQ(found->size(), 3u);
  EXPECT_EQ((*found)[0].checkpoint, checkpoint(2, 2));
  EXPECT_EQ((*found)[0].tx, txs[1]);
  EXPECT_EQ((*found)[1].checkpoint, checkpoint(2, 3, 1));
  EXPECT_EQ((*found)[1].tx, txs[3]);
  EXPECT_EQ((*found)[2].checkpoint, checkpoint(2, 3));
  EXPECT_EQ((*found)[2].tx, txs[4]);
  EXPECT_EQ((*found)[2].confirmations, 3u);  // its block and the 2 mined after it (3 per commit)
  EXPECT_EQ((*found)[1].confirmations, 6u);
  EXPECT_EQ((*found)[0].confirmations, 12u);

  // Again (from the cache plus a re-scan), after more blocks: depths grow, nothing doubles.
  ASSERT_TRUE(ganache_->mine(1).ok());
  auto again = reader->read_commits(symbiote(2), 0);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  ASSERT_EQ(again->size(), 4u);
  EXPECT_EQ((*again)[0].checkpoint, checkpoint(2, 1));
  EXPECT_EQ((*again)[3].confirmations, 4u);

  auto other = reader->read_commits(symbiote(3), 0);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].checkpoint, checkpoint(3, 2));
  auto none = reader->read_commits(symbiote(4), 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(EvmConnectorTest, AReorganisationDropsCommitsThatLeftTheChain) {
  auto c = connector_for(kReorg, "reorg_depth = 16\n");
  auto kept = c->commit(checkpoint(5, 1));
  ASSERT_TRUE(kept.ok()) << kept.error().to_string();
  auto snapshot = ganache_->rpc("evm_snapshot");
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().to_string();
  auto dropped = c->commit(checkpoint(5, 2));
  ASSERT_TRUE(dropped.ok()) << dropped.error().to_string();
  auto before = c->read_commits(symbiote(5), 0);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 2u);

  // evm_revert throws the blocks after the snapshot away; mining again builds other blocks at
  // the same heights.
  auto reverted = ganache_->rpc("evm_revert", json::array({*snapshot}));
  ASSERT_TRUE(reverted.ok() && *reverted == true) << (reverted ? reverted->dump() : "");
  ASSERT_TRUE(ganache_->mine(2).ok());
  auto after = c->read_commits(symbiote(5), 0);
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].tx, *kept);
  EXPECT_EQ((*after)[0].confirmations, 3u);

  // The dropped transaction is unknown now, and the connector's nonce follows the chain again.
  auto st = c->check(*dropped);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kUnknown);
  auto redo = c->commit(checkpoint(5, 2));
  ASSERT_TRUE(redo.ok()) << redo.error().to_string();
  auto redo_st = c->check(*redo);
  ASSERT_TRUE(redo_st.ok());
  EXPECT_EQ(redo_st->state, State::kIncluded);
  auto last = c->read_commits(symbiote(5), 2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].tx, *redo);
}

TEST_F(EvmConnectorTest, TracksNoncesAcrossQuickCommits) {
  auto c = connector_for(kNonces);
  const Address addr = *c->committer();
  auto start = eth()->pending_nonce(addr);
  ASSERT_TRUE(start.ok());
  std::vector<std::string> txs;
  for (uint64_t i = 0; i < 6; ++i) {
    auto tx = c->commit(checkpoint(6, i));
    ASSERT_TRUE(tx.ok()) << i << ": " << tx.error().to_string();
    txs.push_back(*tx);
  }
  for (const auto& tx : txs) {
    auto st = c->check(tx);
    ASSERT_TRUE(st.ok());
    EXPECT_EQ(st->state, State::kIncluded) << tx;
  }
  auto end = eth()->pending_nonce(addr);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, *start + 6);

  // Another user of the same key takes the next nonce: the connector's next commit is refused
  // by the node, and the one after it reads the nonce again and goes through.
  auto twin = connector_for(kNonces);
  ASSERT_TRUE(twin->commit(checkpoint(6, 100)).ok());
  auto refused = c->commit(checkpoint(6, 101));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "rpc_error") << refused.error().to_string();
  auto again = c->commit(checkpoint(6, 101));
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  auto found = c->read_commits(symbiote(6), 0);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 8u);
}

TEST_F(EvmConnectorTest, BalanceIsExactWei) {
  auto c = connector_for(kBalance);
  auto b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->unit, "wei");
  EXPECT_EQ(b->amount, Ganache::kInitialBalanceWei);

  auto tx = c->commit(checkpoint(7, 1));
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  auto receipt = ganache_->rpc("eth_getTransactionReceipt", json::array({*tx}));
  ASSERT_TRUE(receipt.ok());
  const uint64_t gas_used = parse_quantity((*receipt)["gasUsed"].get<std::string>()).value();
  const uint64_t price = parse_quantity((*receipt)["effectiveGasPrice"].get<std::string>()).value();
  unsigned __int128 expected = 1000;
  for (int i = 0; i < 18; ++i) expected *= 10;
  expected -= static_cast<unsigned __int128>(gas_used) * price;
  std::string digits;
  for (; expected > 0; expected /= 10)
    digits.insert(digits.begin(), char('0' + int(expected % 10)));
  auto after = c->balance();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->amount, digits);
}

TEST_F(EvmConnectorTest, AnEmptyAccountHasInsufficientFunds) {
  auto c = connector("0x1111111111111111111111111111111111111111111111111111111111111111");
  auto b = c->balance();
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->amount, "0");
  auto tx = c->commit(checkpoint(8, 1));
  ASSERT_FALSE(tx.ok());
  EXPECT_EQ(tx.error().code, "insufficient_funds") << tx.error().to_string();
}

TEST_F(EvmConnectorTest, ARevertedCommitIsFailed) {
  // Too little gas for the event: the node mines the transaction, which fails (status 0).
  auto c = connector_for(kReverts, "gas_limit = 23000\n");
  auto tx = c->commit(checkpoint(9, 1));
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  auto st = c->check(*tx);
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kFailed);
  EXPECT_EQ(st->confirmations, 1u);
  auto found = c->read_commits(symbiote(9), 0);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());

  // A contract that always reverts: runtime 60006000fd (REVERT(0, 0)).
  auto key = PrivateKey::from_hex(Ganache::account_keys()[kReverts]).value();
  auto client = eth();
  LegacyTransaction create;
  create.nonce = client->pending_nonce(key.address()).value();
  create.gas_price = client->gas_price().value();
  create.gas = 100000;
  create.data = codec::hex_decode("6460006000fd6000526005601bf3").value();
  ASSERT_TRUE(client->send_raw_transaction(sign_legacy_eip155(create, 1337, key).raw).ok());
  const std::string reverter = address_hex(contract_address(key.address(), create.nonce));

  // Estimating says no: the commit is refused before anything is sent.
  auto estimating = connector(Ganache::account_keys()[kReverts], "", "", reverter);
  auto refused = estimating->commit(checkpoint(9, 2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "rpc_error");
  EXPECT_NE(refused.error().reason.find("revert"), std::string::npos) << refused.error().reason;
  // With a fixed gas limit it is sent, mined and failed.
  auto fixed = connector(Ganache::account_keys()[kReverts], "gas_limit = 60000\n", "", reverter);
  auto tx2 = fixed->commit(checkpoint(9, 3));
  ASSERT_TRUE(tx2.ok()) << tx2.error().to_string();
  auto st2 = fixed->check(*tx2);
  ASSERT_TRUE(st2.ok());
  EXPECT_EQ(st2->state, State::kFailed);
}

TEST_F(EvmConnectorTest, CheckSaysPendingThenIncluded) {
  auto c = connector_for(kPending);
  ASSERT_TRUE(ganache_->rpc("miner_stop").ok());
  auto tx = c->commit(checkpoint(10, 1));
  auto st = tx ? c->check(*tx) : Result<CommitStatus>(tx.error());
  ASSERT_TRUE(ganache_->rpc("miner_start").ok());
  ASSERT_TRUE(tx.ok()) << tx.error().to_string();
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kPending);
  EXPECT_EQ(st->confirmations, 0u);
  EXPECT_EQ(st->block, "");

  // miner_start mines what is waiting.
  auto later = c->check(*tx);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->state, State::kIncluded);
}

TEST_F(EvmConnectorTest, UnknownAndMalformedTransactions) {
  auto c = connector("");
  auto st = c->check("0x" + std::string(64, '7'));
  ASSERT_TRUE(st.ok()) << st.error().to_string();
  EXPECT_EQ(st->state, State::kUnknown);
  auto bad = c->check("0x1234");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "not_found");
}

TEST_F(EvmConnectorTest, AWrongChainIdIsAClearError) {
  auto c = connector(Ganache::account_keys()[kCommitter], "", "5");
  for (const Error& e :
       {c->commit(checkpoint(11, 1)).error(), c->read_commits(symbiote(11), 0).error(),
        c->balance().error(), c->check("0x" + std::string(64, '7')).error()}) {
    EXPECT_EQ(e.code, "wrong_network");
    EXPECT_NE(e.reason.find("is chain 1337 (eth_chainId), but hostchains.eth.network is \"5\""),
              std::string::npos)
        << e.reason;
  }
}

TEST_F(EvmConnectorTest, NoContractAtTheAddressIsNotFound) {
  auto c = connector(Ganache::account_keys()[kCommitter], "", "",
                     "0x00000000000000000000000000000000000000ee");
  auto r = c->read_commits(symbiote(12), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "not_found");
  EXPECT_NE(r.error().reason.find("no contract at 0x00000000000000000000000000000000000000ee"),
            std::string::npos)
      << r.error().reason;
  EXPECT_EQ(c->commit(checkpoint(12, 1)).error().code, "not_found");
}

TEST_F(EvmConnectorTest, AnUnreachableNodeIsUnreachable) {
  // A port where nothing listens: connection refused at once.
  const std::string text =
      "type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"http://127.0.0.1:9\"\ntimeout = \"2s\"\n";
  auto t = toml::parse(text);
  core::ConfigReader cfg(t, "t.toml", "hostchains.eth");
  ConnectorSpec spec;
  spec.name = "eth";
  spec.ref = {"evm", "1337", deployment_->address};
  auto c = factory()(spec, cfg);
  ASSERT_TRUE(c);
  for (const Error& e : {c->commit(checkpoint(13, 1)).error(),
                         c->check(std::string("0x") + std::string(64, '1')).error(),
                         c->read_commits(symbiote(13), 0).error()}) {
    // commit without a key is "unauthorized" before any I/O; the others reach for the node.
    if (e.code == "unauthorized") continue;
    EXPECT_EQ(e.code, "unreachable") << e.to_string();
  }
  // Same node settings but a dead URL, with a key: commit and balance are unreachable too.
  const std::string dead_text =
      "type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"http://127.0.0.1:9\"\n"
      "private_key_file = \"dead.key\"\n";
  std::ofstream(data_dir_ / "dead.key") << Ganache::account_keys()[kCommitter];
  ::chmod((data_dir_ / "dead.key").c_str(), 0600);
  auto t2 = toml::parse(dead_text);
  core::ConfigReader cfg2(t2, "t.toml", "hostchains.eth");
  spec.data_dir = data_dir_;
  auto dead = factory()(spec, cfg2);
  ASSERT_TRUE(dead) << cfg2.finish().to_string();
  EXPECT_EQ(dead->commit(checkpoint(13, 1)).error().code, "unreachable");
  EXPECT_EQ(dead->balance().error().code, "unreachable");
}

// The harness itself: what later integration tests rely on.
TEST(GanacheHarness, StartsWithTheDeterministicAccountsAndStopsOnDestruction) {
  testing::GanacheOptions options;
  options.chain_id = 31337;
  auto g = Ganache::start(options);
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ((*g)->chain_id(), 31337u);
  EXPECT_EQ((*g)->url(), "http://127.0.0.1:" + std::to_string((*g)->port()));
  auto accounts = (*g)->rpc("eth_accounts");
  ASSERT_TRUE(accounts.ok() && accounts->is_array()) << (accounts ? accounts->dump() : "");
  ASSERT_EQ(accounts->size(), Ganache::account_keys().size());
  for (size_t i = 0; i < accounts->size(); ++i) {
    auto key = PrivateKey::from_hex(Ganache::account_keys()[i]);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(address_hex(key->address()), (*accounts)[i].get<std::string>()) << i;
  }
  auto chain = EthClient::create((*g)->url(), std::chrono::seconds(5)).value()->chain_id();
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(*chain, 31337u);
  const pid_t pid = (*g)->pid();
  ASSERT_GT(pid, 0);
  g->reset();
  EXPECT_NE(::kill(pid, 0), 0);  // gone (and reaped)
}

TEST(GanacheHarness, WithoutToolsItFailsAndSaysWhatToRun) {
  testing::GanacheOptions options;
  options.tools_dir = "/nonexistent/tools";
  auto g = Ganache::start(options);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().reason.find("run scripts/install-deps.sh"), std::string::npos)
      << g.error().to_string();
}

}  // namespace
}  // namespace klyn::hostchains::evm
