#include "workflows/dev_controller/blocks.h"

#include "codec/binary.h"
#include "crypto/hash.h"

namespace klyn::dev_controller {

static constexpr std::string_view kInstantDomain = "KLY-DC-INSTANT-v1";
static constexpr std::string_view kControllerDomain = "KLY-DC-CONTROLLER-v1";

static void encode_instant_unsigned(const InstantBlock& b, codec::Writer& w) {
  w.raw(as_bytes(kInstantDomain));
  w.fixed(b.symbiote);
  w.fixed(b.producer);
  w.u64(b.created_ms);
  w.varint(b.events.size());
  for (const auto& e : b.events) e.encode_to(w);
}

Bytes InstantBlock::signing_bytes() const {
  codec::Writer w(128 + events.size() * 200);
  encode_instant_unsigned(*this, w);
  return std::move(w).take();
}

Bytes InstantBlock::encode() const {
  codec::Writer w(192 + events.size() * 200);
  encode_instant_unsigned(*this, w);
  w.fixed(signature);
  return std::move(w).take();
}

Hash32 InstantBlock::hash_of(ByteSpan encoded) {
  return crypto::blake2b256("KLY-DC-INSTANT-HASH", encoded);
}

void InstantBlock::sign(const crypto::KeyPair& key) {
  producer = key.public_key();
  signature = key.sign(signing_bytes());
}

bool InstantBlock::verify_signature() const {
  return crypto::verify(producer, signing_bytes(), signature);
}

static void encode_controller_unsigned(const ControllerBlock& b, codec::Writer& w) {
  w.raw(as_bytes(kControllerDomain));
  w.fixed(b.symbiote);
  w.u64(b.index);
  w.fixed(b.prev_hash);
  w.u64(b.created_ms);
  w.varint(b.instant_blocks.size());
  for (const auto& h : b.instant_blocks) w.fixed(h);
}

Bytes ControllerBlock::signing_bytes() const {
  codec::Writer w(128 + instant_blocks.size() * 32);
  encode_controller_unsigned(*this, w);
  return std::move(w).take();
}

Bytes ControllerBlock::encode() const {
  codec::Writer w(192 + instant_blocks.size() * 32);
  encode_controller_unsigned(*this, w);
  w.fixed(signature);
  return std::move(w).take();
}

Hash32 ControllerBlock::hash_of(ByteSpan encoded) {
  return crypto::blake2b256("KLY-DC-CONTROLLER-HASH", encoded);
}

void ControllerBlock::sign(const crypto::KeyPair& key) {
  signature = key.sign(signing_bytes());
}

bool ControllerBlock::verify_signature(const crypto::PublicKey& controller) const {
  return crypto::verify(controller, signing_bytes(), signature);
}

static bool read_domain(codec::Reader& r, std::string_view domain) {
  ByteSpan d;
  if (!r.view(domain.size(), d)) return false;
  if (!std::equal(d.begin(), d.end(), domain.begin())) return r.fail("wrong block domain");
  return true;
}

Result<InstantBlock> decode_instant_block(ByteSpan bytes, const BlockLimits& limits) {
  codec::Reader r(bytes);
  InstantBlock b;
  read_domain(r, kInstantDomain);
  r.fixed(b.symbiote);
  r.fixed(b.producer);
  r.u64(b.created_ms);
  uint64_t n = 0;
  // Every event takes at least 146 bytes: reject counts the input cannot hold before allocating.
  if (r.varint(n) && (n > limits.max_events || n > r.remaining() / 146))
    r.fail("instant block holds too many events (" + std::to_string(n) + ")");
  if (r.ok()) b.events.resize(n);
  for (uint64_t i = 0; r.ok() && i < n; ++i) chain::read_event(r, b.events[i]);
  r.fixed(b.signature);
  KLYN_TRY(r.finish("instant block"));
  return b;
}

Result<ControllerBlock> decode_controller_block(ByteSpan bytes, const BlockLimits& limits) {
  codec::Reader r(bytes);
  ControllerBlock b;
  read_domain(r, kControllerDomain);
  r.fixed(b.symbiote);
  r.u64(b.index);
  r.fixed(b.prev_hash);
  r.u64(b.created_ms);
  uint64_t n = 0;
  if (r.varint(n) && (n > limits.max_instant_blocks || n > r.remaining() / 32))
    r.fail("controller block names too many instant blocks (" + std::to_string(n) + ")");
  if (r.ok()) b.instant_blocks.resize(n);
  for (uint64_t i = 0; r.ok() && i < n; ++i) r.fixed(b.instant_blocks[i]);
  r.fixed(b.signature);
  KLYN_TRY(r.finish("controller block"));
  if (b.index == 0) return Error("malformed", "controller block index 0 is the genesis");
  return b;
}

}  // namespace klyn::dev_controller
