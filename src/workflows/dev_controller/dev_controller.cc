#include "workflows/dev_controller/dev_controller.h"

#include <csignal>
#include <tuple>

#include <spdlog/spdlog.h>

#include "codec/hex.h"
#include "common/clock.h"
#include "net/http_client.h"
#include "workflows/dev_controller/protocol.h"
#include "workflows/kit/admission.h"

namespace klyn::dev_controller {

using namespace std::chrono_literals;

const char* DevController::version() {
  return KLYN_DEV_CONTROLLER_VERSION;
}

DevController::DevController() = default;
DevController::~DevController() {
  stop();
}

Status DevController::parse_config() {
  core::ConfigReader r(ctx_.config.workflow, ctx_.config.file, "workflow");
  config_.phantom_blocks = r.boolean("phantom_blocks", true);
  config_.block_interval = r.duration_ms("block_interval_ms", 100ms, 1ms, 60'000ms);
  config_.batch_window = r.duration_ms("batch_window_ms", 10ms, 0ms, 10'000ms);
  config_.mempool_max_events =
      static_cast<size_t>(r.integer("mempool_max_events", 1'000'000, 1, 100'000'000));
  config_.signature_cache =
      static_cast<size_t>(r.integer("signature_cache", 2'000'000, 1024, 100'000'000));
  config_.sync_writes = r.boolean("sync_writes", false);
  config_.sync_interval = r.duration_ms("sync_interval_ms", 50ms, 1ms, 60'000ms);
  config_.forward_batch = static_cast<size_t>(r.integer("forward_batch", 1000, 1, 10'000));
  config_.max_peers = static_cast<size_t>(r.integer("max_peers", 32, 1, 1024));
  for (const auto& a : r.string_list("fault_censor_producers")) {
    auto id = crypto::parse_address(a);
    if (!id)
      r.error("fault_censor_producers", "\"" + a + "\" is not an address: " + id.error().reason);
    else
      config_.fault_censor_producers.push_back(*id);
  }
  config_.fault_crash_after_checkpoint_send = r.boolean("fault_crash_after_checkpoint_send", false);
  config_.min_free_disk_mb =
      static_cast<uint64_t>(r.integer("min_free_disk_mb", 256, 0, 1'000'000));
  config_.write_buffer_mb = static_cast<size_t>(r.integer("write_buffer_mb", 32, 1, 4096));
  return r.finish_status();
}

Status DevController::prepare(core::WorkflowContext context) {
  ctx_ = std::move(context);
  KLYN_TRY(parse_config());
  node_id_ = kit::new_node_id();
  const chain::Manifest& m = ctx_.genesis.manifest;
  auto params = read_params(m);
  if (!params) return Error("bad_genesis", ctx_.config.genesis + ": " + params.error().reason);
  params_ = *params;

  if (ctx_.config.role == core::SymbioteRole::controller) {
    if (!ctx_.key)
      return Error("config",
                   ctx_.config.file + ": key: role \"controller\" needs the controller's key");
    if (ctx_.key->public_key() != params_.controller)
      return Error("config", ctx_.config.file + ": key: key \"" + ctx_.config.key + "\" (" +
                                 ctx_.key->address() +
                                 ") is not the controller of this symbiote (" +
                                 crypto::address_of(params_.controller) + ")");
    is_controller_ = true;
  } else if (ctx_.config.role == core::SymbioteRole::producer) {
    if (!ctx_.key)
      return Error("config", ctx_.config.file + ": key: role \"producer\" needs a staked key");
    if (ctx_.key->public_key() == params_.controller)
      return Error("config", ctx_.config.file +
                                 ": role: the controller's key makes instant blocks as role "
                                 "\"controller\", not \"producer\"");
    if (ctx_.config.peers.empty())
      return Error("config", ctx_.config.file +
                                 ": peers: role \"producer\" needs peers to hand its instant "
                                 "blocks to (the controller, directly or through them)");
    is_producer_ = true;
  }
  if (!config_.fault_censor_producers.empty())
    ctx_.log->critical(
        "FAULT INJECTION: [workflow] fault_censor_producers is set: as controller this node "
        "acknowledges but never orders instant blocks of {} producer(s). Test networks only.",
        config_.fault_censor_producers.size());
  if (config_.fault_crash_after_checkpoint_send)
    ctx_.log->critical(
        "FAULT INJECTION: [workflow] fault_crash_after_checkpoint_send is set: this node kills "
        "itself right after sending its first hostchain commit. Tests only.");

  peers_ = std::make_shared<PeerSet>(config_.max_peers);
  for (const auto& url : ctx_.config.peers) {
    auto added = peers_->add(url);
    if (!added) return Error("config", ctx_.config.file + ": peers: " + added.error().reason);
  }
  if (!is_controller_ && peers_->size() == 0)
    ctx_.log->warn(
        "follower without peers: it serves what it has stored and catches up once a peer is added "
        "(POST /s/{}/addnode)",
        ctx_.alias);

  chain::StoreOptions so;
  so.sync_writes = config_.sync_writes;
  so.min_free_bytes = config_.min_free_disk_mb << 20;
  so.write_buffer_bytes = config_.write_buffer_mb << 20;
  auto store = chain::ChainStore::open(ctx_.chaindata.string(), ctx_.genesis, so);
  if (!store) return store.error();
  store_ = std::move(*store);
  {
    // S5: every table block's checksum, before anything is served from it.
    const auto t0 = std::chrono::steady_clock::now();
    KLYN_TRY(store_->verify_checksums());
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (ms > 1000) ctx_.log->info("checked the checksums of every table file in {} ms", ms);
  }
  sigcache_ = std::make_unique<chain::SignatureCache>(config_.signature_cache);
  MempoolLimits ml;
  ml.max_events = config_.mempool_max_events;
  ml.report_forgotten = true;  // the admission journal drops what the mempool forgets (D14)
  ml.nonce_window = m.limits.nonce_window;
  mempool_ = std::make_unique<Mempool>(ml);
  intake_ = std::make_unique<InstantIntake>(
      is_controller_, InstantIntake::cap_for(params_.inclusion_window,
                                             params_.max_instant_blocks_per_controller_block));
  verifier_ = std::make_unique<Verifier>(*store_, ctx_.genesis.manifest, params_, sigcache_.get());
  KLYN_TRY(verifier_->init());
  alarms_ = std::make_unique<AlarmBook>(*store_, alarm_book_options());
  KLYN_TRY(alarms_->load());
  if (alarms_->halting())
    ctx_.log->critical(
        "FORK ALARM: {} stored alarm(s) for this symbiote; not applying new controller blocks "
        "(GET /s/{}/alarms)",
        alarms_->halting_alarms().size(), ctx_.alias);
  {
    Checkpointer::Options co;
    co.symbiote = store_->symbiote_id();
    co.committer = params_.controller;
    co.proof_domain = kCheckpointProofDomain;
    co.mismatch_domain = "KLY-DC-HOSTCHAIN-MISMATCH";
    co.key_prefix = "w:";
    if (is_controller_) co.key = ctx_.key;
    co.every = m.checkpoint_every;
    co.final_height = [this] { return applied_.load(); };  // applied is final here
    co.block_hash = [this](uint64_t i) -> std::optional<Hash32> {
      if (i == 0 || i > head_.load()) return std::nullopt;
      auto bytes = store_->get(dc_keys::controller(i));
      if (!bytes || !*bytes) return std::nullopt;  // a read error is the store's fault (halts)
      return ControllerBlock::hash_of(as_bytes(**bytes));
    };
    co.on_proof = [this](const CheckpointProof& p) {
      gossip_->send("/sync/checkpoint_proof", p.encode(kCheckpointProofDomain));
      if (ctx_.bus && ctx_.bus->has_subscribers("checkpoint_committed"))
        ctx_.bus->publish("checkpoint_committed", {{"symbiote", ctx_.alias},
                                                   {"hostchain", p.hostchain.type},
                                                   {"network", p.hostchain.network},
                                                   {"index", p.index},
                                                   {"tx", p.tx}});
    };
    co.on_mismatch = [this](Alarm a) { (void)raise_alarm(std::move(a)); };
    co.log = ctx_.log;
    if (config_.fault_crash_after_checkpoint_send) co.after_commit_sent = [] { ::raise(SIGKILL); };
    checkpointer_ =
        std::make_unique<Checkpointer>(*store_, std::move(ctx_.hostchains), std::move(co));
    KLYN_TRY(checkpointer_->load());
  }
  {
    Gossip::Options go;
    go.peers = peers_;
    go.symbiote_path = "/s/" + codec::hex_encode(store_->symbiote_id());
    go.log = ctx_.log;
    go.node_id = node_id_;
    gossip_ = std::make_unique<Gossip>(go);
  }

  {
    auto head = verifier_->head();
    if (!head) return head.error();
    auto applied = store_->applied_height();
    if (!applied) return applied.error();
    head_ = *head;
    applied_ = *applied;
  }
  if (applied_ > head_)
    return Error("corrupt", ctx_.chaindata.string() + ": applied height " +
                                std::to_string(applied_.load()) + " is above the stored head " +
                                std::to_string(head_.load()));
  // The stored head (index + hash) is where ordering continues or catch-up resumes.
  ChainTip tip{head_.load(), store_->symbiote_id()};
  if (tip.index > 0) {
    auto hh = store_->get(dc_keys::kHeadHash);
    if (!hh) return hh.error();
    if (!*hh || (*hh)->size() != 32)
      return Error("storage_corrupt",
                   ctx_.chaindata.string() + ": the hash of the stored head block is missing");
    std::copy((*hh)->begin(), (*hh)->end(), tip.hash.begin());
    // S4: the stored head hash is the hash of the stored head block.
    auto head_block = store_->get(dc_keys::controller(tip.index));
    if (!head_block) return head_block.error();
    if (!*head_block || ControllerBlock::hash_of(as_bytes(**head_block)) != tip.hash)
      return Error("storage_corrupt", ctx_.chaindata.string() + ": stored head block " +
                                          std::to_string(tip.index) +
                                          " is missing or does not match the stored head hash");
  }
  if (is_controller_) {
    KLYN_TRY(open_signing_mark(tip));
    auto self = store_->account(ctx_.key->public_key());
    if (!self) return self.error();
    if (self->stake < params_.instant_producer_stake)
      ctx_.log->warn(
          "the controller's account has stake {} < instant_producer {}: its instant blocks will be "
          "skipped until it stakes",
          self->stake, params_.instant_producer_stake);
  }
  if (!is_controller_ || recovering_to_) {
    const std::string path = "/s/" + codec::hex_encode(store_->symbiote_id());
    BlockPuller::Options po;
    po.peers = peers_;
    po.symbiote_path = path;
    po.symbiote = store_->symbiote_id();
    po.controller = params_.controller;
    po.limits = params_.block_limits();
    po.interval = config_.sync_interval;
    po.log = ctx_.log;
    po.node_id = node_id_;
    po.on_conflict = [this](Bytes ours, Bytes theirs, const std::string& peer) {
      auto proof = check_equivocation(ours, theirs, store_->symbiote_id(), params_.controller,
                                      params_.block_limits());
      if (proof) (void)raise_equivocation(*proof, peer);
    };
    puller_ = std::make_unique<BlockPuller>(*store_, po, tip, [this](uint64_t head) {
      {
        std::lock_guard lock(head_mu_);
        head_ = head;
      }
      last_block_at_ = std::chrono::steady_clock::now().time_since_epoch().count();
      head_cv_.notify_all();
    });
    EventForwarder::Options fo;
    fo.peers = peers_;
    fo.symbiote_path = path;
    fo.batch = config_.forward_batch;
    fo.log = ctx_.log;
    if (!is_producer_ && !is_controller_)
      forwarder_ = std::make_unique<EventForwarder>(
          *mempool_, fo, [this](const chain::AccountId& id) { return committed_nonce(id); });
  }
  if (is_producer_) {
    auto self = store_->account(ctx_.key->public_key());
    if (!self) return self.error();
    if (self->stake < params_.instant_producer_stake)
      ctx_.log->warn(
          "producer {} has stake {} < instant_producer_stake {}: peers refuse its instant blocks "
          "until it stakes (tx stake)",
          ctx_.key->address(), self->stake, params_.instant_producer_stake);
  }
  journal_ = std::make_unique<AdmissionJournal>(
      *store_, ctx_.chaindata / "admission",
      chain::AppendLog::Options{.sync = config_.sync_writes, .faults = so.faults.get()});
  KLYN_TRY(restore_journal());
  auto root = store_->state_root(applied_);
  if (!root) return root.error();
  ctx_.log->info("prepared: id {}, height {} applied / {} stored, state root {}, role {}",
                 codec::hex_encode(store_->symbiote_id()), applied_.load(), head_.load(),
                 codec::hex_encode(root->value_or(Hash32{})), core::to_string(ctx_.config.role));
  return Status();
}

// S6: the controller never signs at an index it may already have signed. The mark is advanced
// after a round's blocks are stored and before they are served; a stored chain below the mark
// lost blocks that may have left the node, so ordering waits until the puller has them back.
Status DevController::open_signing_mark(const ChainTip& tip) {
  auto mark = chain::SigningMark::open(ctx_.signing_mark);
  if (!mark) return mark.error();
  signing_mark_ = std::make_unique<chain::SigningMark>(std::move(*mark));
  const auto& mk = signing_mark_->mark();
  if (mk && mk->index > tip.index) {
    recovering_to_ = mk->index;
    ctx_.log->critical(
        "this controller signed blocks up to index {} ({}) but its database holds only {}: it "
        "will not sign again until it has fetched blocks {}..{} back from its peers ({} "
        "configured). See docs/operating-a-node.md, \"What survives what\".",
        mk->index, signing_mark_->path().string(), tip.index, tip.index + 1, mk->index,
        peers_->size());
    return Status();
  }
  if (mk && mk->index > 0) {
    auto stored = store_->get(dc_keys::controller(mk->index));
    if (!stored) return stored.error();
    if (!*stored || ControllerBlock::hash_of(as_bytes(**stored)) != mk->hash)
      return Error("storage_corrupt",
                   ctx_.chaindata.string() + ": the stored controller block " +
                       std::to_string(mk->index) + " is not the one this controller signed (" +
                       signing_mark_->path().string() + "); refusing to sign a second history");
  }
  // Blocks stored after the mark never left the node; they are marked before they are served.
  if (!mk || mk->index < tip.index) KLYN_TRY(signing_mark_->advance(tip.index, tip.hash));
  ordering_ = std::make_unique<Ordering>(store_->symbiote_id(), *ctx_.key, tip.index + 1, tip.hash,
                                         params_.max_instant_blocks_per_controller_block,
                                         config_.phantom_blocks);
  return Status();
}

// Called on the generation thread while recovering: once the puller stored blocks up to the
// mark (and the block at the mark is the one signed), ordering continues from the stored head.
bool DevController::finish_recovery() {
  if (head_.load() < recovering_to_) return false;
  const auto& mk = signing_mark_->mark();
  auto stored = store_->get(dc_keys::controller(mk->index));
  if (!stored || !*stored || ControllerBlock::hash_of(as_bytes(**stored)) != mk->hash) {
    std::lock_guard lock(head_mu_);
    halted_ = "the block peers served at index " + std::to_string(mk->index) +
              " is not the one this controller signed";
    halted_flag_ = true;
    ctx_.log->critical("{}", halted_);
    return false;
  }
  puller_->stop();
  auto hh = store_->get(dc_keys::kHeadHash);
  if (!hh || !*hh || (*hh)->size() != 32) return false;
  Hash32 head_hash;
  std::copy((*hh)->begin(), (*hh)->end(), head_hash.begin());
  if (auto st = signing_mark_->advance(head_.load(), head_hash); !st) {
    note_storage_error("cannot advance the signing mark", st.error());
    return false;
  }
  ordering_ = std::make_unique<Ordering>(store_->symbiote_id(), *ctx_.key, head_.load() + 1,
                                         head_hash, params_.max_instant_blocks_per_controller_block,
                                         config_.phantom_blocks);
  ctx_.log->warn("recovered own blocks up to index {} from peers; ordering again", head_.load());
  recovering_to_ = 0;
  return true;
}

void DevController::drop_from_journal() {
  const std::vector<Hash32> gone = mempool_->take_forgotten();
  if (gone.empty()) return;
  journal_->release(gone);
}

// D14: events accepted before a crash are admitted again at start (their signatures are checked
// again when a block carries them, D5); those decided meanwhile are dropped from the journal.
Status DevController::restore_journal() {
  auto restored = journal_->restore(
      [this](const Hash32& h) -> Result<bool> {
        auto rec = chain::load_event_record(*store_, h);
        if (!rec) return rec.error();
        return rec->has_value();
      },
      // Only the mempool's own checks (nonce, room): the rest held at admission and cannot
      // change; balances are the verifier's to judge, as for any pending event.
      [this](const chain::Event& e, const Hash32& h) { return admit(e, h).ok(); });
  if (!restored) return restored.error();
  drop_from_journal();
  if (restored->pending + restored->decided + restored->refused > 0)
    ctx_.log->info("admission journal: {} accepted events pending again, {} decided meanwhile",
                   restored->pending, restored->decided + restored->refused);
  return Status();
}

std::optional<DevController::ControllerSilence> DevController::controller_silence() const {
  if (is_controller_) return std::nullopt;
  const size_t pending = mempool_->size();
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const auto silent = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::duration(now - last_block_at_.load()));
  if (pending == 0 || silent < std::chrono::seconds(3)) return std::nullopt;
  return ControllerSilence{static_cast<uint64_t>(silent.count()), pending};
}

void DevController::watch_controller() {
  if (auto s = controller_silence()) {
    if (controller_log_.allow())
      ctx_.log->warn(
          "no new controller block for {} s while {} events are pending: the controller may be "
          "out of reach (they stay pending and are offered again){}",
          s->seconds, s->pending, controller_log_.suppressed_note());
  } else {
    controller_log_.reset();
  }
}

void DevController::note_storage_error(const char* what, const Error& e) {
  if (storage_log_.allow())
    ctx_.log->error("{}: {}{}", what, e.to_string(), storage_log_.suppressed_note());
}

uint64_t DevController::committed_nonce(const chain::AccountId& id) const {
  auto a = store_->account(id);
  return a ? a->nonce : 0;  // a read error is the store's fault: the symbiote halts
}

bool DevController::decided(const Hash32& event) const {
  auto rec = chain::load_event_record(*store_, event);
  return rec && rec->has_value();  // a read error is the store's fault: the symbiote halts
}

Status DevController::start() {
  stopping_ = false;
  verification_ = std::thread([this] { verification_loop(); });
  if (is_controller_) generation_ = std::thread([this] { generation_loop(); });
  if (is_producer_) production_ = std::thread([this] { production_loop(); });
  if (puller_) puller_->start();
  if (forwarder_) forwarder_->start();
  gossip_->start();
  checkpointer_->start();
  started_ = true;
  return Status();
}

void DevController::stop() {
  if (!started_.exchange(false)) {
    store_.reset();
    return;
  }
  stopping_ = true;
  mempool_->wake();
  if (generation_.joinable()) generation_.join();
  if (production_.joinable()) production_.join();
  if (puller_) puller_->stop();
  if (forwarder_) forwarder_->stop();
  gossip_->stop();
  checkpointer_->stop();
  head_cv_.notify_all();
  if (verification_.joinable()) verification_.join();
  if (store_) {
    if (auto st = store_->flush(); !st)
      ctx_.log->error("stopping: cannot sync storage: {}", st.error().to_string());
    auto root = store_->state_root(applied_);
    ctx_.log->info("stopped at height {} (stored {}), state root {}", applied_.load(), head_.load(),
                   root ? codec::hex_encode(root->value_or(Hash32{})) : root.error().to_string());
  }
  store_.reset();
}

bool DevController::halted() const {
  return halted_flag_ || (store_ && store_->fault());
}

std::string DevController::halted_reason() const {
  if (store_)
    if (auto f = store_->fault()) return "storage fault: " + f->to_string();
  std::lock_guard lock(head_mu_);
  return halted_;
}

// One round of the controller: every ready event into instant blocks, every instant block into
// controller blocks (phantom) or one controller block (tick mode); all stored in one batch (D2),
// then the signing mark advanced (S6), then published. A round whose batch could not be stored
// (disk full) or marked is kept as it is and finished first by the next rounds: the blocks are
// signed once and their events stay in them.
bool DevController::produce_round() {
  if (unpublished_) return finish_round();
  if (!store_->writable()) return false;  // events wait in the mempool (admission answers 503)
  // Instant blocks of other producers first (they were acknowledged; D3 is the verifier's).
  const RoundLimits limits = RoundLimits::of(params_, config_.phantom_blocks);
  std::vector<std::pair<Hash32, Bytes>> offered;
  {
    std::lock_guard lock(instants_mu_);
    offered = intake_->next(limits.instant_blocks);
  }
  auto round = make_round(std::move(offered), *mempool_, *ordering_, store_->symbiote_id(),
                          *ctx_.key, unix_time_ms(), limits);
  if (!round) return false;
  unpublished_ = std::move(round);
  return finish_round();
}

bool DevController::finish_round() {
  Round& round = *unpublished_;
  if (!round.stored) {
    if (auto st = store_->write(round.batch); !st) {
      note_storage_error("cannot store blocks", st.error());
      return false;
    }
    round.stored = true;
    round.batch.clear();
  }
  if (auto st = signing_mark_->advance(round.last, round.last_hash); !st) {
    note_storage_error("cannot advance the signing mark", st.error());
    return false;
  }
  {
    std::lock_guard lock(head_mu_);
    head_ = round.last;
  }
  head_cv_.notify_all();
  storage_log_.reset();
  ctx_.log->debug("ordered {} instant blocks into controller blocks {}..{}", round.instant_blocks,
                  round.first, round.last);
  unpublished_.reset();
  return true;
}

void DevController::generation_loop() {
  auto last_round = std::chrono::steady_clock::time_point{};
  while (!stopping_) {
    mempool_->wait_ready(config_.block_interval);
    if (stopping_) break;
    // Let concurrent submissions join this round (up to batch_window after the previous round
    // started, or until a full instant block is ready): under load this turns a stream of
    // single events into few large blocks, whose signatures and state-root updates are paid
    // per block, not per event.
    const size_t full = params_.max_events_per_instant_block;
    while (!stopping_ && std::chrono::steady_clock::now() < last_round + config_.batch_window &&
           mempool_->ready_count() < full)
      std::this_thread::sleep_for(500us);
    auto tick_start = std::chrono::steady_clock::now();
    last_round = tick_start;
    if (alarms_->halting() || halted()) {
      // Our key signed two histories (or someone holds it), or storage failed: produce nothing.
      std::this_thread::sleep_for(config_.block_interval);
      continue;
    }
    if (recovering_to_ && !finish_recovery()) {
      std::this_thread::sleep_for(config_.block_interval);  // own blocks not back yet (S6)
      continue;
    }
    if (!produce_round() && unpublished_) std::this_thread::sleep_for(config_.block_interval);
    if (!config_.phantom_blocks) {
      // Tick mode: at most one controller block per interval.
      auto next = tick_start + config_.block_interval;
      while (!stopping_ && std::chrono::steady_clock::now() < next)
        std::this_thread::sleep_for(1ms);
    }
  }
  // Finish the round in flight: events already taken are in blocks; nothing else to do.
}

void DevController::verification_loop() {
  // On stop, blocks already stored are applied for at most this long; the rest are applied at
  // the next start (storage stays consistent either way).
  std::optional<std::chrono::steady_clock::time_point> drain_deadline;
  auto nonce_of = [this](const chain::AccountId& id) { return committed_nonce(id); };
  auto last_expire = std::chrono::steady_clock::now();
  last_block_at_ = last_expire.time_since_epoch().count();
  while (true) {
    if (!is_controller_) watch_controller();
    // The mempool's TTL, on every node (D12: the only way an admitted event is dropped undecided).
    if (auto now = std::chrono::steady_clock::now(); now - last_expire > 10s) {
      if (size_t n = mempool_->expire(now, nonce_of))
        ctx_.log->info("expired {} events not decided within the mempool TTL", n);
      drop_from_journal();
      last_expire = now;
    }
    {
      std::unique_lock lock(head_mu_);
      if (!halted_.empty() || alarms_->halting() || store_->fault()) {
        // A bad block stops this chain here; nothing to do but wait for the stop.
        head_cv_.wait_for(lock, 200ms, [&] { return stopping_.load(); });
        if (stopping_) break;
        continue;
      }
      head_cv_.wait_for(lock, 200ms, [&] { return stopping_ || head_ > applied_; });
      // An alarm raised while this thread waited (or while stopping) stops the block that woke
      // it, too. (An alarm recorded while a block is being applied does not stop that block.)
      if (!halted_.empty() || alarms_->halting() || store_->fault()) {
        if (stopping_) break;
        continue;
      }
    }
    if (stopping_) {
      if (!drain_deadline) drain_deadline = std::chrono::steady_clock::now() + 5s;
      if (applied_ >= head_ || std::chrono::steady_clock::now() > *drain_deadline) break;
    }
    if (applied_ >= head_) continue;
    // The block's decisions reach the mempool together with its state (Mempool::on_block).
    auto r = apply_next_block(*verifier_, *mempool_, nonce_of);
    if (!r) {
      if (r.error().code == "not_available") continue;
      if (r.error().code == "storage_full") {
        // Not a fault: the block is applied once space is back (nothing was written).
        note_storage_error("cannot apply the next block", r.error());
        std::unique_lock lock(head_mu_);
        head_cv_.wait_for(lock, 500ms, [&] { return stopping_.load(); });
        continue;
      }
      std::lock_guard lock(head_mu_);
      halted_ = r.error().to_string();
      halted_flag_ = true;
      ctx_.log->critical("verification halted: {}", halted_);
      continue;
    }
    applied_ = r->index;
    events_applied_ += r->applied;
    events_rejected_ += r->rejected;
    for (const auto& why : verifier_->last_skips())
      ctx_.log->warn("block {}: skipped {}", r->index, why);
    drop_from_journal();
    after_applied(r->index);
    if (const uint64_t every = ctx_.genesis.manifest.checkpoint_every;
        every > 0 && r->index % every == 0)
      checkpointer_->wake();
    if (ctx_.bus && ctx_.bus->has_subscribers("block_applied"))
      ctx_.bus->publish("block_applied", {{"symbiote", ctx_.alias},
                                          {"index", r->index},
                                          {"hash", codec::hex_encode(r->hash)},
                                          {"state_root", codec::hex_encode(r->state_root)},
                                          {"applied", r->applied},
                                          {"rejected", r->rejected}});
  }
}

Result<Hash32> DevController::submit(const chain::Event& e) {
  const chain::Event* one[] = {&e};
  return std::move(submit_batch(one)[0]);
}

std::vector<Result<Hash32>> DevController::submit_batch(
    std::span<const chain::Event* const> events) {
  std::vector<Result<Hash32>> out;
  out.reserve(events.size());
  // Once per request: the whole batch is refused alike while this symbiote cannot take events.
  if (auto st = accepting(); !st) {
    for (size_t i = 0; i < events.size(); ++i) out.emplace_back(st.error());
    return out;
  }
  std::vector<const chain::Event*> unchecked;
  std::vector<size_t> unchecked_at;
  // A second copy of an event in the same batch takes the first copy's signature answer instead
  // of being verified again; the mempool then answers it "duplicate" as before.
  std::map<Hash32, size_t> first_copy;
  std::vector<std::pair<size_t, size_t>> copies;  // (copy, first)
  for (size_t i = 0; i < events.size(); ++i) {
    out.push_back(admission_checks(*events[i]));
    if (!out.back() || sigcache_->contains(*out.back())) continue;
    if (auto [it, fresh] = first_copy.emplace(*out.back(), i); !fresh) {
      copies.emplace_back(i, it->second);
      continue;
    }
    unchecked.push_back(events[i]);
    unchecked_at.push_back(i);
  }
  const std::vector<bool> verified = chain::verify_signatures(unchecked);
  auto bad_signature = [&](size_t i) {
    return Error("bad_signature", "the signature does not verify for creator " +
                                      crypto::address_of(events[i]->creator));
  };
  for (size_t k = 0; k < unchecked_at.size(); ++k) {
    if (verified[k])
      sigcache_->insert(*out[unchecked_at[k]]);
    else
      out[unchecked_at[k]] = bad_signature(unchecked_at[k]);
  }
  for (const auto& [copy, first] : copies)
    if (!out[first]) out[copy] = bad_signature(copy);
  // Durable admission (D14): what is answered "accepted" is journaled first, in one entry per
  // request; an event that cannot be journaled is refused (503) and never enters the mempool.
  std::vector<const chain::Event*> keep;
  std::vector<Hash32> keep_hashes;
  for (size_t i = 0; i < events.size(); ++i)
    if (out[i]) {
      keep.push_back(events[i]);
      keep_hashes.push_back(*out[i]);
    }
  if (auto st = journal_->add(keep, keep_hashes); !st)
    for (auto& r : out)
      if (r) r = st.error();
  std::vector<Hash32> refused;
  for (size_t i = 0; i < events.size(); ++i) {
    if (!out[i]) continue;
    const Hash32 h = *out[i];
    out[i] = admit(*events[i], h);
    // Refused by the mempool after all (a race on the nonce, or full): not kept. A "duplicate" is
    // another copy of a pending event, held by its own entry.
    if (!out[i] && out[i].error().code != "duplicate") refused.push_back(h);
  }
  if (!refused.empty()) journal_->release(refused);
  // Remembered for GET /event (RecentRefusals): every refusal of the event itself or of the moment,
  // but not "duplicate" (it is pending) and not a resubmission of an event the chain decided
  // (answered from its record). Only refused events pay for this.
  for (size_t i = 0; i < events.size(); ++i) {
    if (out[i] || out[i].error().code == "duplicate") continue;
    const Hash32 h = events[i]->hash();
    if (out[i].error().code == "nonce_used" && decided(h)) continue;
    refusals_.record(h, out[i].error().code, out[i].error().reason, unix_time_ms());
  }
  return out;
}

Status DevController::accepting() const {
  if (stopping_) return Error("stopping", "the node is shutting down");
  if (halted()) return Error("halted", "this symbiote is halted: " + halted_reason());
  // Nothing is accepted that could not be kept (disk full, below the free-space floor, a fault).
  return store_->writable();
}

// Admission's checks (admission.h): the event alone, then against the committed account of its
// sender (pending events of the sender are not counted: the verifier has the final word).
Result<Hash32> DevController::admission_checks(const chain::Event& e) {
  return kit::check_admission(e, store_->symbiote_id(), ctx_.genesis.manifest, *mempool_,
                              [this](const chain::AccountId& id) { return store_->account(id); });
}

Result<Hash32> DevController::admit(const chain::Event& e, const Hash32& hash) {
  // The committed nonce is read again under the mempool's lock: the checks' read may be stale.
  KLYN_TRY(mempool_->add(
      PendingEvent{e, hash}, [this](const chain::AccountId& id) { return committed_nonce(id); },
      [this](const Hash32& h) { return decided(h); }));
  ++events_admitted_;
  if (ctx_.bus && ctx_.bus->has_subscribers("event_admitted"))
    ctx_.bus->publish("event_admitted",
                      {{"symbiote", ctx_.alias}, {"hash", codec::hex_encode(hash)}});
  return hash;
}

Result<bool> DevController::raise_equivocation(const EquivocationProof& proof,
                                               const std::string& source) {
  auto fresh = alarms_->record(equivocation_alarm(proof, source, unix_time_ms()));
  if (!fresh) {
    ctx_.log->error("cannot store an equivocation proof: {}", fresh.error().to_string());
    return fresh;
  }
  if (!*fresh) return false;
  ctx_.log->critical(
      "FORK ALARM: the controller signed two blocks at index {} ({} and {}), seen via {}; not "
      "applying new controller blocks",
      proof.index, codec::hex_encode(proof.first_hash), codec::hex_encode(proof.second_hash),
      source);
  if (ctx_.bus && ctx_.bus->has_subscribers("fork_alarm"))
    ctx_.bus->publish("fork_alarm", {{"symbiote", ctx_.alias},
                                     {"kind", "equivocation"},
                                     {"index", proof.index},
                                     {"id", codec::hex_encode(proof.id())}});
  gossip_->send("/sync/equivocation", proof.encode());
  head_cv_.notify_all();
  return true;
}

Result<bool> DevController::raise_alarm(Alarm alarm) {
  const std::string kind = alarm.kind, note = alarm.note;
  const uint64_t index = alarm.index;
  auto fresh = alarms_->record(std::move(alarm));
  if (!fresh) {
    ctx_.log->error("cannot store a fork alarm: {}", fresh.error().to_string());
    return fresh;
  }
  if (!*fresh) return false;
  ctx_.log->critical("FORK ALARM ({}) at index {}: {}; not applying new controller blocks", kind,
                     index, note);
  if (ctx_.bus && ctx_.bus->has_subscribers("fork_alarm"))
    ctx_.bus->publish("fork_alarm",
                      {{"symbiote", ctx_.alias}, {"kind", kind}, {"index", index}, {"note", note}});
  head_cv_.notify_all();
  return true;
}

Result<nlohmann::json> DevController::receive_controller_block(ByteSpan bytes,
                                                               const std::string& source) {
  auto cb = decode_controller_block(bytes, params_.block_limits());
  if (!cb) return Error("bad_block", cb.error().reason);
  if (cb->symbiote != store_->symbiote_id())
    return Error("wrong_symbiote", "the block belongs to another symbiote");
  if (!cb->verify_signature(params_.controller))
    return Error("bad_signature", "the block does not carry the controller's signature");
  if (cb->index == 0 || cb->index > head_.load())
    return nlohmann::json{{"known", false}, {"stored_height", head_.load()}};
  auto stored = store_->get(dc_keys::controller(cb->index));
  if (!stored) return stored.error();
  if (!*stored) return nlohmann::json{{"known", false}, {"stored_height", head_.load()}};
  const std::string& ours = **stored;
  // Byte-wise (std::string holds char, which may be signed: compare as bytes).
  if (as_bytes(ours).size() == bytes.size() &&
      std::equal(bytes.begin(), bytes.end(), as_bytes(ours).begin()))
    return nlohmann::json{{"known", true}};
  auto proof = check_equivocation(as_bytes(ours), bytes, store_->symbiote_id(), params_.controller,
                                  params_.block_limits());
  if (!proof) return proof.error();
  auto fresh = raise_equivocation(*proof, source);
  if (!fresh) return fresh.error();
  return nlohmann::json{
      {"known", false}, {"alarm", codec::hex_encode(proof->id())}, {"new_alarm", *fresh}};
}

nlohmann::json DevController::summary() const {
  nlohmann::json j;
  j["workflow"] = kName;
  j["workflow_version"] = version();
  j["id"] = codec::hex_encode(ctx_.id);
  j["role"] = std::string(core::to_string(ctx_.config.role));
  j["controller"] = crypto::address_of(params_.controller);
  j["fee"] = ctx_.genesis.manifest.fee.per_event;  // the minimum fee of every event
  j["height"] = applied_.load();
  j["stored_height"] = head_.load();
  if (puller_) j["peer_height"] = puller_->peer_height();
  j["peers"] = peers_ ? peers_->size() : 0;
  if (store_) {
    if (!store_->fault()) {
      auto r = store_->state_root(applied_);
      if (r && *r) j["state_root"] = codec::hex_encode(**r);
    }
    j["mempool"] = mempool_->size();
    if (auto w = store_->writable(); !w && w.error().code == "storage_full")
      j["storage"] = {{"state", "full"}, {"reason", w.error().reason}};
  }
  if (halted()) j["halted"] = halted_reason();
  if (mempool_)
    if (auto s = controller_silence())
      j["controller_reach"] = {
          {"reachable", false}, {"no_new_block_for_s", s->seconds}, {"pending", s->pending}};
  if (recovering_to_)
    j["signing"] = {{"state", "recovering"},
                    {"signed_up_to", recovering_to_.load()},
                    {"reason", "fetching blocks this controller signed back from peers"}};
  if (alarms_ && alarms_->halting()) {
    j["alarms"] = alarms_->halting_alarms().size();
    if (!j.contains("halted")) j["halted"] = "fork alarm (GET alarms)";
  }
  j["events"] = {{"admitted", events_admitted_.load()},
                 {"applied", events_applied_.load()},
                 {"rejected", events_rejected_.load()}};
  return j;
}

Status DevController::check_manifest(const chain::Manifest& manifest) const {
  auto params = read_params(manifest);
  if (!params) return params.error();
  return Status();
}

// Copies each stored controller block (with its instant blocks) of `live` into `fresh` and applies
// it there with a fresh verifier: every signature, stake and transition is checked again.
Result<core::Workflow::ReplayResult> DevController::replay(const chain::Genesis& genesis,
                                                           const chain::ChainStore& live,
                                                           chain::ChainStore& fresh) const {
  auto params = read_params(genesis.manifest);
  if (!params) return params.error();
  Verifier v(fresh, genesis.manifest, *params, nullptr);
  KLYN_TRY(v.init());
  auto applied = live.applied_height();
  if (!applied) return applied.error();
  const BlockLimits limits = params->block_limits();
  ReplayResult out;
  for (uint64_t i = 1; i <= *applied; ++i) {
    auto cbytes = live.get(dc_keys::controller(i));
    if (!cbytes) return cbytes.error();
    if (!*cbytes)
      return Error("storage_corrupt", "controller block " + std::to_string(i) + " is missing");
    auto cb = decode_controller_block(as_bytes(**cbytes), limits);
    if (!cb)
      return Error("bad_block", "controller block " + std::to_string(i) + ": " + cb.error().reason);
    chain::WriteBatch copy;
    for (const auto& h : cb->instant_blocks) {
      auto ib = live.get(dc_keys::instant(h));
      if (!ib) return ib.error();
      if (*ib) copy.put(dc_keys::instant(h), **ib);  // a missing one is the verifier's to report
    }
    copy.put(dc_keys::controller(i), **cbytes);
    copy.put(dc_keys::kHead, chain::keys::be64(i));
    KLYN_TRY(fresh.write(copy));
    auto r = v.apply_next();
    if (!r)
      return Error(r.error().code,
                   "replaying block " + std::to_string(i) + ": " + r.error().to_string());
    out.events += r->applied + r->rejected;
    out.height = i;
  }
  return out;
}

}  // namespace klyn::dev_controller
