#include "workflows/dev_symbiland/consensus/types.h"

#include <algorithm>

#include "crypto/hash.h"

namespace klyn::dev_symbiland {

namespace {

// A signature travels as its bytes; the scheme checks it when it is verified or aggregated.
void write_signature(codec::Writer& w, const Sig& s) {
  w.fixed(s);
}

bool read_signature(codec::Reader& r, Sig& out) {
  return r.fixed(out);
}

Bytes signed_message(std::string_view domain, const chain::SymbioteId& s, Epoch e, Round r,
                     ByteSpan tail) {
  codec::Writer w(domain.size() + 32 + 16 + tail.size());
  w.raw(as_bytes(domain));
  w.fixed(s);
  w.u64(e);
  w.u64(r);
  w.raw(tail);
  return std::move(w).take();
}

}  // namespace

// ---- Bitmap ----

size_t Bitmap::count() const {
  size_t n = 0;
  for (uint8_t b : bytes_) n += static_cast<size_t>(__builtin_popcount(b));
  return n;
}

std::vector<uint32_t> Bitmap::indices() const {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < size_; ++i)
    if (test(i)) out.push_back(static_cast<uint32_t>(i));
  return out;
}

void Bitmap::encode(codec::Writer& w) const {
  w.varint(size_);
  w.raw(bytes_);
}

bool Bitmap::decode(codec::Reader& r) {
  uint64_t n = 0;
  if (!r.varint(n)) return false;
  if (n > kMaxValidators) return r.fail("bitmap longer than " + std::to_string(kMaxValidators));
  *this = Bitmap(static_cast<size_t>(n));
  ByteSpan b;
  if (!r.view(bytes_.size(), b)) return false;
  std::copy(b.begin(), b.end(), bytes_.begin());
  if (n % 8 && bytes_.back() >> (n % 8)) return r.fail("bitmap: bits set past its length");
  return true;
}

// ---- ValidatorSet ----

Result<ValidatorSet> ValidatorSet::make(std::vector<Validator> validators,
                                        const std::vector<bls::Signature>& proofs) {
  auto bad = [](const std::string& why) { return Error("bad_validators", why); };
  if (validators.empty()) return bad("no validators");
  if (validators.size() > kMaxValidators)
    return bad("more than " + std::to_string(kMaxValidators) + " validators");
  if (proofs.size() != validators.size()) return bad("one proof of possession per validator");
  ValidatorSet set;
  std::set<std::array<uint8_t, bls::PublicKey::kSize>> keys;
  std::set<chain::AccountId> accounts;
  for (size_t i = 0; i < validators.size(); ++i) {
    const Validator& v = validators[i];
    const std::string who = "validator " + std::to_string(i);
    if (v.weight == 0) return bad(who + ": weight must be at least 1");
    if (set.total_ + v.weight < set.total_) return bad("total weight overflows 64 bits");
    set.total_ += v.weight;
    if (!keys.insert(v.key.to_bytes()).second) return bad(who + ": BLS key used twice");
    if (!accounts.insert(v.account).second) return bad(who + ": account used twice");
    if (!bls::pop_verify(v.key, proofs[i]))
      return bad(who + ": the proof of possession of its BLS key does not verify");
  }
  set.quorum_ = static_cast<uint64_t>(static_cast<unsigned __int128>(set.total_) * 2 / 3) + 1;
  set.validators_ = std::move(validators);
  set.schedule_ = leader_schedule(set.validators_, set.total_);
  return set;
}

