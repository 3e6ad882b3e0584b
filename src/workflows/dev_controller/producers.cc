// dev_controller: instant blocks of staked producers on other nodes (issue "dev_controller as a
// network", items 3 and 6). A producer makes instant blocks of the events admitted on its node and
// hands them to its peers; the controller queues them for ordering and answers a signed
// acknowledgement (censorship.h); other nodes relay them once. A producer whose acknowledged block
// is not ordered within the manifest's inclusion_window records and gossips censorship evidence.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "codec/hex.h"
#include "common/clock.h"
#include "net/http_client.h"
#include "workflows/dev_controller/dev_controller.h"

namespace klyn::dev_controller {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// How often the production loop asks the InstantBook what is due (its back-off: 200 ms .. 10 s).
constexpr auto kResendCheck = 200ms;

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

std::optional<std::vector<Hash32>> DevController::stored_block_instants(uint64_t index) const {
  if (index == 0 || index > head_.load()) return std::nullopt;
  auto bytes = store_->get(dc_keys::controller(index));
  if (!bytes || !*bytes) return std::nullopt;  // a read error is the store's fault (halts)
  auto cb = decode_controller_block(as_bytes(**bytes), params_.block_limits());
  if (!cb) return std::nullopt;
  return cb->instant_blocks;
}

Result<json> DevController::receive_instant(ByteSpan bytes) {
  auto ib = decode_offered_instant(bytes, store_->symbiote_id(), params_.block_limits());
  if (!ib) return ib.error();
  const Hash32 h = InstantBlock::hash_of(bytes);
  auto ack_at = [&](uint64_t height) {
    return make_ack(store_->symbiote_id(), h, height, *ctx_.key);
  };
  {
    std::lock_guard lock(instants_mu_);
    if (auto first = intake_->seen(h)) {
      // The controller acknowledges again (the first answer may have been lost, or a relay's copy
      // came first): same height, so the acknowledgement is the same statement.
      if (!is_controller_) return json{{"known", true}};
      const InstantAck ack = ack_at(*first);
      return json{
          {"known", true}, {"ack", codec::hex_encode(ack.encode())}, {"height", ack.height}};
    }
  }
  auto producer = store_->account(ib->producer);
  if (!producer) return producer.error();
  KLYN_TRY(judge_offered_instant(*ib, params_, *producer));
  const uint64_t height = head_.load();
  const auto& censored = config_.fault_censor_producers;
  const bool order = std::find(censored.begin(), censored.end(), ib->producer) == censored.end();
  InstantIntake::Taken taken;
  size_t queued;
  {
    std::lock_guard lock(instants_mu_);
    taken = intake_->take(h, Bytes(bytes.begin(), bytes.end()), height, order);
    queued = intake_->queued();
  }
  switch (taken) {
    case InstantIntake::Taken::kBusy:
      return Error("busy", "the controller has " + std::to_string(queued) +
                               " instant blocks queued; offer it again later");
    case InstantIntake::Taken::kKnown:
      return json{{"known", true}};
    case InstantIntake::Taken::kRelay:
      gossip_->send("/sync/instant", Bytes(bytes.begin(), bytes.end()));
      return json{{"relayed", true}};
    case InstantIntake::Taken::kQueued:
      break;
  }
  mempool_->wake();  // the generation loop orders it in its next round
  const InstantAck ack = ack_at(height);
  return json{{"ack", codec::hex_encode(ack.encode())}, {"height", ack.height}};
}

void DevController::offer_instant(const Hash32& hash, const Bytes& encoded) {
  std::optional<InstantAck> ack;
  const std::string path = "/s/" + codec::hex_encode(store_->symbiote_id()) + "/sync/instant";
  for (const Peer& p : peers_->snapshot()) {
    auto& client = instant_clients_[p.url];  // keep-alive, production thread only
    if (!client) client = std::make_unique<net::HttpClient>(p.host, p.port, 2s);
    net::HttpClient& http = *client;
    auto r = http.request(net::Method::kPost, path, std::string(encoded.begin(), encoded.end()),
                          "application/octet-stream", {{"X-Klyn-Node", node_id_}});
    if (!r) continue;
    if (r->status != 200) {
      // 503 is "not now" (busy, stopping, storage): the block is offered again with back-off.
      if (r->status == 503)
        ctx_.log->debug("peer {} cannot take instant block {} now: {}", p.url,
                        codec::hex_encode(hash), r->body.substr(0, 200));
      else
        ctx_.log->warn("peer {} refused instant block {}: {} {}", p.url, codec::hex_encode(hash),
                       r->status, r->body.substr(0, 200));
      continue;
    }
    auto j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains("ack") || !j["ack"].is_string()) continue;
    auto raw = codec::hex_decode(j["ack"].get<std::string>());
    if (!raw) continue;
    auto a = decode_received_ack(*raw, store_->symbiote_id(), params_.controller);
    if (a && a->instant == hash) ack = *a;
  }
  if (!ack) return;  // offered again with back-off (InstantBook::due)
  std::lock_guard lock(awaiting_mu_);
  book_.acknowledged(*ack, steady_ms());
}

