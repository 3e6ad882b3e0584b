// Public JSON routes of a dev_controller symbiote, under /s/{alias-or-id}/... (§4.7).
#include <spdlog/spdlog.h>

#include "chain/event_json.h"
#include "codec/binary.h"
#include "codec/hex.h"
#include "net/json_body.h"
#include "workflows/dev_controller/dev_controller.h"
#include "workflows/kit/api.h"

namespace klyn::dev_controller {

using kit::error_response;
using kit::parse_hash;
using kit::parse_range_query;
using kit::parse_u64;
using net::Method;
using net::Request;
using net::Response;
using nlohmann::json;

json DevController::known_event_json(const chain::Event& e, const Error& refusal) const {
  return kit::known_event_json(*store_, e, refusal, "instant_block");
}

Result<json> DevController::controller_block_json(uint64_t index) const {
  auto stored = store_->get(dc_keys::controller(index));
  if (!stored) return stored.error();
  if (!*stored) return json(nullptr);
  const std::string& bytes = **stored;
  auto cb = decode_controller_block(as_bytes(bytes), params_.block_limits());
  if (!cb)
    return Error("storage_corrupt",
                 "controller block " + std::to_string(index) + ": " + cb.error().reason);
  json ibs = json::array();
  for (const auto& h : cb->instant_blocks) ibs.push_back(codec::hex_encode(h));
  json j = {{"index", cb->index},
            {"hash", codec::hex_encode(ControllerBlock::hash_of(as_bytes(bytes)))},
            {"prev_hash", codec::hex_encode(cb->prev_hash)},
            {"created_ms", cb->created_ms},
            {"instant_blocks", ibs},
            {"signature", codec::hex_encode(cb->signature)},
            {"applied", index <= applied_.load()}};
  if (index <= applied_.load()) {
    auto r = store_->state_root(index);
    if (!r) return r.error();
    if (*r) j["state_root"] = codec::hex_encode(**r);
  }
  return j;
}

Status DevController::routes(core::SymbioteRoutes& routes) {
  KLYN_TRY(routes.add(Method::kGet, "/info",
                      [this](const Request&) { return Response::json(summary()); }));
  // Every other route answers 503 once the database had a read or write fault: nothing is
  // served from a store that may be wrong (S1).
  core::GuardedRoutes r(routes, *store_);

  KLYN_TRY(r.add(Method::kGet, "/account/{addr}", [this](const Request& req) {
    return kit::account_response(*store_, req, applied_.load());
  }));

  KLYN_TRY(r.add(Method::kGet, "/state_root", [this](const Request& req) {
    return kit::state_root_response(*store_, req, applied_.load());
  }));

  KLYN_TRY(r.add(Method::kGet, "/block/controller/{index}", [this](const Request& req) {
    auto idx = parse_u64(req.param("index"));
    if (!idx) return Response::error(400, "bad_request", "index must be a non-negative integer");
    auto j = controller_block_json(*idx);
    if (!j) return error_response(j.error());
    if (j->is_null())
      return Response::error(404, "not_found", "no controller block " + req.param("index"));
    return Response::json(*j);
  }));

  KLYN_TRY(r.add(Method::kGet, "/block/instant/{hash}", [this](const Request& req) {
    auto h = parse_hash(req.param("hash"), "hash");
    if (!h) return error_response(h.error());
    auto bytes = store_->get(dc_keys::instant(*h));
    if (!bytes) return error_response(bytes.error());
    if (!*bytes) return Response::error(404, "not_found", "no instant block " + req.param("hash"));
    auto ib = decode_instant_block(as_bytes(**bytes), params_.block_limits());
    if (!ib) return Response::error(503, "storage_corrupt", ib.error().reason);
    json evs = json::array();
    for (const auto& e : ib->events) evs.push_back(chain::event_to_json(e));
    return Response::json({{"hash", req.param("hash")},
                           {"producer", crypto::address_of(ib->producer)},
                           {"created_ms", ib->created_ms},
                           {"events", evs},
                           {"signature", codec::hex_encode(ib->signature)}});
  }));

  KLYN_TRY(r.add(Method::kGet, "/blocks", [this](const Request& req) {
    auto range = parse_range_query(req, 20, 100);
    if (!range) return Response::error(400, range.error().code, range.error().reason);
    const auto [from, limit] = *range;
    json blocks = json::array();
    uint64_t head = head_.load();
    for (uint64_t i = from; i < from + limit && i <= head; ++i) {
      auto b = controller_block_json(i);
      if (!b) return error_response(b.error());
      if (b->is_null()) break;
      blocks.push_back(std::move(*b));
    }
    return Response::json(
        {{"from", from}, {"height", applied_.load()}, {"stored_height", head}, {"blocks", blocks}});
  }));

  // Peer exchange: any node accepts peer addresses (validated, capped) and serves its list.
  KLYN_TRY(r.add(Method::kPost, "/addnode",
                 [this](const Request& req) { return kit::addnode_response(*peers_, req); }));
  KLYN_TRY(r.add(Method::kGet, "/nodes",
                 [this](const Request&) { return kit::nodes_response(*peers_, scores_); }));

  // Node-to-node catch-up: a compact binary range of stored blocks (block_range.h).
  KLYN_TRY(r.add(Method::kGet, "/sync/blocks", sync_route([this](const Request& req) {
                   auto range = parse_range_query(req, kMaxRangeBlocks, kMaxRangeBlocks);
                   if (!range)
                     return Response::error(400, range.error().code, range.error().reason);
                   const auto [from, limit] = *range;
                   auto body =
                       serve_range(*store_, from, limit, head_.load(), params_.block_limits());
                   if (!body) return error_response(body.error());
                   Response resp;
                   resp.status = 200;
                   resp.content_type = "application/octet-stream";
                   resp.body.assign(body->begin(), body->end());
                   return resp;
                 })));

  // Fork alarms: equivocation proofs this node holds (alarms.h).
  KLYN_TRY(r.add(Method::kGet, "/alarms", [this](const Request&) {
    json list = json::array();
    for (const auto& a : alarms_->halting_alarms()) list.push_back(a.to_json());
    return Response::json({{"alarms", list}, {"applying", list.empty()}});
  }));
  // Hostchain finality (kit/checkpointer.h): per hostchain, what is committed and audited.
  KLYN_TRY(r.add(Method::kGet, "/finality", [this](const Request&) {
    json j = checkpointer_->finality();
    j["height"] = applied_.load();
    return Response::json(j);
  }));
  KLYN_TRY(r.add(Method::kGet, "/checkpoint_proofs", [this](const Request&) {
    json list = json::array();
    for (const auto& p : checkpointer_->proofs()) list.push_back(p.to_json());
    return Response::json({{"proofs", list}});
  }));
  KLYN_TRY(r.add(Method::kPost, "/sync/checkpoint_proof", sync_route([this](const Request& req) {
                   auto p = decode_checkpoint_proof(as_bytes(req.body), kCheckpointProofDomain);
                   if (!p) return error_response(p.error());
                   auto fresh = checkpointer_->receive_proof(*p);
                   if (!fresh) return error_response(fresh.error());
                   if (*fresh)
                     gossip_->send("/sync/checkpoint_proof", p->encode(kCheckpointProofDomain));
                   return Response::json({{"new", *fresh}});
                 })));
  // Censorship evidence this node holds (censorship.h).
  KLYN_TRY(r.add(Method::kGet, "/evidence", [this](const Request&) {
    json list = json::array();
    for (const auto& a : alarms_->list("censorship")) list.push_back(a.to_json());
    return Response::json({{"evidence", list}});
  }));
  KLYN_TRY(r.add(Method::kPost, "/sync/censorship", sync_route([this](const Request& req) {
                   auto ev = decode_evidence(as_bytes(req.body));
                   if (!ev) return Response::error(400, "bad_evidence", ev.error().reason);
                   auto j = receive_evidence(*ev, "peer " + req.remote_address);
                   if (!j) return error_response(j.error());
                   return Response::json(*j);
                 })));
  // An instant block from a producer or a relaying peer (binary).
  KLYN_TRY(r.add(Method::kPost, "/sync/instant", sync_route([this](const Request& req) {
                   auto j = receive_instant(as_bytes(req.body));
                   if (!j) return error_response(j.error());
                   return Response::json(*j);
                 })));
  // Gossip (binary, node-to-node): a proof anyone can check; recorded and forwarded once.
  KLYN_TRY(r.add(Method::kPost, "/sync/equivocation", sync_route([this](const Request& req) {
                   auto proof = decode_equivocation(as_bytes(req.body), store_->symbiote_id(),
                                                    params_.controller, params_.block_limits());
                   if (!proof) return error_response(proof.error());
                   auto fresh = raise_equivocation(*proof, "peer " + req.remote_address);
                   if (!fresh)
                     return Response::error(500, fresh.error().code, fresh.error().reason);
                   return Response::json({{"id", codec::hex_encode(proof->id())}, {"new", *fresh}});
                 })));
  // A controller block from a peer: compared with the stored one at its index (a different,
  // validly signed block is equivocation).
  KLYN_TRY(r.add(Method::kPost, "/sync/controller_block", sync_route([this](const Request& req) {
                   auto j =
                       receive_controller_block(as_bytes(req.body), "peer " + req.remote_address);
                   if (!j) return error_response(j.error());
                   return Response::json(*j);
                 })));

  KLYN_TRY(r.add(Method::kGet, "/event/{hash}", [this](const Request& req) {
    return kit::event_response(
        {*store_, [this](const Hash32& h) { return mempool_->contains(h); }, refusals_,
         "instant_block",
         [this](const chain::EventRecord& rec) -> Result<std::optional<chain::Event>> {
           auto bytes = store_->get(dc_keys::instant(rec.block));
           if (!bytes) return bytes.error();
           if (!*bytes) return std::optional<chain::Event>{};
           auto ib = decode_instant_block(as_bytes(**bytes), params_.block_limits());
           if (!ib || rec.position >= ib->events.size()) return std::optional<chain::Event>{};
           return std::optional<chain::Event>(ib->events[rec.position]);
         }},
        req);
  }));

  KLYN_TRY(r.add(Method::kPost, "/event", [this](const Request& req) {
    auto j = net::parse_json_body(req.body);
    if (!j) return error_response(j.error());
    auto e = chain::event_from_json(*j);
    if (!e) return error_response(e.error());
    auto h = submit(*e);
    if (h) return Response::json({{"hash", codec::hex_encode(*h)}, {"status", "pending"}}, 202);
    // Sent again (a client that timed out): answered with what became of it, not refused.
    if (auto known = known_event_json(*e, h.error()); !known.is_null())
      return Response::json(known);
    return error_response(h.error());
  }));

  // A batch: a JSON array of events, or (Content-Type application/octet-stream) the canonical
  // encoding "varint n, n events". Per-item results; the request fails only if the batch itself
  // is malformed.
  KLYN_TRY(r.add(Method::kPost, "/events", [this](const Request& req) {
    auto parsed = kit::events_of_body(req);
    if (!parsed) return error_response(parsed.error());
    const std::vector<Result<chain::Event>>& items = *parsed;
    std::vector<const chain::Event*> decoded;
    for (const auto& item : items)
      if (item) decoded.push_back(&*item);
    std::vector<Result<Hash32>> submitted = submit_batch(decoded);
    json results = json::array();
    size_t accepted = 0, next = 0;
    for (auto& item : items) {
      if (!item) {
        results.push_back({{"error", item.error().code}, {"reason", item.error().reason}});
        continue;
      }
      const Result<Hash32>& h = submitted[next++];
      if (h) {
        ++accepted;
        results.push_back({{"hash", codec::hex_encode(*h)}});
      } else {
        json item = {{"error", h.error().code}, {"reason", h.error().reason}};
        // A known event keeps its error code (forwarding reads it, ForwardAnswers) and no
        // "hash" (an item with one is an accepted event, D14), and says what became of it.
        if (auto known = known_event_json(*decoded[next - 1], h.error()); !known.is_null()) {
          item["status"] = known["status"];
          item["known"] = true;
        }
        results.push_back(std::move(item));
      }
    }
    // "orders": whether this node orders events into blocks (see EventForwarder).
    return Response::json({{"accepted", accepted},
                           {"rejected", items.size() - accepted},
                           {"orders", is_controller_},
                           {"results", results}});
  }));

  // Checkpoints other symbiotes committed here with CHECKPOINT events (chain/README.md, C9):
  // ?source=<symbiote id hex>&from=<index, default 0>&limit=<1..1000, default 100>, ordered by
  // index. "height" is read after the records, so every record's height is <= it.
  KLYN_TRY(r.add(Method::kGet, "/checkpoints", [this](const Request& req) {
    auto src = req.query("source");
    if (!src)
      return Response::error(400, "bad_query", "source (a symbiote id, 64 hex) is required");
    auto source = codec::hex_decode_fixed<32>(*src);
    if (!source) return Response::error(400, "bad_query", "source must be 64 hex digits");
    uint64_t from = 0, limit = 100;
    if (auto q = req.query("from")) {
      auto v = parse_u64(*q);
      if (!v) return Response::error(400, "bad_query", "from must be a non-negative integer");
      from = *v;
    }
    if (auto q = req.query("limit")) {
      auto v = parse_u64(*q);
      if (!v || *v == 0 || *v > 1000)
        return Response::error(400, "bad_query", "limit must be an integer in 1..1000");
      limit = *v;
    }
    json list = json::array();
    auto records = chain::scan_checkpoints(*store_, *source, from, limit);
    if (!records) return error_response(records.error());
    auto height = store_->applied_height();
    if (!height) return error_response(height.error());
    for (const auto& c : *records)
      list.push_back({{"index", c.index},
                      {"hash", codec::hex_encode(c.hash)},
                      {"event", codec::hex_encode(c.event)},
                      {"creator", crypto::address_of(c.creator)},
                      {"height", c.height}});
    return Response::json(
        {{"source", codec::hex_encode(*source)}, {"checkpoints", list}, {"height", *height}});
  }));
  return Status();
}

net::Handler DevController::sync_route(net::Handler handler) {
  return kit::scored_sync_route(scores_, ctx_.log, std::move(handler));
}

}  // namespace klyn::dev_controller
