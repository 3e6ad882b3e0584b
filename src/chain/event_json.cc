#include "chain/event_json.h"

#include "codec/hex.h"

namespace klyn::chain {

using nlohmann::json;

static Result<uint64_t> get_u64(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Error("bad_event", std::string(key) + ": missing");
  if (!it->is_number_unsigned())
    return Error("bad_event", std::string(key) + ": must be a non-negative integer");
  return it->get<uint64_t>();
}

static Result<std::string> get_str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Error("bad_event", std::string(key) + ": missing");
  if (!it->is_string()) return Error("bad_event", std::string(key) + ": must be a string");
  return it->get<std::string>();
}

static Result<AccountId> get_addr(const json& j, const char* key) {
  auto s = get_str(j, key);
  if (!s) return s.error();
  auto pk = crypto::parse_address(*s);
  if (!pk) return Error("bad_event", std::string(key) + ": " + pk.error().reason);
  return *pk;
}

static Status only_keys(const json& j, std::initializer_list<const char*> allowed,
                        const char* what) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) return Error("bad_event", std::string(what) + ": unknown key \"" + it.key() + "\"");
  }
  return Status();
}

Result<Event> event_from_json(const json& j) {
  if (!j.is_object()) return Error("bad_event", "event must be a JSON object");
  if (j.contains("raw")) {
    KLYN_TRY(only_keys(j, {"raw"}, "event"));
    auto raw = get_str(j, "raw");
    if (!raw) return raw.error();
    if (raw->size() > 2 * (kMaxPayloadBytes + 256)) return Error("bad_event", "raw: too long");
    auto bytes = codec::hex_decode(*raw);
    if (!bytes) return Error("bad_event", "raw: " + bytes.error().reason);
    auto e = decode_event(*bytes);
    if (!e) return Error("bad_event", e.error().reason);
    return e;
  }
  KLYN_TRY(only_keys(
      j, {"symbiote", "type", "creator", "nonce", "fee", "payload", "signature", "hash"}, "event"));
  Event e;
  auto sym = get_str(j, "symbiote");
  if (!sym) return sym.error();
  auto symb = codec::hex_decode_fixed<32>(*sym);
  if (!symb) return Error("bad_event", "symbiote: " + symb.error().reason);
  e.symbiote = *symb;
  auto type = get_str(j, "type");
  if (!type) return type.error();
  auto t = parse_event_type(*type);
  if (!t) return Error("bad_event", "type: unknown event type \"" + *type + "\"");
  e.type = *t;
  auto creator = get_addr(j, "creator");
  if (!creator) return creator.error();
  e.creator = *creator;
  auto nonce = get_u64(j, "nonce");
  if (!nonce) return nonce.error();
  e.nonce = *nonce;
  auto fee = get_u64(j, "fee");
  if (!fee) return fee.error();
  e.fee = *fee;
  auto sig = get_str(j, "signature");
  if (!sig) return sig.error();
  auto sigb = codec::hex_decode_fixed<64>(*sig);
  if (!sigb) return Error("bad_event", "signature: " + sigb.error().reason);
  e.signature = *sigb;
  auto pit = j.find("payload");
  if (pit == j.end() || !pit->is_object()) return Error("bad_event", "payload: must be an object");
  const json& p = *pit;
  switch (e.type) {
    case EventType::kTransfer: {
      KLYN_TRY(only_keys(p, {"to", "amount"}, "payload"));
      auto to = get_addr(p, "to");
      if (!to) return to.error();
      auto amount = get_u64(p, "amount");
      if (!amount) return amount.error();
      e.payload = encode_payload(TransferPayload{*to, *amount});
      break;
    }
    case EventType::kStake:
    case EventType::kUnstake: {
      KLYN_TRY(only_keys(p, {"amount"}, "payload"));
      auto amount = get_u64(p, "amount");
      if (!amount) return amount.error();
      e.payload = encode_payload(AmountPayload{*amount});
      break;
    }
    case EventType::kDelegate: {
      KLYN_TRY(only_keys(p, {"delegate"}, "payload"));
      DelegatePayload d;
      auto it = p.find("delegate");
      if (it != p.end() && !it->is_null()) {
        auto to = get_addr(p, "delegate");
        if (!to) return to.error();
        d.delegate = *to;
      }
      e.payload = encode_payload(d);
      break;
    }
    case EventType::kCheckpoint: {
      KLYN_TRY(only_keys(p, {"source", "index", "hash"}, "payload"));
      CheckpointPayload c;
      auto src = get_str(p, "source");
      if (!src) return src.error();
      auto srcb = codec::hex_decode_fixed<32>(*src);
      if (!srcb) return Error("bad_event", "payload.source: must be 64 hex digits");
      c.source = *srcb;
      auto index = get_u64(p, "index");
      if (!index) return Error("bad_event", "payload." + index.error().reason);
      c.index = *index;
      auto hash = get_str(p, "hash");
      if (!hash) return Error("bad_event", "payload." + hash.error().reason);
      auto hashb = codec::hex_decode_fixed<32>(*hash);
      if (!hashb) return Error("bad_event", "payload.hash: must be 64 hex digits");
      c.hash = *hashb;
      e.payload = encode_payload(c);
      break;
    }
    default:
      return Error("bad_event", "type: " + *type + " cannot be submitted as JSON fields; use raw");
  }
  // The JSON a node serves (event_to_json) carries "hash": accepted back when it is the hash.
  if (auto hit = j.find("hash"); hit != j.end()) {
    auto h = hit->is_string() ? codec::hex_decode_fixed<32>(hit->get<std::string>())
                              : Error("bad_hex", "not a string");
    if (!h) return Error("bad_event", "hash: must be 64 hex digits");
    if (*h != e.hash())
      return Error("bad_event", "hash: does not match the event's canonical encoding");
  }
  return e;
}

json payload_to_json(const Event& e) {
  switch (e.type) {
    case EventType::kTransfer:
      if (auto p = decode_transfer(e.payload))
        return {{"to", crypto::address_of(p->to)}, {"amount", p->amount}};
      break;
    case EventType::kStake:
    case EventType::kUnstake:
      if (auto p = decode_amount(e.payload)) return {{"amount", p->amount}};
      break;
    case EventType::kDelegate:
      if (auto p = decode_delegate(e.payload))
        return {{"delegate", p->delegate ? json(crypto::address_of(*p->delegate)) : json(nullptr)}};
      break;
    case EventType::kCheckpoint:
      if (auto p = decode_checkpoint(e.payload))
        return {{"source", codec::hex_encode(p->source)},
                {"index", p->index},
                {"hash", codec::hex_encode(p->hash)}};
      break;
    default:
      break;
  }
  return {{"hex", codec::hex_encode(e.payload)}};
}

json event_to_json(const Event& e) {
  return {{"symbiote", codec::hex_encode(e.symbiote)},
          {"type", std::string(event_type_name(e.type))},
          {"creator", crypto::address_of(e.creator)},
          {"nonce", e.nonce},
          {"fee", e.fee},
          {"payload", payload_to_json(e)},
          {"signature", codec::hex_encode(e.signature)},
          {"hash", codec::hex_encode(e.hash())}};
}

}  // namespace klyn::chain
