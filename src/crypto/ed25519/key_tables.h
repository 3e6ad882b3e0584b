#pragma once
// Ed25519 verification with precomputed per-key tables, giving exactly libsodium's answers
// (invariants E1–E5 in ../README.md, "Fast verification").
//
// `KeyTable` holds the comb table of −A for one public key A and verifies signatures of that key
// with the table. `TableVerifier` decides which keys deserve a table: it sends every key to
// libsodium until the key has produced `promote_after` valid signatures, then builds its table and
// uses it from then on, keeping at most `max_tables` tables (least recently used evicted).
//
// Thread safety: KeyTable is immutable. TableVerifier's methods may be called from any number of
// threads at once (sharded mutexes; no lock is held while a signature is checked or a table built).

#include <array>
#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "crypto/ed25519.h"
#include "crypto/ed25519/point.h"

namespace klyn::crypto::ed25519 {

// libsodium 1.0.18's byte checks (crypto_sign/ed25519/ref10/open.c and ge25519), written out.
bool scalar_is_canonical(const uint8_t s[32]);       // s < L
bool has_small_order_encoding(const uint8_t s[32]);  // one of the 7 blocklisted y (bit 255 masked)
bool point_is_canonical(const uint8_t s[32]);        // y (bit 255 masked) < p
// The key checks of crypto_sign_verify_detached: canonical, not blocklisted, decodes.
bool key_passes_checks(const PublicKey& pk);

class KeyTable {
 public:
  // nullptr when the key fails key_passes_checks (libsodium rejects every signature of it).
  static std::shared_ptr<const KeyTable> build(const PublicKey& pk);
  // The table path of E3: the same answer as crypto_sign_verify_detached(sig, message, key()).
  bool verify(ByteSpan message, const Signature& sig) const;
  // The same in two halves, so that many encodings can share one inversion: R' = [S]B + [h](−A),
  // or nullopt when the byte checks on S and R already refuse the signature.
  std::optional<Point> r_check(ByteSpan message, const Signature& sig) const;
  const PublicKey& key() const { return pk_; }

  KeyTable() = default;  // use build()

 private:
  PublicKey pk_{};
  CombTable neg_a_;
};

class TableVerifier {
 public:
  struct Options {
    size_t max_tables = 2048;    // 30 KiB each
    unsigned promote_after = 2;  // valid libsodium verifications before a key gets a table
    bool tables = true;          // false: every call goes to libsodium
  };
  struct Stats {
    bool tables_enabled = false;  // false also when the start-up self-test failed (E5)
    uint64_t table_verifications = 0;
    uint64_t libsodium_verifications = 0;
    uint64_t tables_built = 0;
    uint64_t tables_evicted = 0;
    size_t tables = 0;
  };

  explicit TableVerifier(Options options);
  TableVerifier(const TableVerifier&) = delete;
  TableVerifier& operator=(const TableVerifier&) = delete;

  bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig);
  // verify() of each request, in order; the table-path encodings share one inversion.
  std::vector<bool> verify_batch(std::span<const VerifyRequest> requests);
  Stats stats() const;
  // The table of a key, if it has one now (tests).
  std::shared_ptr<const KeyTable> table_of(const PublicKey& pk);

  // The instance crypto::verify uses. Tables are on unless the environment variable
  // KLYN_ED25519_TABLES is "0" or "off" (for benchmarks comparing both).
  static TableVerifier& shared();

 private:
  // SipHash of the key under a per-process random seed: senders cannot grind keys into one shard
  // or one bucket.
  struct KeyHash {
    KeyHash() : seed(nullptr) {}
    explicit KeyHash(const std::array<uint8_t, 16>* s) : seed(s) {}
    size_t operator()(const PublicKey& pk) const;
    const std::array<uint8_t, 16>* seed;
  };
  using TableList = std::list<std::shared_ptr<const KeyTable>>;
  using CandidateList = std::list<std::pair<PublicKey, unsigned>>;
  struct Shard {
    mutable std::mutex mu;
    TableList tables;  // most recently used first
    std::unordered_map<PublicKey, TableList::iterator, KeyHash> table_index;
    CandidateList candidates;  // keys counting valid signatures, most recent first
    std::unordered_map<PublicKey, CandidateList::iterator, KeyHash> candidate_index;
  };
  static constexpr size_t kShards = 16;

  Shard& shard(const PublicKey& pk) { return shards_[(KeyHash(&seed_)(pk) >> 59) % kShards]; }
  std::shared_ptr<const KeyTable> lookup(const PublicKey& pk);
  // Counts a valid signature of pk; true when pk has just reached promote_after.
  bool count_valid(const PublicKey& pk);
  void insert(std::shared_ptr<const KeyTable> table);
  // libsodium, then promotion of the key if the signature was valid.
  bool verify_cold(const PublicKey& pk, ByteSpan message, const Signature& sig);
  bool self_test() const;

  const Options options_;
  const size_t tables_per_shard_;
  const size_t candidates_per_shard_;
  bool enabled_;
  std::array<uint8_t, 16> seed_{};
  std::array<Shard, kShards> shards_;
  std::atomic<uint64_t> table_verifications_{0}, libsodium_verifications_{0}, tables_built_{0},
      tables_evicted_{0};
};

}  // namespace klyn::crypto::ed25519
