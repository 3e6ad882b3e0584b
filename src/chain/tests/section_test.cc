// The canonical form of a workflow's manifest section (V1–V3 in chain/section.h).
#include "chain/section.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "codec/hex.h"

using namespace klyn;
using namespace klyn::chain;
using nlohmann::json;

namespace {

std::string hex_of(const json& v) {
  auto b = encode_section(v, "s");
  EXPECT_TRUE(b.ok()) << b.error().to_string();
  return b ? codec::hex_encode(*b) : "";
}

Result<json> decode_hex(const std::string& hex) {
  return decode_section(*codec::hex_decode(hex));
}

// A random valid UTF-8 string: ASCII, with some two-, three- and four-byte characters.
std::string random_utf8() {
  static const char* kPieces[] = {"a",    "Z",    " ",        "\"",           "\\",
                                  "\x01", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
  std::string s;
  const int n = *rc::gen::inRange(0, 12);
  for (int i = 0; i < n; ++i) s += kPieces[*rc::gen::inRange(0, 10)];
  return s;
}

// A random section value: objects, arrays, strings, integers, booleans, null.
json random_value(int depth) {
  const int kind = *rc::gen::inRange(0, depth >= 3 ? 4 : 6);
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return *rc::gen::arbitrary<bool>();
    case 2:
      return *rc::gen::arbitrary<uint64_t>();
    case 3:
      return random_utf8();
    case 4: {
      json a = json::array();
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) a.push_back(random_value(depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      const int n = *rc::gen::inRange(0, 4);
      for (int i = 0; i < n; ++i) o[random_utf8()] = random_value(depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST(Section, TheDocumentedTagsGiveTheseBytes) {
  EXPECT_EQ(hex_of(nullptr), "00");
  EXPECT_EQ(hex_of(false), "01");
  EXPECT_EQ(hex_of(true), "02");
  EXPECT_EQ(hex_of(258), "030000000000000102");
  EXPECT_EQ(hex_of("ab"), "04026162");
  EXPECT_EQ(hex_of(json::array({1, "x"})),
            "0502"
            "030000000000000001"
            "040178");
  // Keys in bytewise order whatever the text's order.
  EXPECT_EQ(hex_of(json::parse(R"({"b": true, "a": null})")),
            "0602"
            "016100"
            "016202");
  EXPECT_EQ(hex_of(json::parse(R"({"a": null, "b": true})")),
            hex_of(json::parse(R"({"b":true,"a":null})")));
}

TEST(Section, OnlyTheCanonicalFormDecodes) {
  EXPECT_EQ(decode_hex("0602016202016100").error().code, "bad_section") << "keys out of order";
  EXPECT_EQ(decode_hex("0602016100016100").error().code, "bad_section") << "a repeated key";
  EXPECT_EQ(decode_hex("07").error().code, "bad_section") << "an unknown tag";
  EXPECT_EQ(decode_hex("0000").error().code, "bad_section") << "trailing bytes";
  EXPECT_EQ(decode_hex("058000").error().code, "bad_section") << "a non-minimal varint";
  EXPECT_EQ(decode_hex("05ff").error().code, "bad_section") << "a truncated count";
  EXPECT_EQ(decode_hex("0503").error().code, "bad_section") << "more items than bytes";
  EXPECT_EQ(decode_hex("0300").error().code, "bad_section") << "a truncated integer";
  EXPECT_EQ(decode_hex("").error().code, "bad_section");
}

TEST(Section, ValuesWithoutACanonicalFormAreRefusedWithTheirPath) {
  auto neg = encode_section(json::parse(R"({"limits": [1, -2]})"), "manifest.x");
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().code, "bad_section");
  EXPECT_NE(neg.error().reason.find("manifest.x.limits[1]"), std::string::npos)
      << neg.error().reason;
  auto frac = encode_section(json::parse(R"({"fee": 1.5})"), "m");
  ASSERT_FALSE(frac.ok());
  EXPECT_NE(frac.error().reason.find("m.fee"), std::string::npos);
  EXPECT_FALSE(encode_section(json::binary({1, 2}), "m").ok());
  json deep = 1;
  for (size_t i = 0; i <= kSectionMaxDepth; ++i) deep = json::array({deep});
  EXPECT_FALSE(encode_section(deep, "m").ok()) << "V3: nesting";
  EXPECT_FALSE(encode_section(std::string(kSectionMaxBytes, 'x'), "m").ok()) << "V3: size";
  // The deepest allowed nesting decodes too.
  json ok = 1;
  for (size_t i = 0; i < kSectionMaxDepth; ++i) ok = json::array({ok});
  auto enc = encode_section(ok, "m");
  ASSERT_TRUE(enc.ok()) << enc.error().to_string();
  EXPECT_TRUE(decode_section(*enc).ok());
  Bytes nested;  // arrays of one, one deeper than the limit
  for (size_t i = 0; i <= kSectionMaxDepth; ++i) {
    nested.push_back(0x05);
    nested.push_back(0x01);
  }
  nested.push_back(0x00);
  EXPECT_FALSE(decode_section(nested).ok()) << "V3: decoding is bounded too";
}

// Found while moving dev_controller's fields into its section: a section string that is not UTF-8
// decoded, and genesis_to_json then threw on it (the JSON form can only carry UTF-8).
TEST(Section, StringsAndKeysMustBeUtf8BothWays) {
  EXPECT_EQ(encode_section(json{{"k", "caf\xc3"}}, "manifest.w").error().reason,
            "manifest.w.k: strings must be valid UTF-8");
  EXPECT_EQ(encode_section(json{{"\xff", 1}}, "manifest.w").error().reason,
            "manifest.w: keys must be valid UTF-8");
  EXPECT_TRUE(encode_section(json{{"caf\xc3\xa9", "\xf0\x9f\x98\x80"}}, "m").ok());
  const Bytes bad_string = {0x04, 0x01, 0x80};
  EXPECT_FALSE(decode_section(bad_string).ok());
  const Bytes bad_key = {0x06, 0x01, 0x01, 0xc0, 0x00};
  EXPECT_FALSE(decode_section(bad_key).ok());
  const Bytes good = {0x06, 0x01, 0x02, 0xc3, 0xa9, 0x00};
  EXPECT_TRUE(decode_section(good).ok());
}

RC_GTEST_PROP(Section, EncodingRoundTripsAndIsUnique, ()) {
  const json v = random_value(0);
  auto enc = encode_section(v, "s");
  RC_ASSERT(enc.ok());
  auto dec = decode_section(*enc);
  RC_ASSERT(dec.ok());
  RC_ASSERT(*dec == v);  // V1, one way
  auto again = encode_section(*dec, "s");
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *enc);  // and the other
  // Another value encodes differently.
  const json w = random_value(0);
  if (w != v) RC_ASSERT(*encode_section(w, "s") != *enc);
}
