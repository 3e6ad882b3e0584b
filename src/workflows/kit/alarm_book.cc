#include "workflows/kit/alarm_book.h"

#include "codec/binary.h"
#include "codec/hex.h"

namespace klyn::kit {

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
      store_.scan(o_.key_prefix, o_.key_prefix, [&](std::string_view key, std::string_view value) {
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
        auto id = codec::hex_decode_fixed<32>(key.substr(o_.key_prefix.size()));
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
  KLYN_TRY(store_.put(o_.key_prefix + codec::hex_encode(a.id),
                      std::string_view(reinterpret_cast<const char*>(enc.data()), enc.size())));
  alarms_.push_back(std::move(a));
  return true;
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
    if (halts(a)) return true;
  return false;
}

std::vector<Alarm> AlarmBook::halting_alarms() const {
  std::lock_guard lock(mu_);
  std::vector<Alarm> out;
  for (const auto& a : alarms_)
    if (halts(a)) out.push_back(a);
  return out;
}

std::vector<Alarm> AlarmBook::list(std::string_view kind) const {
  std::lock_guard lock(mu_);
  std::vector<Alarm> out;
  for (const auto& a : alarms_)
    if (kind.empty() || a.kind == kind) out.push_back(a);
  return out;
}

}  // namespace klyn::kit
