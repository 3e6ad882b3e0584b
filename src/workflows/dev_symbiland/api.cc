// Public JSON routes of a dev_symbiland symbiote, under /s/{alias-or-id}/... (README "API"),
// and the node-to-node routes /sync/sl and /sync/sl_events.
#include <spdlog/spdlog.h>

#include "chain/event_json.h"
#include "codec/hex.h"
#include "net/json_body.h"
#include "workflows/dev_symbiland/dev_symbiland.h"
#include "workflows/kit/api.h"

namespace klyn::dev_symbiland {

using kit::error_response;
using net::Method;
using net::Request;
using net::Response;
using nlohmann::json;

namespace {

constexpr uint64_t kMaxBlocksPerPage = 100;

json qc_json(const QuorumCert& qc) {
  return {{"epoch", qc.epoch},
          {"round", qc.round},
          {"block", codec::hex_encode(qc.block)},
          {"signers", qc.signers.indices()},
          {"signature", codec::hex_encode(qc.signature)}};
}

}  // namespace

nlohmann::json DevSymbiland::summary() const {
  // The keys every workflow's summary shares first (workflow, workflow_version, id, role, fee,
  // height, state_root, peers, mempool, storage, halted), then this workflow's own.
  json j = {{"workflow", kName},
            {"workflow_version", version()},
            {"id", codec::hex_encode(ctx_.id)},
            {"role", self_ ? "validator" : "follower"},
            {"fee", ctx_.genesis.manifest.fee.per_event},
            {"height", ledger_ ? ledger_->height() : 0},
            {"peers", peers_ ? peers_->size() : 0},
            {"mempool", pool_ ? pool_->size() : 0},
            {"round", round_.load()},
            {"high_qc_round", high_qc_round_.load()},
            {"validators", params_.set.size()},
            {"evidence", evidence_.load()},
            {"refused_messages", refused_.load()},
            {"events",
             {{"admitted", events_admitted_.load()},
              {"applied", events_applied_.load()},
              {"rejected", events_rejected_.load()}}}};
  if (self_) j["validator_index"] = *self_;
  if (ledger_ && store_ && !store_->fault()) {
    j["tip"] = codec::hex_encode(ledger_->tip_hash());
    if (auto root = ledger_->state_root(ledger_->height()); root && *root)
      j["state_root"] = codec::hex_encode(**root);
    if (auto w = store_->writable(); !w && w.error().code == "storage_full")
      j["storage"] = {{"state", "full"}, {"reason", w.error().reason}};
  }
  if (halted()) {
    std::lock_guard lk(halt_mu_);
    j["halted"] = halted_reason_;
  }
  return j;
}

json DevSymbiland::block_json(const Block& b, const std::optional<QuorumCert>& qc) const {
  json events = json::array();
  if (auto list = chain::decode_event_batch(b.payload, params_.max_events_per_block))
    for (const auto& e : *list) events.push_back(chain::event_to_json(e));
  json j = {{"height", b.height},
            {"hash", codec::hex_encode(b.hash())},
            {"parent", codec::hex_encode(b.parent)},
            {"epoch", b.epoch},
            {"round", b.round},
            {"proposer", b.proposer},
            {"created_ms", b.created_ms},
            {"state_height", b.state_height},
            {"state_root", codec::hex_encode(b.state_root)},
            {"justify", qc_json(b.justify)},
            {"events", events}};
  if (b.tc) j["timeout_certificate_round"] = b.tc->round;
  // The certificate of this block (its child's justify): what makes it final.
  j["certificate"] = qc ? qc_json(*qc) : json(nullptr);
  if (auto root = ledger_->state_root(b.height); root && *root)
    j["state_root_after"] = codec::hex_encode(**root);
  return j;
}

Status DevSymbiland::routes(core::SymbioteRoutes& routes) {
  KLYN_TRY(routes.add(Method::kGet, "/info",
                      [this](const Request&) { return Response::json(summary()); }));
  // Nothing is served from a database that had a read or write fault (chain S1).
  core::GuardedRoutes r(routes, *store_);

  KLYN_TRY(r.add(Method::kGet, "/account/{addr}", [this](const Request& req) {
    return kit::account_response(*store_, req, ledger_->height());
  }));

  KLYN_TRY(r.add(Method::kGet, "/state_root", [this](const Request& req) {
    return kit::state_root_response(*store_, req, ledger_->height());
  }));

  KLYN_TRY(r.add(Method::kGet, "/block/{height}", [this](const Request& req) {
    auto h = kit::parse_u64(req.param("height"));
    if (!h || *h == 0) return Response::error(400, "bad_request", "height must be an integer >= 1");
    auto b = ledger_->block(*h);
    if (!b) return error_response(b.error());
    if (!*b) return Response::error(404, "not_found", "no committed block at that height");
    auto qc = ledger_->certificate(*h);
    if (!qc) return error_response(qc.error());
    return Response::json(block_json(**b, *qc));
  }));

  KLYN_TRY(r.add(Method::kGet, "/blocks", [this](const Request& req) {
    auto range = kit::parse_range_query(req, 20, kMaxBlocksPerPage);
    if (!range) return error_response(range.error());
    const auto [from, limit] = *range;
    json list = json::array();
    const uint64_t top = ledger_->height();
    for (uint64_t h = from; h <= top && h < from + limit; ++h) {
      auto b = ledger_->block(h);
      if (!b) return error_response(b.error());
      if (!*b) break;
      list.push_back({{"height", h},
                      {"hash", codec::hex_encode((*b)->hash())},
                      {"round", (*b)->round},
                      {"proposer", (*b)->proposer},
                      {"created_ms", (*b)->created_ms}});
    }
    return Response::json({{"height", top}, {"blocks", list}});
  }));

  KLYN_TRY(r.add(Method::kGet, "/validators", [this](const Request&) {
    json list = json::array();
    for (size_t i = 0; i < params_.set.size(); ++i) {
      const Validator& v = params_.set.at(i);
      list.push_back({{"index", i},
                      {"account", crypto::address_of(v.account)},
                      {"bls_key", codec::hex_encode(v.key.to_bytes())},
                      {"weight", v.weight}});
    }
    return Response::json({{"epoch", params_.epoch},
                           {"total_weight", params_.set.total_weight()},
                           {"quorum_weight", params_.set.quorum_weight()},
                           {"set_hash", codec::hex_encode(params_.set.hash())},
                           {"validators", list}});
  }));

  KLYN_TRY(r.add(Method::kGet, "/event/{hash}", [this](const Request& req) {
    return kit::event_response(
        {*store_,
         [this](const Hash32& h) { return pool_->contains(h); },
         refusals_,
         "block",
         [this](const chain::EventRecord& rec) -> Result<std::optional<chain::Event>> {
           auto b = ledger_->block(rec.height);
           if (!b) return b.error();
           if (!*b) return std::optional<chain::Event>{};
           auto events = chain::decode_event_batch((*b)->payload, params_.max_events_per_block);
           if (!events || rec.position >= events->size()) return std::optional<chain::Event>{};
           return std::optional<chain::Event>((*events)[rec.position]);
         },
         // BFT: applied here means decided by a certified 2-chain.
         {{"committed", true}}},
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
    if (auto known = kit::known_event_json(*store_, *e, h.error(), "block", {{"committed", true}});
        !known.is_null())
      return Response::json(known);
    return error_response(h.error());
  }));

  // A batch: a JSON array of events, or (application/octet-stream) "varint n, n events".
  KLYN_TRY(r.add(Method::kPost, "/events", [this](const Request& req) {
    auto parsed = kit::events_of_body(req);
    if (!parsed) return error_response(parsed.error());
    const std::vector<Result<chain::Event>>& items = *parsed;
    std::vector<const chain::Event*> decoded;
    for (const auto& item : items)
      if (item) decoded.push_back(&*item);
    const std::vector<Result<Hash32>> submitted = submit_batch(decoded);
    json results = json::array();
    size_t accepted = 0, next = 0;
    for (const auto& item : items) {
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
        // A known event keeps its error code and no "hash" (an item with one is accepted) and
        // says what became of it, as dev_controller's do.
        if (auto known = kit::known_event_json(*store_, *decoded[next - 1], h.error(), "block");
            !known.is_null()) {
          item["status"] = known["status"];
          item["known"] = true;
        }
        results.push_back(std::move(item));
      }
    }
    return Response::json({{"accepted", accepted},
                           {"rejected", items.size() - accepted},
                           {"orders", true},  // every validator may propose it
                           {"results", results}});
  }));

  // Two different messages one validator signed for one round and kind (README B6), each with
  // both encoded messages as its proof ("proof": varint-length first | varint-length second).
  KLYN_TRY(r.add(Method::kGet, "/evidence", [this](const Request&) {
    json list = json::array();
    for (const auto& a : evidence_book_->list()) list.push_back(a.to_json());
    return Response::json({{"evidence", list}});
  }));

  KLYN_TRY(r.add(Method::kPost, "/addnode",
                 [this](const Request& req) { return kit::addnode_response(*peers_, req); }));
  KLYN_TRY(r.add(Method::kGet, "/nodes",
                 [this](const Request&) { return kit::nodes_response(*peers_, scores_); }));

  // Node-to-node: consensus messages (framed u32 kind | message) and relayed events.
  KLYN_TRY(r.add(Method::kPost, "/sync/sl",
                 kit::scored_sync_route(scores_, ctx_.log,
                                        [this](const Request& req) { return receive(req); })));
  KLYN_TRY(r.add(Method::kPost, "/sync/sl_events",
                 kit::scored_sync_route(scores_, ctx_.log, [this](const Request& req) {
                   auto batch = chain::decode_event_batch(as_bytes(req.body));
                   if (!batch) return error_response(batch.error());
                   std::vector<const chain::Event*> ptrs;
                   for (const auto& e : *batch) ptrs.push_back(&e);
                   // Not relayed again (E2): their owner does.
                   size_t fresh = 0;
                   for (const auto& h : submit_batch(ptrs, false)) fresh += h.ok();
                   return Response::json({{"new", fresh}});
                 })));
  return Status();
}

}  // namespace klyn::dev_symbiland