// README "Leader of round r": smooth weighted round robin over the weights (scaled down to about
// kScheduleSlots when the total is larger): each step every validator's credit grows by its
// weight, the one with the most credit (lowest index on a tie) leads and pays the total. Every
// validator leads in proportion to its weight, spread out: one with less than half the weight
// never leads two rounds in a row, so a validator that is down costs its own rounds one at a
// time, never a run of them (a hashed pick per round gave validator 0 of four rounds 80-84).
std::vector<uint32_t> ValidatorSet::leader_schedule(const std::vector<Validator>& vs,
                                                    uint64_t total) {
  std::vector<uint64_t> w(vs.size());
  for (size_t i = 0; i < vs.size(); ++i) {
    const unsigned __int128 scaled =
        total <= kScheduleSlots
            ? vs[i].weight
            : static_cast<unsigned __int128>(vs[i].weight) * kScheduleSlots / total;
    w[i] = std::max<uint64_t>(1, static_cast<uint64_t>(scaled));
  }
  uint64_t period = 0;
  for (uint64_t x : w) period += x;
  std::vector<int64_t> credit(vs.size(), 0);
  std::vector<uint32_t> schedule(period);
  for (uint64_t step = 0; step < period; ++step) {
    size_t best = 0;
    for (size_t i = 0; i < vs.size(); ++i) {
      credit[i] += static_cast<int64_t>(w[i]);
      if (credit[i] > credit[best]) best = i;
    }
    credit[best] -= static_cast<int64_t>(period);
    schedule[step] = static_cast<uint32_t>(best);
  }
  // The schedule repeats, and where it wraps round one validator may lead the period's last slot
  // and its first (weights 3, 2, 2, 1: 0 1 2 0 3 1 2 0 | 0 ...): move that second slot to a place
  // where it makes no such pair. Only a validator with half the weight or more has to lead twice.
  const size_t n = schedule.size();
  auto repeats = [&](size_t i) {
    const uint32_t v = schedule[i];
    return v == schedule[(i + 1) % n] && w[v] * 2 < period;
  };
  for (size_t i = 0; i < n; ++i) {
    if (!repeats(i)) continue;
    const size_t k = (i + 1) % n;
    for (size_t j = 0; j < n; ++j) {
      if (schedule[j] == schedule[k]) continue;
      std::swap(schedule[k], schedule[j]);
      const size_t around[] = {(k + n - 1) % n, k, (j + n - 1) % n, j};
      if (std::none_of(std::begin(around), std::end(around), repeats)) break;
      std::swap(schedule[k], schedule[j]);
    }
  }
  return schedule;
}

uint64_t ValidatorSet::weight_of(const Bitmap& signers) const {
  if (signers.size() != validators_.size()) return 0;
  uint64_t w = 0;
  for (uint32_t i : signers.indices()) w += validators_[i].weight;
  return w;
}

uint32_t ValidatorSet::leader(const chain::SymbioteId& symbiote, Epoch epoch, Round round) const {
  // The schedule's phase is the symbiote's and epoch's own, so sets alike do not lead alike.
  codec::Writer w;
  w.fixed(symbiote);
  w.u64(epoch);
  const Hash32 h = crypto::blake2b256("KLY-SL-LEADER-v2", w.data());
  uint64_t offset = 0;
  for (int i = 0; i < 8; ++i) offset = offset << 8 | h[static_cast<size_t>(i)];
  const uint64_t period = schedule_.size();
  return schedule_[(offset % period + round % period) % period];
}

std::optional<uint32_t> ValidatorSet::index_of(const bls::PublicKey& key) const {
  for (size_t i = 0; i < validators_.size(); ++i)
    if (validators_[i].key == key) return static_cast<uint32_t>(i);
  return std::nullopt;
}

Hash32 ValidatorSet::hash() const {
  codec::Writer w;
  w.varint(validators_.size());
  for (const auto& v : validators_) {
    w.fixed(v.account);
    w.fixed(v.key.to_bytes());
    w.u64(v.weight);
  }
  return crypto::blake2b256("KLY-SL-VALIDATORS-v1", w.data());
}

// ---- signed messages ----

Bytes vote_message(const chain::SymbioteId& s, Epoch e, Round r, const Hash32& block) {
  return signed_message("KLY-SL-VOTE-v1", s, e, r, block);
}

Bytes proposal_message(const chain::SymbioteId& s, Epoch e, Round r, const Hash32& block) {
  return signed_message("KLY-SL-PROPOSAL-v1", s, e, r, block);
}

Bytes timeout_message(const chain::SymbioteId& s, Epoch e, Round r, Round high_qc_round) {
  codec::Writer w;
  w.u64(high_qc_round);
  return signed_message("KLY-SL-TIMEOUT-v1", s, e, r, w.data());
}

// ---- certificates ----

