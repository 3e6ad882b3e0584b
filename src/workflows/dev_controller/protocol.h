#pragma once
// The steps of the dev_controller protocol, without I/O (workflow kit issue, item 1; the
// libhotstuff habit of docs/STYLE.md). Each step takes what a node knows (its tip, its mempool,
// a reader of its stored blocks or accounts, the time) and returns what to do: a batch to store,
// a block to send, a request to make, an alarm to record. The node's shell (dev_controller.cc,
// producers.cc, sync.cc: threads, HTTP, RocksDB writes, the wall clock) and the simulation's
// SimNode (sim/: a virtual clock and network) execute those effects; neither has protocol rules
// of its own.
//
// With the state machines they use (Ordering, InstantIntake, InstantBook, kit::Mempool,
// kit::ForwardAnswers, Verifier, check_continuation, check_censorship, check_equivocation), this
// is the whole protocol of a node:
//
//   controller  make_round              store Round::batch (D2), advance the signing mark (S6),
//                                       then publish the new head
//   producer    make_instant_block      store it, offer it to peers; InstantBook follows it
//   every node  decode_offered_instant, InstantIntake::seen, judge_offered_instant,
//               InstantIntake::take     acknowledge (make_ack), relay once, or answer busy
//   follower    judge_range             store RangeStep::batch; or, when the peer's next block
//                                       is signed but links elsewhere, probe its block at the tip
//               probe_conflict          check_equivocation, then AlarmBook::record
//   every node  apply_next_block        Verifier::apply_next with Mempool::on_block (D16)
//   producer    judge_evidence          AlarmBook::record (E2, E3); kNotYet: EvidenceWaiting
//
// Thread safety: none of its own; a step touches only what it is given.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/account.h"
#include "chain/genesis.h"
#include "chain/store.h"
#include "workflows/dev_controller/alarms.h"
#include "workflows/dev_controller/block_range.h"
#include "workflows/dev_controller/censorship.h"
#include "workflows/dev_controller/kit_parts.h"
#include "workflows/dev_controller/ordering.h"
#include "workflows/dev_controller/params.h"
#include "workflows/dev_controller/verifier.h"