void DevController::production_loop() {
  auto last_resend = std::chrono::steady_clock::now();
  while (!stopping_) {
    mempool_->wait_ready(config_.block_interval);
    if (stopping_) break;
    if (alarms_->halting()) continue;
    // Batch like the controller does (see generation_loop): wait briefly for a fuller block.
    auto until = std::chrono::steady_clock::now() + config_.batch_window;
    while (!stopping_ && std::chrono::steady_clock::now() < until &&
           mempool_->ready_count() < params_.max_events_per_instant_block)
      std::this_thread::sleep_for(500us);
    // Nothing is taken while the instant block could not be kept (disk full): the events wait.
    const bool can_store = store_->writable().ok();
    auto evs = can_store ? mempool_->take(params_.max_events_per_instant_block)
                         : std::vector<PendingEvent>{};
    if (!can_store) std::this_thread::sleep_for(config_.block_interval);
    if (!evs.empty()) {
      MadeInstant made = make_instant_block(evs, store_->symbiote_id(), *ctx_.key, unix_time_ms());
      const Bytes& enc = made.encoded;
      const Hash32& h = made.hash;
      // Kept locally first: it is ours to serve, and the evidence if it is left out. Not kept,
      // it is not sent; its events are ready again.
      chain::WriteBatch keep;
      keep.put(dc_keys::instant(h), enc);
      if (auto st = store_->write(keep); !st) {
        mempool_->give_back(evs);
        note_storage_error("cannot keep an instant block", st.error());
      } else {
        {
          std::lock_guard lock(awaiting_mu_);
          book_.made(h, enc, std::move(made.events), steady_ms());
        }
        offer_instant(h, enc);
      }
    }
    if (const auto now = std::chrono::steady_clock::now(); now - last_resend > kResendCheck) {
      last_resend = now;
      std::vector<InstantBook::Offer> again;  // oldest first (D15)
      {
        std::lock_guard lock(awaiting_mu_);
        again = book_.due(steady_ms(), [&](const Hash32& e) { return mempool_->contains(e); });
      }
      for (const auto& o : again) {
        if (o.attempts % 50 == 0)
          ctx_.log->warn(
              "no controller acknowledged instant block {} after {} attempts; offering it again",
              codec::hex_encode(o.hash), o.attempts);
        offer_instant(o.hash, o.encoded);
      }
    }
  }
}

void DevController::after_applied(uint64_t index) {
  std::vector<CensorshipEvidence> made, recheck;
  {
    std::lock_guard lock(awaiting_mu_);
    if (book_.empty() && evidence_waiting_.empty()) return;
    made = book_.applied(index, stored_block_instants(index).value_or(std::vector<Hash32>{}),
                         params_.inclusion_window);
    recheck = evidence_waiting_.take();
  }
  for (const auto& ev : made) (void)receive_evidence(ev, "local");
  for (const auto& ev : recheck) (void)receive_evidence(ev, "waiting");
}

Result<json> DevController::receive_evidence(const CensorshipEvidence& ev,
                                             const std::string& source) {
  auto step = judge_evidence(
      ev, store_->symbiote_id(), params_, [this](uint64_t i) { return stored_block_instants(i); },
      [this](const Hash32& h) { return alarms_->contains(h); },
      [this](const chain::AccountId& id) { return store_->account(id); }, source, unix_time_ms());
  if (!step) return step.error();
  using V = EvidenceStep::Verdict;
  switch (step->verdict) {
    case V::kInvalid:
      return Error("bad_evidence", step->reason);
    case V::kKnown:
      return json{{"known", true}};
    case V::kNotYet: {
      std::lock_guard lock(awaiting_mu_);
      evidence_waiting_.hold(ev);
      return json{{"waiting", true}, {"reason", step->reason}};
    }
    case V::kAlarm:
      break;
  }
  const uint64_t acked_at = step->alarm.index;
  const Hash32 instant = step->alarm.id;
  const chain::AccountId producer = step->producer;
  auto fresh = alarms_->record(std::move(step->alarm));
  if (!fresh) return fresh.error();
  if (*fresh) {
    ctx_.log->error(
        "CENSORSHIP EVIDENCE: instant block {} of {} was acknowledged by the controller "
        "at height {} and left out of the next {} blocks",
        codec::hex_encode(instant), crypto::address_of(producer), acked_at,
        params_.inclusion_window);
    if (ctx_.bus && ctx_.bus->has_subscribers("censorship_evidence"))
      ctx_.bus->publish("censorship_evidence", {{"symbiote", ctx_.alias},
                                                {"instant_block", codec::hex_encode(instant)},
                                                {"producer", crypto::address_of(producer)}});
    gossip_->send("/sync/censorship", ev.encode());
  }
  return json{{"recorded", true}, {"new", *fresh}};
}

}  // namespace klyn::dev_controller