QuorumCert QuorumCert::genesis(const chain::SymbioteId& symbiote, Epoch epoch, size_t validators) {
  QuorumCert qc;
  qc.epoch = epoch;
  qc.round = 0;
  qc.block = symbiote;
  qc.signers = Bitmap(validators);
  return qc;
}

void QuorumCert::encode(codec::Writer& w) const {
  w.u64(epoch);
  w.u64(round);
  w.fixed(block);
  signers.encode(w);
  write_signature(w, signature);
}

bool QuorumCert::decode(codec::Reader& r) {
  return r.u64(epoch) && r.u64(round) && r.fixed(block) && signers.decode(r) &&
         read_signature(r, signature);
}

Bytes QuorumCert::encode() const {
  codec::Writer w;
  encode(w);
  return std::move(w).take();
}

Hash32 QuorumCert::hash() const {
  return crypto::blake2b256("KLY-SL-QC-v1", encode());
}

Round TimeoutCert::max_high_qc_round() const {
  Round m = 0;
  for (Round r : high_qc_rounds) m = std::max(m, r);
  return m;
}

void TimeoutCert::encode(codec::Writer& w) const {
  w.u64(epoch);
  w.u64(round);
  signers.encode(w);
  w.varint(high_qc_rounds.size());
  for (Round r : high_qc_rounds) w.u64(r);
  write_signature(w, signature);
}

bool TimeoutCert::decode(codec::Reader& r) {
  if (!r.u64(epoch) || !r.u64(round) || !signers.decode(r)) return false;
  uint64_t n = 0;
  if (!r.varint(n)) return false;
  if (n != signers.count()) return r.fail("timeout certificate: one high-QC round per signer");
  high_qc_rounds.assign(static_cast<size_t>(n), 0);
  for (Round& x : high_qc_rounds)
    if (!r.u64(x)) return false;
  return read_signature(r, signature);
}

Bytes TimeoutCert::encode() const {
  codec::Writer w;
  encode(w);
  return std::move(w).take();
}

Hash32 TimeoutCert::hash() const {
  return crypto::blake2b256("KLY-SL-TC-v1", encode());
}

// ---- blocks and messages ----

void Block::encode(codec::Writer& w) const {
  w.raw(as_bytes(std::string_view("KLY-SL-BLOCK-v1")));
  w.fixed(symbiote);
  w.u64(epoch);
  w.u64(round);
  w.u64(height);
  w.fixed(parent);
  justify.encode(w);
  w.boolean(tc.has_value());
  if (tc) tc->encode(w);
  w.u32(proposer);
  w.u64(created_ms);
  w.u64(state_height);
  w.fixed(state_root);
  w.bytes(payload);
}

bool Block::decode(codec::Reader& r) {
  static constexpr std::string_view kMagic = "KLY-SL-BLOCK-v1";
  ByteSpan magic;
  if (!r.view(kMagic.size(), magic)) return false;
  if (!std::equal(magic.begin(), magic.end(), kMagic.begin())) return r.fail("not a block");
  if (!r.fixed(symbiote) || !r.u64(epoch) || !r.u64(round) || !r.u64(height) || !r.fixed(parent) ||
      !justify.decode(r))
    return false;
  bool has_tc = false;
  if (!r.boolean(has_tc)) return false;
  tc.reset();
  if (has_tc && !tc.emplace().decode(r)) return false;
  return r.u32(proposer) && r.u64(created_ms) && r.u64(state_height) && r.fixed(state_root) &&
         r.bytes(payload, kMaxPayloadBytes);
}

uint64_t Block::state_height_after(const Block& parent) {
  if (parent.height == 0) return 0;
  return parent.round == parent.justify.round + 1 ? parent.height - 1 : parent.state_height;
}

Bytes Block::encode() const {
  codec::Writer w(256 + payload.size());
  encode(w);
  return std::move(w).take();
}

Hash32 Block::hash() const {
  return crypto::blake2b256("KLY-SL-BLOCK-HASH-v1", encode());
}

Bytes Proposal::encode() const {
  codec::Writer w(512 + block.payload.size());
  block.encode(w);
  write_signature(w, signature);
  return std::move(w).take();
}

