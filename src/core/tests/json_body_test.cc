#include <gtest/gtest.h>

#include <string>

#include "core/json_body.h"

using klyn::core::parse_json_body;

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
