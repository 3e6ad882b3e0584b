#pragma once
// The signed event envelope shared by every workflow (§4.3). See chain/README.md for the exact
// encoding, the signature domain and the payload of each standard type.
//
// Thread safety: Event is a value type; its methods are const and pure.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/types.h"
#include "codec/binary.h"
#include "common/result.h"

namespace klyn::chain {

enum class EventType : uint16_t {
  kTransfer = 1,
  kStake = 2,
  kUnstake = 3,
  kDelegate = 4,
  kOffspring = 5,   // reserved: founding a new symbiote
  kCheckpoint = 6,  // a commit from another symbiote using this one as hostchain
};

std::string_view event_type_name(EventType t);
std::optional<EventType> parse_event_type(std::string_view name);

struct TransferPayload {
  AccountId to{};
  Amount amount = 0;
};
struct AmountPayload {  // STAKE and UNSTAKE
  Amount amount = 0;
};
struct DelegatePayload {
  std::optional<AccountId> delegate;
};
// CHECKPOINT: "block `index` of symbiote `source` has hash `hash`" (exactly 72 bytes).
struct CheckpointPayload {
  SymbioteId source{};
  uint64_t index = 0;
  Hash32 hash{};
};

Bytes encode_payload(const TransferPayload& p);
Bytes encode_payload(const AmountPayload& p);
Bytes encode_payload(const DelegatePayload& p);
Bytes encode_payload(const CheckpointPayload& p);
Result<TransferPayload> decode_transfer(ByteSpan payload);
Result<AmountPayload> decode_amount(ByteSpan payload);
Result<DelegatePayload> decode_delegate(ByteSpan payload);
Result<CheckpointPayload> decode_checkpoint(ByteSpan payload);

// Upper bound on any event's payload, whatever the manifest says (decoder safety limit).
inline constexpr size_t kMaxPayloadBytes = 64 * 1024;

struct Event {
  SymbioteId symbiote{};
  EventType type = EventType::kTransfer;
  AccountId creator{};
  uint64_t nonce = 0;
  Amount fee = 0;
  Bytes payload;
  crypto::Signature signature{};

  // The bytes the creator signs: "KLY-EVENT-v1" || encoding without the signature.
  Bytes signing_bytes() const;
  Bytes encode() const;
  void encode_to(codec::Writer& w) const;
  Hash32 hash() const;
  void sign(const crypto::KeyPair& key);
  bool verify_signature() const;
  // Checks that the payload decodes for a standard type (workflow types are checked by the
  // workflow). Does not look at state.
  Status check_payload() const;
};

// verify_signature() of each event, in order, checked as one crypto::verify_batch (the same
// answers, less work per event than one call each).
std::vector<bool> verify_signatures(std::span<const Event* const> events);

Result<Event> decode_event(ByteSpan bytes);
// Reads one event from a larger structure (a block); does not require the reader to be at end.
bool read_event(codec::Reader& r, Event& e);

// A batch of events (body of POST /s/{sym}/events with Content-Type application/octet-stream,
// and what nodes forward to each other): varint n (n <= max_events), then n canonical events,
// nothing after. Errors: "too_large" for too many events, "malformed" otherwise.
inline constexpr size_t kMaxBatchEvents = 10'000;
Bytes encode_event_batch(const std::vector<const Event*>& events);
Result<std::vector<Event>> decode_event_batch(ByteSpan bytes, size_t max_events = kMaxBatchEvents);

// Convenience constructors for clients (CLI, tests, benchmarks): build + sign.
Event make_transfer(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                    const AccountId& to, Amount amount);
Event make_stake(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                 Amount amount);
Event make_unstake(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                   Amount amount);
Event make_delegate(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce, Amount fee,
                    std::optional<AccountId> delegate);
Event make_checkpoint(const SymbioteId& sym, const crypto::KeyPair& from, uint64_t nonce,
                      Amount fee, const SymbioteId& source, uint64_t index, const Hash32& hash);

}  // namespace klyn::chain
