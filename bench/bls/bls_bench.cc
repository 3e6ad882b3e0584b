// Speed of the BLS12-381 operations a BFT round depends on.
#include <benchmark/benchmark.h>

#include <vector>

#include "crypto/bls12_381/groups.h"
#include "crypto/bls12_381/hash_to_curve.h"
#include "crypto/bls12_381/pairing.h"
#include "crypto/bls12_381/signature.h"

namespace klyn::bls {
namespace {

SecretKey key(uint8_t seed) {
  std::vector<uint8_t> ikm(32, seed);
  return *SecretKey::key_gen(ikm);
}

const std::vector<uint8_t> kMessage(32, 0xab);

void BM_Sign(benchmark::State& state) {
  SecretKey sk = key(1);
  for (auto _ : state) benchmark::DoNotOptimize(sk.sign(kMessage));
}
BENCHMARK(BM_Sign)->Unit(benchmark::kMicrosecond);

void BM_Verify(benchmark::State& state) {
  SecretKey sk = key(1);
  PublicKey pk = sk.public_key();
  Signature sig = sk.sign(kMessage);
  for (auto _ : state) benchmark::DoNotOptimize(verify(pk, kMessage, sig));
}
BENCHMARK(BM_Verify)->Unit(benchmark::kMicrosecond);

// From wire bytes, as a node receives a vote: decode (with subgroup checks) and verify.
void BM_VerifyFromBytes(benchmark::State& state) {
  SecretKey sk = key(1);
  auto pk_bytes = sk.public_key().to_bytes();
  auto sig_bytes = sk.sign(kMessage).to_bytes();
  for (auto _ : state) {
    auto pk = PublicKey::from_bytes(pk_bytes);
    auto sig = Signature::from_bytes(sig_bytes);
    benchmark::DoNotOptimize(verify(*pk, kMessage, *sig));
  }
}
BENCHMARK(BM_VerifyFromBytes)->Unit(benchmark::kMicrosecond);

void BM_FastAggregateVerify(benchmark::State& state) {
  const int n = int(state.range(0));
  std::vector<PublicKey> pks;
  std::vector<Signature> sigs;
  for (int i = 0; i < n; i++) {
    SecretKey sk = key(uint8_t(i + 1));
    pks.push_back(sk.public_key());
    sigs.push_back(sk.sign(kMessage));
  }
  Signature agg = *aggregate_signatures(sigs);
  for (auto _ : state) benchmark::DoNotOptimize(fast_aggregate_verify(pks, kMessage, agg));
}
BENCHMARK(BM_FastAggregateVerify)->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_AggregateVerify(benchmark::State& state) {
  const int n = int(state.range(0));
  std::vector<PublicKey> pks;
  std::vector<Signature> sigs;
  std::vector<std::vector<uint8_t>> msgs;
  for (int i = 0; i < n; i++) {
    SecretKey sk = key(uint8_t(i + 1));
    msgs.push_back(std::vector<uint8_t>(32, uint8_t(i)));
    pks.push_back(sk.public_key());
    sigs.push_back(sk.sign(msgs.back()));
  }
  std::vector<ByteSpan> spans(msgs.begin(), msgs.end());
  Signature agg = *aggregate_signatures(sigs);
  for (auto _ : state) benchmark::DoNotOptimize(aggregate_verify(pks, spans, agg));
}
BENCHMARK(BM_AggregateVerify)->Arg(10)->Unit(benchmark::kMicrosecond);

void BM_BatchVerify(benchmark::State& state) {
  const int n = int(state.range(0));
  std::vector<PublicKey> pks;
  std::vector<Signature> sigs;
  std::vector<std::vector<uint8_t>> msgs;
  for (int i = 0; i < n; i++) {
    SecretKey sk = key(uint8_t(i + 1));
    msgs.push_back(std::vector<uint8_t>(32, uint8_t(i)));
    pks.push_back(sk.public_key());
    sigs.push_back(sk.sign(msgs.back()));
  }
  std::vector<ByteSpan> spans(msgs.begin(), msgs.end());
  for (auto _ : state) benchmark::DoNotOptimize(batch_verify(pks, spans, sigs));
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BatchVerify)->Arg(10)->Unit(benchmark::kMicrosecond);

void BM_HashToG2(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(hash_to_g2(kMessage, as_span(kSignatureDst)));
}
BENCHMARK(BM_HashToG2)->Unit(benchmark::kMicrosecond);

void BM_G2DecodeWithSubgroupCheck(benchmark::State& state) {
  auto bytes = key(1).sign(kMessage).to_bytes();
  for (auto _ : state) benchmark::DoNotOptimize(Signature::from_bytes(bytes));
}
BENCHMARK(BM_G2DecodeWithSubgroupCheck)->Unit(benchmark::kMicrosecond);

void BM_G1DecodeWithSubgroupCheck(benchmark::State& state) {
  auto bytes = key(1).public_key().to_bytes();
  for (auto _ : state) benchmark::DoNotOptimize(PublicKey::from_bytes(bytes));
}
BENCHMARK(BM_G1DecodeWithSubgroupCheck)->Unit(benchmark::kMicrosecond);

void BM_Pairing(benchmark::State& state) {
  G1Affine p = g1_generator().to_affine();
  G2Affine q = g2_generator().to_affine();
  for (auto _ : state) benchmark::DoNotOptimize(pairing(p, q));
}
BENCHMARK(BM_Pairing)->Unit(benchmark::kMicrosecond);

void BM_MillerLoop(benchmark::State& state) {
  PairingInput in{g1_generator().to_affine(), g2_generator().to_affine()};
  for (auto _ : state) benchmark::DoNotOptimize(miller_loop(std::span<const PairingInput>(&in, 1)));
}
BENCHMARK(BM_MillerLoop)->Unit(benchmark::kMicrosecond);

void BM_FinalExponentiation(benchmark::State& state) {
  PairingInput in{g1_generator().to_affine(), g2_generator().to_affine()};
  Fp12 f = miller_loop(std::span<const PairingInput>(&in, 1));
  for (auto _ : state) benchmark::DoNotOptimize(final_exponentiation(f));
}
BENCHMARK(BM_FinalExponentiation)->Unit(benchmark::kMicrosecond);

void BM_SkToPk(benchmark::State& state) {
  SecretKey sk = key(1);
  for (auto _ : state) benchmark::DoNotOptimize(sk.public_key());
}
BENCHMARK(BM_SkToPk)->Unit(benchmark::kMicrosecond);

void BM_FpMul(benchmark::State& state) {
  Fp a = Fp::from_u64(123456789).square();
  Fp b = Fp::from_u64(987654321).square();
  for (auto _ : state) {
    a = a * b;
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_FpMul);

void BM_FpInverse(benchmark::State& state) {
  Fp a = Fp::from_u64(123456789).square();
  for (auto _ : state) benchmark::DoNotOptimize(a.inverse());
}
BENCHMARK(BM_FpInverse)->Unit(benchmark::kMicrosecond);

void BM_FpInverseVartime(benchmark::State& state) {
  Fp a = Fp::from_u64(123456789).square();
  for (auto _ : state) benchmark::DoNotOptimize(a.inverse_vartime());
}
BENCHMARK(BM_FpInverseVartime)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace klyn::bls

BENCHMARK_MAIN();
