// Ed25519 verification: libsodium against the per-key table path (src/crypto/README.md).
#include <benchmark/benchmark.h>

#include "crypto/ed25519.h"
#include "crypto/ed25519/key_tables.h"

using namespace klyn;
using namespace klyn::crypto::ed25519;

namespace {
struct Fixture {
  crypto::KeyPair kp = crypto::KeyPair::from_seed(crypto::Seed{42});
  Bytes msg = Bytes(150, 7);  // about an event's signing bytes
  crypto::Signature sig = kp.sign(msg);
};
}  // namespace

static void BM_VerifyLibsodium(benchmark::State& st) {
  Fixture f;
  for (auto _ : st)
    benchmark::DoNotOptimize(crypto::verify_with_libsodium(f.kp.public_key(), f.msg, f.sig));
}
BENCHMARK(BM_VerifyLibsodium);

static void BM_VerifyTable(benchmark::State& st) {
  Fixture f;
  auto t = KeyTable::build(f.kp.public_key());
  for (auto _ : st) benchmark::DoNotOptimize(t->verify(f.msg, f.sig));
}
BENCHMARK(BM_VerifyTable);

// Through the cache (lookup + table path), 1,000 hot keys as in `klyn74r bench`.
static void BM_VerifierHotKeys(benchmark::State& st) {
  TableVerifier v({});
  std::vector<Fixture> fs(1000);
  for (size_t i = 0; i < fs.size(); ++i) {
    fs[i].kp = crypto::KeyPair::from_seed(
        crypto::Seed{static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)});
    fs[i].sig = fs[i].kp.sign(fs[i].msg);
    for (int k = 0; k < 3; ++k) v.verify(fs[i].kp.public_key(), fs[i].msg, fs[i].sig);
  }
  size_t i = 0;
  for (auto _ : st) {
    const auto& f = fs[i++ % fs.size()];
    benchmark::DoNotOptimize(v.verify(f.kp.public_key(), f.msg, f.sig));
  }
}
BENCHMARK(BM_VerifierHotKeys);

static void BM_BuildKeyTable(benchmark::State& st) {
  Fixture f;
  for (auto _ : st) benchmark::DoNotOptimize(KeyTable::build(f.kp.public_key()));
}
BENCHMARK(BM_BuildKeyTable);

static void BM_FieldMul(benchmark::State& st) {
  Fe a = fe_small(12345), b = constants().d;
  for (auto _ : st) {
    a = fe_mul(a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_FieldMul);

BENCHMARK_MAIN();
