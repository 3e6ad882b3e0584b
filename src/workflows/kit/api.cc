#include "workflows/kit/api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "chain/event_json.h"
#include "codec/hex.h"
#include "crypto/ed25519.h"
#include "net/json_body.h"

namespace klyn::kit {

unsigned status_for(const std::string& code) {
  if (code == "duplicate" || code == "nonce_used") return 409;
  if (code == "mempool_full") return 429;
  if (code == "stopping" || code == "busy" || code == "halted" || code.starts_with("storage_"))
    return 503;
  if (code == "too_large") return 413;
  if (code == "not_staked") return 403;
  return 400;
}

net::Response error_response(const Error& e) {
  return net::Response::error(status_for(e.code), e.code, e.reason);
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty() || s.size() > 20) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<std::pair<uint64_t, uint64_t>> parse_range_query(const net::Request& req,
                                                        uint64_t default_limit,
                                                        uint64_t max_limit) {
  uint64_t from = 1, limit = default_limit;
  if (auto q = req.query("from")) {
    auto v = parse_u64(*q);
    if (!v || *v == 0) return Error("bad_query", "from must be an integer >= 1");
    from = *v;
  }
  if (auto q = req.query("limit")) {
    auto v = parse_u64(*q);
    if (!v || *v == 0 || *v > max_limit)
      return Error("bad_query", "limit must be an integer in 1.." + std::to_string(max_limit));
    limit = *v;
  }
  return std::make_pair(from, limit);
}

Result<Hash32> parse_hash(const std::string& text, const char* what) {
  auto h = codec::hex_decode_fixed<32>(text);
  if (!h) return Error("bad_request", std::string(what) + " must be 64 hex digits");
  return *h;
}

nlohmann::json record_json(const chain::EventRecord& r, const char* block_key) {
  nlohmann::json j;
  j["status"] = r.status == chain::EventStatus::kApplied ? "applied" : "rejected";
  j["height"] = r.height;
  j[block_key] = codec::hex_encode(r.block);
  j["position"] = r.position;
  if (!r.reason.empty()) j["reason"] = r.reason;
  return j;
}

Result<nlohmann::json> account_json(const chain::ChainStore& store, const chain::AccountId& id,
                                    uint64_t height) {
  auto read = store.account(id);
  if (!read) return read.error();
  const chain::Account& a = *read;
  nlohmann::json j = {{"address", crypto::address_of(id)},
                      {"balance", a.balance},
                      {"nonce", a.nonce},
                      {"stake", a.stake},
                      {"unstaking", a.unstaking},
                      {"unlock_at", a.unlock_at}};
  j["delegate"] =
      a.delegate ? nlohmann::json(crypto::address_of(*a.delegate)) : nlohmann::json(nullptr);
  j["height"] = height;
  return j;
}

net::Handler scored_sync_route(PeerScores& scores, std::shared_ptr<spdlog::logger> log,
                               net::Handler handler) {
  return [&scores, log = std::move(log), handler = std::move(handler)](const net::Request& req) {
    const std::string peer =
        PeerScores::key(req.remote_address, req.header("x-klyn-node").value_or(""));
    if (const int64_t left = scores.banned_for(peer))
      return net::Response::error(
          403, "banned",
          "this peer's misbehaviour score went over the threshold; refused for " +
              std::to_string(left) + " s more");
    net::Response r = handler(req);
    bool banned_now = false;
    if (r.status == 400 || r.status == 403 || r.status == 413) {
      log->info("peer {} sent an invalid message to {}: {} {}", peer, req.path, r.status,
                r.body.substr(0, 200));
      banned_now = scores.penalize(peer, PeerScores::kInvalid);
    } else if (r.status == 200 && r.content_type == "application/json" &&
               (r.body.find("\"known\":true") != std::string::npos ||
                r.body.find("\"new\":false") != std::string::npos)) {  // not binary answers
      // Gossip brings one copy per peer; only repeats from the same peer are a flood.
      const uint64_t message = std::hash<std::string_view>{}(req.body) * 0x100000001b3ULL ^
                               std::hash<std::string_view>{}(req.path);
      banned_now = scores.duplicate(peer, message);
    }
    if (banned_now)
      log->warn("peer {} banned: misbehaviour score over the threshold (last: {} {} {})", peer,
                req.path, r.status, r.body.substr(0, 200));
    return r;
  };
}

net::Response account_response(const chain::ChainStore& store, const net::Request& req,
                               uint64_t height) {
  auto id = crypto::parse_address(req.param("addr"));
  if (!id) return net::Response::error(400, "bad_address", id.error().reason);
  auto j = account_json(store, *id, height);
  if (!j) return error_response(j.error());
  return net::Response::json(*j);
}

net::Response event_response(const EventLookup& l, const net::Request& req) {
  auto h = parse_hash(req.param("hash"), "hash");
  if (!h) return error_response(h.error());
  const bool pending = l.pending(*h);
  auto rec = chain::load_event_record(l.store, *h);
  if (!rec) return error_response(rec.error());
  if (*rec) {
    nlohmann::json j = record_json(**rec, l.block_key);
    j["hash"] = req.param("hash");
    auto e = l.event_at(**rec);
    if (!e) return error_response(e.error());
    if (*e) j["event"] = chain::event_to_json(**e);
    j.update(l.extra);
    return net::Response::json(j);
  }
  if (pending) return net::Response::json({{"hash", req.param("hash")}, {"status", "pending"}});
  if (auto refusal = l.refusals.find(*h))
    return net::Response::json({{"hash", req.param("hash")},
                                {"status", "refused"},
                                {"error", refusal->code},
                                {"reason", refusal->reason},
                                {"refused_ms", refusal->at_ms}});
  return net::Response::error(404, "not_found", "unknown event " + req.param("hash"));
}

net::Response addnode_response(PeerSet& peers, const net::Request& req) {
  auto j = net::parse_json_body(req.body);
  if (!j) return error_response(j.error());
  if (!j->is_object() || !j->contains("url") || !(*j)["url"].is_string())
    return net::Response::error(400, "bad_request", "body must be {\"url\": \"http://host:port\"}");
  auto added = peers.add((*j)["url"].get<std::string>());
  if (!added)
    return net::Response::error(added.error().code == "too_many_peers" ? 409 : 400,
                                added.error().code, added.error().reason);
  return net::Response::json({{"added", *added}, {"peers", peers.size()}});
}

net::Response nodes_response(const PeerSet& peers, PeerScores& scores) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : peers.snapshot()) list.push_back(p.url);
  return net::Response::json({{"nodes", list}, {"misbehaviour", scores.to_json()}});
}

