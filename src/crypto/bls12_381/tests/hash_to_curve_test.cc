// RFC 9380 vectors for the four BLS12-381 suites, and the shared hash_to_G2 vectors.
#include <gtest/gtest.h>

#include "crypto/bls12_381/groups.h"
#include "crypto/bls12_381/hash_to_curve.h"
#include "crypto/bls12_381/tests/test_util.h"

namespace klyn::bls {
namespace {

using test::fp2_to_text;
using test::fp_to_text;
using test::hex_to_bytes;
using test::load_vectors;

// RFC files print G1 coordinates as plain hex and G2 ones as "c0,c1"; normalise to our text.
std::string norm_fp(const std::string& s) {
  return fp_to_text(test::fp_from_text(s));
}
std::string norm_fp2(const std::string& s) {
  return fp2_to_text(test::fp2_from_text(s));
}

void expect_g1(const G1Projective& p, const nlohmann::json& want, const std::string& what) {
  G1Affine a = p.to_affine();
  EXPECT_EQ(fp_to_text(a.x), norm_fp(want["x"])) << what;
  EXPECT_EQ(fp_to_text(a.y), norm_fp(want["y"])) << what;
}

void expect_g2(const G2Projective& p, const nlohmann::json& want, const std::string& what) {
  G2Affine a = p.to_affine();
  EXPECT_EQ(fp2_to_text(a.x), norm_fp2(want["x"])) << what;
  EXPECT_EQ(fp2_to_text(a.y), norm_fp2(want["y"])) << what;
}

TEST(ExpandMessage, RfcVectorsSha256) {
  // RFC 9380 appendix K.1 (DST QUUX-V01-CS02-with-expander-SHA256-128).
  auto dst = as_span("QUUX-V01-CS02-with-expander-SHA256-128");
  EXPECT_EQ(test::to_hex(expand_message_xmd(as_span(""), dst, 0x20)),
            "0x68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235");
  EXPECT_EQ(test::to_hex(expand_message_xmd(as_span("abc"), dst, 0x20)),
            "0xd8ccab23b5985ccea865c6c97b6e5b8350e794e603b4b97902f53a8a0d605615");
}

TEST(HashToCurveVectors, G1RandomOracle) {
  auto j = load_vectors("hash_to_curve/BLS12381G1_XMD:SHA-256_SSWU_RO_.json");
  ASSERT_FALSE(j.is_null());
  std::string dst = j["dst"];
  int n = 0;
  for (const auto& v : j["vectors"]) {
    std::string msg = v["msg"];
    std::string what = "G1 RO msg='" + msg.substr(0, 20) + "'";
    auto u = hash_to_field_fp(as_span(msg), as_span(dst), 2);
    EXPECT_EQ(fp_to_text(u[0]), norm_fp(v["u"][0])) << what;
    EXPECT_EQ(fp_to_text(u[1]), norm_fp(v["u"][1])) << what;
    expect_g1(map_to_curve_g1(u[0]), v["Q0"], what + " Q0");
    expect_g1(map_to_curve_g1(u[1]), v["Q1"], what + " Q1");
    expect_g1(hash_to_g1(as_span(msg), as_span(dst)), v["P"], what + " P");
    n++;
  }
  EXPECT_GE(n, 5);
}

TEST(HashToCurveVectors, G1NonUniform) {
  auto j = load_vectors("hash_to_curve/BLS12381G1_XMD:SHA-256_SSWU_NU_.json");
  ASSERT_FALSE(j.is_null());
  std::string dst = j["dst"];
  int n = 0;
  for (const auto& v : j["vectors"]) {
    std::string msg = v["msg"];
    std::string what = "G1 NU msg='" + msg.substr(0, 20) + "'";
    auto u = hash_to_field_fp(as_span(msg), as_span(dst), 1);
    EXPECT_EQ(fp_to_text(u[0]), norm_fp(v["u"][0])) << what;
    expect_g1(map_to_curve_g1(u[0]), v["Q"], what + " Q");
    expect_g1(encode_to_g1(as_span(msg), as_span(dst)), v["P"], what + " P");
    n++;
  }
  EXPECT_GE(n, 5);
}

TEST(HashToCurveVectors, G2RandomOracle) {
  auto j = load_vectors("hash_to_curve/BLS12381G2_XMD:SHA-256_SSWU_RO_.json");
  ASSERT_FALSE(j.is_null());
  std::string dst = j["dst"];
  int n = 0;
  for (const auto& v : j["vectors"]) {
    std::string msg = v["msg"];
    std::string what = "G2 RO msg='" + msg.substr(0, 20) + "'";
    auto u = hash_to_field_fp2(as_span(msg), as_span(dst), 2);
    EXPECT_EQ(fp2_to_text(u[0]), norm_fp2(v["u"][0])) << what;
    EXPECT_EQ(fp2_to_text(u[1]), norm_fp2(v["u"][1])) << what;
    expect_g2(map_to_curve_g2(u[0]), v["Q0"], what + " Q0");
    expect_g2(map_to_curve_g2(u[1]), v["Q1"], what + " Q1");
    expect_g2(hash_to_g2(as_span(msg), as_span(dst)), v["P"], what + " P");
    n++;
  }
  EXPECT_GE(n, 5);
}

TEST(HashToCurveVectors, G2NonUniform) {
  auto j = load_vectors("hash_to_curve/BLS12381G2_XMD:SHA-256_SSWU_NU_.json");
  ASSERT_FALSE(j.is_null());
  std::string dst = j["dst"];
  int n = 0;
  for (const auto& v : j["vectors"]) {
    std::string msg = v["msg"];
    std::string what = "G2 NU msg='" + msg.substr(0, 20) + "'";
    auto u = hash_to_field_fp2(as_span(msg), as_span(dst), 1);
    EXPECT_EQ(fp2_to_text(u[0]), norm_fp2(v["u"][0])) << what;
    expect_g2(map_to_curve_g2(u[0]), v["Q"], what + " Q");
    expect_g2(encode_to_g2(as_span(msg), as_span(dst)), v["P"], what + " P");
    n++;
  }
  EXPECT_GE(n, 5);
}

TEST(HashToCurveVectors, HashToG2Shared) {
  auto j = load_vectors("hash_to_G2.json");
  ASSERT_FALSE(j.is_null());
  int n = 0;
  for (const auto& c : j["cases"]) {
    std::string name = c["name"];
    auto msg = hex_to_bytes(c["input"]["message"]);
    std::string dst = c["input"]["dst"];
    auto u = hash_to_field_fp2(msg, as_span(dst), 2);
    EXPECT_EQ(fp2_to_text(u[0]), c["output"]["u"][0].get<std::string>()) << name;
    EXPECT_EQ(fp2_to_text(u[1]), c["output"]["u"][1].get<std::string>()) << name;
    G2Projective p = hash_to_g2(msg, as_span(dst));
    G2Affine a = p.to_affine();
    EXPECT_EQ(fp2_to_text(a.x), c["output"]["x"].get<std::string>()) << name;
    EXPECT_EQ(fp2_to_text(a.y), c["output"]["y"].get<std::string>()) << name;
    EXPECT_EQ(test::to_hex(g2_compress(p)), c["output"]["compressed"].get<std::string>()) << name;
    n++;
  }
  EXPECT_EQ(n, 68);
}

}  // namespace
}  // namespace klyn::bls
