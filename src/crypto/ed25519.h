#pragma once
// Ed25519 (libsodium). An account address is the base58 encoding of its 32-byte public key.
//
// Verification gives libsodium's crypto_sign_verify_detached answer for every input (a consensus
// rule, see README.md): it rejects non-canonical S and small-order public keys, so a valid
// signature cannot be mutated into another valid one. Keys that sign often are verified with
// precomputed tables (ed25519/key_tables.h) at a third of the cost; the answers are the same.

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using Seed = std::array<uint8_t, 32>;

// A key pair. The secret part is wiped when the object is destroyed. Not copyable by accident:
// copies are explicit (clone()).
class KeyPair {
 public:
  static KeyPair generate();
  static KeyPair from_seed(const Seed& seed);
  ~KeyPair();
  KeyPair(KeyPair&& other) noexcept;
  KeyPair& operator=(KeyPair&& other) noexcept;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  KeyPair clone() const { return from_seed(seed_); }

  const PublicKey& public_key() const { return pk_; }
  const Seed& seed() const { return seed_; }
  std::string address() const;
  Signature sign(ByteSpan message) const;

 private:
  KeyPair() = default;
  Seed seed_{};
  std::array<uint8_t, 64> sk_{};
  PublicKey pk_{};
};

// libsodium's answer, through ed25519::TableVerifier::shared() (thread-safe).
bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig);
// One request of verify_batch: pointers into the caller's data, which must outlive the call.
struct VerifyRequest {
  const PublicKey* pk;
  ByteSpan message;
  const Signature* sig;
};
// verify() of every request, results in order; requests whose keys have tables share one field
// inversion (a fifth of a table verification each).
std::vector<bool> verify_batch(std::span<const VerifyRequest> requests);
// libsodium itself, always: for benchmarks that measure the reference cost.
bool verify_with_libsodium(const PublicKey& pk, ByteSpan message, const Signature& sig);

std::string address_of(const PublicKey& pk);
// Parses a base58 address into a public key; rejects wrong lengths and characters.
Result<PublicKey> parse_address(std::string_view address);

}  // namespace klyn::crypto