Result<Proposal> Proposal::decode(ByteSpan bytes) {
  codec::Reader r(bytes);
  Proposal p;
  if (p.block.decode(r)) read_signature(r, p.signature);
  if (auto st = r.finish("proposal"); !st) return Error("bad_message", st.error().reason);
  return p;
}

Bytes Vote::encode() const {
  codec::Writer w(160);
  w.u64(epoch);
  w.u64(round);
  w.fixed(block);
  w.u32(voter);
  write_signature(w, signature);
  return std::move(w).take();
}

Result<Vote> Vote::decode(ByteSpan bytes) {
  codec::Reader r(bytes);
  Vote v;
  if (r.u64(v.epoch) && r.u64(v.round) && r.fixed(v.block) && r.u32(v.voter))
    read_signature(r, v.signature);
  if (auto st = r.finish("vote"); !st) return Error("bad_message", st.error().reason);
  return v;
}

Bytes Timeout::encode() const {
  codec::Writer w(512);
  w.u64(epoch);
  w.u64(round);
  high_qc.encode(w);
  w.boolean(last_tc.has_value());
  if (last_tc) last_tc->encode(w);
  w.u32(voter);
  write_signature(w, signature);
  return std::move(w).take();
}

Result<Timeout> Timeout::decode(ByteSpan bytes) {
  codec::Reader r(bytes);
  Timeout t;
  bool has_tc = false;
  if (r.u64(t.epoch) && r.u64(t.round) && t.high_qc.decode(r) && r.boolean(has_tc) &&
      (!has_tc || t.last_tc.emplace().decode(r)) && r.u32(t.voter))
    read_signature(r, t.signature);
  if (auto st = r.finish("timeout"); !st) return Error("bad_message", st.error().reason);
  return t;
}

// ---- Certifier ----

Certifier::Certifier(chain::SymbioteId symbiote, Epoch epoch, ValidatorSet set,
                     std::shared_ptr<const SignatureScheme> scheme)
    : symbiote_(symbiote), epoch_(epoch), set_(std::move(set)), scheme_(std::move(scheme)) {
  if (!scheme_) scheme_ = std::make_shared<BlsScheme>(set_);
}

bool Certifier::remembered(const Hash32& h) const {
  std::lock_guard lock(mu_);
  return verified_.count(h) > 0;
}

void Certifier::remember(const Hash32& h) const {
  std::lock_guard lock(mu_);
  if (!verified_.insert(h).second) return;
  verified_order_.push_back(h);
  if (verified_order_.size() > kRemembered) {
    verified_.erase(verified_order_.front());
    verified_order_.pop_front();
  }
}

Status Certifier::check_signers(const Bitmap& signers) const {
  if (signers.size() != set_.size())
    return Error("bad_signers", "the bitmap has " + std::to_string(signers.size()) + " bits for " +
                                    std::to_string(set_.size()) + " validators");
  const uint64_t w = set_.weight_of(signers);
  if (w < set_.quorum_weight())
    return Error("no_quorum", "signers' weight " + std::to_string(w) + " < quorum " +
                                  std::to_string(set_.quorum_weight()));
  return Status();
}

Result<bool> Certifier::qc_needs_signature_check(const QuorumCert& qc) const {
  if (qc.epoch != epoch_)
    return Error("wrong_epoch", "certificate of epoch " + std::to_string(qc.epoch) + ", not " +
                                    std::to_string(epoch_));
  if (qc.is_genesis()) {
    if (qc.block != symbiote_ || qc.signers.count() != 0 || qc.signers.size() != set_.size() ||
        !(qc.signature == identity_signature()))
      return Error("bad_certificate", "a round-0 certificate must be this symbiote's genesis QC");
    return false;
  }
  if (remembered(qc.hash())) return false;
  KLYN_TRY(check_signers(qc.signers));
  return true;
}

Status Certifier::verify_qc(const QuorumCert& qc) const {
  auto check = qc_needs_signature_check(qc);
  if (!check) return check.error();
  if (!*check) return Status();
  const Bytes message = vote_message(symbiote_, epoch_, qc.round, qc.block);
  const SignedGroup group{qc.signers.indices(), message};
  if (!scheme_->verify_aggregate({&group, 1}, qc.signature))
    return Error("bad_signature", "the certificate's aggregate signature does not verify");
  remember(qc.hash());
  return Status();
}

