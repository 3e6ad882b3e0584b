#include "workflows/dev_controller/alarms.h"

#include "codec/binary.h"
#include "codec/hex.h"
#include "crypto/hash.h"

namespace klyn::dev_controller {

namespace {

constexpr std::string_view kProofDomain = "KLY-DC-EQUIVOCATION-v1";
constexpr std::string_view kAlarmPrefix = "w:alarm:";
constexpr size_t kMaxBlockBytes = 1 << 20;  // far above any controller block the limits allow

std::string alarm_key(const Hash32& id) {
  return std::string(kAlarmPrefix) + codec::hex_encode(id);
}

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

nlohmann::json Alarm::to_json() const {
  nlohmann::json hs = nlohmann::json::array();
  for (const auto& h : hashes) hs.push_back(codec::hex_encode(h));
  return {{"id", codec::hex_encode(id)},
          {"kind", kind},
          {"index", index},
          {"hashes", hs},
          {"detected_ms", detected_ms},
          {"source", source},
          {"note", note},
          {"proof", codec::hex_encode(evidence)}};
}

namespace {

Bytes encode_alarm(const Alarm& a) {
  codec::Writer w(a.evidence.size() + 192);
  w.string(a.kind);
  w.u64(a.index);
  w.varint(a.hashes.size());
  for (const auto& h : a.hashes) w.fixed(h);
  w.u64(a.detected_ms);
  w.string(a.source);
  w.bytes(a.evidence);
  w.string(a.note);
  return std::move(w).take();
}

}  // namespace

Status AlarmBook::load() {
  std::vector<Alarm> loaded;
  std::string bad;
  auto scanned =
      store_.scan(kAlarmPrefix, kAlarmPrefix, [&](std::string_view key, std::string_view value) {
        codec::Reader r(as_bytes(value));
        Alarm a;
        uint64_t n = 0;
        r.string(a.kind, 64);
        r.u64(a.index);
        if (r.varint(n) && n > 16) r.fail("too many hashes");
        a.hashes.resize(r.ok() ? n : 0);
        for (auto& h : a.hashes) r.fixed(h);
        r.u64(a.detected_ms);
        r.string(a.source, 512);
        r.bytes(a.evidence, 64 << 20);
        r.string(a.note, 4096);
        auto id = codec::hex_decode_fixed<32>(key.substr(kAlarmPrefix.size()));
        if (!r.finish("alarm") || !id) {
          bad = std::string(key);
          return false;
        }
        a.id = *id;
        loaded.push_back(std::move(a));
        return true;
      });
  if (!scanned) return scanned;
  if (!bad.empty()) return Error("corrupt", "stored alarm " + bad + " does not decode");
  std::lock_guard lock(mu_);
  alarms_ = std::move(loaded);
  return {};
}

Result<bool> AlarmBook::record(Alarm a) {
  std::lock_guard lock(mu_);
  for (const auto& known : alarms_)
    if (known.id == a.id) return false;
  Bytes enc = encode_alarm(a);
  KLYN_TRY(store_.put(alarm_key(a.id),
                      std::string_view(reinterpret_cast<const char*>(enc.data()), enc.size())));
  alarms_.push_back(std::move(a));
  return true;
}

Result<bool> AlarmBook::record(const EquivocationProof& proof, std::string source,
                               uint64_t now_ms) {
  Alarm a;
  a.kind = "equivocation";
  a.index = proof.index;
  a.hashes = {proof.first_hash, proof.second_hash};
  a.detected_ms = now_ms;
  a.source = std::move(source);
  a.id = proof.id();
  a.evidence = proof.encode();
  return record(std::move(a));
}

bool AlarmBook::contains(const Hash32& id) const {
  std::lock_guard lock(mu_);
  for (const auto& a : alarms_)
    if (a.id == id) return true;
  return false;
}

bool AlarmBook::halting() const {
  std::lock_guard lock(mu_);
  for (const auto& a : alarms_)
    if (a.kind != "censorship") return true;
  return false;
}

std::vector<Alarm> AlarmBook::fork_alarms() const {
  std::lock_guard lock(mu_);
  std::vector<Alarm> out;
  for (const auto& a : alarms_)
    if (a.kind != "censorship") out.push_back(a);
  return out;
}

std::vector<Alarm> AlarmBook::list(std::string_view kind) const {
  std::lock_guard lock(mu_);
  std::vector<Alarm> out;
  for (const auto& a : alarms_)
    if (kind.empty() || a.kind == kind) out.push_back(a);
  return out;
}

}  // namespace klyn::dev_controller
