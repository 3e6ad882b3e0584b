#pragma once
// One node of the dev_controller simulation (test-only; README.md in this folder): the shipped
// protocol steps (protocol.h, admission.h, InstantIntake, InstantBook, Ordering, kit::Mempool,
// kit::ForwardAnswers, Verifier, AlarmBook) carried over a simulated network instead of HTTP and
// threads, on its own chain::ChainStore (RocksDB). It adds no rule of its own: it is transport
// and timers. Every action happens inside on_message()/on_timer(), called by SimNetwork in seeded
// order.
//
// Roles (README.md of dev_controller):
// * controller — admits events, makes its own instant blocks, queues producers' instant blocks
//   (answering a signed InstantAck), orders them with Ordering each tick, stores everything in
//   one batch (D2), applies with the Verifier, serves block ranges.
// * producer — admits events into its own signed instant blocks, hands them to its peers,
//   resends unacknowledged ones, keeps acknowledged ones until an applied block names them; pulls
//   and applies like a follower.
// * follower — admits events and forwards them (one batch in flight, like EventForwarder); pulls
//   ranges from its peers one request at a time (like BlockPuller: a reply answers the request
//   made from the current tip), accepts them with check_continuation(), stores, applies; relays
//   instant blocks once; looks for a conflicting block when a range does not link.
//
// Faults of the controller: equivocate_at() — it signs a second block at index F and serves it,
// and nothing after it, to the nodes of "group B"; censor() — it acknowledges a producer's
// instant blocks but never orders them (the `fault_censor_producers` of dev_controller.cc).
//
// Thread safety: none (driven by one SimNetwork).

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chain/genesis.h"
#include "chain/sigcache.h"
#include "chain/store.h"
#include "workflows/dev_controller/alarms.h"
#include "workflows/dev_controller/block_range.h"
#include "workflows/dev_controller/censorship.h"
#include "workflows/dev_controller/instant_book.h"
#include "workflows/dev_controller/instant_intake.h"
#include "workflows/dev_controller/kit_parts.h"
#include "workflows/dev_controller/ordering.h"
#include "workflows/dev_controller/protocol.h"
#include "workflows/dev_controller/verifier.h"
#include "workflows/kit/sim/sim_network.h"

namespace klyn::dev_controller::sim {

using kit::sim::kClient;
using kit::sim::NodeId;
using kit::sim::SimHandler;
using kit::sim::SimMessage;
using kit::sim::SimNetwork;

// The messages of dev_controller's simulation (SimMessage::kind), each the canonical binary form
// the real node sends over HTTP where it has one.
enum MsgKind : kit::sim::MsgKind {
  kEvents,        // event batch (chain::encode_event_batch): client submission or forward
  kEventsResult,  // bool orders | varint n | n × admission error code of a forwarded batch
  kInstant,       // InstantBlock::encode()
  kInstantAck,    // InstantAck::encode()
  kGetBlocks,     // u64 from | u64 limit
  kBlocks,        // encode_range()
  kEquivocation,  // EquivocationProof::encode()
};

enum class Role { kController, kProducer, kFollower };
const char* to_string(Role r);

// Shell settings shared by the nodes of one run (virtual milliseconds).
struct NodeConfig {
  uint64_t tick_ms = 20;              // controller round / producer instant block interval
  uint64_t sync_interval_ms = 50;     // pull interval
  uint64_t request_timeout_ms = 300;  // a pull or forward without an answer counts as failed
  uint64_t forward_interval_ms = 20;
  // Producer: an unacknowledged instant block is offered again after resend_interval_ms, doubling
  // up to resend_max_ms, never given up while its events are pending (producers.cc).
  uint64_t resend_interval_ms = 200;
  uint64_t resend_max_ms = 1600;
  // Follower: a forwarded event not decided within the lease is offered again; the lease doubles
  // up to lease_max_ms (EventForwarder's lease_first / lease_max).
  uint64_t lease_first_ms = 500;
  uint64_t lease_max_ms = 2000;
  size_t forward_batch = 8;
  bool phantom = true;
};

struct AppliedRecord {
  uint64_t index = 0;
  Hash32 hash{}, root{};
  size_t decided = 0;
};

class SimNode final : public SimHandler {
 public:
  // `key`: the controller's key (controller), the producer's staked key (producer), null for a
  // follower. `dir`: an empty directory for this node's RocksDB.
  SimNode(SimNetwork& net, const chain::Genesis& genesis, const Params& params,
          const NodeConfig& config, Role role, const crypto::KeyPair* key, std::string dir);
  ~SimNode() override;

  Status open();  // store, verifier, alarm book, ordering
  void set_peers(std::vector<NodeId> peers) { peers_ = std::move(peers); }
  void start();  // first timers
  void equivocate_at(uint64_t index, std::set<NodeId> group_b);
  void censor(const chain::AccountId& producer) { censored_.insert(producer); }

  void on_message(const SimMessage& m) override;
  void on_timer(uint64_t tag) override;

  // Admission (DevController::submit without the HTTP shell). Returns the error code or "".
  std::string submit(const chain::Event& e);

