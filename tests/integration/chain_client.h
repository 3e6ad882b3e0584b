#pragma once
// Client-side helpers of the integration tests: reading a symbiote through the public API,
// planning signed transfers (signed in-process with chain::make_transfer) and submitting them
// over several keep-alive connections, mixing POST /event, JSON POST /events and binary
// POST /events.
//
// Thread safety: free functions taking an HttpClient use it from the calling thread only;
// submit_plan() runs its own threads, each with its own client.

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "chain/event.h"
#include "node_process.h"

namespace klyn::itest {

std::string hex(const Hash32& h);

// The JSON body of POST /s/{sym}/event: chain::event_to_json minus "hash".
std::string event_body(const chain::Event& e);
// The binary body of POST /s/{sym}/events: varint count, then canonical events.
std::string binary_batch(const std::vector<chain::Event>& events, size_t from, size_t count);

struct AccountView {
  bool ok = false;
  uint64_t balance = 0, nonce = 0, stake = 0;
};
AccountView get_account(net::HttpClient& c, const std::string& sym, const chain::AccountId& id);

// GET /s/{sym}/info, the fields the tests compare.
struct SymbioteView {
  bool ok = false;
  uint64_t height = 0, stored_height = 0, applied = 0, admitted = 0, mempool = 0;
  std::string id, state_root;
};
SymbioteView get_symbiote(net::HttpClient& c, const std::string& sym);
chain::SymbioteId symbiote_id(net::HttpClient& c, const std::string& sym);

// Status of one event: "applied", "rejected", "pending", "unknown" (404) or "error".
struct EventView {
  std::string status;
  uint64_t height = 0;
  std::string reason;
};
EventView get_event(net::HttpClient& c, const std::string& sym, const Hash32& hash);

// Transfers from each sender with sequential nonces, random amounts and random recipients
// (never the sender itself), reproducible from `seed`.
struct TransferPlan {
  std::vector<std::vector<chain::Event>> per_sender;  // nonce order
  size_t total() const;
  std::vector<Hash32> hashes() const;
};
struct PlanOptions {
  size_t per_sender = 100;
  uint64_t fee = 1;
  uint64_t max_amount = 1000;
  uint64_t seed = 1;
  uint64_t first_nonce = 1;
};
TransferPlan plan_transfers(const chain::SymbioteId& sym,
                            const std::vector<crypto::KeyPair>& senders,
                            const std::vector<chain::AccountId>& recipients, const PlanOptions& o);

// Submits a plan over `connections` keep-alive connections (one thread each). Each connection
// owns a fixed subset of senders, so each sender's events arrive in nonce order; chunks rotate
// between one POST /event per event, a JSON array to POST /events and a binary POST /events.
// A connection gives up at its first transport error (the node may have been killed on
// purpose), and all stop early when `*stop` becomes true. With `pause` > 0 a connection waits
// that long after each round (one chunk per sender it owns): a paced load that lasts.
struct SubmitResult {
  size_t accepted = 0;
  std::set<Hash32> accepted_hashes;
  std::vector<std::string> refusals;  // per-event errors the node answered with
  size_t known = 0;  // single posts of an event the node already had (200, "known": true)
  std::vector<std::string> transport_errors;
  uint64_t connections_opened = 0;
  size_t single = 0, json_batches = 0, binary_batches = 0;
};
SubmitResult submit_plan(uint16_t port, const std::string& sym, const TransferPlan& plan,
                         size_t connections, const std::atomic<bool>* stop = nullptr,
                         std::chrono::milliseconds pause = std::chrono::milliseconds(0));

// Waits until every hash reports "applied"; fails naming the first that does not.
::testing::AssertionResult wait_applied(net::HttpClient& c, const std::string& sym,
                                        const std::vector<Hash32>& hashes,
                                        std::chrono::milliseconds timeout);
// Waits until the symbiote has applied everything it stored (height == stored_height) and its
// mempool is empty.
::testing::AssertionResult wait_idle(net::HttpClient& c, const std::string& sym,
                                     std::chrono::milliseconds timeout);

}  // namespace klyn::itest
