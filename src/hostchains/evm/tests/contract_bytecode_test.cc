// The committed checkpoints_contract.h is what the pinned solc makes of Checkpoints.sol.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

TEST(CheckpointsContract, CommittedBytecodeMatchesTheSource) {
  const std::filesystem::path repo = KLYN_SOURCE_DIR;
  ASSERT_TRUE(std::filesystem::exists(repo / "tools/node_modules/solc"))
      << (repo / "tools/node_modules/solc").string() << " not found: run scripts/install-deps.sh";
  const std::string cmd =
      "node '" + (repo / "src/hostchains/evm/contract/compile.js").string() + "' --check 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 512> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("up to date"), std::string::npos) << out;
}

}  // namespace
