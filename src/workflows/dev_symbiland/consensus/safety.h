#pragma once
// The safety rules of dev_symbiland (README.md "Safety rules", S1–S4; invariant B3), pure: they
// decide whether this validator may sign a vote, a timeout or a proposal, and update the state
// that must be durable (the shell writes it with fsync) before the signed message leaves.
//
// The state also keeps the last vote and the last timeout signed, encoded, so that after a crash
// the validator re-sends exactly what it signed instead of signing something else in that round.

#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "common/result.h"
#include "workflows/dev_symbiland/consensus/types.h"

namespace klyn::dev_symbiland {

struct SafetyState {
  Round last_voted_round = 0;  // highest round this validator voted or timed out in
  Round one_chain_round = 0;   // highest QC round seen (S4)
  Round last_proposal_round = 0;
  Hash32 last_proposal_block{};
  Bytes last_vote;     // encoded Vote; empty if none
  Bytes last_timeout;  // encoded Timeout; empty if none

  Bytes encode() const;
  // Errors: bad_safety_state (the file is damaged: the node must stop rather than sign again).
  static Result<SafetyState> decode(ByteSpan bytes);
  bool operator==(const SafetyState&) const = default;
};

class SafetyRules {
 public:
  explicit SafetyRules(SafetyState state = {}) : s_(std::move(state)) {}
  const SafetyState& state() const { return s_; }

  // S4: remembers the highest QC round seen. Returns whether the state changed.
  bool observe_qc(const QuorumCert& qc);

  enum class Decision { kSign, kResend };
  // S1 for a block (hash `hash`) already verified. kSign: sign it and store the signed vote with
  // signed_vote() before sending; kResend: the same vote was signed before (last_vote()).
  // Errors: unsafe_vote.
  Result<Decision> vote(const Block& b, const Hash32& hash);
  void signed_vote(const Vote& v) { s_.last_vote = v.encode(); }

  // S2 for a timeout of round `r` with this high QC and, if the node entered `r` by one, TC(r-1).
  // kResend: a timeout of `r` was signed before; re-send last_timeout() as it is.
  // Errors: unsafe_timeout.
  Result<Decision> timeout(Round r, const QuorumCert& high_qc,
                           const std::optional<TimeoutCert>& prev_tc);
  void signed_timeout(const Timeout& t) { s_.last_timeout = t.encode(); }

  // The leader proposes at most once per round. Errors: unsafe_proposal.
  Result<Decision> propose(Round r, const Hash32& block);

 private:
  SafetyState s_;
};

}  // namespace klyn::dev_symbiland
