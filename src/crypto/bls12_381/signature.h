#pragma once
// BLS signatures on BLS12-381, minimal-pubkey-size variant (public keys in G1, 48 bytes;
// signatures in G2, 96 bytes), proof-of-possession scheme of draft-irtf-cfrg-bls-signature,
// as used by Ethereum's consensus layer.
//
// The three types are validated on construction, so holding one is proof of validity:
//  * SecretKey: 1 <= sk < r. Wiped from memory when destroyed. Signing is constant time.
//  * PublicKey: a G1 point in the order-r subgroup, not the identity (KeyValidate).
//  * Signature: a G2 point in the order-r subgroup (the identity decodes).
// Failures are returned as klyn::Result errors (codes: "bad_length", "bad_key",
// "bad_encoding", "empty_input", "identity"); nothing here throws on bad input.
// All functions are thread-safe; the types are immutable values.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/bls12_381/point.h"
#include "crypto/bls12_381/scalar.h"

namespace klyn::bls {

inline constexpr std::string_view kSignatureDst = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
inline constexpr std::string_view kPopDst = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

class Signature {
 public:
  static constexpr size_t kSize = 96;
  // Strict compressed decoding including the subgroup check; the identity is accepted.
  static Result<Signature> from_bytes(ByteSpan bytes);
  // The compressed form, kept beside the point (messages holding a signature are encoded and
  // hashed far more often than signatures are made).
  const std::array<uint8_t, kSize>& to_bytes() const { return bytes_; }
  const G2Affine& point() const { return point_; }
  bool operator==(const Signature& o) const { return bytes_ == o.bytes_; }

 private:
  friend class SecretKey;
  friend Result<Signature> aggregate_signatures(std::span<const Signature> sigs);
  // Trusted construction from a public point known to be in G2 (variable time).
  static Signature from_subgroup_point(const G2Projective& p);
  explicit Signature(const G2Affine& p);
  G2Affine point_;
  std::array<uint8_t, kSize> bytes_;
};

// H(message) under the signature tag (hash-to-G2, about a quarter of a Verify), computed once for
// several uses: signing the message and verifying signatures or aggregates over it.
class HashedMessage {
 public:
  explicit HashedMessage(ByteSpan message);
  const G2Affine& point() const { return point_; }

 private:
  G2Affine point_;
};

class PublicKey {
 public:
  static constexpr size_t kSize = 48;
  // KeyValidate: strict decoding, subgroup check, and not the identity.
  static Result<PublicKey> from_bytes(ByteSpan bytes);
  const std::array<uint8_t, kSize>& to_bytes() const { return bytes_; }
  const G1Affine& point() const { return point_; }
  bool operator==(const PublicKey& o) const { return bytes_ == o.bytes_; }

 private:
  friend class SecretKey;
  friend Result<PublicKey> aggregate_public_keys(std::span<const PublicKey> pks);
  // Fails ("identity") when the point is the identity; the point must be in G1. Variable
  // time (a public key is public).
  static Result<PublicKey> from_subgroup_point(const G1Projective& p);
  explicit PublicKey(const G1Affine& p);
  G1Affine point_;
  std::array<uint8_t, kSize> bytes_;
};

class SecretKey {
 public:
  static constexpr size_t kSize = 32;
  // 32 big-endian bytes with 1 <= sk < r.
  static Result<SecretKey> from_bytes(ByteSpan bytes);
  // KeyGen of the IETF draft (HKDF-SHA256, salt "BLS-SIG-KEYGEN-SALT-"); IKM >= 32 bytes.
  static Result<SecretKey> key_gen(ByteSpan ikm, ByteSpan key_info = {});

  SecretKey(const SecretKey& o) = default;
  SecretKey& operator=(const SecretKey& o) = default;
  ~SecretKey();

  std::array<uint8_t, kSize> to_bytes() const;
  PublicKey public_key() const;            // SkToPk
  Signature sign(ByteSpan message) const;  // sk * H(message), constant time in sk
  Signature sign(const HashedMessage& message) const;
  Signature prove_possession() const;  // PopProve

 private:
  explicit SecretKey(const ScalarLimbs& k) : k_(k) {}
  ScalarLimbs k_;
};

// Verify(pk, message, signature).
bool verify(const PublicKey& pk, ByteSpan message, const Signature& sig);
bool verify(const PublicKey& pk, const HashedMessage& message, const Signature& sig);
// PopVerify: the proof signs the 48-byte public key under the POP tag.
bool pop_verify(const PublicKey& pk, const Signature& proof);

// Sum of signatures ("empty_input" for an empty list; the result may be the identity).
Result<Signature> aggregate_signatures(std::span<const Signature> sigs);
// Sum of public keys ("empty_input" for an empty list, "identity" if the sum is the identity).
Result<PublicKey> aggregate_public_keys(std::span<const PublicKey> pks);

// FastAggregateVerify: all keys signed the same message (keys must have proofs of possession).
bool fast_aggregate_verify(std::span<const PublicKey> pks, ByteSpan message, const Signature& sig);
// AggregateVerify: key i signed message i; false if lists are empty or of different lengths.
bool aggregate_verify(std::span<const PublicKey> pks, std::span<const ByteSpan> messages,
                      const Signature& sig);
// True iff every (pk_i, message_i, sig_i) passes verify (checked at once with random 64-bit
// coefficients from the system RNG, so one multi-pairing replaces n). False for empty input or
// different lengths.
bool batch_verify(std::span<const PublicKey> pks, std::span<const ByteSpan> messages,
                  std::span<const Signature> sigs);
bool batch_verify(std::span<const PublicKey> pks, std::span<const HashedMessage> messages,
                  std::span<const Signature> sigs);

}  // namespace klyn::bls
