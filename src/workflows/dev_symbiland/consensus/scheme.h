#pragma once
// How validators sign consensus messages and how their signatures and aggregates are checked
// (README.md "Signatures"). Messages carry a signature as its 96 opaque bytes (Sig); only a scheme
// gives them meaning, so a message that is decoded, compared, hashed or forwarded costs no curve
// arithmetic, and a signature is turned into a point only when it is checked or aggregated.
//
// The node's scheme is BLS12-381 (BlsScheme, BlsSigner: minimal-pubkey-size, proof-of-possession
// ciphersuite). The seeded simulation runs most of its seeds on a keyed-hash scheme of its own
// (tests/hash_scheme.h), since what it tests is the state machine, and keeps real BLS for the seeds
// of every `make test`.
//
// Thread safety: schemes and signers are immutable after construction, apart from BlsScheme's
// aggregate-key cache (behind a mutex); share them freely between threads.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/bls12_381/signature.h"

namespace klyn::dev_symbiland {

class ValidatorSet;

// A signature or aggregate as it travels: a compressed G2 point for BLS.
using Sig = std::array<uint8_t, 96>;

// The aggregate of no signatures (the genesis QC's): the compressed identity of G2.
const Sig& identity_signature();

// One validator's key, signing.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual Sig sign(ByteSpan message) const = 0;
};

// Validators `signers` (indices into the set, ascending) each signed `message`.
struct SignedGroup {
  std::vector<uint32_t> signers;
  ByteSpan message;
};

// An aggregate signature of one group (one validator: a plain signature).
struct SignedAggregate {
  SignedGroup group;
  Sig signature{};
};

class SignatureScheme {
 public:
  virtual ~SignatureScheme() = default;
  // Validator `signer` signed `message` with `sig`.
  virtual bool verify(uint32_t signer, ByteSpan message, const Sig& sig) const = 0;
  // Adds signatures up. Errors: empty_input, bad_encoding (names the index of the one that is not
  // a signature).
  virtual Result<Sig> aggregate(std::span<const Sig> sigs) const = 0;
  // `sig` aggregates a signature of every signer of every group over its group's message (groups
  // are disjoint; one group = FastAggregateVerify, several = AggregateVerify over one aggregate key
  // per group).
  virtual bool verify_aggregate(std::span<const SignedGroup> groups, const Sig& sig) const = 0;
  // Every item verifies (its signature aggregates its group's signatures over the group's
  // message). The items are checked together (BLS: one multi-pairing with random coefficients
  // instead of one pairing check each); false names none, so a caller that must say which one
  // failed checks them one by one then.
  virtual bool verify_each(std::span<const SignedAggregate> items) const = 0;
};

// H(m) of recent messages, bounded: a memo of the hash-to-curve, which costs about a quarter of a
// signature check. Shared (by default, process-wide) by a node's signer and its scheme, since a
// validator signs the very vote message its round's certificate is then checked over. Thread-safe.
class MessageHashes {
 public:
  static constexpr size_t kCapacity = 64;
  static const std::shared_ptr<MessageHashes>& shared();
  std::shared_ptr<const bls::HashedMessage> get(ByteSpan message);

 private:
  std::mutex mu_;
  std::map<Bytes, std::shared_ptr<const bls::HashedMessage>> hashed_;
  std::deque<Bytes> order_;
};

// BLS12-381 over a validator set's keys (each key has a verified proof of possession: the set
// refuses one without). Caches the aggregate public key per signer list (bounded).
class BlsScheme final : public SignatureScheme {
 public:
  explicit BlsScheme(const ValidatorSet& set,
                     std::shared_ptr<MessageHashes> hashes = MessageHashes::shared());
  bool verify(uint32_t signer, ByteSpan message, const Sig& sig) const override;
  Result<Sig> aggregate(std::span<const Sig> sigs) const override;
  bool verify_aggregate(std::span<const SignedGroup> groups, const Sig& sig) const override;
  bool verify_each(std::span<const SignedAggregate> items) const override;

 private:
  std::optional<bls::PublicKey> aggregate_key(const std::vector<uint32_t>& signers) const;
  std::vector<bls::PublicKey> keys_;
  std::shared_ptr<MessageHashes> hashes_;
  mutable std::mutex mu_;
  mutable std::map<std::vector<uint32_t>, bls::PublicKey> cache_;
};

class BlsSigner final : public Signer {
 public:
  explicit BlsSigner(bls::SecretKey key,
                     std::shared_ptr<MessageHashes> hashes = MessageHashes::shared())
      : key_(std::move(key)), hashes_(std::move(hashes)) {}
  Sig sign(ByteSpan message) const override { return key_.sign(*hashes_->get(message)).to_bytes(); }
  bls::PublicKey public_key() const { return key_.public_key(); }

 private:
  bls::SecretKey key_;
  std::shared_ptr<MessageHashes> hashes_;
};

}  // namespace klyn::dev_symbiland