  // Observations for the properties.
  NodeId id() const { return id_; }
  Role role() const { return role_; }
  uint64_t applied_height() const;
  uint64_t stored_head() const { return tip_.index; }
  const std::vector<AppliedRecord>& applied() const { return applied_; }
  chain::ChainStore& store() { return *store_; }
  const AlarmBook& alarms() const { return *alarms_; }
  // Validly signed controller block hashes this node stored or received from a peer, per index.
  const std::map<uint64_t, std::set<Hash32>>& seen_blocks() const { return seen_blocks_; }
  // Applied height when the first fork alarm was recorded.
  std::optional<uint64_t> alarm_at_height() const { return alarm_at_height_; }
  const std::vector<std::string>& failures() const { return failures_; }
  size_t censorship_evidence_made() const { return evidence_made_; }
  size_t mempool_size() const { return mempool_ ? mempool_->size() : 0; }
  bool holds(const Hash32& event) const { return mempool_->contains(event); }
  // Whether this node ever accepted the event (from a client or a peer): D12 applies to it.
  bool accepted(const Hash32& event) const { return accepted_.count(event) != 0; }
  size_t ready() const { return mempool_->ready_count(); }
  size_t unacked() const { return book_.unacknowledged(); }
  // Producer: every acknowledgement received, by instant block hash.
  const std::map<Hash32, InstantAck>& acks() const { return acks_; }
  std::vector<Hash32> unacked_hashes() const { return book_.unacknowledged_hashes(); }
  std::optional<Hash32> alt_block_hash() const { return alt_hash_; }

 private:
  enum Tag : uint64_t {
    kTick = 1,
    kPull,
    kPullTimeout,
    kForward,
    kForwardTimeout,
    kApply,
    kResend
  };
  static uint64_t tag(Tag t, uint64_t request = 0) { return (request << 4) | t; }
  uint64_t next_request() { return ++request_seq_; }
  void reply(const SimMessage& to, MsgKind kind, Bytes body);

  void on_events(const SimMessage& m);
  void on_events_result(const SimMessage& m);
  void on_instant(const SimMessage& m);
  void on_ack(const SimMessage& m);
  void on_get_blocks(const SimMessage& m);
  void on_blocks(const SimMessage& m);
  void on_equivocation(const SimMessage& m);

  void produce_round();    // controller
  void produce_instant();  // producer
  void resend_unacked();   // producer
  void forward();          // follower
  void pull();             // follower, producer
  void pull_failed();
  void maybe_apply();
  void apply_one();
  void after_applied(uint64_t index);  // producer: acknowledged blocks and censorship evidence
  void raise_equivocation(const EquivocationProof& proof, const std::string& source);
  void note_seen(ByteSpan controller_block);
  Bytes serve_group_b(uint64_t from, uint64_t limit) const;
  std::optional<std::vector<Hash32>> stored_block_instants(uint64_t index) const;
  uint64_t committed_nonce(const chain::AccountId& id) const {
    return store_->account(id).value().nonce;
  }
  bool decided(const Hash32& event) const {
    return chain::load_event_record(*store_, event).value().has_value();
  }
  std::chrono::steady_clock::time_point virtual_now() const {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(net_.now()));
  }
  void fail(std::string what) { failures_.push_back(std::move(what)); }

  SimNetwork& net_;
  const chain::Genesis& genesis_;
  const chain::Manifest& m_;
  const Params p_;  // m_'s dev_controller section
  NodeConfig config_;
  Role role_;
  const crypto::KeyPair* key_;
  std::string dir_;
  NodeId id_ = 0;
  BlockLimits limits_;
  std::vector<NodeId> peers_;

  std::unique_ptr<chain::ChainStore> store_;
  std::unique_ptr<chain::SignatureCache> sigcache_;
  std::unique_ptr<Mempool> mempool_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<AlarmBook> alarms_;
  std::unique_ptr<Ordering> ordering_;
  ChainTip tip_;
  std::string halted_;
  bool apply_scheduled_ = false;
  uint64_t request_seq_ = 0;

  // Instant blocks: seen (dedup of relays), queued for ordering (controller).
  InstantIntake intake_;  // the shipped intake of offered instant blocks
  // Producer bookkeeping: the shipped InstantBook (producers.cc drives the same).
  InstantBook book_;
  size_t evidence_made_ = 0;
  EvidenceWaiting evidence_waiting_;
  std::map<Hash32, InstantAck> acks_;
  std::set<chain::AccountId> censored_;  // controller fault: acknowledged, never ordered

  // Follower pulls: one request at a time.
  enum class PullPhase { kNone, kRange, kConflict } pull_phase_ = PullPhase::kNone;
  uint64_t pull_request_ = 0;
  size_t pull_peer_ = 0;
  // Forwarder: one batch in flight.
  std::vector<PendingEvent> forward_batch_;  // taken with a lease, in flight
  uint64_t forward_request_ = 0;
  size_t forward_peer_ = 0;
  ForwardAnswers answers_;  // the shipped handling of a peer's answers

  // Equivocation fault (controller).
  uint64_t equivocate_index_ = 0;
  std::set<NodeId> group_b_;
  std::optional<Bytes> alt_block_;
  std::optional<Hash32> alt_hash_;

  std::vector<AppliedRecord> applied_;
  std::set<Hash32> accepted_;  // every event admitted here
  std::map<uint64_t, std::set<Hash32>> seen_blocks_;
  std::optional<uint64_t> alarm_at_height_;
  std::vector<std::string> failures_;
};

}  // namespace klyn::dev_controller::sim
