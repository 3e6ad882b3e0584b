#include "workflows/dev_controller/censorship.h"

#include <algorithm>

#include "codec/binary.h"

namespace klyn::dev_controller {

namespace {
constexpr std::string_view kAckDomain = "KLY-DC-ACK-v1";
constexpr std::string_view kEvidenceDomain = "KLY-DC-CENSORSHIP-v1";
constexpr size_t kMaxInstantBytes = 64 << 20;
}  // namespace

Bytes InstantAck::signing_bytes() const {
  codec::Writer w(96);
  w.raw(as_bytes(kAckDomain));
  w.fixed(symbiote);
  w.fixed(instant);
  w.u64(height);
  return std::move(w).take();
}

Bytes InstantAck::encode() const {
  Bytes b = signing_bytes();
  b.insert(b.end(), signature.begin(), signature.end());
  return b;
}

void InstantAck::sign(const crypto::KeyPair& controller) {
  signature = controller.sign(signing_bytes());
}

bool InstantAck::verify(const crypto::PublicKey& controller) const {
  return crypto::verify(controller, signing_bytes(), signature);
}

Result<InstantAck> decode_ack(ByteSpan bytes) {
  codec::Reader r(bytes);
  InstantAck a;
  ByteSpan domain;
  if (r.view(kAckDomain.size(), domain) &&
      !std::equal(domain.begin(), domain.end(), kAckDomain.begin(), kAckDomain.end()))
    r.fail("not an acknowledgement");
  r.fixed(a.symbiote);
  r.fixed(a.instant);
  r.u64(a.height);
  r.fixed(a.signature);
  KLYN_TRY(r.finish("acknowledgement"));
  return a;
}

Bytes CensorshipEvidence::encode() const {
  codec::Writer w(ack.size() + instant.size() + 32);
  w.string(kEvidenceDomain);
  w.bytes(ack);
  w.bytes(instant);
  return std::move(w).take();
}

Result<CensorshipEvidence> decode_evidence(ByteSpan bytes) {
  codec::Reader r(bytes);
  std::string domain;
  CensorshipEvidence ev;
  r.string(domain, kEvidenceDomain.size());
  if (r.ok() && domain != kEvidenceDomain) r.fail("not censorship evidence");
  r.bytes(ev.ack, 256);
  r.bytes(ev.instant, kMaxInstantBytes);
  KLYN_TRY(r.finish("censorship evidence"));
  return ev;
}

CensorshipCheck check_censorship(const CensorshipEvidence& ev, const SymbioteId& symbiote,
                                 const crypto::PublicKey& controller, const BlockLimits& limits,
                                 uint64_t window, const BlockInstants& block_instants) {
  CensorshipCheck out;
  auto invalid = [&](std::string why) {
    out.verdict = CensorshipCheck::Verdict::kInvalid;
    out.reason = std::move(why);
    return out;
  };
  auto ack = decode_ack(ev.ack);
  if (!ack) return invalid(ack.error().reason);
  if (ack->symbiote != symbiote) return invalid("the acknowledgement is for another symbiote");
  if (!ack->verify(controller))
    return invalid("the acknowledgement is not signed by the controller");
  auto ib = decode_instant_block(ev.instant, limits);
  if (!ib) return invalid("instant block: " + ib.error().reason);
  if (ib->symbiote != symbiote) return invalid("the instant block is for another symbiote");
  if (InstantBlock::hash_of(ev.instant) != ack->instant)
    return invalid("the instant block is not the acknowledged one");
  if (!ib->verify_signature()) return invalid("the instant block's signature does not verify");
  out.ack = *ack;
  out.producer = ib->producer;
  for (uint64_t i = ack->height + 1; i <= ack->height + window; ++i) {
    auto hashes = block_instants(i);
    if (!hashes) {
      out.verdict = CensorshipCheck::Verdict::kNotYet;
      out.reason = "controller block " + std::to_string(i) + " is not stored here yet";
      return out;
    }
    if (std::find(hashes->begin(), hashes->end(), ack->instant) != hashes->end())
      return invalid("controller block " + std::to_string(i) + " includes the instant block");
  }
  out.verdict = CensorshipCheck::Verdict::kValid;
  return out;
}

}  // namespace klyn::dev_controller
