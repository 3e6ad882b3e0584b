#pragma once
// The dev_symbiland workflow shell (README "Node"): owns the symbiote's database (Ledger), the
// safety file, the mempool, and the consensus thread that drives consensus::Core, executing its
// effects in order (Persist and KeepBlock durable before the Send after them, B5/B7; Commit
// executed with the Ledger, then Core::on_executed). Node-to-node messages are binary POSTs to
// /s/<id>/sync/sl (framed: u32 kind, then the message); block requests are answered in the
// HTTP response.
//
// Thread safety: submit() and the route handlers are called concurrently from server threads;
// prepare/routes/start/stop from the core's thread. Core is touched by the consensus thread only.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "chain/sigcache.h"
#include "chain/store.h"
#include "common/log_throttle.h"
#include "core/workflow.h"
#include "workflows/dev_symbiland/consensus/core.h"
#include "workflows/dev_symbiland/event_pool.h"
#include "workflows/dev_symbiland/ledger.h"
#include "workflows/dev_symbiland/params.h"
#include "workflows/dev_symbiland/safety_file.h"
#include "workflows/kit/admission_journal.h"
#include "workflows/kit/alarm_book.h"
#include "workflows/kit/gossip.h"
#include "workflows/kit/peer_scores.h"
#include "workflows/kit/peers.h"
#include "workflows/kit/recent_refusals.h"

namespace klyn::dev_symbiland {

struct NodeConfig {
  std::string bls_key;  // keystore name of this validator's BLS key; "" = follower
  size_t mempool_max_events = 1'000'000;
  size_t signature_cache = 1'000'000;
  size_t max_peers = 32;
  uint64_t min_free_disk_mb = 256;
  size_t fetch_batch = 16;                    // blocks asked of a peer at once
  std::chrono::milliseconds relay_window{5};  // events gathered before they are relayed
  // Events admitted from clients and not decided this long are relayed again (E2; default: 8
  // base timeouts, at least 1 s).
  std::optional<std::chrono::milliseconds> relay_resend;
  std::chrono::milliseconds request_timeout{2000};  // node-to-node requests
  // A leader with no events waits this long before an empty block (CoreOptions; default: a
  // third of the manifest's base_timeout_ms; 0 = blocks as fast as min_block_interval_ms).
  std::optional<uint64_t> empty_block_interval_ms;
  // How long a validator that does not lead the next round waits for its proposal (which
  // carries the QC) before aggregating the round's QC itself (CoreOptions; default: a tenth of
  // base_timeout_ms; 0 = at once).
  std::optional<uint64_t> qc_wait_ms;
};

class DevSymbiland final : public core::Workflow {
 public:
  static constexpr const char* kName = "dev_symbiland";
  static const char* version();

  DevSymbiland();
  ~DevSymbiland() override;

  Status prepare(core::WorkflowContext context) override;
  Status routes(core::SymbioteRoutes& routes) override;
  Status start() override;
  void stop() override;
  nlohmann::json summary() const override;
  Status check_manifest(const chain::Manifest& manifest) const override;

  // Admission (kit/admission.h), one signature check, the mempool; then relayed to the peers so
  // that every leader can propose it.
  Result<Hash32> submit(const chain::Event& e);
  std::vector<Result<Hash32>> submit_batch(std::span<const chain::Event* const> events,
                                           bool relay = true);

 private:
  // An input of the consensus thread: a message, or kEventsReady (events were admitted).
  static constexpr uint32_t kEventsReady = 0;
  struct Input {
    PeerId from;
    uint32_t kind = 0;
    Bytes body;
  };
  // A block request from a peer, waiting for the consensus thread's answer (kBlocks).
  struct Reply {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Bytes body;  // empty: nothing to send
  };
  struct Fetch {
    std::optional<size_t> peer;  // index in the peer snapshot; nullopt = any peer, in turn
    Bytes body;                  // the kBlockRequest, framed
  };

