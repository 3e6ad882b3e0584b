#pragma once
// A keyed-hash signature scheme for the simulation's many seeds (test-only; README.md
// "Simulation"). Validator i's signature of m is BLAKE2b-256 over (i, m) in the first 32 of the 96
// bytes; an aggregate is the XOR of its members' signatures, checked by recomputing them. It is not
// a signature scheme anyone could rely on (whoever knows an index can sign for it): it only gives
// the state machine what it needs from one — a value that depends on signer and message,
// deterministic like BLS, aggregated like a QC — at a microsecond instead of a pairing, so the
// simulation can run thousands of seeds. The seeds of every `make test` and the unit tests run
// real BLS12-381 (BlsScheme).
#include <span>

#include "codec/binary.h"
#include "crypto/hash.h"
#include "workflows/dev_symbiland/consensus/scheme.h"

namespace klyn::dev_symbiland::testing {

inline Sig hash_signature(uint32_t signer, ByteSpan message) {
  codec::Writer w(4 + message.size());
  w.u32(signer);
  w.raw(message);
  const Hash32 h = crypto::blake2b256("KLY-SL-SIM-SIGNATURE", std::move(w).take());
  Sig s{};
  std::copy(h.begin(), h.end(), s.begin());
  return s;
}

class HashSigner final : public Signer {
 public:
  explicit HashSigner(uint32_t index) : index_(index) {}
  Sig sign(ByteSpan message) const override { return hash_signature(index_, message); }

 private:
  uint32_t index_;
};

class HashScheme final : public SignatureScheme {
 public:
  explicit HashScheme(size_t validators) : size_(validators) {}
  bool verify(uint32_t signer, ByteSpan message, const Sig& sig) const override {
    return signer < size_ && hash_signature(signer, message) == sig;
  }
  Result<Sig> aggregate(std::span<const Sig> sigs) const override {
    if (sigs.empty()) return Error("empty_input", "no signatures");
    Sig acc{};
    for (const Sig& s : sigs)
      for (size_t i = 0; i < acc.size(); ++i) acc[i] ^= s[i];
    return acc;
  }
  bool verify_aggregate(std::span<const SignedGroup> groups, const Sig& sig) const override {
    if (groups.empty()) return false;
    std::vector<Sig> parts;
    for (const SignedGroup& g : groups)
      for (uint32_t i : g.signers) {
        if (i >= size_) return false;
        parts.push_back(hash_signature(i, g.message));
      }
    auto agg = aggregate(parts);
    return agg && *agg == sig;
  }
  bool verify_each(std::span<const SignedAggregate> items) const override {
    if (items.empty()) return false;
    for (const SignedAggregate& item : items)
      if (!verify_aggregate({&item.group, 1}, item.signature)) return false;
    return true;
  }

 private:
  size_t size_;
};

}  // namespace klyn::dev_symbiland::testing
