#include "workflows/kit/event_forwarder.h"

#include <spdlog/spdlog.h>

#include <map>
#include <nlohmann/json.hpp>

#include "codec/binary.h"
#include "codec/hex.h"
#include "net/http_client.h"

namespace klyn::kit {

using namespace std::chrono_literals;

EventForwarder::EventForwarder(Mempool& mempool, Options options,
                               std::function<uint64_t(const chain::AccountId&)> committed_nonce)
    : mempool_(mempool), o_(std::move(options)), nonce_of_(std::move(committed_nonce)) {}

EventForwarder::~EventForwarder() {
  stop();
}

void EventForwarder::start() {
  if (thread_.joinable()) return;  // already running
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void EventForwarder::stop() {
  stop_ = true;
  mempool_.wake();
  if (thread_.joinable()) thread_.join();
}

ForwardAnswers::Outcome ForwardAnswers::settle(
    Mempool& mempool, std::vector<PendingEvent> batch, std::span<const std::string> errors,
    bool orders, size_t peers, const std::function<uint64_t(const chain::AccountId&)>& nonce_of) {
  Outcome out;
  if (errors.size() != batch.size()) {
    failed(mempool, batch);
    out.next_peer = true;
    return out;
  }
  std::vector<PendingEvent> again;
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::string& err = errors[i];
    // A relay answering "duplicate" may hold the event from us (seed 16 of the simulation): it
    // must go on towards an orderer, or the two would hold it pending forever.
    if (err == "duplicate" && !orders && ++relay_duplicates_[batch[i].hash] < peers) {
      again.push_back(std::move(batch[i]));
      out.next_peer = true;
    } else if (err.empty() || err == "duplicate") {
      relay_duplicates_.erase(batch[i].hash);
      ++out.taken;
    } else if (EventForwarder::refused_for_good(err)) {
      out.refused_for_good.emplace_back(batch[i].hash, err);
      mempool.give_up(batch[i].hash, nonce_of);
    } else {
      // Offered again when the lease runs out, through the next peer (simulation, soak seed
      // 3000194); if another event took its nonce, the block deciding that forgets it.
      out.refused_for_now.emplace_back(batch[i].hash, err);
      out.next_peer = true;
    }
  }
  if (relay_duplicates_.size() > 100'000) relay_duplicates_.clear();  // bounded memory
  mempool.give_back(again);
  return out;
}

bool EventForwarder::refused_for_good(const std::string& code) {
  return code == "bad_signature" || code == "wrong_symbiote" || code == "too_large" ||
         code == "bad_payload" || code == "unsupported_type" || code == "malformed" ||
         code == "fee_too_low";
}

void EventForwarder::loop() {
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients;  // by URL
  ForwardAnswers answers;
  size_t peer = 0;
  while (!stop_) {
    std::vector<Peer> peers = o_.peers->snapshot();
    if (peers.empty()) {
      std::this_thread::sleep_for(50ms);  // nobody to forward to yet (see POST addnode)
      continue;
    }
    const Peer& target = peers[peer % peers.size()];
    auto& client = clients[target.url];
    if (!client) client = std::make_unique<net::HttpClient>(target.host, target.port, o_.timeout);
    mempool_.renew(std::chrono::steady_clock::now());  // leases run out: offered again
    mempool_.wait_ready(200ms);
    std::vector<PendingEvent> batch = mempool_.take(
        o_.batch, Lease{std::chrono::steady_clock::now(), o_.lease_first, o_.lease_max});
    if (batch.empty()) continue;
    codec::Writer w(batch.size() * 180 + 8);
    w.varint(batch.size());
    for (const auto& pe : batch) pe.event.encode_to(w);
    auto r =
        client->post(o_.symbiote_path + "/events", std::string(w.data().begin(), w.data().end()),
                     "application/octet-stream");
    if (!r || r->status != 200) {
      if (o_.log)
        o_.log->debug(
            "forwarding to {} failed: {}", target.url,
            r ? std::to_string(r->status) + " " + r->body.substr(0, 200) : r.error().to_string());
      ForwardAnswers::failed(mempool_, batch);
      peer = (peer + 1) % peers.size();
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(20ms);  // back off
      continue;
    }
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    const bool orders = j.is_object() && j.contains("orders") && j["orders"].is_boolean() &&
                        j["orders"].get<bool>();
    std::vector<std::string> errors;
    if (j.is_object() && j.contains("results") && j["results"].is_array())
      for (const auto& item : j["results"])
        errors.push_back(item.is_object() && item.contains("error") && item["error"].is_string()
                             ? item["error"].get<std::string>()
                             : "");
    const auto out =
        answers.settle(mempool_, std::move(batch), errors, orders, peers.size(), nonce_of_);
    forwarded_ += out.taken;
    if (o_.log) {
      for (const auto& [h, err] : out.refused_for_good)
        o_.log->info("peer {} refused forwarded event {}: {}", target.url, codec::hex_encode(h),
                     err);
      for (const auto& [h, err] : out.refused_for_now)
        o_.log->debug("peer {} refused forwarded event {} for now: {}", target.url,
                      codec::hex_encode(h), err);
    }
    if (out.next_peer) peer = (peer + 1) % peers.size();
  }
}

}  // namespace klyn::kit
