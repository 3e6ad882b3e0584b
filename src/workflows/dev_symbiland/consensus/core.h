#pragma once
// dev_symbiland's round state machine (README.md "Rules"), in the manner of libhotstuff's
// HotStuffCore: inputs are method calls (a message received, a timer fired), outputs are returned
// effects the caller executes in order (persist the safety state, send, arm a timer, commit
// blocks, fetch a block, keep evidence). No I/O, no clock (times come in as arguments), no
// threads; the node shell and the simulation run this same code.
//
// Ordering contract (invariants B5, B7): a Persist effect precedes every Send of a vote or timeout
// it allows, and a KeepBlock of the block voted for precedes that Persist; the executor must
// finish each (fsync) before executing the effects after it.
//
// Thread safety: none; one Core per symbiote, driven by one thread.

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "workflows/dev_symbiland/consensus/safety.h"
#include "workflows/dev_symbiland/consensus/types.h"

namespace klyn::dev_symbiland {

// Message kinds on the wire (node-to-node; the shell frames them).
enum MsgKind : uint32_t {
  kProposal = 1,
  kVote = 2,
  kTimeout = 3,
  kTimeoutCert = 4,
  kBlockRequest = 5,   // block [32] | u32 max: that block and up to max-1 ancestors
  kBlocks = 6,         // varint n | n × (varint len, block): newest first
  kHighQcRequest = 7,  // empty: answered with kQuorumCert (a node that hears nobody pulls)
  kQuorumCert = 8,     // QC: the sender's highest certificate
};

// Who a message came from: an opaque id the shell gives each connection (replies go back to it);
// nullopt for messages this node made itself.
using PeerId = std::optional<uint64_t>;

namespace effect {
// The durable state: the safety state, and the certificates that show which round this node is
// in (so that a restart resumes in a round it can sign a timeout in, S2).
struct Persist {
  SafetyState state;
  QuorumCert high_qc;
  std::optional<TimeoutCert> last_tc;
};
// A block this validator votes for: keep it durably (with the safety state) until it is
// committed or falls below the committed height, and hand it back in Restored::uncommitted after a
// restart. Every certified block is thus on the disks of a quorum, so no crash of any number of
// validators can lose a block a QC certifies (B7): a leader can always extend the highest QC.
struct KeepBlock {
  Block block;
};
struct Send {
  enum class To { kEveryone, kValidator, kPeer };
  To to = To::kEveryone;
  uint64_t id = 0;  // kValidator: its index; kPeer: the PeerId a message came from
  MsgKind kind = kProposal;
  Bytes body;
};
// Call on_timer(round, kind) after delay_ms.
struct ArmTimer {
  enum class Kind {
    kTimeout,  // the round's timeout
    kPropose,  // the leader's proposal, paced by CoreOptions::min_block_interval_ms
    kFormQc,   // a quorum of votes waited CoreOptions::qc_wait_ms for the next leader's proposal
  };
  Round round = 0;
  uint64_t delay_ms = 0;
  Kind kind = Kind::kTimeout;
};
// Blocks committed, in height order; `certificate` certifies the last of them (and each block's
// certificate is its successor's justify).
struct Commit {
  std::vector<Block> blocks;
  QuorumCert certificate;
};
// Two messages one validator signed for the same round and kind with different content.
struct Evidence {
  std::string kind;  // double_proposal, double_vote, double_timeout
  uint32_t validator = 0;
  Round round = 0;
  Bytes first, second;  // the two encoded messages
};
// A message refused, with the sender (for the misbehaviour scores).
struct Refused {
  std::optional<uint64_t> from;  // the peer it came from, if known
  std::string code, reason;
};
}  // namespace effect

using Effect = std::variant<effect::Persist, effect::KeepBlock, effect::Send, effect::ArmTimer,
                            effect::Commit, effect::Evidence, effect::Refused>;
using Effects = std::vector<Effect>;

// What consensus asks of the workflow about payloads (events) and state. The workflow executes
// committed blocks (effect::Commit) and tells the core with Core::on_executed(); a block carries
// the state root after the committed block at its state_height, which this node may not have
// executed yet when the block is proposed or arrives: then propose answers nullopt and check the
// error `not_executed`, and the core asks again after on_executed().
struct App {
  struct Body {
    Bytes payload;
    Hash32 state_root{};  // after executing the committed chain up to state_height
    // Nothing to carry and nothing in flight: the block would only keep time (see
    // CoreOptions::empty_block_interval_ms).
    bool idle = false;
  };
  std::function<std::optional<Body>(const Block& parent, const Hash32& parent_hash,
                                    uint64_t state_height)>
      propose;
  // Whether a proposed block's payload and state root (at its state_height) are right on its
  // (known) parent. Errors: not_executed (not yet: asked again), or any refusal.
  std::function<Status(const Block& block, const Block& parent)> check;
  // A committed block by hash from the node's store (to answer peers that catch up); may be
  // empty (then only blocks in memory are served).
  std::function<std::optional<Block>(const Hash32& hash)> stored;
};

struct CoreOptions {
  std::optional<uint32_t> self;     // this node's validator index; nullopt = follower
  const Signer* signer = nullptr;   // signs as validator `self` (null for a follower)
  uint64_t base_timeout_ms = 1000;  // round timer; doubled per consecutive timeout
  uint32_t max_backoff = 6;         // at most base × 2^6
  size_t fetch_batch = 64;          // blocks asked for in one kBlockRequest
  // A leader proposes no sooner than this after its parent was created (a one-validator set
  // would otherwise make blocks as fast as it can sign them).
  uint64_t min_block_interval_ms = 10;
  // A leader whose block would be idle (App::Body::idle) waits up to this long after its parent
  // was created, unless on_events() says there is something to carry (0 = never waits). Keep it
  // well below base_timeout_ms, or idle rounds time out.
  uint64_t empty_block_interval_ms = 0;
  size_t max_unlinked_blocks = 100000;  // fetched blocks kept while their ancestors come in
  // A node that does not lead the next round and holds a quorum of votes for its current round
  // waits up to this long for the next leader's proposal, which carries that round's QC, before
  // aggregating the QC itself (0 = at once). The proposal's QC must be checked anyway (it is part
  // of the block), so aggregating too costs every such node a second pairing check per round;
  // waiting bounds what a dead next leader costs (README rule 2).
  uint64_t qc_wait_ms = 0;
};

// Where a restarted node stands: its last Persist and its committed tip. A new node: all empty
// (genesis, the genesis QC).
struct Restored {
  SafetyState safety;
  std::optional<Block> committed_tip;  // nullopt = genesis
  std::optional<QuorumCert> high_qc;   // nullopt = the genesis QC
  std::optional<TimeoutCert> last_tc;
  std::vector<Block>
      uncommitted;  // the KeepBlock blocks still kept (any order; stale ones ignored)
};

class Core {
 public:
  Core(const Certifier& certifier, CoreOptions options, App app, Restored restored = {});

