#include "workflows/dev_symbiland/consensus/safety.h"

#include "codec/binary.h"

namespace klyn::dev_symbiland {

Bytes SafetyState::encode() const {
  codec::Writer w;
  w.raw(as_bytes(std::string_view("KLY-SL-SAFETY-v1")));
  w.u64(last_voted_round);
  w.u64(one_chain_round);
  w.u64(last_proposal_round);
  w.fixed(last_proposal_block);
  w.bytes(last_vote);
  w.bytes(last_timeout);
  return std::move(w).take();
}

Result<SafetyState> SafetyState::decode(ByteSpan bytes) {
  static constexpr std::string_view kMagic = "KLY-SL-SAFETY-v1";
  codec::Reader r(bytes);
  SafetyState s;
  ByteSpan magic;
  if (r.view(kMagic.size(), magic) && !std::equal(magic.begin(), magic.end(), kMagic.begin()))
    r.fail("not a safety state");
  r.u64(s.last_voted_round);
  r.u64(s.one_chain_round);
  r.u64(s.last_proposal_round);
  r.fixed(s.last_proposal_block);
  r.bytes(s.last_vote, 1 << 16);
  r.bytes(s.last_timeout, 1 << 16);
  if (auto st = r.finish("safety state"); !st) return Error("bad_safety_state", st.error().reason);
  if (!s.last_vote.empty() && !Vote::decode(s.last_vote))
    return Error("bad_safety_state", "its last vote does not decode");
  if (!s.last_timeout.empty() && !Timeout::decode(s.last_timeout))
    return Error("bad_safety_state", "its last timeout does not decode");
  return s;
}

bool SafetyRules::observe_qc(const QuorumCert& qc) {
  if (qc.round <= s_.one_chain_round) return false;
  s_.one_chain_round = qc.round;
  return true;
}

Result<SafetyRules::Decision> SafetyRules::vote(const Block& b, const Hash32& hash) {
  if (!s_.last_vote.empty()) {
    auto last = Vote::decode(s_.last_vote);
    if (last && last->round == b.round && last->block == hash) return Decision::kResend;
  }
  if (b.round <= s_.last_voted_round)
    return Error("unsafe_vote", "round " + std::to_string(b.round) + " is not after round " +
                                    std::to_string(s_.last_voted_round) +
                                    " (voted or timed out in already)");
  const bool direct = b.round == b.justify.round + 1;
  const bool after_tc =
      b.tc && b.round == b.tc->round + 1 && b.justify.round >= b.tc->max_high_qc_round();
  if (!direct && !after_tc)
    return Error("unsafe_vote",
                 "the block neither follows its certificate's round nor extends the highest "
                 "certificate of the previous round's timeouts");
  observe_qc(b.justify);
  s_.last_voted_round = b.round;
  return Decision::kSign;
}

Result<SafetyRules::Decision> SafetyRules::timeout(Round r, const QuorumCert& high_qc,
                                                   const std::optional<TimeoutCert>& prev_tc) {
  if (!s_.last_timeout.empty()) {
    auto last = Timeout::decode(s_.last_timeout);
    if (last && last->round == r) return Decision::kResend;
  }
  if (r < s_.last_voted_round)
    return Error("unsafe_timeout", "round " + std::to_string(r) + " is before round " +
                                       std::to_string(s_.last_voted_round));
  if (high_qc.round < s_.one_chain_round)
    return Error("unsafe_timeout", "the high QC (round " + std::to_string(high_qc.round) +
                                       ") is older than one seen (round " +
                                       std::to_string(s_.one_chain_round) + ")");
  const bool entered = r == high_qc.round + 1 || (prev_tc && prev_tc->round + 1 == r);
  if (!entered)
    return Error("unsafe_timeout", "no certificate of round " + std::to_string(r - 1) +
                                       " shows this node is in round " + std::to_string(r));
  s_.last_voted_round = r;
  return Decision::kSign;
}

Result<SafetyRules::Decision> SafetyRules::propose(Round r, const Hash32& block) {
  if (r == s_.last_proposal_round && block == s_.last_proposal_block) return Decision::kResend;
  if (r <= s_.last_proposal_round)
    return Error("unsafe_proposal",
                 "proposed in round " + std::to_string(s_.last_proposal_round) + " already");
  s_.last_proposal_round = r;
  s_.last_proposal_block = block;
  return Decision::kSign;
}

}  // namespace klyn::dev_symbiland
