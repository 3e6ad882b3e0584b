#pragma once
// Test validators for dev_symbiland: deterministic BLS keys (KeyGen from a fixed seed per index)
// with real proofs of possession, Ed25519 accounts from chain's test keys. They sign with BLS, or
// (Signatures::kHashed, for the simulation's many seeds) with the keyed-hash scheme of
// hash_scheme.h.
#include <memory>
#include <vector>

#include "chain/tests/test_util.h"
#include "workflows/dev_symbiland/consensus/types.h"
#include "workflows/dev_symbiland/tests/hash_scheme.h"

namespace klyn::dev_symbiland::testing {

inline bls::SecretKey bls_key(uint32_t i) {
  Bytes ikm(32, 0x42);
  ikm[0] = static_cast<uint8_t>(i);
  ikm[1] = static_cast<uint8_t>(i >> 8);
  return bls::SecretKey::key_gen(ikm).value();
}

enum class Signatures { kBls, kHashed };

struct Validators {
  std::vector<bls::SecretKey> keys;              // the set's BLS keys (either kind)
  std::vector<std::unique_ptr<Signer>> signers;  // what validator i signs with
  std::unique_ptr<Certifier> certifier;
  chain::SymbioteId symbiote{};
  const ValidatorSet& set() const { return certifier->set(); }
};

inline Validators make_validators(std::vector<uint64_t> weights, Epoch epoch = 1,
                                  Signatures kind = Signatures::kBls) {
  Validators out;
  out.symbiote.fill(0x5b);
  std::vector<Validator> vs;
  std::vector<bls::Signature> pops;
  for (uint32_t i = 0; i < weights.size(); ++i) {
    out.keys.push_back(bls_key(i));
    vs.push_back({chain::testing::key(static_cast<uint8_t>(i + 1)).public_key(),
                  out.keys.back().public_key(), weights[i]});
    pops.push_back(out.keys.back().prove_possession());
    if (kind == Signatures::kBls)
      out.signers.push_back(std::make_unique<BlsSigner>(out.keys.back()));
    else
      out.signers.push_back(std::make_unique<HashSigner>(i));
  }
  std::shared_ptr<const SignatureScheme> scheme;
  if (kind == Signatures::kHashed) scheme = std::make_shared<HashScheme>(weights.size());
  out.certifier = std::make_unique<Certifier>(
      out.symbiote, epoch, ValidatorSet::make(std::move(vs), pops).value(), std::move(scheme));
  return out;
}

inline Vote sign_vote(const Validators& v, uint32_t voter, Round round, const Hash32& block) {
  Vote vote;
  vote.epoch = v.certifier->epoch();
  vote.round = round;
  vote.block = block;
  vote.voter = voter;
  vote.signature = v.signers[voter]->sign(vote_message(v.symbiote, vote.epoch, round, block));
  return vote;
}

inline Timeout sign_timeout(const Validators& v, uint32_t voter, Round round,
                            const QuorumCert& high_qc) {
  Timeout t;
  t.epoch = v.certifier->epoch();
  t.round = round;
  t.high_qc = high_qc;
  t.voter = voter;
  t.signature = v.signers[voter]->sign(timeout_message(v.symbiote, t.epoch, round, high_qc.round));
  return t;
}

// A block of `round` extending justify.block, signed by `proposer`.
inline Proposal sign_proposal(const Validators& v, uint32_t proposer, Round round, uint64_t height,
                              const QuorumCert& justify, std::optional<TimeoutCert> tc = {},
                              Bytes payload = {}) {
  Proposal p;
  p.block.symbiote = v.symbiote;
  p.block.epoch = v.certifier->epoch();
  p.block.round = round;
  p.block.height = height;
  p.block.parent = justify.block;
  p.block.justify = justify;
  p.block.tc = std::move(tc);
  p.block.proposer = proposer;
  p.block.payload = std::move(payload);
  p.signature =
      v.signers[proposer]->sign(proposal_message(v.symbiote, p.block.epoch, round, p.block.hash()));
  return p;
}

}  // namespace klyn::dev_symbiland::testing
