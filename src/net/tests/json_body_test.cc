#include <gtest/gtest.h>

#include <string>

#include "net/json_body.h"

using klyn::net::parse_json_body;

TEST(JsonBody, DepthLimit) {
  EXPECT_TRUE(parse_json_body(R"([[{"a": "[[[["}]])", 3).ok());
  EXPECT_FALSE(parse_json_body("[[[[]]]]", 3).ok());
  EXPECT_EQ(parse_json_body(std::string(100000, '['), 32).error().code, "bad_json");
}

// Found by fuzz_event_json: nlohmann treats a NUL byte as the end of the input, so anything after
// one was ignored and e.g. "3\0garbage" parsed as 3.
TEST(JsonBody, RejectsNulBytes) {
  using namespace std::string_literals;
  EXPECT_FALSE(parse_json_body("3\0garbage"s).ok());
  EXPECT_FALSE(parse_json_body("{\"raw\": \"00\"}\0[[["s).ok());
  EXPECT_FALSE(parse_json_body("[\"a\0b\"]"s).ok());
  EXPECT_TRUE(parse_json_body(R"(["a\u0000b"])").ok());  // an escaped NUL is fine
}

// A repeated key is refused, not resolved to its last value (issue 16: {"nonce":8,"nonce":1} was
// applied as nonce 1). The same key in different objects is fine.
TEST(JsonBody, RefusesAKeyRepeatedInOneObject) {
  auto dup = parse_json_body(R"({"nonce": 8, "amount": 1, "nonce": 1})");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, "bad_json");
  EXPECT_NE(dup.error().reason.find("\"nonce\""), std::string::npos) << dup.error().reason;
  EXPECT_FALSE(parse_json_body(R"({"a": {"b": 1, "b": 2}})").ok()) << "nested";
  EXPECT_FALSE(parse_json_body(R"([{"x": 1}, {"y": 1, "y": 1}])").ok()) << "in an array";
  EXPECT_FALSE(parse_json_body(R"({"a": {"a": 1}, "a": 2})").ok()) << "outer repeated after inner";
  EXPECT_TRUE(parse_json_body(R"({"a": {"a": 1}, "b": {"a": 2}})").ok()) << "different objects";
  EXPECT_TRUE(parse_json_body(R"([{"a": 1}, {"a": 2}])").ok());
  EXPECT_TRUE(parse_json_body(R"({"k": "k", "v": ["k", "k"]})").ok()) << "values are not keys";
}
