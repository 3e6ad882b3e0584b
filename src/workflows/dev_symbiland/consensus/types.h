#pragma once
// dev_symbiland's consensus messages and certificates (README.md "Messages", invariants B1, B2):
// the validator set, blocks, proposals, votes, timeouts, quorum certificates (QC) and timeout
// certificates (TC), their canonical encodings, the messages validators sign, and verification.
//
// Decoding checks structure only (lengths, bounds, canonical bitmaps; a signature is 96 opaque
// bytes); what a message means for a validator set, its signatures included, is checked by
// Certifier, which holds the set and its signature scheme and remembers what verified.
//
// Thread safety: the value types are plain values; Certifier is safe to share between threads
// (its caches are behind a mutex).

#include <compare>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "chain/types.h"
#include "codec/binary.h"
#include "common/bytes.h"
#include "common/result.h"
#include "crypto/bls12_381/signature.h"
#include "workflows/dev_symbiland/consensus/scheme.h"

namespace klyn::dev_symbiland {

using Round = uint64_t;
using Epoch = uint64_t;

inline constexpr size_t kMaxValidators = 1024;
inline constexpr size_t kMaxPayloadBytes = 8 << 20;

// Bit i = validator i. Canonical: exactly `size` bits, unused bits of the last byte zero.
class Bitmap {
 public:
  Bitmap() = default;
  explicit Bitmap(size_t size) : size_(size), bytes_((size + 7) / 8, 0) {}
  size_t size() const { return size_; }
  bool test(size_t i) const { return i < size_ && (bytes_[i / 8] >> (i % 8)) & 1; }
  void set(size_t i) { bytes_[i / 8] |= static_cast<uint8_t>(1u << (i % 8)); }  // i < size()
  size_t count() const;
  std::vector<uint32_t> indices() const;
  void encode(codec::Writer& w) const;
  bool decode(codec::Reader& r);  // fails on > kMaxValidators bits or non-zero unused bits
  auto operator<=>(const Bitmap&) const = default;

 private:
  size_t size_ = 0;
  std::vector<uint8_t> bytes_;
};

struct Validator {
  chain::AccountId account{};  // its Ed25519 account (stake, fees)
  bls::PublicKey key;          // signs votes, proposals and timeouts
  uint64_t weight = 0;
};

// An ordered validator set; index i is bit i of every bitmap.
class ValidatorSet {
 public:
  // Every weight >= 1, the total fits 64 bits, keys and accounts unique, 1..kMaxValidators
  // validators, and each key's proof of possession verifies (PopVerify). Errors: bad_validators.
  static Result<ValidatorSet> make(std::vector<Validator> validators,
                                   const std::vector<bls::Signature>& proofs);

  size_t size() const { return validators_.size(); }
  const Validator& at(size_t i) const { return validators_[i]; }
  uint64_t total_weight() const { return total_; }
  // Smallest weight that is more than 2/3 of the total: floor(2W/3) + 1.
  uint64_t quorum_weight() const { return quorum_; }
  uint64_t weight_of(const Bitmap& signers) const;  // 0 unless signers.size() == size()
  bool is_quorum(const Bitmap& signers) const { return weight_of(signers) >= quorum_; }
  // README "Leader of round r": stake-weighted, deterministic, spread out (no runs of one
  // leader unless it holds half the weight).
  uint32_t leader(const chain::SymbioteId& symbiote, Epoch epoch, Round round) const;
  std::optional<uint32_t> index_of(const bls::PublicKey& key) const;
  // BLAKE2b-256 of the set's encoding (keys, accounts, weights in order).
  Hash32 hash() const;

 private:
  // Weights above this total are scaled down to about it for the leader schedule.
  static constexpr uint64_t kScheduleSlots = 4096;
  static std::vector<uint32_t> leader_schedule(const std::vector<Validator>& vs, uint64_t total);

  std::vector<Validator> validators_;
  uint64_t total_ = 0, quorum_ = 0;
  std::vector<uint32_t> schedule_;  // leader of each slot of one period (README)
};

// The signed messages (README): domain-separated, fixed layout.
Bytes vote_message(const chain::SymbioteId& s, Epoch e, Round r, const Hash32& block);
Bytes proposal_message(const chain::SymbioteId& s, Epoch e, Round r, const Hash32& block);
Bytes timeout_message(const chain::SymbioteId& s, Epoch e, Round r, Round high_qc_round);

struct QuorumCert {
  Epoch epoch = 0;
  Round round = 0;
  Hash32 block{};
  Bitmap signers;
  Sig signature = identity_signature();

  // The genesis QC of a symbiote: round 0, the symbiote id as block, no signers.
  static QuorumCert genesis(const chain::SymbioteId& symbiote, Epoch epoch, size_t validators);
  bool is_genesis() const { return round == 0; }
  void encode(codec::Writer& w) const;
  bool decode(codec::Reader& r);
  Bytes encode() const;
  Hash32 hash() const;
  bool operator==(const QuorumCert&) const = default;
};

struct TimeoutCert {
  Epoch epoch = 0;
  Round round = 0;
  Bitmap signers;
  std::vector<Round> high_qc_rounds;  // one per signer, in index order
  Sig signature = identity_signature();

