#pragma once
// The dev_controller workflow shell (§4.4): owns the symbiote's storage, mempool, signature
// cache, the generation thread (this node as controller: instant blocks + ordering) and the
// verification thread (applies controller blocks in order). Consensus logic lives in the I/O-free
// pieces (ordering.h, mempool.h, verifier.h); this file wires them to threads and storage.
//
// Thread safety: submit() and the route handlers are called concurrently from server threads;
// prepare/routes/start/stop from the core's thread.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "chain/sigcache.h"
#include "chain/signing_mark.h"
#include "chain/store.h"
#include "common/log_throttle.h"
#include "core/workflow.h"
#include "workflows/dev_controller/alarms.h"
#include "workflows/dev_controller/censorship.h"
#include "workflows/dev_controller/instant_book.h"
#include "workflows/dev_controller/instant_intake.h"
#include "workflows/dev_controller/kit_parts.h"
#include "workflows/dev_controller/ordering.h"
#include "workflows/dev_controller/protocol.h"
#include "workflows/dev_controller/sync.h"
#include "workflows/dev_controller/verifier.h"

namespace klyn::dev_controller {

struct DevControllerConfig {
  bool phantom_blocks = true;
  std::chrono::milliseconds block_interval{100};
  std::chrono::milliseconds batch_window{10};  // a round waits this long for more events to batch
  size_t mempool_max_events = 1'000'000;
  size_t signature_cache = 2'000'000;
  bool sync_writes = false;
  std::chrono::milliseconds sync_interval{50};  // follower: how often peers are asked for blocks
  size_t forward_batch = 1000;                  // follower: events per forwarded batch
  size_t max_peers = 32;                        // cap on configured + added peers
  // Fault injection for tests of censorship evidence: as controller, acknowledge but never order
  // instant blocks of these producers. Logged loudly; never set it on a real network.
  std::vector<chain::AccountId> fault_censor_producers;
  // Fault injection for tests of checkpoint intents (K4): the process kills itself (SIGKILL)
  // right after its first hostchain commit was sent, before the transaction id is stored.
  bool fault_crash_after_checkpoint_send = false;
  // Events are refused (503 storage_full) while the disk holding the chain has less free space.
  uint64_t min_free_disk_mb = 256;
  size_t write_buffer_mb = 32;  // RocksDB memtable size of this symbiote's database
};

class DevController final : public core::Workflow {
 public:
  static constexpr const char* kName = "dev_controller";
  static const char* version();

  DevController();
  ~DevController() override;

  Status prepare(core::WorkflowContext context) override;
  Status routes(core::SymbioteRoutes& routes) override;
  Status start() override;
  void stop() override;
  nlohmann::json summary() const override;
  Status check_manifest(const chain::Manifest& manifest) const override;
  Result<ReplayResult> replay(const chain::Genesis& genesis, const chain::ChainStore& live,
                              chain::ChainStore& fresh) const override;

  // Admission (§4.3): cheap checks, one signature verification, then the mempool.
  Result<Hash32> submit(const chain::Event& e);
  // submit() of each event in order, with the signatures checked as one batch
  // (crypto::verify_batch: the same answers, less work per event).
  std::vector<Result<Hash32>> submit_batch(std::span<const chain::Event* const> events);

