#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "chain/genesis.h"
#include "chain/section.h"
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

// ---- the worked examples of chain/README.md, and manifest sections ----

namespace {

const char* kV1VectorJson = R"({
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

// The same chain written in layout 2: the dev_controller fields are its section.
const char* kV2VectorJson = R"({
  "manifest": {
    "name": "vector",
    "workflow": "dev_controller",
    "workflow_version": "0.1.0",
    "fee": {"per_event": 10, "generator_share_permille": 600, "rest_to": "burn"},
    "freezes": {"unstake_delay": 3},
    "dev_controller": {
      "controller": "5F3eGJ6XiqNnu8HejSwhegLw4PT7r6PX951C7vYFJS7Q",
      "instant_producer_stake": 100
    }
  },
  "accounts": [
    {"address": "5F3eGJ6XiqNnu8HejSwhegLw4PT7r6PX951C7vYFJS7Q", "balance": 1000, "stake": 500}
  ]
})";

std::string error_of(const std::string& text) {
  auto g = genesis_from_json(text);
  return g ? std::string("ok") : g.error().reason;
}

}  // namespace

// The layout-1 worked example of chain/README.md ("Genesis: encoding and id"): a third party that follows
// the README gets these bytes and this id. If this test fails, the README is wrong (or the
// encoding changed, which changes every symbiote's id).
TEST(Genesis, TheDocumentedVectorGivesTheDocumentedBytesAndId) {
  auto g = genesis_from_json(kV1VectorJson);
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

TEST(Genesis, AVersion1GenesisKeepsItsLayoutItsBytesAndItsId) {
  auto g = genesis_from_json(kV1VectorJson);
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->manifest.layout, 1);
  // Its dev_controller fields are the section, every v1 number explicit.
  auto section = section_of(g->manifest);
  ASSERT_TRUE(section.ok());
  EXPECT_EQ(*section, nlohmann::json::parse(R"({
    "controller": "5F3eGJ6XiqNnu8HejSwhegLw4PT7r6PX951C7vYFJS7Q", "instant_producer_stake": 100,
    "max_events_per_instant_block": 5000, "max_instant_blocks_per_controller_block": 16,
    "inclusion_window": 50})"));
  EXPECT_EQ(section_key_path(g->manifest, "inclusion_window"), "manifest.limits.inclusion_window");
  EXPECT_EQ(section_key_path(g->manifest, "instant_producer_stake"),
            "manifest.freezes.instant_producer");
  EXPECT_EQ(section_key_path(g->manifest, "controller"), "manifest.controller");
  // Binary and JSON round trips keep layout 1 and the id; the JSON has v1's shape.
  const std::string id = "dbdcdcabe707fc146e3656775dc1d9c5d3be83dee302fca1928a257ab8a01194";
  auto bin = decode_genesis(g->encode());
  ASSERT_TRUE(bin.ok()) << bin.error().to_string();
  EXPECT_EQ(*bin, *g);
  auto text = genesis_to_json(*g);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["manifest"]["controller"], "5F3eGJ6XiqNnu8HejSwhegLw4PT7r6PX951C7vYFJS7Q");
  EXPECT_EQ(j["manifest"]["freezes"]["instant_producer"], 100);
  EXPECT_EQ(j["manifest"]["limits"]["inclusion_window"], 50);
  EXPECT_FALSE(j["manifest"].contains("dev_controller"));
  auto back = genesis_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, *g);
  EXPECT_EQ(codec::hex_encode(back->id()), id);
  EXPECT_EQ(codec::hex_encode(bin->id()), id);
}

// Every stored version 1 genesis (the fuzz corpus was written before layout 2 existed) decodes
// and re-encodes to the same bytes, so every symbiote founded before keeps its id.
TEST(Genesis, EveryStoredVersion1GenesisReencodesToItsOwnBytes) {
  const std::filesystem::path dir =
      std::filesystem::path(KLYN_SOURCE_DIR) / "fuzz/chain/seeds/fuzz_genesis";
  size_t v1 = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto g = decode_genesis(bytes);
    if (!g) continue;  // JSON seeds and crash inputs
    if (g->manifest.layout != 1) continue;
    ++v1;
    EXPECT_EQ(g->encode(), bytes) << entry.path();
    auto back = genesis_from_json(genesis_to_json(*g));
    ASSERT_TRUE(back.ok()) << entry.path() << ": " << back.error().to_string();
    EXPECT_EQ(back->id(), g->id()) << entry.path();
  }
  EXPECT_GE(v1, 2u);
}

// The layout-2 worked example of chain/README.md: if this fails, the README is wrong (or the
// encoding changed, which changes the id of every symbiote founded in layout 2).
TEST(Genesis, TheDocumentedVersion2VectorGivesTheDocumentedBytesAndId) {
  auto g = genesis_from_json(kV2VectorJson);
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->manifest.layout, 2);
  EXPECT_EQ(section_key_path(g->manifest, "inclusion_window"),
            "manifest.dev_controller.inclusion_window");
  const std::string expected_encoding =
      "0e4b4c592d47454e455349532d763206766563746f720e6465765f636f6e74726f6c6c657205302e"
      "312e30000000000000000a0000025800000000000000000300000000000000000000040000001000"
      "5b06020a636f6e74726f6c6c6572042c35463365474a365869714e6e753848656a53776865674c77"
      "345054377236505839353143377659464a53375116696e7374616e745f70726f64756365725f7374"
      "616b6503000000000000006400013f07ddec98f77249108b514a3dd4a095a9987df8437a7c82e6e8"
      "0bbba0aee11f00000000000003e800000000000001f4";
  EXPECT_EQ(codec::hex_encode(g->encode()), expected_encoding);
  EXPECT_EQ(codec::hex_encode(g->id()),
            "518a20c455440f82597d0a5172878a126cc1244781607a38784cb79b1ae79621");
  // Same chain, other layout: another id (layout 1 cannot be told apart from its bytes otherwise).
  EXPECT_NE(g->id(), genesis_from_json(kV1VectorJson)->id());
}

