// The [hostchains.<name>] table of an evm hostchain: every key checked, errors named by key,
// no network I/O in the factory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <toml++/toml.h>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "hostchains/evm/evm_connector.h"

namespace klyn::hostchains::evm {
namespace {

constexpr const char* kContract = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

class EvmSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir = std::filesystem::temp_directory_path() /
               ("klyn-evm-settings-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(data_dir / "KEYS");
    write_key("KEYS/evm.key", 0600);
    spec.name = "eth";
    spec.ref = {"evm", "1337", kContract};
    spec.data_dir = data_dir;
  }
  void TearDown() override { std::filesystem::remove_all(data_dir); }

  void write_key(const std::string& rel, mode_t mode) {
    const auto p = data_dir / rel;
    std::ofstream(p) << "0x4646464646464646464646464646464646464646464646464646464646464646\n";
    ::chmod(p.c_str(), mode);
  }

  // Runs the factory on `text`; returns the connector and the config errors (after finish()).
  std::pair<std::unique_ptr<Connector>, std::string> build(const std::string& text) {
    table = toml::parse(text);
    core::ConfigReader cfg(table, "CONFIGS/symbiotes/a.toml", "hostchains.eth");
    auto c = factory()(spec, cfg);
    return {std::move(c), cfg.finish().to_string()};
  }

  std::filesystem::path data_dir;
  ConnectorSpec spec;
  toml::table table;
};

TEST_F(EvmSettingsTest, BuildsFromAFullTableWithoutTouchingTheNetwork) {
  const auto start = std::chrono::steady_clock::now();
  auto [c, errors] = build(R"(type = "evm"
network = "1337"
confirmations = 3
address = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
rpc_url = "http://127.0.0.1:1"
private_key_file = "KEYS/evm.key"
gas_price_multiplier = 1.5
max_gas_price_gwei = 200
gas_limit = 100000
start_block = 12
logs_block_range = 1000
reorg_depth = 64
timeout = "3s"
)");
  ASSERT_TRUE(c) << errors;
  EXPECT_EQ(errors, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  auto* evm = dynamic_cast<EvmConnector*>(c.get());
  ASSERT_NE(evm, nullptr);
  EXPECT_EQ(evm->type(), "evm");
  ASSERT_TRUE(evm->committer());
  EXPECT_EQ(address_hex(*evm->committer()), "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
  const EvmSettings& s = evm->settings();
  EXPECT_EQ(s.chain_id, 1337u);
  EXPECT_EQ(address_hex(s.contract), "0x5fbdb2315678afecb367f032d93f642f64180aa3");
  EXPECT_EQ(s.common.confirmations, 3u);
  EXPECT_EQ(s.private_key_file, data_dir / "KEYS/evm.key");
  EXPECT_DOUBLE_EQ(s.fees.gas_price_multiplier, 1.5);
  EXPECT_EQ(s.fees.max_gas_price_wei, 200000000000u);
  EXPECT_EQ(s.gas_limit, 100000u);
  EXPECT_EQ(s.start_block, 12u);
  EXPECT_EQ(s.logs_block_range, 1000u);
  EXPECT_EQ(s.reorg_depth, 64u);
  EXPECT_EQ(s.timeout, std::chrono::seconds(3));
}

TEST_F(EvmSettingsTest, WithoutAKeyOnlyReads) {
  auto [c, errors] = build(R"(type = "evm"
network = "1337"
rpc_url = "http://127.0.0.1:1"
)");
  ASSERT_TRUE(c) << errors;
  auto* evm = dynamic_cast<EvmConnector*>(c.get());
  EXPECT_FALSE(evm->committer());
  auto r = c->commit({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unauthorized");
  EXPECT_EQ(c->balance().error().code, "unauthorized");
}

TEST_F(EvmSettingsTest, StoppedRefusesCommits) {
  auto [c, errors] = build(R"(type = "evm"
network = "1337"
rpc_url = "http://127.0.0.1:1"
private_key_file = "KEYS/evm.key"
stopped = true
)");
  ASSERT_TRUE(c) << errors;
  EXPECT_EQ(c->commit({}).error().code, "stopped");
}

TEST_F(EvmSettingsTest, ReportsEveryBadKeyByName) {
  struct Case {
    std::string table;
    std::string expected;  // a part of the message
  };
  const std::string base = "type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"http://127.0.0.1:1\"\n";
  const std::vector<Case> cases = {
      {"type = \"evm\"\nnetwork = \"1337\"\n", "hostchains.eth.rpc_url"},
      {base + "rpc_urll = \"x\"\n", "hostchains.eth.rpc_urll"},
      {"type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"ftp://x\"\n", "hostchains.eth.rpc_url"},
      {base + "private_key_file = \"KEYS/none.key\"\n", "hostchains.eth.private_key_file"},
      {base + "gas_price_multiplier = 0.5\n", "hostchains.eth.gas_price_multiplier"},
      {base + "gas_limit = 100\n", "hostchains.eth.gas_limit"},
      {base + "logs_block_range = 0\n", "hostchains.eth.logs_block_range"},
      {base + "timeout = \"forever\"\n", "hostchains.eth.timeout"},
      {base + "address = \"0x0000000000000000000000000000000000000001\"\n",
       "is not the manifest's contract address"},
  };
  for (const auto& c : cases) {
    auto [conn, errors] = build(c.table);
    EXPECT_NE(errors.find(c.expected), std::string::npos) << c.table << "\n→ " << errors;
    EXPECT_NE(errors.find("CONFIGS/symbiotes/a.toml"), std::string::npos) << errors;
  }
}

TEST_F(EvmSettingsTest, NetworkMustBeTheManifestsDecimalChainId) {
  spec.ref.network = "mainnet";
  auto [c, errors] = build("type = \"evm\"\nnetwork = \"mainnet\"\nrpc_url = \"http://h:1\"\n");
  EXPECT_FALSE(c);
  EXPECT_NE(errors.find("hostchains.eth.network: must be the decimal EVM chain id"),
            std::string::npos)
      << errors;

  spec.ref.network = "1337";
  auto [c2, errors2] = build("type = \"evm\"\nnetwork = \"1\"\nrpc_url = \"http://h:1\"\n");
  EXPECT_FALSE(c2);
  EXPECT_NE(errors2.find("is not the manifest's network \"1337\""), std::string::npos) << errors2;
}

TEST_F(EvmSettingsTest, ManifestNeedsAContractAddress) {
  spec.ref.address = "";
  auto [c, errors] = build("type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"http://h:1\"\n");
  EXPECT_FALSE(c);
  EXPECT_NE(errors.find("Checkpoints contract address"), std::string::npos) << errors;
}

TEST_F(EvmSettingsTest, RefusesAWorldReadableKeyFile) {
  write_key("KEYS/open.key", 0644);
  auto [c, errors] = build(
      "type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"http://h:1\"\n"
      "private_key_file = \"KEYS/open.key\"\n");
  EXPECT_FALSE(c);
  EXPECT_NE(errors.find("hostchains.eth.private_key_file"), std::string::npos) << errors;
  EXPECT_NE(errors.find("readable by every user"), std::string::npos) << errors;
}

}  // namespace
}  // namespace klyn::hostchains::evm