Status Certifier::verify_tc(const TimeoutCert& tc) const {
  if (tc.epoch != epoch_)
    return Error("wrong_epoch", "certificate of epoch " + std::to_string(tc.epoch) + ", not " +
                                    std::to_string(epoch_));
  if (tc.round == 0) return Error("bad_certificate", "no timeout certificate of round 0");
  const Hash32 h = tc.hash();
  if (remembered(h)) return Status();
  KLYN_TRY(check_signers(tc.signers));
  const auto signers = tc.signers.indices();
  if (tc.high_qc_rounds.size() != signers.size())
    return Error("bad_certificate", "one high-QC round per signer");
  // Signers of the same high-QC round signed the same message: one aggregate key and one pairing
  // per distinct message (e(sum pk, H(m)) = prod e(pk, H(m))).
  std::map<Round, std::vector<uint32_t>> by_round;
  for (size_t i = 0; i < signers.size(); ++i) {
    if (tc.high_qc_rounds[i] >= tc.round)
      return Error("bad_certificate", "a high-QC round not below the timeout's round");
    by_round[tc.high_qc_rounds[i]].push_back(signers[i]);
  }
  std::vector<Bytes> messages;
  std::vector<SignedGroup> groups;
  messages.reserve(by_round.size());
  for (auto& [r, who] : by_round) {
    messages.push_back(timeout_message(symbiote_, epoch_, tc.round, r));
    groups.push_back({std::move(who), messages.back()});
  }
  if (!scheme_->verify_aggregate(groups, tc.signature))
    return Error("bad_signature", "the timeout certificate's aggregate signature does not verify");
  remember(h);
  return Status();
}

Status Certifier::verify_proposal(const Proposal& p) const {
  const Block& b = p.block;
  if (b.symbiote != symbiote_) return Error("wrong_symbiote", "a block of another symbiote");
  if (b.epoch != epoch_) return Error("wrong_epoch", "a block of epoch " + std::to_string(b.epoch));
  if (b.round == 0) return Error("bad_block", "no block of round 0");
  const uint32_t leader = set_.leader(symbiote_, epoch_, b.round);
  if (b.proposer != leader)
    return Error("not_leader", "validator " + std::to_string(b.proposer) +
                                   " is not the leader of round " + std::to_string(b.round) +
                                   " (validator " + std::to_string(leader) + " is)");
  if (b.justify.block != b.parent)
    return Error("bad_block", "the justify certificate is not for the block's parent");
  if (b.justify.round >= b.round)
    return Error("bad_block", "the justify certificate is not of an earlier round");
  if (b.tc && b.tc->round + 1 != b.round)
    return Error("bad_block", "a timeout certificate not of the previous round");
  if (b.justify.round + 1 != b.round && !b.tc)
    return Error("bad_block", "a round after a gap needs the previous round's timeout certificate");
  auto needs = qc_needs_signature_check(b.justify);
  if (!needs) return needs.error();
  const bool check_justify = *needs;
  if (b.tc) KLYN_TRY(verify_tc(*b.tc));
  const Hash32 hash = b.hash();
  Bytes signed_bytes(hash.begin(), hash.end());
  signed_bytes.insert(signed_bytes.end(), p.signature.begin(), p.signature.end());
  const Hash32 seen = crypto::blake2b256("KLY-SL-SEEN-PROPOSAL-v1", signed_bytes);
  if (remembered(seen)) return check_justify ? verify_qc(b.justify) : Status();
  const Bytes message = proposal_message(symbiote_, epoch_, b.round, hash);
  if (check_justify) {
    // The proposal's signature and its justify's aggregate in one check (the usual case: a new
    // round's proposal carries the certificate of the round before); if it fails, one by one
    // says which.
    const Bytes justify_message = vote_message(symbiote_, epoch_, b.justify.round, b.justify.block);
    const SignedAggregate both[] = {
        {{{leader}, message}, p.signature},
        {{b.justify.signers.indices(), justify_message}, b.justify.signature}};
    if (scheme_->verify_each(both)) {
      remember(b.justify.hash());
      remember(seen);
      return Status();
    }
    KLYN_TRY(verify_qc(b.justify));
  }
  if (!scheme_->verify(leader, message, p.signature))
    return Error("bad_signature", "the proposal's signature does not verify");
  remember(seen);
  return Status();
}