TEST(Genesis, AVersion2GenesisRoundTripsThroughBinaryAndJson) {
  auto g = genesis_from_json(kV2VectorJson);
  ASSERT_TRUE(g.ok());
  auto bin = decode_genesis(g->encode());
  ASSERT_TRUE(bin.ok()) << bin.error().to_string();
  EXPECT_EQ(*bin, *g);
  auto text = genesis_to_json(*g);
  EXPECT_TRUE(nlohmann::json::parse(text)["manifest"].contains("dev_controller"));
  auto back = genesis_from_json(text);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, *g);
  // Key order and spacing in the section do not change the id; a value does.
  auto j = nlohmann::json::parse(kV2VectorJson);
  std::string reordered = j.dump();
  EXPECT_EQ(genesis_from_json(reordered)->id(), g->id());
  j["manifest"]["dev_controller"]["instant_producer_stake"] = 101;
  EXPECT_NE(genesis_from_json(j.dump())->id(), g->id());
  // A workflow without parameters has an empty section, written as {}.
  Genesis empty = *g;
  empty.manifest.workflow = "other";
  ASSERT_TRUE(set_section(empty.manifest, nlohmann::json::object()).ok());
  EXPECT_EQ(empty.manifest.section, kEmptySection);
  auto e = genesis_from_json(genesis_to_json(empty));
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  EXPECT_EQ(*e, empty);
}

TEST(Genesis, ASectionWithoutACanonicalFormIsRefusedNamingItsPath) {
  auto with = [](const char* key, const std::string& value_json) {
    auto j = nlohmann::json::parse(kV2VectorJson);
    j["manifest"]["dev_controller"][key] = nlohmann::json::parse(value_json);
    return error_of(j.dump());
  };
  EXPECT_EQ(with("inclusion_window", "2.5"),
            "manifest.dev_controller.inclusion_window: only whole non-negative numbers are "
            "allowed");
  EXPECT_NE(with("list", "[1, -2]").find("manifest.dev_controller.list[1]: negative"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"manifest": {"name": "n", "workflow": "w", "workflow_version": "1",
    "fee": {"per_event": 0, "generator_share_permille": 0}, "w": 3}, "accounts": []})"),
            "manifest.w: must be an object");
  // A repeated key is refused anywhere, not read as its last value.
  std::string text = kV2VectorJson;
  auto at = text.find("\"instant_producer_stake\": 100");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"instant_producer_stake\": 7, ");
  EXPECT_EQ(error_of(text), "manifest.dev_controller.instant_producer_stake: duplicate key");
  text = kV2VectorJson;
  text.insert(text.find("\"name\""), "\"name\": \"x\", ");
  EXPECT_EQ(error_of(text), "manifest.name: duplicate key");
  text = kV2VectorJson;
  at = text.find("\"balance\"");
  text.insert(at, "\"stake\": 1, ");
  EXPECT_EQ(error_of(text), "accounts[0].stake: duplicate key");
}

TEST(Genesis, Version1FieldsInAVersion2ManifestSayWhereTheyBelong) {
  auto j = nlohmann::json::parse(kV2VectorJson);
  auto k = j;
  k["manifest"]["controller"] = j["manifest"]["dev_controller"]["controller"];
  EXPECT_EQ(error_of(k.dump()),
            "manifest.controller: belongs in manifest.dev_controller when the manifest has that "
            "section");
  k = j;
  k["manifest"]["freezes"]["instant_producer"] = 5;
  EXPECT_EQ(error_of(k.dump()),
            "manifest.freezes.instant_producer: belongs in "
            "manifest.dev_controller.instant_producer_stake when the manifest has that section");
  k = j;
  k["manifest"]["limits"] = {{"inclusion_window", 3}};
  EXPECT_EQ(error_of(k.dump()),
            "manifest.limits.inclusion_window: belongs in manifest.dev_controller.inclusion_window "
            "when the manifest has that section");
  // A workflow cannot be named like a manifest key (its section would be that key).
  Genesis g = *genesis_from_json(kV2VectorJson);
  g.manifest.workflow = "fee";
  EXPECT_NE(decode_genesis(g.encode()).error().reason.find("is a manifest key"), std::string::npos);
}

TEST(Genesis, AVersion1NumberMustFitItsPlace) {
  Genesis g = *genesis_from_json(kV1VectorJson);
  auto s = *section_of(g.manifest);
  s["inclusion_window"] = uint64_t{1} << 32;
  ASSERT_TRUE(set_section(g.manifest, s).ok());
  EXPECT_EQ(error_of(genesis_to_json(g)),
            "manifest.limits.inclusion_window: must be at most 4294967295");
}
