// Micro-benchmarks of the per-event costs on the node's hot paths (numbers in bench/README.md).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "chain/append_log.h"
#include "chain/state.h"
#include "chain/tests/test_util.h"
#include "workflows/kit/admission_journal.h"
#include "workflows/kit/mempool.h"

using namespace klyn;
using namespace klyn::chain;
using klyn::chain::testing::key;

static void BM_EventHash(benchmark::State& st) {
  auto e = make_transfer(SymbioteId{}, key(1), 1, 1, key(2).public_key(), 5);
  for (auto _ : st) benchmark::DoNotOptimize(e.hash());
}
BENCHMARK(BM_EventHash);

static void BM_EventVerify(benchmark::State& st) {
  auto e = make_transfer(SymbioteId{}, key(1), 1, 1, key(2).public_key(), 5);
  for (auto _ : st) benchmark::DoNotOptimize(e.verify_signature());
}
BENCHMARK(BM_EventVerify);

static void BM_EventDecode(benchmark::State& st) {
  Bytes b = make_transfer(SymbioteId{}, key(1), 1, 1, key(2).public_key(), 5).encode();
  for (auto _ : st) benchmark::DoNotOptimize(decode_event(b));
}
BENCHMARK(BM_EventDecode);

static void BM_LtHashUpdate(benchmark::State& st) {  // one account change = remove + add
  LtHash h;
  Bytes k(34, 1), v(49, 2);
  for (auto _ : st) {
    h.remove(k, v);
    v[0]++;
    h.add(k, v);
  }
}
BENCHMARK(BM_LtHashUpdate);

static void BM_MempoolAddTake(benchmark::State& st) {
  kit::Mempool m({});
  std::vector<kit::PendingEvent> evs;
  for (int i = 0; i < 1000; ++i) {
    auto e = make_transfer(SymbioteId{}, key(static_cast<uint8_t>(i % 50)), i / 50 + 1, 1,
                           key(2).public_key(), 5);
    evs.push_back({e, e.hash()});
  }
  for (auto _ : st) {
    for (auto& pe : evs) (void)m.add(pe, 0);
    auto out = m.take(1000);
    st.PauseTiming();
    for (auto& pe : out)
      m.on_decided(pe.event.creator, pe.hash, [](const AccountId&) { return uint64_t{0}; });
    st.ResumeTiming();
  }
  st.SetItemsProcessed(st.iterations() * 1000);
}
BENCHMARK(BM_MempoolAddTake);

// The admission journal's cost per single-event request (D14): journal one event, release it
// when its block decides it. Against a RocksDB put + delete of the same record, the journal's
// first layout.
static std::vector<Event> thousand_transfers(const Genesis& g) {  // 50 senders, 20 each
  std::vector<Event> evs;
  for (int i = 0; i < 1000; ++i)
    evs.push_back(make_transfer(g.id(), key(static_cast<uint8_t>(i % 50)), i / 50 + 1, 10,
                                key(2).public_key(), 5));
  return evs;
}

static void BM_JournalOneEventRequest(benchmark::State& st) {
  chain::testing::TempDir dir;
  const Genesis g = chain::testing::small_genesis();
  auto store = std::move(*ChainStore::open(dir.path("db"), g));
  kit::AdmissionJournal j(*store, dir.path("db/admission"), {});
  (void)j.load();
  const std::vector<Event> evs = thousand_transfers(g);
  std::vector<Hash32> hashes;
  for (const auto& e : evs) hashes.push_back(e.hash());
  for (auto _ : st) {
    for (size_t i = 0; i < evs.size(); ++i) (void)j.add({&evs[i]}, {hashes[i]});
    j.release(hashes);
  }
  st.SetItemsProcessed(st.iterations() * 1000);
}
BENCHMARK(BM_JournalOneEventRequest);

static void BM_RocksDbPutDeleteOneEvent(benchmark::State& st) {
  chain::testing::TempDir dir;
  const Genesis g = chain::testing::small_genesis();
  auto store = std::move(*ChainStore::open(dir.path("db"), g));
  const std::vector<Event> evs = thousand_transfers(g);
  uint64_t seq = 0;
  for (auto _ : st) {
    const uint64_t first = seq;
    for (const auto& e : evs) {
      WriteBatch b;
      b.put("j:" + keys::be64(seq++), encode_event_batch({&e}));
      (void)store->write(b);
    }
    WriteBatch del;
    for (uint64_t s = first; s < seq; ++s) del.del("j:" + keys::be64(s));
    (void)store->write(del);
  }
  st.SetItemsProcessed(st.iterations() * 1000);
}
BENCHMARK(BM_RocksDbPutDeleteOneEvent);

// Applying a block of N transfers among A accounts on a real RocksDB (signatures not included:
// they are verified at admission and hit the signature cache).
static void BM_ApplyBlock(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0)), accounts = static_cast<int>(st.range(1));
  testing::TempDir dir;
  Genesis g = testing::small_genesis();
  std::vector<crypto::KeyPair> keys;
  for (int i = 0; i < accounts; ++i) {
    crypto::Seed s{};
    std::memcpy(s.data(), &i, sizeof i);
    keys.push_back(crypto::KeyPair::from_seed(s));
    g.accounts.push_back({keys.back().public_key(), 1'000'000'000, 0});
  }
  std::sort(g.accounts.begin(), g.accounts.end(), [](auto& a, auto& b) { return a.id < b.id; });
  auto store = std::move(*ChainStore::open(dir.path("db"), g));
  LtHash acc = *store->lthash();
  std::vector<uint64_t> nonce(accounts, 0);
  const SymbioteId sym = g.id();
  // Pre-sign the blocks so that only application is timed.
  constexpr int kBlocks = 20;
  std::vector<std::vector<std::pair<Event, Hash32>>> blocks(kBlocks);
  for (int bi = 0; bi < kBlocks; ++bi)
    for (int i = 0; i < n; ++i) {
      int a = (i * 7919 + bi * 31) % accounts;
      auto e =
          make_transfer(sym, keys[a], ++nonce[a], 10, keys[(a + 1) % accounts].public_key(), 1);
      blocks[bi].emplace_back(e, e.hash());
    }
  Height h = 0;
  for (auto _ : st) {
    if (h == kBlocks) {
      st.SkipWithError("out of pre-signed blocks");
      break;
    }
    auto& evs = blocks[h];
    BlockApplier b(*store, g.manifest, acc, ++h);
    uint32_t pos = 0;
    for (auto& [e, hash] : evs) (void)b.apply(e, hash, key(0).public_key(), Hash32{}, pos++);
    benchmark::DoNotOptimize(b.commit());
  }
  st.SetItemsProcessed(st.iterations() * n);
}
BENCHMARK(BM_ApplyBlock)
    ->Args({1000, 1000})
    ->Args({1000, 100000})
    ->Iterations(20)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
