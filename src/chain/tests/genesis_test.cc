#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chain/genesis.h"
#include "chain/tests/test_util.h"
#include "codec/hex.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;
using klyn::chain::testing::small_genesis;

TEST(Genesis, JsonRoundTripKeepsId) {
  Genesis g = small_genesis();
  auto back = genesis_from_json(genesis_to_json(g));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, g);
  EXPECT_EQ(back->id(), g.id());
  auto bin = decode_genesis(g.encode());
  ASSERT_TRUE(bin.ok()) << bin.error().to_string();
  EXPECT_EQ(bin->id(), g.id());
}

TEST(Genesis, AnyChangeChangesId) {
  Genesis g = small_genesis();
  Genesis a = g;
  a.manifest.fee.per_event += 1;
  Genesis b = g;
  b.accounts[0].balance += 1;
  Genesis c = g;
  c.manifest.name = "other";
  EXPECT_NE(a.id(), g.id());
  EXPECT_NE(b.id(), g.id());
  EXPECT_NE(c.id(), g.id());
}

TEST(Genesis, JsonErrorsNameThePath) {
  auto err = [](const std::string& text) {
    auto g = genesis_from_json(text);
    return g ? std::string("ok") : g.error().reason;
  };
  EXPECT_NE(err("{").find("JSON"), std::string::npos);
  EXPECT_NE(err(R"({"accounts": []})").find("manifest: missing"), std::string::npos);
  std::string base = genesis_to_json(small_genesis());
  auto j = nlohmann::json::parse(base);
  j["manifest"]["fee"]["per_event"] = "ten";
  EXPECT_NE(err(j.dump()).find("manifest.fee.per_event"), std::string::npos);
  j = nlohmann::json::parse(base);
  j["manifest"]["typo"] = 1;
  EXPECT_NE(err(j.dump()).find("manifest.typo: unknown key"), std::string::npos);
  j = nlohmann::json::parse(base);
  j["accounts"][1]["address"] = j["accounts"][0]["address"];
  EXPECT_NE(err(j.dump()).find("duplicate"), std::string::npos);
  j = nlohmann::json::parse(base);
  j["accounts"][0]["address"] = "xyz";
  EXPECT_NE(err(j.dump()).find("accounts[0].address"), std::string::npos);
  j = nlohmann::json::parse(base);
  j["manifest"]["fee"]["generator_share_permille"] = 1001;
  EXPECT_NE(err(j.dump()).find("generator_share_permille"), std::string::npos);
}

TEST(Genesis, BinaryDecoderRejectsGarbage) {
  Bytes b = small_genesis().encode();
  b.push_back(1);
  EXPECT_FALSE(decode_genesis(b).ok());
  EXPECT_FALSE(decode_genesis(Bytes{1, 2, 3}).ok());
}

// Found by fuzz_genesis: the binary decoder accepted limits the JSON parser rejects, so a genesis
// received in binary could not be written out as a GENESIS/<alias>.json that loads again.
TEST(Genesis, BinaryAndJsonAcceptTheSameLimits) {
  auto both = [](Genesis g) {
    bool bin = decode_genesis(g.encode()).ok();
    bool json = genesis_from_json(genesis_to_json(g)).ok();
    EXPECT_EQ(bin, json);
    return bin;
  };
  Genesis g = small_genesis();
  g.manifest.unstake_delay = 1'000'000'000;
  EXPECT_TRUE(both(g));
  g.manifest.unstake_delay = 1'000'000'001;
  EXPECT_FALSE(both(g));
  g = small_genesis();
  g.manifest.limits.nonce_window = 1u << 20;
  EXPECT_TRUE(both(g));
  g.manifest.limits.nonce_window = (1u << 20) + 1;
  EXPECT_FALSE(both(g));
  g = small_genesis();
  g.manifest.limits.inclusion_window = 1u << 20;
  EXPECT_TRUE(both(g));
  g.manifest.limits.inclusion_window = (1u << 20) + 1;
  EXPECT_FALSE(both(g));
}

