#include "hostchains/symbiote/symbiote.h"

#include <spdlog/spdlog.h>

#include <set>

#include "chain/event.h"
#include "chain/event_json.h"
#include "codec/hex.h"
#include "net/http_client.h"
#include "net/url.h"

namespace klyn::hostchains::symbiote {

using nlohmann::json;

namespace {

constexpr uint64_t kPageLimit = 1000;
constexpr int kMaxPages = 100;

std::optional<uint64_t> u64_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

std::string str_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

SymbioteConnector::SymbioteConnector(SymbioteSettings settings, std::shared_ptr<spdlog::logger> log)
    : settings_(std::move(settings)),
      log_(std::move(log)),
      http_(std::make_unique<net::HttpClient>(settings_.host, settings_.port, settings_.timeout)) {}

SymbioteConnector::~SymbioteConnector() = default;

std::string SymbioteConnector::base() const {
  return "/s/" + net::percent_encode(settings_.path);
}

Result<std::pair<unsigned, json>> SymbioteConnector::call(std::string_view method,
                                                          const std::string& target,
                                                          std::string body) {
  auto r = http_->request(method, target, std::move(body));
  if (!r) {
    http_->close();
    return Error("unreachable", settings_.api_url + ": " + r.error().to_string());
  }
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error("bad_response", std::string(method) + " " + target + ": HTTP " +
                                     std::to_string(r->status) + ", body is not a JSON object");
  return std::make_pair(r->status, std::move(j));
}

// A 200 answer, else an Error: 404 → "not_found", other statuses → "rpc_error".
Result<json> SymbioteConnector::get_ok(const std::string& target) {
  auto r = call("GET", target);
  if (!r) return r.error();
  auto& [status, j] = *r;
  if (status == 200) return std::move(j);
  std::string why = str_of(j, "error") + ": " + str_of(j, "reason");
  if (status == 404) return Error("not_found", target + ": " + why);
  return Error("rpc_error", target + ": HTTP " + std::to_string(status) + ": " + why);
}

Status SymbioteConnector::resolve() {
  if (host_id_) return Status();
  auto info = get_ok(base() + "/info");
  if (!info) return info.error();
  auto id = codec::hex_decode_fixed<32>(str_of(*info, "id"));
  if (!id) return Error("bad_response", base() + "/info: no symbiote id");
  if (network_is_id(settings_.common.network) && codec::hex_encode(*id) != settings_.common.network)
    return Error("bad_response", settings_.api_url + base() + " serves symbiote " +
                                     codec::hex_encode(*id) + ", not " + settings_.common.network);
  if (settings_.fee) {
    fee_ = *settings_.fee;
  } else if (auto f = u64_of(*info, "fee")) {
    fee_ = *f;
  } else {
    return Error("config",
                 "hostchains: the hosting symbiote does not publish its minimum fee "
                 "in /info; set `fee` in the hostchain table");
  }
  host_id_ = *id;
  if (log_)
    log_->info("symbiote hostchain {} at {}: id {}, fee {}", settings_.path, settings_.api_url,
               codec::hex_encode(*id), fee_);
  return Status();
}

Result<uint64_t> SymbioteConnector::height() {
  auto info = get_ok(base() + "/info");
  if (!info) return info.error();
  auto h = u64_of(*info, "height");
  if (!h) return Error("bad_response", base() + "/info: no height");
  return *h;
}

Result<uint64_t> SymbioteConnector::next_nonce() {
  auto acc = get_ok(base() + "/account/" + crypto::address_of(settings_.key->public_key()));
  if (!acc) return acc.error();
  auto n = u64_of(*acc, "nonce");
  if (!n) return Error("bad_response", "account: no nonce");
  while (!sent_.empty() && sent_.front().first <= *n) sent_.pop_front();
  if (!sent_.empty()) {
    // The oldest sent commit is not applied yet: still pending → continue after the newest;
    // dropped or rejected → the ones after it cannot apply either, so start again from the chain.
    auto st = check(sent_.front().second);
    if (!st) return st.error();
    if (st->state != CommitStatus::State::kPending && st->state != CommitStatus::State::kIncluded)
      sent_.clear();
  }
  return sent_.empty() ? *n + 1 : sent_.back().first + 1;
}

Result<std::string> SymbioteConnector::commit(const Checkpoint& cp) {
  if (settings_.common.stopped)
    return Error("stopped", "hostchain is stopped in config (stopped = true)");
  KLYN_TRY(resolve());
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto nonce = next_nonce();
    if (!nonce) return nonce.error();
    chain::Event e = chain::make_checkpoint(*host_id_, *settings_.key, *nonce, fee_, cp.symbiote,
                                            cp.index, cp.hash);
    auto r = call("POST", base() + "/event", chain::event_to_json(e).dump());
    if (!r) return r.error();
    auto& [status, j] = *r;
    const std::string code = str_of(j, "error");
    if (status == 202 || status == 200) {
      std::string tx = codec::hex_encode(e.hash());
      sent_.emplace_back(*nonce, tx);
      return tx;
    }
    if (code == "nonce_used" && attempt == 0) {  // someone else used the key: read it again
      sent_.clear();
      continue;
    }
    if (code == "insufficient_balance")
      return Error("insufficient_funds", "committer " +
                                             crypto::address_of(settings_.key->public_key()) +
                                             ": " + str_of(j, "reason"));
    return Error("rpc_error", "POST event: HTTP " + std::to_string(status) + ": " + code + ": " +
                                  str_of(j, "reason"));
  }
  return Error("rpc_error", "POST event: nonce conflict");
}

Result<CommitStatus> SymbioteConnector::check(const std::string& tx) {
  if (!codec::hex_decode_fixed<32>(tx)) return Error("not_found", "bad event hash \"" + tx + "\"");
  auto r = call("GET", base() + "/event/" + tx);
  if (!r) return r.error();
  auto& [status, j] = *r;
  CommitStatus out;
  if (status == 404) return out;  // kUnknown
  if (status != 200)
    return Error("rpc_error", "event " + tx + ": HTTP " + std::to_string(status) + ": " +
                                  str_of(j, "error") + ": " + str_of(j, "reason"));
  const std::string st = str_of(j, "status");
  if (st == "refused") return out;  // refused at admission: the host holds nothing (kUnknown)
  if (st == "pending") {
    out.state = CommitStatus::State::kPending;
    return out;
  }
  if (st != "applied" && st != "rejected")
    return Error("bad_response", "event " + tx + ": status \"" + st + "\"");
  auto at = u64_of(j, "height");
  if (!at) return Error("bad_response", "event " + tx + ": no height");
  auto h = height();
  if (!h) return h.error();
  out.state = st == "applied" ? CommitStatus::State::kIncluded : CommitStatus::State::kFailed;
  out.confirmations = *h >= *at ? *h - *at + 1 : 0;
  out.block = std::to_string(*at);
  return out;
}

Result<std::vector<FoundCommit>> SymbioteConnector::read_commits(const chain::SymbioteId& symbiote,
                                                                 uint64_t from_index) {
  std::vector<FoundCommit> out;
  std::set<std::string> seen;  // event hashes (pages overlap on the last index of a page)
  const std::string source = codec::hex_encode(symbiote);
  uint64_t from = from_index;
  for (int page = 0; page < kMaxPages; ++page) {
    auto j = get_ok(base() + "/checkpoints?source=" + source + "&from=" + std::to_string(from) +
                    "&limit=" + std::to_string(kPageLimit));
    if (!j) return j.error();
    auto h = u64_of(*j, "height");
    auto list = j->find("checkpoints");
    if (!h || list == j->end() || !list->is_array())
      return Error("bad_response", "checkpoints: no height or list");
    uint64_t last = from;
    for (const auto& c : *list) {
      auto index = u64_of(c, "index");
      auto at = u64_of(c, "height");
      auto hash = codec::hex_decode_fixed<32>(str_of(c, "hash"));
      std::string event = str_of(c, "event");
      if (!index || !at || !hash || !codec::hex_decode_fixed<32>(event))
        return Error("bad_response", "checkpoints: malformed record " + c.dump());
      last = *index;
      if (!seen.insert(event).second) continue;
      FoundCommit f;
      f.checkpoint = {symbiote, *index, *hash};
      f.tx = event;
      f.confirmations = *h >= *at ? *h - *at + 1 : 0;
      out.push_back(std::move(f));
    }
    if (list->size() < kPageLimit) return out;
    // A full page: continue at its last index (its records may go on in the next page); a page
    // full of one index moves on to the next index.
    from = last == from ? last + 1 : last;
    if (from == 0) break;  // wrapped
  }
  if (log_)
    log_->warn("symbiote hostchain {}: read-back stopped after {} pages", settings_.path,
               kMaxPages);
  return out;
}

Result<Balance> SymbioteConnector::balance() {
  auto acc = get_ok(base() + "/account/" + crypto::address_of(settings_.key->public_key()));
  if (!acc) return acc.error();
  auto b = u64_of(*acc, "balance");
  if (!b) return Error("bad_response", "account: no balance");
  return Balance{std::to_string(*b), "unit"};
}

ConnectorFactory factory() {
  return [](const ConnectorSpec& spec, core::ConfigReader& cfg) -> std::unique_ptr<Connector> {
    auto settings = read_settings(spec, cfg);
    if (!settings) return nullptr;
    return std::make_unique<SymbioteConnector>(std::move(*settings), spec.log);
  };
}

}  // namespace klyn::hostchains::symbiote