  // Enters the first round (arms its timer; proposes if this node leads it).
  Effects start(uint64_t now_ms);
  // A message from peer `from` (its validator index if known). Bad input gives Refused.
  Effects on_message(PeerId from, uint32_t kind, ByteSpan body, uint64_t now_ms);
  // The timer armed for `round` fired.
  Effects on_timer(Round round, uint64_t now_ms,
                   effect::ArmTimer::Kind kind = effect::ArmTimer::Kind::kTimeout);
  // The workflow executed the blocks of a Commit: a proposal waiting for that state is made or
  // checked now.
  Effects on_executed(uint64_t now_ms);
  // The workflow has events to propose: a leader waiting out an idle block proposes now.
  Effects on_events(uint64_t now_ms);

  Round round() const { return round_; }
  const QuorumCert& high_qc() const { return high_qc_; }
  uint64_t committed_height() const { return committed_height_; }
  const Hash32& committed_hash() const { return committed_hash_; }
  const SafetyState& safety() const { return safety_.state(); }
  bool is_validator() const { return opt_.self.has_value(); }
  bool knows(const Hash32& block) const { return known(block) != nullptr; }
  // A block this core holds in memory (uncommitted ones and the committed tip); null if none.
  const Block* find(const Hash32& block) const {
    const Known* k = known(block);
    return k ? &k->block : nullptr;
  }