  Round max_high_qc_round() const;
  void encode(codec::Writer& w) const;
  bool decode(codec::Reader& r);
  Bytes encode() const;
  Hash32 hash() const;
  bool operator==(const TimeoutCert&) const = default;
};

struct Block {
  chain::SymbioteId symbiote{};
  Epoch epoch = 0;
  Round round = 0;
  uint64_t height = 0;
  Hash32 parent{};
  QuorumCert justify;             // certifies `parent`
  std::optional<TimeoutCert> tc;  // TC(round - 1) when the proposer entered `round` by it
  uint32_t proposer = 0;
  uint64_t created_ms = 0;
  // The state certified with this block (README "State"): the root after executing the committed
  // chain up to height state_height, the highest ancestor this block's ancestry proves committed
  // (state_height_after(parent)).
  uint64_t state_height = 0;
  Hash32 state_root{};
  Bytes payload;  // the workflow's events; opaque to consensus

  // The state_height of a child of `parent`: the grandparent's height when the parent directly
  // follows its justify (the child's QC on the parent is then a 2-chain committing the
  // grandparent), else the parent's own state_height.
  static uint64_t state_height_after(const Block& parent);

  void encode(codec::Writer& w) const;
  bool decode(codec::Reader& r);
  Bytes encode() const;
  Hash32 hash() const;
  bool operator==(const Block&) const = default;
};

struct Proposal {
  Block block;
  Sig signature = identity_signature();  // the proposer's, over proposal_message
  Bytes encode() const;
  static Result<Proposal> decode(ByteSpan bytes);
};

struct Vote {
  Epoch epoch = 0;
  Round round = 0;
  Hash32 block{};
  uint32_t voter = 0;
  Sig signature = identity_signature();
  Bytes encode() const;
  static Result<Vote> decode(ByteSpan bytes);
  bool operator==(const Vote&) const = default;
};

struct Timeout {
  Epoch epoch = 0;
  Round round = 0;
  QuorumCert high_qc;
  std::optional<TimeoutCert> last_tc;  // TC(round - 1) when the sender entered `round` by it
  uint32_t voter = 0;
  Sig signature = identity_signature();  // over timeout_message(round, high_qc.round)
  Bytes encode() const;
  static Result<Timeout> decode(ByteSpan bytes);
};

// Verifies messages against one validator set of one symbiote and epoch. Errors name what is
// wrong: wrong_symbiote, wrong_epoch, bad_signers (bitmap length or a bit outside the set),
// no_quorum, bad_signature, bad_certificate.
class Certifier {
 public:
  // `scheme` null: BLS12-381 over the set's keys (BlsScheme), as every node runs.
  Certifier(chain::SymbioteId symbiote, Epoch epoch, ValidatorSet set,
            std::shared_ptr<const SignatureScheme> scheme = nullptr);

  const ValidatorSet& set() const { return set_; }
  const SignatureScheme& scheme() const { return *scheme_; }
  const chain::SymbioteId& symbiote() const { return symbiote_; }
  Epoch epoch() const { return epoch_; }

  Status verify_qc(const QuorumCert& qc) const;
  Status verify_tc(const TimeoutCert& tc) const;
  // The proposer is the round's leader and signed it; its justify (and TC, if any) verify.
  Status verify_proposal(const Proposal& p) const;
  Status verify_vote(const Vote& v) const;
  Status verify_timeout(const Timeout& t) const;

  // Aggregates `votes` (one block, one round, distinct voters) into a QC; checks the result.
  // Errors as verify_qc (a bad vote among them makes bad_signature: verify them one by one).
  Result<QuorumCert> make_qc(const std::vector<Vote>& votes) const;
  // Aggregates `timeouts` (one round, distinct voters) into a TC; checks the result.
  Result<TimeoutCert> make_tc(const std::vector<Timeout>& timeouts) const;

  // Certificates and signed messages verified so far (by hash), remembered up to this many: the
  // same certificate carried by many messages, or one message delivered twice, costs one check.
  static constexpr size_t kRemembered = 4096;

 private:
  Status check_signers(const Bitmap& signers) const;
  // A QC's checks short of its signature: false if none is needed (genesis, or verified before).
  Result<bool> qc_needs_signature_check(const QuorumCert& qc) const;
  bool remembered(const Hash32& h) const;
  void remember(const Hash32& h) const;

  chain::SymbioteId symbiote_;
  Epoch epoch_;
  ValidatorSet set_;
  std::shared_ptr<const SignatureScheme> scheme_;
  mutable std::mutex mu_;
  mutable std::set<Hash32> verified_;
  mutable std::deque<Hash32> verified_order_;
};

}  // namespace klyn::dev_symbiland