  Status parse_config();
  void consensus_loop();
  void execute(const Effects& effects);  // consensus thread
  void execute_commit(const effect::Commit& c);
  void deliver(const effect::Send& s);
  // Completes the request waiting under `token` with `body` (empty: 204), once.
  void answer(uint64_t token, Bytes body);
  void post(Input in);
  void fetch_loop();
  void relay_loop();
  void halt(const std::string& why);
  bool halted() const { return halted_.load(); }
  Status accepting() const;
  uint64_t committed_nonce(const chain::AccountId& id) const;
  std::vector<chain::Event> events_to_propose(size_t max, const std::set<Hash32>& exclude);
  // The route handler of /sync/sl.
  net::Response receive(const net::Request& req);
  nlohmann::json block_json(const Block& b, const std::optional<QuorumCert>& qc) const;

  core::WorkflowContext ctx_;
  NodeConfig config_;
  Params params_;
  std::unique_ptr<Certifier> cert_;
  std::optional<BlsSigner> signer_;  // this validator's BLS key (none: a follower)
  std::optional<uint32_t> self_;     // validator index
  std::unique_ptr<chain::ChainStore> store_;
  std::unique_ptr<chain::SignatureCache> sigcache_;
  std::unique_ptr<Ledger> ledger_;
  std::optional<SafetyFile> safety_file_;
  // Admitted events until a block decides them (README "Events"); those admitted from clients
  // are journaled first (E1).
  std::unique_ptr<EventPool> pool_;
  std::unique_ptr<kit::AdmissionJournal> journal_;
  void release_forgotten();  // the journal lets go of what the pool forgot
  std::mutex admit_mu_;      // journal and pool together: submit_batch vs release_forgotten
  // Double proposals, votes and timeouts seen (effect::Evidence), kept under `y:e:`; they do not
  // halt (punishment is part 2).
  std::unique_ptr<kit::AlarmBook> evidence_book_;
  void record_evidence(const effect::Evidence& ev);
  kit::RecentRefusals refusals_;
  std::shared_ptr<kit::PeerSet> peers_;
  // Misbehaviour of peers on /sync/...: malformed messages at the route, and what the core
  // refuses (bad signatures, non-leaders, bad blocks) through the token of the request.
  kit::PeerScores scores_;
  std::mutex token_mu_;
  std::map<uint64_t, std::string> peer_of_token_;  // the last kMaxTokens inbound messages
  static constexpr size_t kMaxTokens = 4096;
  // Consensus messages and relayed events on separate senders: a vote never waits behind a
  // batch of events a peer is verifying.
  std::unique_ptr<kit::Gossip> gossip_, relay_gossip_;
  std::string node_id_;
  std::string sync_path_;  // /s/<id-hex>/sync/sl

  // Consensus thread: the core (touched only there), its inputs and its timers.
  std::unique_ptr<Core> core_;
  std::mutex in_mu_;
  std::condition_variable in_cv_;
  std::deque<Input> inputs_;
  bool stopping_ = false;
  std::thread consensus_thread_;
  std::multimap<std::chrono::steady_clock::time_point, effect::ArmTimer> timers_;
  std::atomic<uint64_t> round_{0}, high_qc_round_{0}, evidence_{0}, refused_{0};
  // Since this process started (GET /info "events", as every workflow reports them).
  std::atomic<uint64_t> events_admitted_{0}, events_applied_{0}, events_rejected_{0};
  LogThrottle refused_log_{std::chrono::seconds(10)};

  // Block requests of peers waiting for their answer, by token (PeerId >= kInboundBase).
  static constexpr uint64_t kInboundBase = uint64_t{1} << 32;
  std::mutex reply_mu_;
  std::map<uint64_t, std::shared_ptr<Reply>> replies_;
  std::atomic<uint64_t> next_token_{kInboundBase};

  // Fetcher thread: block requests to peers; answers come back as kBlocks inputs.
  std::mutex fetch_mu_;
  std::condition_variable fetch_cv_;
  std::deque<Fetch> fetches_;
  std::thread fetch_thread_;
  size_t fetch_next_ = 0;

  // Relay thread: events admitted from clients to every peer, in batches, and again while no
  // block decided them (EventPool::to_relay); the mempool's TTL.
  std::mutex relay_mu_;
  std::condition_variable relay_cv_;
  bool relay_signalled_ = false;  // new events to relay (after relay_window)
  std::thread relay_thread_;

  std::atomic<bool> halted_{false}, started_{false}, stop_helpers_{false};
  std::atomic<bool> events_signalled_{false};  // a kEventsReady input is queued
  mutable std::mutex halt_mu_;
  std::string halted_reason_;
};

}  // namespace klyn::dev_symbiland
