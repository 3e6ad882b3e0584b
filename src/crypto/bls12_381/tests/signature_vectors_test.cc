// The shared signature vectors: every family of the proof-of-possession scheme.
#include <gtest/gtest.h>

#include <optional>

#include "crypto/bls12_381/signature.h"
#include "crypto/bls12_381/tests/test_util.h"

namespace klyn::bls {
namespace {

using test::hex_to_bytes;
using test::load_vectors;
using test::to_hex;

std::optional<PublicKey> pk_of(const nlohmann::json& hex) {
  auto r = PublicKey::from_bytes(hex_to_bytes(hex));
  if (!r) return std::nullopt;
  return *r;
}

std::optional<Signature> sig_of(const nlohmann::json& hex) {
  auto r = Signature::from_bytes(hex_to_bytes(hex));
  if (!r) return std::nullopt;
  return *r;
}

// Loads a family file, checks its DST where it has one, and runs `check` on every case.
template <typename Check>
void run_family(const std::string& file, size_t expected_cases, std::string_view dst, Check check) {
  auto j = load_vectors(file);
  ASSERT_FALSE(j.is_null());
  if (!dst.empty() && j.contains("dst")) {
    EXPECT_EQ(j["dst"].get<std::string>(), dst) << file;
  }
  size_t n = 0;
  for (const auto& c : j["cases"]) {
    SCOPED_TRACE(file + ": " + c["name"].get<std::string>());
    check(c["input"], c["output"]);
    n++;
  }
  EXPECT_EQ(n, expected_cases) << file;
}

TEST(SignatureVectors, Sign) {
  run_family("sign.json", 84, kSignatureDst, [](const auto& in, const auto& out) {
    auto sk = SecretKey::from_bytes(hex_to_bytes(in["privkey"]));
    if (out.is_null()) {
      EXPECT_FALSE(sk.ok());
      return;
    }
    ASSERT_TRUE(sk.ok());
    EXPECT_EQ(to_hex(sk->sign(hex_to_bytes(in["message"])).to_bytes()),
              out.template get<std::string>());
  });
}

TEST(SignatureVectors, SkToPk) {
  run_family("sk_to_pk.json", 63, "", [](const auto& in, const auto& out) {
    auto sk = SecretKey::from_bytes(hex_to_bytes(in["privkey"]));
    if (out.is_null()) {
      EXPECT_FALSE(sk.ok());
      return;
    }
    ASSERT_TRUE(sk.ok());
    EXPECT_EQ(to_hex(sk->public_key().to_bytes()), out.template get<std::string>());
  });
}

TEST(SignatureVectors, Verify) {
  run_family("verify.json", 112, kSignatureDst, [](const auto& in, const auto& out) {
    auto pk = pk_of(in["pubkey"]);
    auto sig = sig_of(in["signature"]);
    bool got = pk && sig && verify(*pk, hex_to_bytes(in["message"]), *sig);
    EXPECT_EQ(got, out.template get<bool>());
  });
}

TEST(SignatureVectors, Aggregate) {
  run_family("aggregate.json", 70, "", [](const auto& in, const auto& out) {
    std::vector<Signature> sigs;
    bool decoded = true;
    for (const auto& s : in) {
      auto sig = sig_of(s);
      if (!sig)
        decoded = false;
      else
        sigs.push_back(*sig);
    }
    auto agg = decoded ? aggregate_signatures(sigs) : Result<Signature>(make_error("bad", ""));
    if (out.is_null()) {
      EXPECT_FALSE(agg.ok());
      return;
    }
    ASSERT_TRUE(agg.ok());
    EXPECT_EQ(to_hex(agg->to_bytes()), out.template get<std::string>());
  });
}

TEST(SignatureVectors, FastAggregateVerify) {
  run_family("fast_aggregate_verify.json", 77, kSignatureDst, [](const auto& in, const auto& out) {
    std::vector<PublicKey> pks;
    bool ok = true;
    for (const auto& h : in["pubkeys"]) {
      auto pk = pk_of(h);
      if (!pk)
        ok = false;
      else
        pks.push_back(*pk);
    }
    auto sig = sig_of(in["signature"]);
    bool got = ok && sig && fast_aggregate_verify(pks, hex_to_bytes(in["message"]), *sig);
    EXPECT_EQ(got, out.template get<bool>());
  });
}

TEST(SignatureVectors, AggregateVerify) {
  run_family("aggregate_verify.json", 69, kSignatureDst, [](const auto& in, const auto& out) {
    std::vector<PublicKey> pks;
    bool ok = true;
    for (const auto& h : in["pubkeys"]) {
      auto pk = pk_of(h);
      if (!pk)
        ok = false;
      else
        pks.push_back(*pk);
    }
    std::vector<std::vector<uint8_t>> msgs;
    for (const auto& m : in["messages"]) msgs.push_back(hex_to_bytes(m));
    std::vector<ByteSpan> spans(msgs.begin(), msgs.end());
    auto sig = sig_of(in["signature"]);
    bool got = ok && sig && aggregate_verify(pks, spans, *sig);
    EXPECT_EQ(got, out.template get<bool>());
  });
}

TEST(SignatureVectors, BatchVerify) {
  run_family("batch_verify.json", 62, kSignatureDst, [](const auto& in, const auto& out) {
    std::vector<PublicKey> pks;
    std::vector<Signature> sigs;
    bool ok = true;
    for (const auto& h : in["pubkeys"]) {
      auto pk = pk_of(h);
      if (!pk)
        ok = false;
      else
        pks.push_back(*pk);
    }
    for (const auto& h : in["signatures"]) {
      auto s = sig_of(h);
      if (!s)
        ok = false;
      else
        sigs.push_back(*s);
    }
    std::vector<std::vector<uint8_t>> msgs;
    for (const auto& m : in["messages"]) msgs.push_back(hex_to_bytes(m));
    std::vector<ByteSpan> spans(msgs.begin(), msgs.end());
    bool got = ok && batch_verify(pks, spans, sigs);
    EXPECT_EQ(got, out.template get<bool>());
  });
}

TEST(SignatureVectors, PopProve) {
  run_family("pop_prove.json", 59, kPopDst, [](const auto& in, const auto& out) {
    auto sk = SecretKey::from_bytes(hex_to_bytes(in["privkey"]));
    if (out.is_null()) {
      EXPECT_FALSE(sk.ok());
      return;
    }
    ASSERT_TRUE(sk.ok());
    EXPECT_EQ(to_hex(sk->prove_possession().to_bytes()), out.template get<std::string>());
  });
}

TEST(SignatureVectors, PopVerify) {
  run_family("pop_verify.json", 69, kPopDst, [](const auto& in, const auto& out) {
    auto pk = pk_of(in["pubkey"]);
    auto proof = sig_of(in["proof"]);
    bool got = pk && proof && pop_verify(*pk, *proof);
    EXPECT_EQ(got, out.template get<bool>());
  });
}

}  // namespace
}  // namespace klyn::bls
