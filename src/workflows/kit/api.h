#pragma once
// The public API's conventions every workflow's routes share (docs/api.md): error codes and
// their HTTP statuses, query and path parsing, and the JSON of accounts and event records.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "chain/event.h"
#include "chain/state.h"
#include "chain/store.h"
#include "common/result.h"
#include "net/http_types.h"
#include "net/router.h"
#include "workflows/kit/peer_scores.h"
#include "workflows/kit/peers.h"
#include "workflows/kit/recent_refusals.h"

namespace spdlog {
class logger;
}

namespace klyn::kit {

// The HTTP status of an error code: 409 duplicate / nonce_used, 429 mempool_full, 503 stopping,
// busy, halted and storage_*, 413 too_large, 403 not_staked, else 400.
unsigned status_for(const std::string& code);
// {"error": code, "reason": reason} with status_for(code).
net::Response error_response(const Error& e);
// A decimal u64 with nothing else (no sign, no spaces, at most 20 digits).
std::optional<uint64_t> parse_u64(std::string_view s);
// ?from=&limit= of the range routes: from >= 1 (default 1), 1 <= limit <= max_limit.
// Errors: bad_query.
Result<std::pair<uint64_t, uint64_t>> parse_range_query(const net::Request& req,
                                                        uint64_t default_limit, uint64_t max_limit);
// 64 hex digits. Errors: bad_request naming `what`.
Result<Hash32> parse_hash(const std::string& text, const char* what);
// {"status", "height", <block_key>: hex, "position", "reason"?} of an event record.
nlohmann::json record_json(const chain::EventRecord& r, const char* block_key);
// What a node answers a client that sends an event again (idempotent resubmission, e.g. after a
// timeout), given the refusal the submission got: for "duplicate" (pending here)
// {"hash", "status": "pending", "known": true}; for "nonce_used" by this very event, its record
// (record_json with `block_key`, then `extra`) with "hash" and "known": true. Null otherwise
// (another event took the nonce, a read error, any other refusal): the refusal stands.
nlohmann::json known_event_json(const chain::ChainStore& store, const chain::Event& e,
                                const Error& refusal, const char* block_key,
                                const nlohmann::json& extra = nlohmann::json::object());
// {"address", "balance", "nonce", "stake", "unstaking", "unlock_at", "delegate", "height"}.
Result<nlohmann::json> account_json(const chain::ChainStore& store, const chain::AccountId& id,
                                    uint64_t height);

// A node-to-node route (/s/{sym}/sync/...) scored by the peer's misbehaviour (peer_scores.h):
// a banned peer is answered 403 `banned`; an answer of 400, 403 or 413 costs it kInvalid; a JSON
// answer saying `"known":true` or `"new":false` is a repeat (free the first time from a peer).
net::Handler scored_sync_route(PeerScores& scores, std::shared_ptr<spdlog::logger> log,
                               net::Handler handler);

// GET /account/{addr}: account_json at `height`, 400 bad_address for a malformed address.
net::Response account_response(const chain::ChainStore& store, const net::Request& req,
                               uint64_t height);

// GET /event/{hash}: the chain's record of the event (record_json with the workflow's
// `block_key`, the event itself when `event_at` finds it, and `extra`); else "pending" while
// `pending(hash)`; else the refusal `refusals` remembers; else 404 not_found. The mempool is
// asked before the record is read: a block's record is visible before the mempool forgets its
// events, so an event decided between the two reads is found by the second.
struct EventLookup {
  const chain::ChainStore& store;
  std::function<bool(const Hash32&)> pending;
  const RecentRefusals& refusals;
  const char* block_key;
  // The event a record points at (nullopt: not found); an Error for a read that failed.
  std::function<Result<std::optional<chain::Event>>(const chain::EventRecord&)> event_at;
  nlohmann::json extra = nlohmann::json::object();
};
net::Response event_response(const EventLookup& lookup, const net::Request& req);

// POST /addnode {"url": "http://host:port"}: {"added", "peers"}; 409 too_many_peers, 400 for a
// bad body or URL.
net::Response addnode_response(PeerSet& peers, const net::Request& req);
// GET /nodes: {"nodes": [url, ...], "misbehaviour": the scores of the sync routes}.
net::Response nodes_response(const PeerSet& peers, PeerScores& scores);

// The events of a POST /events body: a JSON array of events, or (Content-Type
// application/octet-stream) the canonical batch "varint n, n events"; per item the event or why
// it does not decode. Errors: the batch itself is malformed (bad_json, bad_request, malformed)
// or too large (too_large, more than chain::kMaxBatchEvents).
Result<std::vector<Result<chain::Event>>> events_of_body(const net::Request& req);

// GET /state_root[?height=h]: {"height", "state_root"} of the applied height (default) or of h;
// 404 for a height not applied yet.
net::Response state_root_response(const chain::ChainStore& store, const net::Request& req,
                                  uint64_t applied);

}  // namespace klyn::kit