 private:
  // submit() before the signature check (returns the event hash) and after it.
  // Whether this symbiote takes events now (not stopping, not halted, storage writable).
  Status accepting() const;
  Result<Hash32> admission_checks(const chain::Event& e);
  Result<Hash32> admit(const chain::Event& e, const Hash32& hash);
  void generation_loop();
  void verification_loop();
  bool produce_round();
  // A controller round built but not yet stored, marked and published (see produce_round).
  std::optional<Round> unpublished_;                  // generation thread only
  std::unique_ptr<chain::SigningMark> signing_mark_;  // the controller's (S6)
  std::atomic<uint64_t> recovering_to_{0};  // > 0: own blocks up to here must come back first
  LogThrottle storage_log_{std::chrono::seconds(10)};
  Status parse_config();
  // The account's nonce in the committed state (what the mempool continues from).
  uint64_t committed_nonce(const chain::AccountId& id) const;
  bool decided(const Hash32& event) const;  // the chain holds its record (applied or rejected)
  // null when the block is not stored.
  Result<nlohmann::json> controller_block_json(uint64_t index) const;
  // What to answer an event sent again that admission refused as `refusal`: pending here
  // ("duplicate") or decided by the chain ("nonce_used" with its record): {"hash", "status",
  // "known": true, ...}; null when the event is not known.
  nlohmann::json known_event_json(const chain::Event& e, const Error& refusal) const;
  // Whether this symbiote stopped (a storage fault or a bad block) and why.
  bool halted() const;
  std::string halted_reason() const;
  // Storage trouble worth an operator's attention, logged at most every 10 s.
  void note_storage_error(const char* what, const Error& e);
  // Not the controller, events pending, and no new controller block for 3 s (README "Controller
  // out of reach"); logged every 10 s by watch_controller().
  struct ControllerSilence {
    uint64_t seconds = 0;
    size_t pending = 0;
  };
  std::optional<ControllerSilence> controller_silence() const;
  void watch_controller();
  std::atomic<int64_t> last_block_at_{0};  // steady_clock ticks of the last stored new block
  LogThrottle controller_log_{std::chrono::seconds(10)};
  // D14: deletes the journal entries of events the mempool forgot (after each block and expiry).
  void drop_from_journal();
  // D14: at start, journaled events are admitted again (before any thread runs).
  Status restore_journal();
  // S6 (controller): opens the signing mark and compares it with the stored chain; creates the
  // ordering, or leaves the node recovering its own blocks from peers.
  Status open_signing_mark(const ChainTip& tip);
  bool finish_recovery();
  // Stores, marks and publishes the round in unpublished_; false when a step failed (retried).
  bool finish_round();
  // Records an equivocation proof (A2/A3); when it is new: log, bus `fork_alarm`, gossip it, and
  // stop applying/producing. Returns whether it was new.
  Result<bool> raise_equivocation(const EquivocationProof& proof, const std::string& source);
  // Records a fork alarm of any kind; when new: log, bus, wake the verification loop.
  Result<bool> raise_alarm(Alarm alarm);
  // A controller block a peer sent (POST /sync/controller_block): compared with ours.
  Result<nlohmann::json> receive_controller_block(ByteSpan bytes, const std::string& source);
  // An instant block a producer (or a relaying peer) sent (POST /sync/instant). The controller
  // queues it for ordering and answers a signed acknowledgement; other nodes relay it once.
  Result<nlohmann::json> receive_instant(ByteSpan bytes);
  // Censorship evidence (POST /sync/censorship, or made here): checked against stored blocks,
  // recorded and gossiped once; kept for a later check while blocks of its window are missing.
  Result<nlohmann::json> receive_evidence(const CensorshipEvidence& ev, const std::string& source);
  // Producer: makes instant blocks of admitted events and hands them to peers.
  void production_loop();
  // Offers an instant block to every peer; an acknowledgement goes to book_ (without one, the
  // book offers it again with back-off: InstantBook::due).
  void offer_instant(const Hash32& hash, const Bytes& encoded);
  // After block `index` is applied: producer bookkeeping of acknowledged instant blocks, and
  // evidence waiting for blocks.
  void after_applied(uint64_t index);
  std::optional<std::vector<Hash32>> stored_block_instants(uint64_t index) const;

  core::WorkflowContext ctx_;
  DevControllerConfig config_;
  Params params_;  // the manifest's dev_controller section, read in prepare()
  std::unique_ptr<chain::ChainStore> store_;
  std::unique_ptr<chain::SignatureCache> sigcache_;
  std::unique_ptr<Mempool> mempool_;
  std::unique_ptr<AdmissionJournal> journal_;  // D14: accepted events, durable until forgotten
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<Ordering> ordering_;          // set when this node is the controller
  std::shared_ptr<PeerSet> peers_;              // configured + added (POST addnode)
  std::unique_ptr<BlockPuller> puller_;         // followers: catch-up from peers
  std::unique_ptr<EventForwarder> forwarder_;   // followers: admitted events go to peers
  std::unique_ptr<AlarmBook> alarms_;           // fork alarms (persisted); any → stop applying
  std::unique_ptr<Gossip> gossip_;              // proofs and blocks to every peer, once
  std::unique_ptr<Checkpointer> checkpointer_;  // hostchain commits (controller) and audit
  bool is_controller_ = false;
  std::string node_id_;  // random per process: how peers tell this node from others on its IP
  PeerScores scores_;    // misbehaviour of peers on the sync routes
  // Wraps a node-to-node route: refuses banned peers, scores what the others send.
  net::Handler sync_route(net::Handler handler);
  bool is_producer_ = false;
  std::thread production_;

  // Instant blocks from producers: seen hashes (dedup, bounded) and, on the controller, the queue
  // the generation loop orders from.
  std::mutex instants_mu_;
  // Instant blocks peers offer (instant_intake.h); under instants_mu_.
  std::unique_ptr<InstantIntake> intake_;
  std::map<std::string, std::unique_ptr<net::HttpClient>> instant_clients_;  // by peer URL
  // Producer: the instant blocks it made, until ordered (instant_book.h).
  std::mutex awaiting_mu_;
  InstantBook book_{InstantBook::Backoff{}};
  EvidenceWaiting evidence_waiting_;
  RecentRefusals refusals_;  // admission refusals, for GET /event (thread-safe)  // blocks of their
                             // window not stored yet

  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};
  std::thread generation_, verification_;
  mutable std::mutex head_mu_;
  std::condition_variable head_cv_;
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> events_applied_{0}, events_rejected_{0}, events_admitted_{0};
  std::string halted_;  // non-empty when the verifier hit a bad block (guarded by head_mu_)
  std::atomic<bool> halted_flag_{false};  // !halted_.empty(), readable without the lock
};

}  // namespace klyn::dev_controller
