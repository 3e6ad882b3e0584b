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
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "chain/sigcache.h"
#include "chain/store.h"
#include "core/workflow.h"
#include "workflows/dev_controller/alarms.h"
#include "workflows/dev_controller/gossip.h"
#include "workflows/dev_controller/mempool.h"
#include "workflows/dev_controller/ordering.h"
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

  // Admission (§4.3): cheap checks, one signature verification, then the mempool.
  Result<Hash32> submit(const chain::Event& e);

 private:
  void generation_loop();
  void verification_loop();
  bool produce_round();
  Status parse_config();
  // The account's nonce in the committed state (what the mempool continues from).
  uint64_t committed_nonce(const chain::AccountId& id) const;
  nlohmann::json account_json(const chain::AccountId& id) const;
  nlohmann::json controller_block_json(uint64_t index) const;
  // Records an equivocation proof (A2/A3); when it is new: log, bus `fork_alarm`, gossip it, and
  // stop applying/producing. Returns whether it was new.
  Result<bool> raise_equivocation(const EquivocationProof& proof, const std::string& source);
  // A controller block a peer sent (POST /sync/controller_block): compared with ours.
  Result<nlohmann::json> receive_controller_block(ByteSpan bytes, const std::string& source);

  core::WorkflowContext ctx_;
  DevControllerConfig config_;
  std::unique_ptr<chain::ChainStore> store_;
  std::unique_ptr<chain::SignatureCache> sigcache_;
  std::unique_ptr<Mempool> mempool_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<Ordering> ordering_;         // set when this node is the controller
  std::shared_ptr<PeerSet> peers_;             // configured + added (POST addnode)
  std::unique_ptr<BlockPuller> puller_;        // followers: catch-up from peers
  std::unique_ptr<EventForwarder> forwarder_;  // followers: admitted events go to peers
  std::unique_ptr<AlarmBook> alarms_;          // fork alarms (persisted); any → stop applying
  std::unique_ptr<Gossip> gossip_;             // proofs and blocks to every peer, once
  bool is_controller_ = false;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};
  std::thread generation_, verification_;
  mutable std::mutex head_mu_;
  std::condition_variable head_cv_;
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> events_applied_{0}, events_rejected_{0}, events_admitted_{0};
  std::string halted_;  // non-empty when the verifier hit a bad block (guarded by head_mu_)
};

}  // namespace klyn::dev_controller
