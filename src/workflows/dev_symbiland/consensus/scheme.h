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
#include <map>
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
};

// BLS12-381 over a validator set's keys (each key has a verified proof of possession: the set
// refuses one without). Caches the aggregate public key per signer list (bounded).
class BlsScheme final : public SignatureScheme {
 public:
  explicit BlsScheme(const ValidatorSet& set);
  bool verify(uint32_t signer, ByteSpan message, const Sig& sig) const override;
  Result<Sig> aggregate(std::span<const Sig> sigs) const override;
  bool verify_aggregate(std::span<const SignedGroup> groups, const Sig& sig) const override;

 private:
  std::optional<bls::PublicKey> aggregate_key(const std::vector<uint32_t>& signers) const;
  std::vector<bls::PublicKey> keys_;
  mutable std::mutex mu_;
  mutable std::map<std::vector<uint32_t>, bls::PublicKey> cache_;
};

class BlsSigner final : public Signer {
 public:
  explicit BlsSigner(bls::SecretKey key) : key_(std::move(key)) {}
  Sig sign(ByteSpan message) const override { return key_.sign(message).to_bytes(); }
  bls::PublicKey public_key() const { return key_.public_key(); }

 private:
  bls::SecretKey key_;
};

}  // namespace klyn::dev_symbiland
