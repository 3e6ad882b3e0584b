#pragma once
// The JSON round-trip oracle shared by the event targets: an accepted event survives
// event_to_json -> event_from_json (field form, when its payload is a standard one) and the
// {"raw": hex} form with the same hash.

#include <nlohmann/json.hpp>

#include "chain/event_json.h"
#include "codec/hex.h"
#include "fuzz_check.h"

namespace klyn::fuzz {

inline void check_event_json_round_trip(const chain::Event& e) {
  const Hash32 h = e.hash();
  nlohmann::json j = chain::event_to_json(e);
  FUZZ_CHECK(j.at("hash") == codec::hex_encode(h));
  // Must serialise without throwing (every field is hex, an address or a number).
  (void)j.dump();

  auto raw = chain::event_from_json(nlohmann::json{{"raw", codec::hex_encode(e.encode())}});
  FUZZ_CHECK(raw.ok());
  FUZZ_CHECK(raw->hash() == h);

  // The field form covers the standard types with a well-formed payload; "hash" is output only.
  const bool standard =
      e.type == chain::EventType::kTransfer || e.type == chain::EventType::kStake ||
      e.type == chain::EventType::kUnstake || e.type == chain::EventType::kDelegate;
  if (standard && e.check_payload().ok()) {
    j.erase("hash");
    auto back = chain::event_from_json(j);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->hash() == h);
  }
}

}  // namespace klyn::fuzz