 private:
  struct Known {
    Block block;
    Hash32 hash{};
  };
  void handle_proposal(Proposal p, PeerId from, Effects& out);
  void handle_vote(const Vote& v, PeerId from, Effects& out);
  // Aggregates the votes held for (round, block) into a QC if they are a quorum (and processes it).
  void form_qc(Round round, const Hash32& block, PeerId from, Effects& out);
  bool is_quorum(const std::map<uint32_t, Vote>& by_voter) const;  // the voters' weight
  void handle_timeout(const Timeout& t, PeerId from, Effects& out);
  void handle_tc(const TimeoutCert& tc, Effects& out);
  void handle_block_request(ByteSpan body, PeerId from, Effects& out);
  void handle_blocks(ByteSpan body, PeerId from, Effects& out);

  // Certificates carried by any message: may raise the high QC, commit, advance the round.
  void process_qc(const QuorumCert& qc, PeerId from, Effects& out);
  void process_tc(const TimeoutCert& tc, Effects& out);
  void advance(Round to, bool by_tc, Effects& out);
  // events_ready: on_events() said there is something to carry (no idle wait).
  void propose(Effects& out, bool events_ready = false);
  void vote_for(const Known& k, Effects& out);
  void local_timeout(Effects& out);
  void try_commit(const QuorumCert& qc, PeerId from, Effects& out);
  void fetch(const Hash32& h, PeerId from, Effects& out);
  void send_vote(const Vote& v, Effects& out);
  void prune();
  void retry_pending(Effects& out);
  void persist(Effects& out) const;
  bool leads(Round r) const;
  const Known* known(const Hash32& h) const;
  std::optional<Block> lookup(const Hash32& h) const;  // memory, then the store
  uint64_t timer_delay() const;

  const Certifier& cert_;
  CoreOptions opt_;
  App app_;
  SafetyRules safety_;
  uint64_t now_ms_ = 0;

  Round round_ = 0;
  QuorumCert high_qc_;
  std::optional<TimeoutCert> last_tc_;  // TC(round_ - 1) if round_ was entered by it
  uint32_t consecutive_timeouts_ = 0;
  bool timed_out_this_round_ = false;
  // This round's wait for the next leader's QC (CoreOptions::qc_wait_ms): once it is over, a
  // quorum of votes is aggregated as it comes.
  enum class QcWait { kNone, kWaiting, kOver } qc_wait_ = QcWait::kNone;

  std::map<Hash32, Known> blocks_;  // uncommitted blocks and the committed tip
  Hash32 committed_hash_{};
  uint64_t committed_height_ = 0;
  Round committed_round_ = 0;

  std::map<Round, std::map<Hash32, std::map<uint32_t, Vote>>> votes_;  // collected as next leader
  std::map<Round, std::map<uint32_t, Timeout>> timeouts_;
  std::map<Round, std::pair<Hash32, Bytes>> first_proposal_;   // evidence of double proposals
  std::map<std::pair<Round, uint32_t>, Bytes> first_vote_;     // evidence of double votes
  std::map<std::pair<Round, uint32_t>, Bytes> first_timeout_;  // evidence of double timeouts
  std::optional<std::pair<Proposal, PeerId>> pending_;         // waits for its parent
  std::set<Hash32> wanted_;
};

}  // namespace klyn::dev_symbiland