// Found by fuzz_genesis: decode_genesis accepted names that are not UTF-8, which the JSON form
// cannot carry (genesis_to_json threw nlohmann's type_error 316 on them).
TEST(Genesis, StringsMustBeUtf8) {
  Genesis g = small_genesis();
  g.manifest.name = "caf\xc3\xa9 \xf0\x9f\x98\x80";  // valid: U+00E9, U+1F600
  ASSERT_TRUE(decode_genesis(g.encode()).ok());
  EXPECT_TRUE(genesis_from_json(genesis_to_json(g)).ok());
  for (std::string bad :
       {"\x94", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xff"}) {
    g.manifest.name = bad;
    EXPECT_FALSE(decode_genesis(g.encode()).ok()) << "name " << ::testing::PrintToString(bad);
  }
  g = small_genesis();
  g.manifest.hostchains.push_back({"symbiote", "net\x80", ""});
  EXPECT_FALSE(decode_genesis(g.encode()).ok());
}

// Found by fuzz_genesis: with accounts converted while parsing, an "accounts" item that is not an
// object (or a second "accounts" key) was silently ignored instead of being an error.
TEST(Genesis, JsonAccountsMustAllBeObjects) {
  auto err = [](const std::string& text) {
    auto g = genesis_from_json(text);
    return g ? std::string("ok") : g.error().reason;
  };
  auto j = nlohmann::json::parse(genesis_to_json(small_genesis()));
  ASSERT_EQ(err(j.dump()), "ok");
  auto k = j;
  k["accounts"].push_back(1);
  EXPECT_EQ(err(k.dump()), "accounts[4]: must be an object");
  k = j;
  k["accounts"][1] = nlohmann::json::array({j["accounts"][1]});
  EXPECT_EQ(err(k.dump()), "accounts[1]: must be an object");
  k = j;
  k["accounts"] = nlohmann::json::object({{"a", j["accounts"][0]}});
  EXPECT_EQ(err(k.dump()), "accounts: must be an array");
  std::string text = j.dump();
  text.pop_back();
  text += ", \"accounts\": []}";
  EXPECT_EQ(err(text), "accounts: duplicate key");
}

// Found by fuzz_genesis: hostchains after the 64th were dropped silently (and never validated).
TEST(Genesis, JsonRejectsMoreThan64Hostchains) {
  auto j = nlohmann::json::parse(genesis_to_json(small_genesis()));
  for (int i = 0; i < 64; ++i)
    j["manifest"]["hostchains"].push_back({{"type", "symbiote"}, {"network", std::to_string(i)}});
  auto g = genesis_from_json(j.dump());
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->manifest.hostchains.size(), 64u);
  j["manifest"]["hostchains"].push_back({{"type", "symbiote"}, {"typo", 1}});
  g = genesis_from_json(j.dump());
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().reason.find("manifest.hostchains: at most 64"), std::string::npos);
}

// The worked example of chain/README.md ("Genesis: encoding and id"): a third party that follows
// the README gets these bytes and this id. If this test fails, the README is wrong (or the
// encoding changed, which changes every symbiote's id).
TEST(Genesis, TheDocumentedVectorGivesTheDocumentedBytesAndId) {
  const char* json = R"({
  "manifest": {
    "name": "vector",
    "workflow": "dev_controller",
    "workflow_version": "0.1.0",
    "controller": "5F3eGJ6XiqNnu8HejSwhegLw4PT7r6PX951C7vYFJS7Q",
    "fee": {"per_event": 10, "generator_share_permille": 600, "rest_to": "burn"},
    "freezes": {"instant_producer": 100, "unstake_delay": 3}
  },
  "accounts": [
    {"address": "5F3eGJ6XiqNnu8HejSwhegLw4PT7r6PX951C7vYFJS7Q", "balance": 1000, "stake": 500}
  ]
})";
  auto g = genesis_from_json(json);
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  const std::string expected_encoding =
      "0e4b4c592d47454e455349532d763106766563746f720e6465765f636f6e74726f6c6c657205302e"
      "312e30013f07ddec98f77249108b514a3dd4a095a9987df8437a7c82e6e80bbba0aee11f00000000"
      "0000000a000002580000000000000000640000000000000003000000000000000000000400000013"
      "8800000010000010000000003200013f07ddec98f77249108b514a3dd4a095a9987df8437a7c82e6"
      "e80bbba0aee11f00000000000003e800000000000001f4";
  EXPECT_EQ(codec::hex_encode(g->encode()), expected_encoding);
  EXPECT_EQ(codec::hex_encode(g->id()),
            "dbdcdcabe707fc146e3656775dc1d9c5d3be83dee302fca1928a257ab8a01194");
}
