#include "workflows/dev_controller/alarms.h"

#include "codec/binary.h"
#include "codec/hex.h"
#include "crypto/hash.h"

namespace klyn::dev_controller {

namespace {

constexpr std::string_view kProofDomain = "KLY-DC-EQUIVOCATION-v1";
constexpr size_t kMaxBlockBytes = 1 << 20;  // far above any controller block the limits allow

}  // namespace

Hash32 EquivocationProof::id() const {
  Bytes both(first_hash.begin(), first_hash.end());
  both.insert(both.end(), second_hash.begin(), second_hash.end());
  return crypto::blake2b256(kProofDomain, both);
}

Bytes EquivocationProof::encode() const {
  codec::Writer w(first.size() + second.size() + 32);
  w.string(kProofDomain);
  w.bytes(first);
  w.bytes(second);
  return std::move(w).take();
}

Result<EquivocationProof> check_equivocation(ByteSpan a, ByteSpan b, const SymbioteId& symbiote,
                                             const crypto::PublicKey& controller,
                                             const BlockLimits& limits) {
  auto ca = decode_controller_block(a, limits);
  if (!ca) return Error("bad_proof", "first block: " + ca.error().reason);
  auto cb = decode_controller_block(b, limits);
  if (!cb) return Error("bad_proof", "second block: " + cb.error().reason);
  if (ca->symbiote != symbiote || cb->symbiote != symbiote)
    return Error("bad_proof", "a block belongs to another symbiote");
  if (ca->index != cb->index)
    return Error("bad_proof", "the blocks have different indexes (" + std::to_string(ca->index) +
                                  " and " + std::to_string(cb->index) + ")");
  const Hash32 ha = ControllerBlock::hash_of(a), hb = ControllerBlock::hash_of(b);
  if (ha == hb) return Error("bad_proof", "the two blocks are the same block");
  if (!ca->verify_signature(controller) || !cb->verify_signature(controller))
    return Error("bad_proof", "a block does not carry the controller's signature");
  EquivocationProof p;
  p.index = ca->index;
  const bool swap = hb < ha;
  p.first.assign((swap ? b : a).begin(), (swap ? b : a).end());
  p.second.assign((swap ? a : b).begin(), (swap ? a : b).end());
  p.first_hash = swap ? hb : ha;
  p.second_hash = swap ? ha : hb;
  return p;
}

Result<EquivocationProof> decode_equivocation(ByteSpan bytes, const SymbioteId& symbiote,
                                              const crypto::PublicKey& controller,
                                              const BlockLimits& limits) {
  codec::Reader r(bytes);
  std::string domain;
  Bytes a, b;
  r.string(domain, kProofDomain.size());
  if (r.ok() && domain != kProofDomain) r.fail("not an equivocation proof");
  r.bytes(a, kMaxBlockBytes);
  r.bytes(b, kMaxBlockBytes);
  if (auto st = r.finish("equivocation proof"); !st) return Error("bad_proof", st.error().reason);
  return check_equivocation(a, b, symbiote, controller, limits);
}

Alarm equivocation_alarm(const EquivocationProof& proof, std::string source, uint64_t now_ms) {
  Alarm a;
  a.kind = "equivocation";
  a.index = proof.index;
  a.hashes = {proof.first_hash, proof.second_hash};
  a.detected_ms = now_ms;
  a.source = std::move(source);
  a.id = proof.id();
  a.evidence = proof.encode();
  return a;
}

}  // namespace klyn::dev_controller
