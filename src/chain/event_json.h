#pragma once
// JSON mapping of events for the public API. The JSON is only a carrier: what is verified and
// hashed is always the canonical binary encoding rebuilt from these fields.
//
// Accepted forms:
//   {"raw": "<hex of the canonical encoding>"}
//   {"symbiote": "<hex id>", "type": "TRANSFER", "creator": "<address>", "nonce": 1, "fee": 1,
//    "payload": {"to": "<address>", "amount": 5}, "signature": "<hex>"}
// Payloads: TRANSFER {to, amount}; STAKE/UNSTAKE {amount}; DELEGATE {delegate: address|null};
// CHECKPOINT {source: <64 hex symbiote id>, index: n, hash: <64 hex>}.

#include <nlohmann/json.hpp>

#include "chain/event.h"

namespace klyn::chain {

Result<Event> event_from_json(const nlohmann::json& j);
nlohmann::json event_to_json(const Event& e);
nlohmann::json payload_to_json(const Event& e);

}  // namespace klyn::chain
