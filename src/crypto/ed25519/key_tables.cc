#include "crypto/ed25519/key_tables.h"

#include "crypto/ed25519/testing.h"

#include <sodium.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace klyn::crypto::ed25519 {
namespace {

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                            0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

// The y encodings libsodium refuses as R and as a key (bit 255 masked before comparing): the
// small-order points 0 (order 4), 1 (order 1), the two y of the order-8 points, p − 1 (order 2),
// and the non-canonical p (= 0) and p + 1 (= 1). Tests derive the torsion points and check this.
constexpr uint8_t kSmallOrder[7][32] = {
    {0},
    {1},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

// Where key tables live: 2 MiB chunks asking the kernel for transparent huge pages, carved into
// slots. A node keeps ~1,000 tables of 30 KiB and each verification touches ~64 entries of one,
// so with 4 KiB pages most of those loads also miss the TLB; huge pages make the table path
// ~13 % faster with 1,000 hot keys (bench/README.md, "Ed25519"). Freed slots are reused; chunks
// are never returned (the table count is bounded). Without mmap it falls back to operator new.
class TableArena {
 public:
  static TableArena& instance() {
    static TableArena* a = new TableArena;  // never destroyed: tables may outlive statics
    return *a;
  }
  void* allocate() {
    std::lock_guard lock(mu_);
    if (free_.empty()) grow();
    if (free_.empty()) return ::operator new(kSlot);
    void* p = free_.back();
    free_.pop_back();
    return p;
  }
  void release(void* p) {
    std::lock_guard lock(mu_);
    if (owns(p))
      free_.push_back(p);
    else
      ::operator delete(p);
  }

 private:
  static constexpr size_t kChunk = size_t{2} << 20;
  static constexpr size_t kSlot = (sizeof(KeyTable) + 63) / 64 * 64;
  static_assert(kSlot <= kChunk);

  void grow() {
    // Twice the chunk, so that a 2 MiB-aligned chunk fits inside whatever address mmap picks.
    void* raw =
        mmap(nullptr, 2 * kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return;
    const uintptr_t start = (reinterpret_cast<uintptr_t>(raw) + kChunk - 1) & ~(kChunk - 1);
    char* chunk = reinterpret_cast<char*>(start);
    (void)madvise(chunk, kChunk, MADV_HUGEPAGE);  // a hint: 4 KiB pages still work
    chunks_.push_back(chunk);
    for (size_t off = 0; off + kSlot <= kChunk; off += kSlot) free_.push_back(chunk + off);
  }
  bool owns(void* p) const {
    const char* c = static_cast<const char*>(p);
    for (const char* chunk : chunks_)
      if (c >= chunk && c < chunk + kChunk) return true;
    return false;
  }

  std::mutex mu_;
  std::vector<char*> chunks_;
  std::vector<void*> free_;
};

}  // namespace

bool scalar_is_canonical(const uint8_t s[32]) {
  for (int i = 31; i >= 0; --i) {
    if (s[i] < kL[i]) return true;
    if (s[i] > kL[i]) return false;
  }
  return false;  // s == L
}

bool has_small_order_encoding(const uint8_t s[32]) {
  for (const auto& bad : kSmallOrder) {
    if (std::memcmp(s, bad, 31) == 0 && (s[31] & 0x7f) == bad[31]) return true;
  }
  return false;
}

bool point_is_canonical(const uint8_t s[32]) {
  // y >= p iff y = p + k for k in 0..18: byte 31 (masked) 0x7f, bytes 30..1 0xff, byte 0 >= 0xed.
  if ((s[31] & 0x7f) != 0x7f) return true;
  for (int i = 30; i > 0; --i)
    if (s[i] != 0xff) return true;
  return s[0] < 0xed;
}

namespace {
// The key decoded, if it passes the key checks.
std::optional<Point> checked_key(const PublicKey& pk) {
  if (!point_is_canonical(pk.data()) || has_small_order_encoding(pk.data())) return std::nullopt;
  return decode(pk.data());
}
}  // namespace

bool key_passes_checks(const PublicKey& pk) {
  return checked_key(pk).has_value();
}

std::shared_ptr<const KeyTable> KeyTable::build(const PublicKey& pk) {
  const auto a = checked_key(pk);
  if (!a) return nullptr;
  TableArena& arena = TableArena::instance();
  void* slot = arena.allocate();
  std::shared_ptr<KeyTable> table(new (slot) KeyTable, [](KeyTable* t) {
    t->~KeyTable();
    TableArena::instance().release(t);
  });
  table->pk_ = pk;
  build_comb(table->neg_a_, negate(*a));
  return table;
}

std::optional<Point> KeyTable::r_check(ByteSpan message, const Signature& sig) const {
  const uint8_t* r = sig.data();
  const uint8_t* s = sig.data() + 32;
  if (!scalar_is_canonical(s) || has_small_order_encoding(r)) return std::nullopt;
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, r, 32);
  crypto_hash_sha512_update(&st, pk_.data(), 32);
  crypto_hash_sha512_update(&st, message.data(), message.size());
  uint8_t wide[64];
  crypto_hash_sha512_final(&st, wide);
  uint8_t h[32];
  crypto_core_ed25519_scalar_reduce(h, wide);
  return double_comb(neg_a_, h, s);
}

bool KeyTable::verify(ByteSpan message, const Signature& sig) const {
  // R' encoded canonically and compared with the bytes of R.
  const auto r = r_check(message, sig);
  if (!r) return false;
  uint8_t enc[32];
  encode(enc, *r);
  return std::memcmp(enc, sig.data(), 32) == 0;
}

size_t TableVerifier::KeyHash::operator()(const PublicKey& pk) const {
  uint8_t out[crypto_shorthash_BYTES];
  crypto_shorthash(out, pk.data(), pk.size(), seed->data());
  uint64_t v;
  std::memcpy(&v, out, sizeof v);
  return static_cast<size_t>(v);
}

TableVerifier::TableVerifier(Options options)
    : options_(options),
      tables_per_shard_(std::max<size_t>(1, options.max_tables / kShards)),
      candidates_per_shard_(4 * std::max<size_t>(1, options.max_tables / kShards)),
      enabled_(options.tables && options.max_tables > 0) {
  if (sodium_init() < 0) std::abort();
  randombytes_buf(seed_.data(), seed_.size());
  for (auto& sh : shards_) {
    sh.table_index = decltype(sh.table_index)(16, KeyHash(&seed_));
    sh.candidate_index = decltype(sh.candidate_index)(16, KeyHash(&seed_));
  }
  if (enabled_) enabled_ = self_test();
}

TableVerifier& TableVerifier::shared() {
  static TableVerifier* v = [] {
    Options o;
    if (const char* env = std::getenv("KLYN_ED25519_TABLES")) {
      const std::string s = env;
      if (s == "0" || s == "off") o.tables = false;
    }
    return new TableVerifier(o);  // never destroyed: may be used until the process exits
  }();
  return *v;
}

bool TableVerifier::verify(const PublicKey& pk, ByteSpan message, const Signature& sig) {
  if (enabled_) {
    if (auto table = lookup(pk)) {
      table_verifications_.fetch_add(1, std::memory_order_relaxed);
      return table->verify(message, sig);
    }
  }
  return verify_cold(pk, message, sig);
}

bool TableVerifier::verify_cold(const PublicKey& pk, ByteSpan message, const Signature& sig) {
  libsodium_verifications_.fetch_add(1, std::memory_order_relaxed);
  const bool ok = verify_with_libsodium(pk, message, sig);
  if (ok && enabled_ && count_valid(pk)) {
    if (auto table = KeyTable::build(pk)) {
      tables_built_.fetch_add(1, std::memory_order_relaxed);
      insert(std::move(table));
    }
  }
  return ok;
}

std::vector<bool> TableVerifier::verify_batch(std::span<const VerifyRequest> requests) {
  std::vector<bool> ok(requests.size(), false);
  std::vector<Point> points;
  std::vector<size_t> owners;  // request index of each point
  for (size_t i = 0; i < requests.size(); ++i) {
    const VerifyRequest& q = requests[i];
    auto table = enabled_ ? lookup(*q.pk) : nullptr;
    if (!table) {
      ok[i] = verify_cold(*q.pk, q.message, *q.sig);  // libsodium, and maybe a new table
      continue;
    }
    table_verifications_.fetch_add(1, std::memory_order_relaxed);
    if (auto r = table->r_check(q.message, *q.sig)) {
      points.push_back(*r);
      owners.push_back(i);
    }
  }
  std::vector<std::array<uint8_t, 32>> enc(points.size());
  encode_batch(points, enc.data());
  for (size_t k = 0; k < points.size(); ++k)
    ok[owners[k]] = std::memcmp(enc[k].data(), requests[owners[k]].sig->data(), 32) == 0;
  return ok;
}

std::shared_ptr<const KeyTable> TableVerifier::lookup(const PublicKey& pk) {
  Shard& sh = shard(pk);
  std::lock_guard lock(sh.mu);
  auto it = sh.table_index.find(pk);
  if (it == sh.table_index.end()) return nullptr;
  sh.tables.splice(sh.tables.begin(), sh.tables, it->second);
  return *it->second;
}

std::shared_ptr<const KeyTable> TableVerifier::table_of(const PublicKey& pk) {
  return enabled_ ? lookup(pk) : nullptr;
}

bool TableVerifier::count_valid(const PublicKey& pk) {
  Shard& sh = shard(pk);
  std::lock_guard lock(sh.mu);
  if (sh.table_index.count(pk)) return false;  // built meanwhile by another thread
  auto it = sh.candidate_index.find(pk);
  if (it == sh.candidate_index.end()) {
    sh.candidates.emplace_front(pk, 0);
    it = sh.candidate_index.emplace(pk, sh.candidates.begin()).first;
    if (sh.candidates.size() > candidates_per_shard_) {
      sh.candidate_index.erase(sh.candidates.back().first);
      sh.candidates.pop_back();
    }
  } else {
    sh.candidates.splice(sh.candidates.begin(), sh.candidates, it->second);
  }
  auto& count = it->second->second;
  if (++count < options_.promote_after) return false;
  sh.candidates.erase(it->second);
  sh.candidate_index.erase(it);
  return true;
}

void TableVerifier::insert(std::shared_ptr<const KeyTable> table) {
  Shard& sh = shard(table->key());
  std::lock_guard lock(sh.mu);
  if (sh.table_index.count(table->key())) return;
  sh.tables.push_front(table);
  sh.table_index.emplace(table->key(), sh.tables.begin());
  if (sh.tables.size() > tables_per_shard_) {
    sh.table_index.erase(sh.tables.back()->key());
    sh.tables.pop_back();
    tables_evicted_.fetch_add(1, std::memory_order_relaxed);
  }
}

TableVerifier::Stats TableVerifier::stats() const {
  Stats s;
  s.tables_enabled = enabled_;
  s.table_verifications = table_verifications_.load();
  s.libsodium_verifications = libsodium_verifications_.load();
  s.tables_built = tables_built_.load();
  s.tables_evicted = tables_evicted_.load();
  for (auto& sh : shards_) {
    std::lock_guard lock(sh.mu);
    s.tables += sh.tables.size();
  }
  return s;
}

// E5: the table path (one at a time and batched) must agree with libsodium on valid and mutated
// signatures of ordinary keys and of a mixed-order key before it may answer anything.
bool TableVerifier::self_test() const {
  const auto torsion = test_support::torsion_points();
  std::vector<Point> batch;
  std::vector<bool> batch_want;
  std::vector<Signature> batch_sigs;
  for (uint8_t k = 0; k < 5; ++k) {
    uint8_t wide[64] = {};
    wide[0] = static_cast<uint8_t>(k + 1);
    wide[33] = 0xa5;
    const test_support::Scalar a = test_support::scalar_from_wide(wide);
    PublicKey pk = test_support::public_of(a);
    if (k == 4) pk = test_support::add_torsion(pk, torsion[1]);  // order-8 component
    auto table = KeyTable::build(pk);
    if (!table) return false;
    int accepted = 0;
    for (uint8_t m = 0; m < 64 && (m < 3 || (k == 4 && accepted == 0)); ++m) {
      Bytes msg(static_cast<size_t>(m) * 29 % 200, static_cast<uint8_t>(k + m));
      uint8_t nonce[64] = {};
      nonce[0] = m;
      nonce[1] = k;
      nonce[2] = 1;  // never r = 0
      const Signature sig = test_support::sign_with_scalar(a, pk, msg, nonce);
      for (int mutation = 0; mutation < 4; ++mutation) {
        Signature s = sig;
        Bytes msg2 = msg;
        if (mutation == 1) s[3] ^= 0x10;                   // R
        if (mutation == 2) s[40] ^= 0x01;                  // S
        if (mutation == 3 && !msg2.empty()) msg2[0] ^= 1;  // message
        const bool want = verify_with_libsodium(pk, msg2, s);
        accepted += want;
        if (table->verify(msg2, s) != want) return false;
        if (auto r = table->r_check(msg2, s)) {
          batch.push_back(*r);
          batch_want.push_back(want);
          batch_sigs.push_back(s);
        } else if (want) {
          return false;
        }
      }
    }
    if (accepted == 0) return false;
  }
  std::vector<std::array<uint8_t, 32>> enc(batch.size());
  encode_batch(batch, enc.data());
  for (size_t i = 0; i < batch.size(); ++i)
    if ((std::memcmp(enc[i].data(), batch_sigs[i].data(), 32) == 0) != batch_want[i]) return false;
  return true;
}

}  // namespace klyn::crypto::ed25519