nlohmann::json known_event_json(const chain::ChainStore& store, const chain::Event& e,
                                const Error& refusal, const char* block_key,
                                const nlohmann::json& extra) {
  if (refusal.code != "duplicate" && refusal.code != "nonce_used") return nullptr;
  const std::string hex = codec::hex_encode(e.hash());
  if (refusal.code == "duplicate") return {{"hash", hex}, {"status", "pending"}, {"known", true}};
  auto rec = chain::load_event_record(store, e.hash());
  if (!rec || !*rec) return nullptr;
  nlohmann::json j = record_json(**rec, block_key);
  j.update(extra);
  j["hash"] = hex;
  j["known"] = true;
  return j;
}

Result<std::vector<Result<chain::Event>>> events_of_body(const net::Request& req) {
  std::vector<Result<chain::Event>> items;
  // Media types are case-insensitive (RFC 9110 8.3.1): "Application/Octet-Stream" is binary too.
  std::string type = req.header("content-type").value_or("");
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view binary = "application/octet-stream";
  if (type.rfind(binary, 0) == 0 &&
      (type.size() == binary.size() || type[binary.size()] == ';' ||
       std::isspace(static_cast<unsigned char>(type[binary.size()])))) {
    auto batch = chain::decode_event_batch(as_bytes(req.body), chain::kMaxBatchEvents);
    if (!batch) return batch.error();
    for (auto& e : *batch) items.emplace_back(std::move(e));
    return items;
  }
  auto j = net::parse_json_body(req.body);
  if (!j) return j.error();
  if (!j->is_array()) return Error("bad_request", "body must be a JSON array of events");
  if (j->size() > chain::kMaxBatchEvents)
    return Error("too_large",
                 "at most " + std::to_string(chain::kMaxBatchEvents) + " events per batch");
  for (const auto& item : *j) items.push_back(chain::event_from_json(item));
  return items;
}

net::Response state_root_response(const chain::ChainStore& store, const net::Request& req,
                                  uint64_t applied) {
  uint64_t h = applied;
  if (auto q = req.query("height")) {
    auto v = parse_u64(*q);
    if (!v) return net::Response::error(400, "bad_query", "height must be a non-negative integer");
    if (*v > h)
      return net::Response::error(404, "not_found", "height " + *q + " is not applied yet");
    h = *v;
  }
  auto root = store.state_root(h);
  if (!root) return error_response(root.error());
  if (!*root)
    return net::Response::error(404, "not_found",
                                "no state root stored for height " + std::to_string(h));
  return net::Response::json({{"height", h}, {"state_root", codec::hex_encode(**root)}});
}

}  // namespace klyn::kit
