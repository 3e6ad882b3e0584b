// Keccak-256, RLP, secp256k1 keys and EIP-155 signing against published vectors.
#include <gtest/gtest.h>

#include "codec/hex.h"
#include "hostchains/evm/keccak.h"
#include "hostchains/evm/rlp.h"
#include "hostchains/evm/secp256k1_key.h"
#include "hostchains/evm/transaction.h"

namespace klyn::hostchains::evm {
namespace {

std::string hex(ByteSpan b) {
  return codec::hex_encode(b);
}
Bytes str(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(Keccak256, KnownVectors) {
  EXPECT_EQ(hex(keccak256({})), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(hex(keccak256(as_bytes("abc"))),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // Not SHA3-256 (whose digest of "" is a7ffc6f8…).
  EXPECT_NE(hex(keccak256({})).substr(0, 8), "a7ffc6f8");
  // Ethereum's well-known ERC-20 selector: keccak("transfer(address,uint256)")[0..4].
  EXPECT_EQ(hex(keccak256(as_bytes("transfer(address,uint256)"))).substr(0, 8), "a9059cbb");
}

// The examples of the Ethereum wiki's RLP page.
TEST(Rlp, WikiExamples) {
  EXPECT_EQ(hex(rlp_string(str("dog"))), "83646f67");
  EXPECT_EQ(hex(rlp_list({rlp_string(str("cat")), rlp_string(str("dog"))})), "c88363617483646f67");
  EXPECT_EQ(hex(rlp_string({})), "80");
  EXPECT_EQ(hex(rlp_list({})), "c0");
  EXPECT_EQ(hex(rlp_uint(0)), "80");
  EXPECT_EQ(hex(rlp_string(Bytes{0x00})), "00");
  EXPECT_EQ(hex(rlp_string(Bytes{0x0f})), "0f");
  EXPECT_EQ(hex(rlp_uint(15)), "0f");
  EXPECT_EQ(hex(rlp_uint(1024)), "820400");
  EXPECT_EQ(hex(rlp_uint(0x7f)), "7f");
  EXPECT_EQ(hex(rlp_uint(0x80)), "8180");
  // The set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ].
  const Bytes empty = rlp_list({});
  const Bytes one = rlp_list({empty});
  EXPECT_EQ(hex(rlp_list({empty, one, rlp_list({empty, one})})), "c7c0c1c0c3c0c1c0");
  // A 56-byte string needs a long-form length prefix.
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  ASSERT_EQ(lorem.size(), 56u);
  EXPECT_EQ(hex(rlp_string(str(lorem))), "b838" + hex(as_bytes(lorem)));
  // A list of more than 55 payload bytes, and a string of 1024 bytes (two length bytes).
  const Bytes long_list = rlp_list({rlp_string(str(lorem))});
  EXPECT_EQ(hex(long_list).substr(0, 4), "f83a");
  EXPECT_EQ(hex(rlp_string(Bytes(1024, 0xaa))).substr(0, 6), "b90400");
}

TEST(Rlp, BigEndianMinimal) {
  EXPECT_TRUE(big_endian_minimal(0).empty());
  EXPECT_EQ(hex(big_endian_minimal(1)), "01");
  EXPECT_EQ(hex(big_endian_minimal(0x0100)), "0100");
  EXPECT_EQ(hex(big_endian_minimal(UINT64_MAX)), "ffffffffffffffff");
}

TEST(PrivateKey, AddressesOfKnownKeys) {
  auto k =
      PrivateKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  EXPECT_EQ(address_hex(k->address()), "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
  // ganache --wallet.deterministic, account 0 (also without 0x, with a trailing newline).
  auto g =
      PrivateKey::from_hex("4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d\n");
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(address_hex(g->address()), "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1");
}

TEST(PrivateKey, RejectsBadKeys) {
  EXPECT_EQ(PrivateKey::from_hex("").error().code, "bad_key");
  EXPECT_EQ(PrivateKey::from_hex("0x1234").error().code, "bad_key");
  EXPECT_EQ(PrivateKey::from_hex(std::string(64, 'g')).error().code, "bad_key");
  EXPECT_EQ(PrivateKey::from_hex(std::string(64, '0')).error().code, "bad_key");  // zero
  // The group order n itself is not a key.
  EXPECT_EQ(PrivateKey::from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
                .error()
                .code,
            "bad_key");
}

TEST(PrivateKey, MovedFromKeyIsWiped) {
  auto k =
      PrivateKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
  ASSERT_TRUE(k.ok());
  PrivateKey moved = std::move(*k);
  EXPECT_EQ(address_hex(moved.address()), "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f");
}

// The example of EIP-155 itself.
TEST(Eip155, SpecificationExample) {
  auto key =
      PrivateKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
  ASSERT_TRUE(key.ok());
  LegacyTransaction tx;
  tx.nonce = 9;
  tx.gas_price = 20000000000;
  tx.gas = 21000;
  tx.to = parse_address("0x3535353535353535353535353535353535353535").value();
  tx.value = 1000000000000000000;
  const SignedTransaction s = sign_legacy_eip155(tx, 1, *key);
  EXPECT_EQ(hex(s.raw),
            "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
            "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f"
            "761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
  EXPECT_EQ(s.hash, keccak256(s.raw));
}

TEST(Eip155, ContractCreationAddress) {
  const Address sender = parse_address("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0").value();
  EXPECT_EQ(address_hex(contract_address(sender, 0)), "0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d");
  EXPECT_EQ(address_hex(contract_address(sender, 1)), "0x343c43a37d37dff08ae8c4a11544c718abb4fcf8");
}

TEST(Address, ParseAndFormat) {
  auto a = parse_address("0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(address_hex(*a), "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1");
  EXPECT_EQ(parse_address("90f8bf6a479f320ead074411a4b0e7944ea8c9c1").error().code, "bad_address");
  EXPECT_EQ(parse_address("0x90f8").error().code, "bad_address");
  EXPECT_EQ(parse_address("0xzzf8bf6a479f320ead074411a4b0e7944ea8c9c1").error().code,
            "bad_address");
}

}  // namespace
}  // namespace klyn::hostchains::evm