namespace klyn::dev_controller {

using AccountReader = std::function<Result<chain::Account>(const chain::AccountId&)>;
using NonceOf = std::function<uint64_t(const chain::AccountId&)>;

// ---- instant blocks ----

struct MadeInstant {
  Bytes encoded;
  Hash32 hash{};
  std::vector<Hash32> events;  // the hashes of its events, in block order
};
// One signed instant block of `events` (taken from the mempool), created at `now_ms`.
MadeInstant make_instant_block(std::vector<PendingEvent> events, const SymbioteId& symbiote,
                               const crypto::KeyPair& producer, uint64_t now_ms);

// The controller's signed acknowledgement of instant block `instant` at stored height `height`
// (E1). Acknowledging a known block again uses the height it was first seen at
// (InstantIntake::seen), so the two acknowledgements are the same statement.
InstantAck make_ack(const SymbioteId& symbiote, const Hash32& instant, uint64_t height,
                    const crypto::KeyPair& controller);

// An acknowledgement a producer receives: it decodes, is for this symbiote and verifies under the
// manifest's controller key (E1). Errors: bad_ack.
Result<InstantAck> decode_received_ack(ByteSpan bytes, const SymbioteId& symbiote,
                                       const crypto::PublicKey& controller);

// Whether to look at an instant block a peer offers at all: it decodes and belongs to this
// symbiote. Errors: bad_block, wrong_symbiote.
Result<InstantBlock> decode_offered_instant(ByteSpan bytes, const SymbioteId& symbiote,
                                            const BlockLimits& limits);
// Whether a new offered instant block may be taken (InstantIntake::take): not the controller's
// own (the controller makes its own), from a producer whose committed account holds at least
// the manifest's instant_producer_stake, validly signed. Errors: bad_block, not_staked,
// bad_signature.
Status judge_offered_instant(const InstantBlock& ib, const Params& p,
                             const chain::Account& producer);

// ---- the controller's round ----

struct RoundLimits {
  size_t events_per_instant_block = 1;  // Params::max_events_per_instant_block
  // Instant blocks per round: with phantom blocks 256 (ordered into as many controller blocks as
  // the manifest's per-block limit needs), without, the manifest's per-block limit.
  size_t instant_blocks = 1;
  static RoundLimits of(const Params& p, bool phantom);
};

struct Round {
  chain::WriteBatch batch;               // instant blocks, controller blocks, head: one write (D2)
  std::vector<Bytes> controller_blocks;  // their encodings, by index
  uint64_t first = 0, last = 0;
  Hash32 last_hash{};
  size_t instant_blocks = 0;
  // Set by the shell once `batch` is written. A round that could not be finished (stored, then
  // marked) is finished first by the next rounds, never made again: its blocks are signed once.
  bool stored = false;
};

// One round: `offered` (acknowledged instant blocks of producers, InstantIntake::next) first,
// then instant blocks of the mempool's ready events up to the limits, all ordered by `ordering`
// into controller blocks. nullopt when there is nothing to order.
std::optional<Round> make_round(std::vector<std::pair<Hash32, Bytes>> offered, Mempool& mempool,
                                Ordering& ordering, const SymbioteId& symbiote,
                                const crypto::KeyPair& controller, uint64_t now_ms,
                                const RoundLimits& limits);

// ---- following ----

// What a follower does with a block range a peer served in answer to a request made from `tip`.
struct RangeStep {
  // Non-empty when blocks passed check_continuation: them, their instant blocks and the new head,
  // to store in one write (D2); `tip` is the tip once it is stored.
  chain::WriteBatch batch;
  size_t blocks = 0;
  ChainTip tip;
  std::string error;  // why (the rest of) the range was refused; empty if all of it was valid
  // The peer's next block is signed by the controller but links to another history: ask the
  // same peer for its block at tip.index (one block) and hand the answer to probe_conflict.
  bool probe = false;
  // Ask another peer next time: this one failed, sent an invalid block, or had nothing new (it
  // may itself be behind), so that no peer can hold a follower back.
  bool next_peer = false;
};
RangeStep judge_range(const ChainTip& tip, const SymbioteId& symbiote,
                      const crypto::PublicKey& controller, const BlockRange& range,
                      const BlockLimits& limits);
// The peer's answer to a probe (its block at our tip's index) against our stored block there:
// the peer's encoding when it is a block of this symbiote at `index`, validly signed by the
// controller, and differs from ours — with ours, evidence check_equivocation accepts. Anything
// else in the answer (a forged block, another index) is no evidence and gives nullopt.
std::optional<Bytes> probe_conflict(const BlockRange& answer, ByteSpan ours, uint64_t index,
                                    const SymbioteId& symbiote, const crypto::PublicKey& controller,
                                    const BlockLimits& limits);

// ---- applying ----

// Applies the next stored block (Verifier::apply_next) and books its decisions in the mempool
// together with its commit (Mempool::on_block, D16). Errors as Verifier::apply_next.
Result<AppliedBlock> apply_next_block(Verifier& verifier, Mempool& mempool,
                                      const NonceOf& nonce_of);

// ---- censorship evidence ----

struct EvidenceStep {
  enum class Verdict { kAlarm, kKnown, kNotYet, kInvalid } verdict = Verdict::kInvalid;
  std::string reason;  // kInvalid, kNotYet
  Alarm alarm;         // kAlarm: what to record (E3)
  chain::AccountId producer{};
};
// E2, then: known (recorded before) or not; the producer staked at least the manifest's
// instant_producer_stake (an unstaked producer's blocks need not be ordered). `source` and
// `now_ms` go into the alarm. A read error of the producer's account is returned.
Result<EvidenceStep> judge_evidence(const CensorshipEvidence& ev, const SymbioteId& symbiote,
                                    const Params& p, const BlockInstants& stored,
                                    const std::function<bool(const Hash32&)>& known,
                                    const AccountReader& account, const std::string& source,
                                    uint64_t now_ms);

// Evidence whose window is not all stored yet (kNotYet), asked again after the next applied
// block. Bounded: beyond kMax pieces, new ones are dropped (their producer makes them again).
class EvidenceWaiting {
 public:
  static constexpr size_t kMax = 1000;
  bool hold(CensorshipEvidence ev);  // false when full
  std::vector<CensorshipEvidence> take() { return std::exchange(held_, {}); }
  bool empty() const { return held_.empty(); }

 private:
  std::vector<CensorshipEvidence> held_;
};

}  // namespace klyn::dev_controller
