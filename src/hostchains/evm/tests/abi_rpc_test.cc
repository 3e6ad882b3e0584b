// The Checkpoints ABI, JSON-RPC quantities and the private key file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "codec/hex.h"
#include "hostchains/evm/checkpoint_abi.h"
#include "hostchains/evm/checkpoints_contract.h"
#include "hostchains/evm/eth_client.h"
#include "hostchains/evm/keccak.h"

namespace klyn::hostchains::evm {
namespace {

std::string hex(ByteSpan b) {
  return codec::hex_encode(b);
}

TEST(CheckpointAbi, SelectorAndTopicMatchTheCompiledContract) {
  // The selector compile.js took from solc equals keccak of the signature (cross-checks keccak).
  EXPECT_EQ(hex(keccak256(as_bytes(contract::kCommitSignature))).substr(0, 8),
            contract::kCommitSelector);
  // The bytecode pushes the event topic (PUSH32 topic) before LOG3.
  EXPECT_NE(contract::kCheckpointsBytecode.find("7f" + hex(checkpoint_event_topic())),
            std::string_view::npos);
}

TEST(CheckpointAbi, EncodesCommitCall) {
  Checkpoint cp;
  cp.symbiote.fill(0x11);
  cp.index = 0x0102;
  cp.hash.fill(0x22);
  const Bytes data = encode_commit_call(cp);
  ASSERT_EQ(data.size(), 4u + 3 * 32);
  EXPECT_EQ(hex(data), std::string(contract::kCommitSelector) + std::string(64, '1') +
                           std::string(60, '0') + "0102" + std::string(64, '2'));
}

TEST(CheckpointAbi, DecodesLogsAndRejectsOthers) {
  Hash32 sym{};
  sym.fill(0xab);
  Hash32 hash{};
  hash.fill(0xcd);
  Bytes data(hash.begin(), hash.end());
  Bytes committer(32, 0);
  committer[31] = 0x42;
  data.insert(data.end(), committer.begin(), committer.end());
  std::vector<Hash32> topics = {checkpoint_event_topic(), sym, abi_word(7)};

  auto log = decode_checkpoint_log(topics, data);
  ASSERT_TRUE(log.ok()) << log.error().to_string();
  EXPECT_EQ(log->checkpoint.symbiote, sym);
  EXPECT_EQ(log->checkpoint.index, 7u);
  EXPECT_EQ(log->checkpoint.hash, hash);
  EXPECT_EQ(log->committer[19], 0x42);

  auto wrong_topic = topics;
  wrong_topic[0][0] ^= 1;
  EXPECT_FALSE(decode_checkpoint_log(wrong_topic, data).ok());
  EXPECT_FALSE(decode_checkpoint_log({topics[0], topics[1]}, data).ok());
  EXPECT_FALSE(decode_checkpoint_log(topics, ByteSpan(data).first(63)).ok());
  auto huge_index = topics;
  huge_index[2][0] = 1;
  EXPECT_FALSE(decode_checkpoint_log(huge_index, data).ok());
  auto dirty = data;
  dirty[32] = 1;
  EXPECT_FALSE(decode_checkpoint_log(topics, dirty).ok());
}

TEST(Quantity, ParsesAndFormats) {
  EXPECT_EQ(parse_quantity("0x0").value(), 0u);
  EXPECT_EQ(parse_quantity("0x1a").value(), 26u);
  EXPECT_EQ(parse_quantity("0xFFFFFFFFFFFFFFFF").value(), UINT64_MAX);
  EXPECT_EQ(parse_quantity("0x00000000000000000001").value(), 1u);  // leading zeros are fine
  for (const char* bad : {"", "0x", "1a", "0xg", "0x10000000000000000", " 0x1"})
    EXPECT_FALSE(parse_quantity(bad).ok()) << bad;
  EXPECT_EQ(to_quantity(0), "0x0");
  EXPECT_EQ(to_quantity(26), "0x1a");
  EXPECT_EQ(to_quantity(UINT64_MAX), "0xffffffffffffffff");
}

TEST(Quantity, ConvertsUpTo256BitsToDecimal) {
  EXPECT_EQ(quantity_to_decimal("0x0").value(), "0");
  EXPECT_EQ(quantity_to_decimal("0x3b9aca00").value(), "1000000000");
  EXPECT_EQ(quantity_to_decimal("0x3635c9adc5dea00000").value(), "1000000000000000000000");
  EXPECT_EQ(quantity_to_decimal("0x" + std::string(64, 'f')).value(),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935");
  EXPECT_FALSE(quantity_to_decimal("0x1" + std::string(64, '0')).ok());
  EXPECT_FALSE(quantity_to_decimal("12").ok());
}

TEST(Quantity, ParsesHashes) {
  EXPECT_TRUE(parse_hash("0x" + std::string(64, 'a')).ok());
  EXPECT_FALSE(parse_hash(std::string(64, 'a')).ok());
  EXPECT_FALSE(parse_hash("0x" + std::string(63, 'a')).ok());
  EXPECT_FALSE(parse_hash("0x" + std::string(64, 'z')).ok());
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("klyn-evm-key-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path write(const std::string& name, const std::string& text, mode_t mode) {
    auto p = dir / name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::filesystem::path dir;
};

TEST_F(KeyFileTest, ReadsAPrivateFile) {
  auto p = write("k", "0x4646464646464646464646464646464646464646464646464646464646464646\n", 0600);
  auto k = read_private_key_file(p);
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  EXPECT_EQ(address_hex(k->address()), "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
}

TEST_F(KeyFileTest, RefusesWorldReadableMissingAndBadFiles) {
  auto p = write("k", "4646464646464646464646464646464646464646464646464646464646464646", 0644);
  auto k = read_private_key_file(p);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, "bad_key_file");
  EXPECT_NE(k.error().reason.find("readable by every user (mode 0644)"), std::string::npos)
      << k.error().reason;
  EXPECT_NE(k.error().reason.find("chmod 600"), std::string::npos);

  auto missing = read_private_key_file(dir / "none");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().reason.find("No such file"), std::string::npos);

  auto junk = read_private_key_file(write("j", "hello", 0600));
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().reason.find("64 hex digits"), std::string::npos) << junk.error().reason;
  EXPECT_FALSE(read_private_key_file(write("big", std::string(5000, 'a'), 0600)).ok());
  EXPECT_FALSE(read_private_key_file(dir).ok());
}

}  // namespace
}  // namespace klyn::hostchains::evm
