#include "workflows/dev_symbiland/dev_symbiland.h"

#include <spdlog/spdlog.h>

#include "codec/binary.h"
#include "codec/hex.h"
#include "common/clock.h"
#include "core/config_reader.h"
#include "crypto/hash.h"
#include "net/http_client.h"
#include "workflows/kit/admission.h"

namespace klyn::dev_symbiland {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const char* DevSymbiland::version() {
  return KLYN_DEV_SYMBILAND_VERSION;  // VERSION
}

DevSymbiland::DevSymbiland() = default;

DevSymbiland::~DevSymbiland() {
  stop();
}

Status DevSymbiland::check_manifest(const chain::Manifest& manifest) const {
  auto p = read_params(manifest);
  if (!p) return p.error();
  return Status();
}

Status DevSymbiland::parse_config() {
  core::ConfigReader r(ctx_.config.workflow, ctx_.config.file, "workflow");
  config_.bls_key = r.string("bls_key", "");
  config_.mempool_max_events =
      static_cast<size_t>(r.integer("mempool_max_events", 1'000'000, 1, 100'000'000));
  config_.signature_cache =
      static_cast<size_t>(r.integer("signature_cache", 1'000'000, 1024, 100'000'000));
  config_.max_peers = static_cast<size_t>(r.integer("max_peers", 32, 1, 1024));
  config_.min_free_disk_mb =
      static_cast<uint64_t>(r.integer("min_free_disk_mb", 256, 0, 1'000'000));
  config_.fetch_batch = static_cast<size_t>(r.integer("fetch_batch", 16, 1, 256));
  config_.relay_window = r.duration_ms("relay_window_ms", 5ms, 0ms, 1000ms);
  if (r.has("relay_resend_ms"))
    config_.relay_resend = r.duration_ms("relay_resend_ms", 8000ms, 100ms, 3'600'000ms);
  if (r.has("empty_block_interval_ms"))
    config_.empty_block_interval_ms =
        static_cast<uint64_t>(r.integer("empty_block_interval_ms", 0, 0, 60'000));
  if (r.has("qc_wait_ms"))
    config_.qc_wait_ms = static_cast<uint64_t>(r.integer("qc_wait_ms", 0, 0, 60'000));
  return r.finish_status();
}

Status DevSymbiland::prepare(core::WorkflowContext context) {
  ctx_ = std::move(context);
  KLYN_TRY(parse_config());
  node_id_ = kit::new_node_id();
  auto params = read_params(ctx_.genesis.manifest);
  if (!params) return Error("bad_genesis", ctx_.config.genesis + ": " + params.error().reason);
  params_ = std::move(*params);
  cert_ = std::make_unique<Certifier>(ctx_.id, params_.epoch, params_.set);

  if (!config_.bls_key.empty()) {
    auto k = ctx_.load_bls_key(config_.bls_key);
    if (!k) return Error("config", ctx_.config.file + ": workflow.bls_key: " + k.error().reason);
    self_ = params_.set.index_of(k->public_key());
    if (!self_)
      return Error("config", ctx_.config.file + ": workflow.bls_key: key " + config_.bls_key +
                                 " is not a validator of this symbiote (its public key is not in "
                                 "the genesis' validator set)");
    signer_.emplace(std::move(*k));
  }

  peers_ = std::make_shared<kit::PeerSet>(config_.max_peers);
  for (const auto& url : ctx_.config.peers) {
    auto added = peers_->add(url);
    if (!added) return Error("config", ctx_.config.file + ": peers: " + added.error().reason);
  }

  chain::StoreOptions so;
  so.min_free_bytes = config_.min_free_disk_mb << 20;
  auto store = chain::ChainStore::open(ctx_.chaindata.string(), ctx_.genesis, so);
  if (!store) return store.error();
  store_ = std::move(*store);
  KLYN_TRY(store_->verify_checksums());  // chain S5: before anything is served from it
  sigcache_ = std::make_unique<chain::SignatureCache>(config_.signature_cache);
  auto ledger = Ledger::open(*store_, ctx_.genesis.manifest, *cert_, params_, sigcache_.get());
  if (!ledger) return ledger.error();
  ledger_ = std::move(*ledger);

  Restored restored;
  if (self_) {
    // Beside the signing mark, outside CHAINDATA (safety_file.h).
    auto path = ctx_.signing_mark;
    path.replace_extension(".safety");
    auto file = SafetyFile::open(path);
    if (!file) return file.error();
    safety_file_.emplace(std::move(*file));
    if (const auto& p = safety_file_->loaded()) {
      restored.safety = p->state;
      restored.high_qc = p->high_qc;
      restored.last_tc = p->last_tc;
    }
  }
  restored.committed_tip = ledger_->tip();
  restored.uncommitted = ledger_->kept();

  evidence_book_ = std::make_unique<kit::AlarmBook>(
      *store_,
      kit::AlarmBook::Options{"y:e:", {"double_proposal", "double_vote", "double_timeout"}});
  KLYN_TRY(evidence_book_->load());

  EventPool::Options po;
  po.limits.max_events = config_.mempool_max_events;
  po.limits.nonce_window = ctx_.genesis.manifest.limits.nonce_window;
  po.base_timeout_ms = params_.base_timeout_ms;
  po.resend = config_.relay_resend.value_or(
      std::max(1000ms, std::chrono::milliseconds(8 * params_.base_timeout_ms)));
  pool_ = std::make_unique<EventPool>(po);
  // E1: events admitted from clients before a crash are pending again (their owner relays them).
  journal_ = std::make_unique<kit::AdmissionJournal>(*store_, ctx_.chaindata / "admission",
                                                     chain::AppendLog::Options{});
  auto readmitted = journal_->restore(
      [this](const Hash32& h) -> Result<bool> {
        auto rec = chain::load_event_record(*store_, h);
        if (!rec) return rec.error();
        return rec->has_value();
      },
      [this](const chain::Event& e, const Hash32& h) {
        return pool_
            ->admit(kit::PendingEvent{e, h}, true, Clock::now(),
                    [this](const chain::AccountId& id) { return committed_nonce(id); })
            .ok();
      });
  if (!readmitted) return readmitted.error();
  release_forgotten();
  if (readmitted->pending + readmitted->decided + readmitted->refused > 0)
    ctx_.log->info(
        "admission journal: {} accepted events pending again, {} decided meanwhile, {} refused "
        "now (e.g. mempool_full)",
        readmitted->pending, readmitted->decided, readmitted->refused);

  CoreOptions co;
  co.self = self_;
  co.signer = signer_ ? &*signer_ : nullptr;
  co.base_timeout_ms = params_.base_timeout_ms;
  co.min_block_interval_ms = params_.min_block_interval_ms;
  co.fetch_batch = config_.fetch_batch;
  co.empty_block_interval_ms = config_.empty_block_interval_ms ? *config_.empty_block_interval_ms
                                                               : params_.base_timeout_ms / 3;
  co.qc_wait_ms = config_.qc_wait_ms ? *config_.qc_wait_ms : params_.base_timeout_ms / 10;
  App app = ledger_->app(
      [this](size_t max, const std::set<Hash32>& exclude) {
        return events_to_propose(max, exclude);
      },
      // Blocks above the tip that the core holds (the App is called by the core, on its thread).
      [this](const Hash32& h) -> std::optional<Block> {
        const Block* b = core_ ? core_->find(h) : nullptr;
        return b ? std::optional<Block>(*b) : std::nullopt;
      });
  core_ = std::make_unique<Core>(*cert_, co, std::move(app), std::move(restored));
  sync_path_ = "/s/" + codec::hex_encode(ctx_.id) + "/sync/sl";
  {
    kit::Gossip::Options go;
    go.peers = peers_;
    go.symbiote_path = "/s/" + codec::hex_encode(ctx_.id);
    go.log = ctx_.log;
    go.node_id = node_id_;
    go.timeout = config_.request_timeout;
    relay_gossip_ = std::make_unique<kit::Gossip>(go);
    go.per_peer = true;  // consensus messages: every hop is on the critical path of a round
    gossip_ = std::make_unique<kit::Gossip>(go);
  }
  ctx_.log->info("dev_symbiland: {} at height {}, {} validators{}", ctx_.alias, ledger_->height(),
                 params_.set.size(),
                 self_ ? ", this node is validator " + std::to_string(*self_) : " (follower)");
  return Status();
}

Status DevSymbiland::start() {
  gossip_->start();
  relay_gossip_->start();
  {
    std::lock_guard lk(in_mu_);
    stopping_ = false;
  }
  stop_helpers_ = false;
  consensus_thread_ = std::thread([this] { consensus_loop(); });
  fetch_thread_ = std::thread([this] { fetch_loop(); });
  relay_thread_ = std::thread([this] { relay_loop(); });
  started_ = true;
  return Status();
}

void DevSymbiland::stop() {
  if (!started_.exchange(false)) return;
  {
    std::lock_guard lk(in_mu_);
    stopping_ = true;
  }
  in_cv_.notify_all();
  {
    std::scoped_lock lk(fetch_mu_, relay_mu_);
    stop_helpers_ = true;
  }
  fetch_cv_.notify_all();
  relay_cv_.notify_all();
  if (consensus_thread_.joinable()) consensus_thread_.join();
  if (fetch_thread_.joinable()) fetch_thread_.join();
  if (relay_thread_.joinable()) relay_thread_.join();
  {
    std::lock_guard lk(reply_mu_);
    for (auto& [token, r] : replies_) {
      std::lock_guard rl(r->mu);
      r->done = true;
      r->cv.notify_all();
    }
  }
  if (gossip_) gossip_->stop();
  if (relay_gossip_) relay_gossip_->stop();
  if (store_) (void)store_->flush();
}

void DevSymbiland::halt(const std::string& why) {
  {
    std::lock_guard lk(halt_mu_);
    if (halted_) return;
    halted_reason_ = why;
  }
  halted_ = true;
  ctx_.log->critical("HALTED: symbiote {} stops voting, proposing and applying: {}", ctx_.alias,
                     why);
}

Status DevSymbiland::accepting() const {
  if (halted()) {
    std::lock_guard lk(halt_mu_);
    return Error("halted", "this symbiote is halted: " + halted_reason_);
  }
  if (auto st = store_->writable(); !st) return st.error();
  return Status();
}

// ---- the consensus thread ----

void DevSymbiland::post(Input in) {
  {
    std::lock_guard lk(in_mu_);
    if (stopping_) return;
    inputs_.push_back(std::move(in));
  }
  in_cv_.notify_one();
}

void DevSymbiland::consensus_loop() {
  execute(core_->start(unix_time_ms()));
  std::unique_lock lk(in_mu_);
  while (!stopping_) {
    const auto next = timers_.empty() ? Clock::now() + 1s : timers_.begin()->first;
    in_cv_.wait_until(lk, next, [&] { return stopping_ || !inputs_.empty(); });
    if (stopping_) break;
    std::deque<Input> batch;
    batch.swap(inputs_);
    lk.unlock();
    for (Input& in : batch) {
      if (halted()) break;
      if (in.kind == kEventsReady) {
        events_signalled_ = false;
        execute(core_->on_events(unix_time_ms()));
      } else {
        execute(core_->on_message(in.from, in.kind, in.body, unix_time_ms()));
        // A request the core had nothing to answer with is answered now (204), not when the
        // asker's server thread gives up waiting.
        if ((in.kind == kBlockRequest || in.kind == kHighQcRequest) && in.from)
          answer(*in.from, {});
      }
    }
    // Timers due (their handlers may arm new ones).
    while (!halted() && !timers_.empty() && timers_.begin()->first <= Clock::now()) {
      const effect::ArmTimer t = timers_.begin()->second;
      timers_.erase(timers_.begin());
      execute(core_->on_timer(t.round, unix_time_ms(), t.kind));
    }
    if (core_->round() != round_ && ctx_.log->should_log(spdlog::level::debug))
      ctx_.log->debug("round {} (high QC {}, committed {})", core_->round(), core_->high_qc().round,
                      core_->committed_height());
    round_ = core_->round();
    high_qc_round_ = core_->high_qc().round;
    lk.lock();
  }
}

void DevSymbiland::execute(const Effects& effects) {
  bool executed = false;
  for (const Effect& e : effects) {
    if (halted()) return;
    if (auto* p = std::get_if<effect::Persist>(&e)) {
      // S3/B5: durable before the vote or timeout after it leaves.
      if (!safety_file_) continue;
      if (auto st = safety_file_->store(*p); !st)
        return halt("cannot store the safety state: " + st.error().to_string());
    } else if (auto* k = std::get_if<effect::KeepBlock>(&e)) {
      if (auto st = ledger_->keep(k->block); !st)  // B7, L3
        return halt("cannot keep a voted block: " + st.error().to_string());
    } else if (auto* s = std::get_if<effect::Send>(&e)) {
      deliver(*s);
    } else if (auto* t = std::get_if<effect::ArmTimer>(&e)) {
      timers_.emplace(Clock::now() + std::chrono::milliseconds(t->delay_ms), *t);
    } else if (auto* c = std::get_if<effect::Commit>(&e)) {
      execute_commit(*c);
      executed = true;
    } else if (auto* ev = std::get_if<effect::Evidence>(&e)) {
      record_evidence(*ev);
    } else if (auto* r = std::get_if<effect::Refused>(&e)) {
      ++refused_;
      std::string peer;
      if (r->from && *r->from >= kInboundBase) {
        std::lock_guard lk(token_mu_);
        if (auto it = peer_of_token_.find(*r->from); it != peer_of_token_.end()) peer = it->second;
      }
      if (refused_log_.allow())
        ctx_.log->info("refused a consensus message{}: {}: {}", peer.empty() ? "" : " of " + peer,
                       r->code, r->reason);
      if (!peer.empty() && scores_.penalize(peer, kit::PeerScores::kInvalid))
        ctx_.log->warn("peer {} banned: misbehaviour score over the threshold (last: {}: {})", peer,
                       r->code, r->reason);
    }
  }
  if (executed && !halted()) execute(core_->on_executed(unix_time_ms()));
}

void DevSymbiland::execute_commit(const effect::Commit& c) {
  auto done = ledger_->execute(c);
  // Nothing half-written (L1), but the core counts these blocks as committed: a node that could
  // not apply them (a full disk too) stops here and applies them after a restart, from peers.
  if (!done) return halt("cannot apply committed blocks: " + done.error().to_string());
  const auto nonce = [this](const chain::AccountId& id) { return committed_nonce(id); };
  for (Executed& x : *done) {
    events_applied_ += x.applied;
    events_rejected_ += x.rejected;
    pool_->on_executed(x.decided, std::move(x.waiting), nonce);
    if (ctx_.bus && ctx_.bus->has_subscribers("block_applied"))
      ctx_.bus->publish("block_applied", {{"symbiote", ctx_.alias},
                                          {"height", x.height},
                                          {"hash", codec::hex_encode(x.hash)},
                                          {"state_root", codec::hex_encode(x.state_root)},
                                          {"applied", x.applied},
                                          {"rejected", x.rejected}});
  }
  release_forgotten();
}

void DevSymbiland::record_evidence(const effect::Evidence& ev) {
  kit::Alarm a;
  a.kind = ev.kind;
  a.index = ev.round;
  a.hashes = {crypto::blake2b256("KLY-SL-SIGNED-v1", ev.first),
              crypto::blake2b256("KLY-SL-SIGNED-v1", ev.second)};
  std::sort(a.hashes.begin(), a.hashes.end());  // one id whichever came first
  codec::Writer id;
  id.string(ev.kind);
  id.u32(ev.validator);
  id.u64(ev.round);
  for (const auto& h : a.hashes) id.fixed(h);
  a.id = crypto::blake2b256("KLY-SL-EVIDENCE-v1", std::move(id).take());
  codec::Writer proof;
  proof.bytes(ev.first);
  proof.bytes(ev.second);
  a.evidence = std::move(proof).take();
  a.detected_ms = unix_time_ms();
  a.source = "local";
  a.note = "validator " + std::to_string(ev.validator) + " (" +
           crypto::address_of(params_.set.at(ev.validator).account) + ")";
  auto fresh = evidence_book_->record(std::move(a));
  if (!fresh) {
    ctx_.log->error("cannot store evidence: {}", fresh.error().to_string());
    return;
  }
  if (!*fresh) return;
  ++evidence_;
  ctx_.log->warn("evidence: validator {} signed two different messages ({}) in round {}",
                 ev.validator, ev.kind, ev.round);
  if (ctx_.bus && ctx_.bus->has_subscribers("evidence"))
    ctx_.bus->publish("evidence", {{"symbiote", ctx_.alias},
                                   {"kind", ev.kind},
                                   {"validator", ev.validator},
                                   {"round", ev.round}});
}

void DevSymbiland::release_forgotten() {
  std::lock_guard lk(admit_mu_);
  std::vector<Hash32> gone = pool_->forgotten();
  // One forgotten and accepted again since (a client resubmitting an expired event) stays: its
  // record is still the one that counts it.
  std::erase_if(gone, [&](const Hash32& h) { return pool_->contains(h); });
  if (!gone.empty()) journal_->release(gone);
}

uint64_t DevSymbiland::committed_nonce(const chain::AccountId& id) const {
  auto a = store_->account(id);
  return a ? a->nonce : 0;
}

std::vector<chain::Event> DevSymbiland::events_to_propose(size_t max,
                                                          const std::set<Hash32>& exclude) {
  return pool_->to_propose(max, exclude, Clock::now());
}

// ---- node-to-node ----

namespace {

Bytes frame(uint32_t kind, const Bytes& body) {
  codec::Writer w(body.size() + 4);
  w.u32(kind);
  w.raw(body);
  return std::move(w).take();
}

}  // namespace

void DevSymbiland::deliver(const effect::Send& s) {
  using To = effect::Send::To;
  if (s.kind == kBlockRequest) {
    Fetch f;
    if (s.to == To::kPeer && s.id < kInboundBase) f.peer = static_cast<size_t>(s.id);
    f.body = frame(kBlockRequest, s.body);
    {
      std::lock_guard lk(fetch_mu_);
      if (fetches_.size() >= 64) fetches_.pop_front();  // the oldest need is the stalest
      fetches_.push_back(std::move(f));
    }
    fetch_cv_.notify_one();
    return;
  }
  if (s.to == To::kPeer) {
    if (s.id < kInboundBase) return;      // answers go back to requests only
    answer(s.id, frame(s.kind, s.body));  // the answer names its kind (kBlocks, kQuorumCert)
    return;
  }
  // To everyone, or to one validator: every peer gets it (a validator that is not the
  // addressee ignores a vote it does not aggregate).
  gossip_->send("/sync/sl", frame(s.kind, s.body));
}

void DevSymbiland::answer(uint64_t token, Bytes body) {
  std::shared_ptr<Reply> r;
  {
    std::lock_guard lk(reply_mu_);
    auto it = replies_.find(token);
    if (it == replies_.end()) return;  // the asker gave up
    r = it->second;
  }
  std::lock_guard rl(r->mu);
  if (r->done) return;  // answered already
  r->body = std::move(body);
  r->done = true;
  r->cv.notify_all();
}

net::Response DevSymbiland::receive(const net::Request& req) {
  codec::Reader r(as_bytes(req.body));
  uint32_t kind = 0;
  if (!r.u32(kind)) return net::Response::error(400, "bad_message", "no message kind");
  Bytes body(req.body.begin() + 4, req.body.end());
  // Malformed input is answered here (400); what decodes is judged by the core (signatures,
  // rounds), which keeps the refusal for the peer's score.
  auto status_of = [](const auto& decoded) { return decoded ? Status() : Status(decoded.error()); };
  Status form;
  switch (kind) {
    case kProposal:
      form = status_of(Proposal::decode(body));
      break;
    case kVote:
      form = status_of(Vote::decode(body));
      break;
    case kTimeout:
      form = status_of(Timeout::decode(body));
      break;
    case kTimeoutCert: {
      codec::Reader tr(body);
      TimeoutCert tc;
      tc.decode(tr);
      form = tr.finish("timeout certificate");
      break;
    }
    case kBlockRequest:
      form = body.size() == 36 ? Status() : Error("bad_message", "a block request has 36 bytes");
      break;
    case kHighQcRequest:
      form = body.empty() ? Status() : Error("bad_message", "a high-QC request has no body");
      break;
    default:
      form = Error("bad_message", "unknown message kind " + std::to_string(kind));
  }
  if (!form) return net::Response::error(400, "bad_message", form.error().reason);
  // Every message gets a token: the core's refusal of it is charged to the peer that sent it.
  const uint64_t token = next_token_++;
  {
    std::lock_guard lk(token_mu_);
    peer_of_token_.emplace(
        token, kit::PeerScores::key(req.remote_address, req.header("x-klyn-node").value_or("")));
    while (peer_of_token_.size() > kMaxTokens) peer_of_token_.erase(peer_of_token_.begin());
  }
  if (kind != kBlockRequest && kind != kHighQcRequest) {
    post(Input{token, kind, std::move(body)});
    return net::Response::json({{"ok", true}}, 202);
  }
  // A request is answered in the response (u32 kind | message, or 204 for nothing): the
  // consensus thread fills the reply.
  auto reply = std::make_shared<Reply>();
  {
    std::lock_guard lk(reply_mu_);
    replies_.emplace(token, reply);
  }
  post(Input{token, kind, std::move(body)});
  Bytes answer;
  {
    std::unique_lock rl(reply->mu);
    reply->cv.wait_for(rl, config_.request_timeout, [&] { return reply->done; });
    answer = std::move(reply->body);
  }
  {
    std::lock_guard lk(reply_mu_);
    replies_.erase(token);
  }
  net::Response resp;
  resp.status = answer.empty() ? 204 : 200;
  resp.content_type = "application/octet-stream";
  resp.body.assign(answer.begin(), answer.end());
  return resp;
}

void DevSymbiland::fetch_loop() {
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients;  // by peer URL
  auto ask = [&](const kit::Peer& p, const Bytes& body) -> std::optional<Bytes> {
    auto& c = clients[p.url];
    if (!c) {
      c = std::make_unique<net::HttpClient>(p.host, p.port, config_.request_timeout);
      c->set_max_body_bytes(64 << 20);
    }
    auto resp = c->request(net::Method::kPost, sync_path_, std::string(body.begin(), body.end()),
                           "application/octet-stream", {{"X-Klyn-Node", node_id_}});
    if (!resp || resp->status != 200 || resp->body.size() < 4) return std::nullopt;
    return Bytes(resp->body.begin(), resp->body.end());
  };
  std::unique_lock lk(fetch_mu_);
  while (true) {
    // Idle for a second: ask the next peer for its highest certificate, so that a node nobody
    // sends to (a new follower its peers do not list) still learns where the chain is.
    if (!fetch_cv_.wait_for(lk, 1s, [&] { return stop_helpers_.load() || !fetches_.empty(); }))
      fetches_.push_back(
          Fetch{fetch_next_++ % std::max<size_t>(1, peers_->size()), frame(kHighQcRequest, {})});
    if (stop_helpers_) return;
    Fetch f = std::move(fetches_.front());
    fetches_.pop_front();
    lk.unlock();
    const auto peers = peers_->snapshot();
    if (!peers.empty()) {
      // The peer that sent what needed the block first, then the others in turn.
      std::vector<size_t> order;
      if (f.peer && *f.peer < peers.size()) order.push_back(*f.peer);
      for (size_t i = 0; i < peers.size(); ++i) {
        const size_t at = (fetch_next_ + i) % peers.size();
        if (!f.peer || at != *f.peer) order.push_back(at);
      }
      ++fetch_next_;
      for (size_t at : order) {
        if (auto answer = ask(peers[at], f.body)) {
          codec::Reader r(*answer);
          uint32_t kind = 0;
          r.u32(kind);
          if (kind != kBlocks && kind != kQuorumCert) continue;  // not an answer
          post(Input{uint64_t{at}, kind, Bytes(answer->begin() + 4, answer->end())});
          break;
        }
      }
    }
    lk.lock();
  }
}

// ---- events ----

Result<Hash32> DevSymbiland::submit(const chain::Event& e) {
  const chain::Event* one[] = {&e};
  return std::move(submit_batch(one).front());
}

std::vector<Result<Hash32>> DevSymbiland::submit_batch(std::span<const chain::Event* const> events,
                                                       bool relay) {
  std::vector<Result<Hash32>> out;
  out.reserve(events.size());
  if (auto st = accepting(); !st) {
    for (size_t i = 0; i < events.size(); ++i) out.emplace_back(st.error());
    return out;
  }
  std::vector<const chain::Event*> to_verify;
  std::vector<size_t> at;
  for (size_t i = 0; i < events.size(); ++i) {
    auto h =
        kit::check_admission(*events[i], ctx_.id, ctx_.genesis.manifest, pool_->mempool(),
                             [this](const chain::AccountId& id) { return store_->account(id); });
    out.push_back(h);
    if (h && !sigcache_->contains(*h)) {
      to_verify.push_back(events[i]);
      at.push_back(i);
    }
  }
  const std::vector<bool> ok = chain::verify_signatures(to_verify);
  for (size_t k = 0; k < ok.size(); ++k)
    if (!ok[k]) out[at[k]] = Error("bad_signature", "the event's signature does not verify");
  for (size_t i = 0; i < events.size(); ++i) {
    if (out[i])
      sigcache_->insert(*out[i]);
    else  // remembered for GET /event (kit::RecentRefusals)
      refusals_.record(events[i]->hash(), out[i].error().code, out[i].error().reason,
                       unix_time_ms());
  }
  // E1: what this node answers "accepted" from a client is journaled first, one record per
  // request; an event that cannot be journaled is refused (503) and never enters the pool. So is
  // a "duplicate" of one the pool holds (a peer relayed it here first; the client is told it is
  // pending): this node adopts it as its owner. Events relayed by a peer are not journaled:
  // their owner journals them and relays them again. Under admit_mu_, against
  // release_forgotten() (an expired event accepted again must not lose its record).
  std::lock_guard admit_lk(admit_mu_);
  std::vector<size_t> duplicates;
  if (relay) {
    std::vector<const chain::Event*> keep;
    std::vector<Hash32> keep_hashes;
    for (size_t i = 0; i < events.size(); ++i) {
      if (!out[i] && out[i].error().code != "duplicate") continue;
      keep.push_back(events[i]);
      keep_hashes.push_back(out[i] ? *out[i] : events[i]->hash());
      if (!out[i]) duplicates.push_back(i);
    }
    if (!keep.empty())
      if (auto st = journal_->add(keep, keep_hashes); !st) {
        duplicates.clear();
        for (auto& r : out)
          if (r) r = st.error();
      }
  }
  const auto now = Clock::now();
  std::vector<Hash32> unkept;  // journaled, then refused by the pool after all
  bool fresh = false;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!out[i]) continue;
    const Hash32 h = *out[i];
    auto st = pool_->admit(
        kit::PendingEvent{*events[i], h}, relay, now,
        [this](const chain::AccountId& id) { return committed_nonce(id); },
        [this](const Hash32& h) {
          auto rec = chain::load_event_record(*store_, h);
          return rec && *rec;
        });
    if (st) {
      ++events_admitted_;
      fresh = true;
      continue;
    }
    out[i] = st.error();
    if (!relay) continue;
    if (st.error().code == "duplicate") {
      duplicates.push_back(i);
      continue;
    }
    unkept.push_back(h);
    refusals_.record(h, st.error().code, st.error().reason, unix_time_ms());
  }
  bool adopted = false;
  for (size_t i : duplicates) {
    const Hash32 h = events[i]->hash();
    if (pool_->adopt(*events[i], h, now))
      adopted = true;
    else
      unkept.push_back(h);  // decided meanwhile
  }
  if (!unkept.empty()) journal_->release(unkept);
  fresh = fresh || adopted;
  if (fresh) {
    // A leader waiting out an idle block proposes now (one signal in the queue at a time).
    if (!events_signalled_.exchange(true)) post(Input{std::nullopt, kEventsReady, {}});
    if (relay) {
      {
        std::lock_guard lk(relay_mu_);
        relay_signalled_ = true;
      }
      relay_cv_.notify_one();
    }
  }
  return out;
}

void DevSymbiland::relay_loop() {
  auto last_expire = Clock::now();
  const auto nonce = [this](const chain::AccountId& id) { return committed_nonce(id); };
  std::unique_lock lk(relay_mu_);
  while (!stop_helpers_) {
    // Until new events come in, or the relay book's next resend is due (at least once a second,
    // for the TTL).
    const auto wake =
        std::min(pool_->next_relay().value_or(Clock::time_point::max()), Clock::now() + 1s);
    relay_cv_.wait_until(lk, wake, [&] { return stop_helpers_.load() || relay_signalled_; });
    if (stop_helpers_) return;
    const bool gather = std::exchange(relay_signalled_, false);
    lk.unlock();
    if (gather) std::this_thread::sleep_for(config_.relay_window);  // gather a batch
    const auto now = Clock::now();
    // E4: the mempool's TTL, the only way an admitted event is dropped undecided.
    if (now - last_expire > 10s) {
      if (const size_t n = pool_->expire(now, nonce))
        ctx_.log->info("expired {} events not decided within the mempool TTL", n);
      release_forgotten();
      last_expire = now;
    }
    const std::vector<chain::Event> batch = pool_->to_relay(now);
    for (size_t i = 0; i < batch.size(); i += chain::kMaxBatchEvents) {
      std::vector<const chain::Event*> part;
      for (size_t j = i; j < std::min(batch.size(), i + chain::kMaxBatchEvents); ++j)
        part.push_back(&batch[j]);
      relay_gossip_->send("/sync/sl_events", chain::encode_event_batch(part));
    }
    lk.lock();
  }
}

}  // namespace klyn::dev_symbiland