Status Certifier::verify_vote(const Vote& v) const {
  if (v.epoch != epoch_) return Error("wrong_epoch", "a vote of epoch " + std::to_string(v.epoch));
  if (v.voter >= set_.size())
    return Error("bad_signers", "voter " + std::to_string(v.voter) + " is not a validator");
  const Hash32 seen = crypto::blake2b256("KLY-SL-SEEN-VOTE-v1", v.encode());
  if (remembered(seen)) return Status();
  if (!scheme_->verify(v.voter, vote_message(symbiote_, epoch_, v.round, v.block), v.signature))
    return Error("bad_signature", "the vote's signature does not verify");
  remember(seen);
  return Status();
}

Status Certifier::verify_timeout(const Timeout& t) const {
  if (t.epoch != epoch_)
    return Error("wrong_epoch", "a timeout of epoch " + std::to_string(t.epoch));
  if (t.voter >= set_.size())
    return Error("bad_signers", "voter " + std::to_string(t.voter) + " is not a validator");
  if (t.high_qc.round >= t.round)
    return Error("bad_message", "a timeout's high QC must be of an earlier round");
  if (t.last_tc && t.last_tc->round + 1 != t.round)
    return Error("bad_message", "a timeout's TC must be of the previous round");
  KLYN_TRY(verify_qc(t.high_qc));
  if (t.last_tc) KLYN_TRY(verify_tc(*t.last_tc));
  const Hash32 seen = crypto::blake2b256("KLY-SL-SEEN-TIMEOUT-v1", t.encode());
  if (remembered(seen)) return Status();
  if (!scheme_->verify(t.voter, timeout_message(symbiote_, epoch_, t.round, t.high_qc.round),
                       t.signature))
    return Error("bad_signature", "the timeout's signature does not verify");
  remember(seen);
  return Status();
}

Result<QuorumCert> Certifier::make_qc(const std::vector<Vote>& votes) const {
  if (votes.empty()) return Error("no_quorum", "no votes");
  QuorumCert qc;
  qc.epoch = epoch_;
  qc.round = votes.front().round;
  qc.block = votes.front().block;
  qc.signers = Bitmap(set_.size());
  std::vector<Sig> sigs;
  for (const Vote& v : votes) {
    if (v.round != qc.round || v.block != qc.block || v.voter >= set_.size() ||
        qc.signers.test(v.voter))
      return Error("bad_certificate", "votes of different blocks or repeated voters");
    qc.signers.set(v.voter);
    sigs.push_back(v.signature);
  }
  auto agg = scheme_->aggregate(sigs);
  if (!agg) return Error("bad_signature", agg.error().reason);
  qc.signature = *agg;
  KLYN_TRY(verify_qc(qc));
  return qc;
}

Result<TimeoutCert> Certifier::make_tc(const std::vector<Timeout>& timeouts) const {
  if (timeouts.empty()) return Error("no_quorum", "no timeouts");
  TimeoutCert tc;
  tc.epoch = epoch_;
  tc.round = timeouts.front().round;
  tc.signers = Bitmap(set_.size());
  std::vector<const Timeout*> ordered;
  for (const Timeout& t : timeouts) {
    if (t.round != tc.round || t.voter >= set_.size() || tc.signers.test(t.voter))
      return Error("bad_certificate", "timeouts of different rounds or repeated voters");
    tc.signers.set(t.voter);
    ordered.push_back(&t);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const Timeout* a, const Timeout* b) { return a->voter < b->voter; });
  std::vector<Sig> sigs;
  for (const Timeout* t : ordered) {
    tc.high_qc_rounds.push_back(t->high_qc.round);
    sigs.push_back(t->signature);
  }
  auto agg = scheme_->aggregate(sigs);
  if (!agg) return Error("bad_signature", agg.error().reason);
  tc.signature = *agg;
  KLYN_TRY(verify_tc(tc));
  return tc;
}

}  // namespace klyn::dev_symbiland
