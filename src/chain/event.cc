#include "chain/event.h"

#include "codec/binary.h"
#include "crypto/hash.h"

namespace klyn::chain {

static constexpr std::string_view kSignDomain = "KLY-EVENT-v1";
static constexpr std::string_view kHashDomain = "KLY-EVENT-HASH-v1";

std::string_view event_type_name(EventType t) {
  switch (t) {
    case EventType::kTransfer:
      return "TRANSFER";
    case EventType::kStake:
      return "STAKE";
    case EventType::kUnstake:
      return "UNSTAKE";
    case EventType::kDelegate:
      return "DELEGATE";
    case EventType::kOffspring:
      return "OFFSPRING";
    case EventType::kCheckpoint:
      return "CHECKPOINT";
  }
  return "UNKNOWN";
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (uint16_t i = 1; i <= 6; ++i) {
    auto t = static_cast<EventType>(i);
    if (event_type_name(t) == name) return t;
  }
  return std::nullopt;
}

Bytes encode_payload(const TransferPayload& p) {
  codec::Writer w(40);
  w.fixed(p.to);
  w.u64(p.amount);
  return std::move(w).take();
}
Bytes encode_payload(const AmountPayload& p) {
  codec::Writer w(8);
  w.u64(p.amount);
  return std::move(w).take();
}
Bytes encode_payload(const DelegatePayload& p) {
  codec::Writer w(33);
  write_optional_account(w, p.delegate);
  return std::move(w).take();
}

Bytes encode_payload(const CheckpointPayload& p) {
  codec::Writer w(72);
  w.fixed(p.source);
  w.u64(p.index);
  w.fixed(p.hash);
  return std::move(w).take();
}

Result<TransferPayload> decode_transfer(ByteSpan payload) {
  codec::Reader r(payload);
  TransferPayload p;
  r.fixed(p.to);
  r.u64(p.amount);
  KLYN_TRY(r.finish("TRANSFER payload"));
  if (p.amount == 0) return Error("bad_payload", "TRANSFER amount must be at least 1");
  return p;
}
Result<AmountPayload> decode_amount(ByteSpan payload) {
  codec::Reader r(payload);
  AmountPayload p;
  r.u64(p.amount);
  KLYN_TRY(r.finish("amount payload"));
  if (p.amount == 0) return Error("bad_payload", "amount must be at least 1");
  return p;
}
Result<DelegatePayload> decode_delegate(ByteSpan payload) {
  codec::Reader r(payload);
  DelegatePayload p;
  read_optional_account(r, p.delegate);
  KLYN_TRY(r.finish("DELEGATE payload"));
  return p;
}

Result<CheckpointPayload> decode_checkpoint(ByteSpan payload) {
  codec::Reader r(payload);
  CheckpointPayload p;
  r.fixed(p.source);
  r.u64(p.index);
  r.fixed(p.hash);
  KLYN_TRY(r.finish("CHECKPOINT payload"));
  return p;
}

static void encode_unsigned(const Event& e, codec::Writer& w) {
  w.fixed(e.symbiote);
  w.u16(static_cast<uint16_t>(e.type));
  w.fixed(e.creator);
  w.u64(e.nonce);
  w.u64(e.fee);
  w.bytes(e.payload);
}

Bytes Event::signing_bytes() const {
  codec::Writer w(kSignDomain.size() + 96 + payload.size());
  w.raw(as_bytes(kSignDomain));
  encode_unsigned(*this, w);
  return std::move(w).take();
}

void Event::encode_to(codec::Writer& w) const {
  encode_unsigned(*this, w);
  w.fixed(signature);
}

Bytes Event::encode() const {
  codec::Writer w(160 + payload.size());
  encode_to(w);
  return std::move(w).take();
}

Hash32 Event::hash() const {
  return crypto::blake2b256(kHashDomain, encode());
}

void Event::sign(const crypto::KeyPair& key) {
  creator = key.public_key();
  signature = key.sign(signing_bytes());
}

bool Event::verify_signature() const {
  return crypto::verify(creator, signing_bytes(), signature);
}

std::vector<bool> verify_signatures(std::span<const Event* const> events) {
  std::vector<Bytes> signing;
  signing.reserve(events.size());  // requests point into it: no reallocation
  std::vector<crypto::VerifyRequest> requests;
  requests.reserve(events.size());
  for (const Event* e : events) {
    signing.push_back(e->signing_bytes());
    requests.push_back({&e->creator, signing.back(), &e->signature});
  }
  return crypto::verify_batch(requests);
}

Status Event::check_payload() const {
  switch (type) {
    case EventType::kTransfer: {
      auto p = decode_transfer(payload);
      if (!p) return p.error();
      return Status();
    }
    case EventType::kStake:
    case EventType::kUnstake: {
      auto p = decode_amount(payload);
      if (!p) return p.error();
      return Status();
    }
    case EventType::kDelegate: {
      auto p = decode_delegate(payload);
      if (!p) return p.error();
      return Status();
    }
    case EventType::kCheckpoint: {
      auto p = decode_checkpoint(payload);
      if (!p) return p.error();
      return Status();
    }
    default:
      return Error("unsupported_type",
                   std::string(event_type_name(type)) + " events are not supported here");
  }
}

bool read_event(codec::Reader& r, Event& e) {
  uint16_t type = 0;
  r.fixed(e.symbiote);
  if (r.u16(type) && (type == 0 || type > 0x7fff)) return r.fail("unknown event type");
  e.type = static_cast<EventType>(type);
  r.fixed(e.creator);
  r.u64(e.nonce);
  r.u64(e.fee);
  r.bytes(e.payload, kMaxPayloadBytes);
  r.fixed(e.signature);
  return r.ok();
}

Result<Event> decode_event(ByteSpan bytes) {
  codec::Reader r(bytes);
  Event e;
  read_event(r, e);
  KLYN_TRY(r.finish("event"));
  return e;
}

Bytes encode_event_batch(const std::vector<const Event*>& events) {
  codec::Writer w(events.size() * 180 + 8);
  w.varint(events.size());
  for (const Event* e : events) e->encode_to(w);
  return std::move(w).take();
}

Result<std::vector<Event>> decode_event_batch(ByteSpan bytes, size_t max_events) {
  codec::Reader r(bytes);
  uint64_t n = 0;
  if (!r.varint(n)) return r.error("batch: event count");  // truncated, non-minimal, too long
  if (n > max_events)
    return Error("too_large", "batch: at most " + std::to_string(max_events) + " events");
  std::vector<Event> items;
  items.reserve(std::min<uint64_t>(n, r.remaining() / 146 + 1));
  for (uint64_t i = 0; i < n; ++i) {
    Event e;
    if (!read_event(r, e)) return r.error("batch item " + std::to_string(i));
    items.push_back(std::move(e));
  }
  KLYN_TRY(r.finish("batch"));
  return items;
}

static Event make(const SymbioteId& sym, const crypto::KeyPair& from, EventType type,
                  uint64_t nonce, Amount fee, Bytes payload) {
  Event e;
  e.symbiote = sym;
  e.type = type;
  e.nonce = nonce;
  e.fee = fee;
  e.payload = std::move(payload);
  e.sign(from);
  return e;
}

Event make_transfer(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                    const AccountId& to, Amount amount) {
  return make(sym, from, EventType::kTransfer, nonce, fee,
              encode_payload(TransferPayload{to, amount}));
}
Event make_stake(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                 Amount amount) {
  return make(sym, from, EventType::kStake, nonce, fee, encode_payload(AmountPayload{amount}));
}
Event make_unstake(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                   Amount amount) {
  return make(sym, from, EventType::kUnstake, nonce, fee, encode_payload(AmountPayload{amount}));
}
Event make_delegate(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                    std::optional<AccountId> delegate) {
  return make(sym, from, EventType::kDelegate, nonce, fee,
              encode_payload(DelegatePayload{delegate}));
}

Event make_checkpoint(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce,
                      Amount fee, const SymbioteId& source, uint64_t index, const Hash32& hash) {
  return make(sym, from, EventType::kCheckpoint, nonce, fee,
              encode_payload(CheckpointPayload{source, index, hash}));
}

}  // namespace klyn::chain
