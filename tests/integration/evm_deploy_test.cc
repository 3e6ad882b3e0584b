// `klyn74r hostchain deploy evm` against a real ganache (started here): the contract is deployed,
// the printed address has code at the printed block, and a wrong chain id or a key file others
// can read is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "hostchains/evm/testing/ganache.h"
#include "node_process.h"

namespace klyn::itest {
namespace {

using hostchains::evm::testing::Ganache;

std::filesystem::path key_file(const std::filesystem::path& dir, const std::string& key,
                               mode_t mode) {
  auto p = dir / "deployer.key";
  std::ofstream(p) << key << "\n";
  ::chmod(p.c_str(), mode);
  return p;
}

TEST(EvmDeploy, DeploysTheCheckpointContractAndPrintsAddressTxBlock) {
  auto g = Ganache::start();
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  NodeProcess scratch("evm-deploy");  // only for its temporary directory
  auto kf = key_file(scratch.temp_dir(), Ganache::account_keys()[3], 0600);
  auto r = run_klyn74r({"hostchain", "deploy", "evm", "--rpc-url", (*g)->url(), "--key-file",
                        kf.string(), "--chain-id", std::to_string((*g)->chain_id()), "--json"});
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.output;
  const std::string address = j["address"].get<std::string>();
  EXPECT_EQ(address.size(), 42u);
  EXPECT_EQ(j["chain_id"], (*g)->chain_id());
  EXPECT_GE(j["block"].get<uint64_t>(), 1u);
  auto code = (*g)->rpc("eth_getCode", {address, "latest"});
  ASSERT_TRUE(code.ok()) << code.error().to_string();
  EXPECT_GT(code->get<std::string>().size(), 10u);
  auto receipt = (*g)->rpc("eth_getTransactionReceipt", {j["tx"]});
  ASSERT_TRUE(receipt.ok());
  EXPECT_EQ((*receipt)["contractAddress"], address);

  auto wrong = run_klyn74r({"hostchain", "deploy", "evm", "--rpc-url", (*g)->url(), "--key-file",
                            kf.string(), "--chain-id", "1"});
  EXPECT_FALSE(wrong.exited_with(0)) << wrong.describe();
  EXPECT_NE(wrong.output.find("wrong_network"), std::string::npos) << wrong.output;

  auto open_kf = key_file(scratch.temp_dir(), Ganache::account_keys()[3], 0644);
  auto refused = run_klyn74r(
      {"hostchain", "deploy", "evm", "--rpc-url", (*g)->url(), "--key-file", open_kf.string()});
  EXPECT_TRUE(refused.exited_with(2)) << refused.describe();
  EXPECT_NE(refused.output.find("--key-file"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace klyn::itest
