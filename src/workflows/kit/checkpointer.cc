#include "workflows/kit/checkpointer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "codec/binary.h"
#include "codec/hex.h"
#include "common/clock.h"
#include "crypto/hash.h"

namespace klyn::kit {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr uint32_t kUnseenChecksBeforeResend = 30;
// K4: an intent found at start-up is looked for on the hostchain at least this long.
constexpr std::chrono::minutes kIntentResolveTime{10};

std::string_view as_sv(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

// ---- CheckpointProof ----

Bytes CheckpointProof::signing_bytes(std::string_view domain) const {
  codec::Writer w(256);
  w.raw(as_bytes(domain));
  w.fixed(symbiote);
  w.string(hostchain.type);
  w.string(hostchain.network);
  w.string(hostchain.address);
  w.u64(index);
  w.fixed(hash);
  w.string(tx);
  return std::move(w).take();
}

Bytes CheckpointProof::encode(std::string_view domain) const {
  Bytes b = signing_bytes(domain);
  b.insert(b.end(), signature.begin(), signature.end());
  return b;
}

void CheckpointProof::sign(std::string_view domain, const crypto::KeyPair& committer) {
  signature = committer.sign(signing_bytes(domain));
}

bool CheckpointProof::verify(std::string_view domain, const crypto::PublicKey& committer) const {
  return crypto::verify(committer, signing_bytes(domain), signature);
}

json CheckpointProof::to_json() const {
  return {
      {"symbiote", codec::hex_encode(symbiote)},
      {"hostchain",
       {{"type", hostchain.type}, {"network", hostchain.network}, {"address", hostchain.address}}},
      {"index", index},
      {"hash", codec::hex_encode(hash)},
      {"tx", tx},
      {"signature", codec::hex_encode(signature)}};
}

Result<CheckpointProof> decode_checkpoint_proof(ByteSpan bytes, std::string_view domain_expected) {
  codec::Reader r(bytes);
  CheckpointProof p;
  ByteSpan domain;
  if (r.view(domain_expected.size(), domain) &&
      !std::equal(domain.begin(), domain.end(), domain_expected.begin(), domain_expected.end()))
    r.fail("not a checkpoint proof");
  r.fixed(p.symbiote);
  r.string(p.hostchain.type, 64);
  r.string(p.hostchain.network, 256);
  r.string(p.hostchain.address, 256);
  r.u64(p.index);
  r.fixed(p.hash);
  r.string(p.tx, 256);
  r.fixed(p.signature);
  if (auto st = r.finish("checkpoint proof"); !st) return Error("bad_proof", st.error().reason);
  return p;
}

// ---- CommitRecord ----

Bytes CommitRecord::encode() const {
  codec::Writer w(128);
  w.u64(index);
  w.fixed(hash);
  w.string(tx);
  w.boolean(confirmed);
  w.u32(unseen_checks);
  return std::move(w).take();
}

Result<CommitRecord> decode_commit_record(ByteSpan bytes) {
  codec::Reader r(bytes);
  CommitRecord c;
  r.u64(c.index);
  r.fixed(c.hash);
  r.string(c.tx, 256);
  r.boolean(c.confirmed);
  r.u32(c.unseen_checks);
  KLYN_TRY(r.finish("commit record"));
  return c;
}

// ---- Checkpointer ----

Checkpointer::Checkpointer(chain::ChainStore& store, std::vector<hostchains::HostchainLink> links,
                           Options options)
    : store_(store), links_(std::move(links)), o_(std::move(options)) {
  for (const auto& l : links_) {
    LinkState st;
    if (!l.connector) st.status = "not_configured";
    if (l.settings.stopped) st.status = "stopped";
    states_[l.name] = st;
  }
}

Checkpointer::~Checkpointer() {
  stop();
}

Status Checkpointer::load() {
  for (const auto& l : links_) {
    auto v = store_.get(record_prefix() + l.name);
    if (!v) return v.error();
    if (!*v) continue;
    auto rec = decode_commit_record(as_bytes(**v));
    if (!rec)
      return Error("corrupt", "commit record of hostchain " + l.name + ": " + rec.error().reason);
    states_[l.name].last = *rec;
    states_[l.name].uncertain_intent = rec->intent() && !rec->confirmed;
    states_[l.name].intent_found_at = std::chrono::steady_clock::now();
  }
  std::string bad;
  KLYN_TRY(store_.scan(proof_prefix(), proof_prefix(),
                       [&](std::string_view key, std::string_view value) {
                         auto p = decode_checkpoint_proof(as_bytes(value), o_.proof_domain);
                         if (!p) {
                           bad = std::string(key);
                           return false;
                         }
                         proofs_[p->tx] = *p;
                         return true;
                       }));
  if (!bad.empty()) return Error("corrupt", "stored checkpoint proof " + bad + " does not decode");
  return {};
}

void Checkpointer::start() {
  std::lock_guard lock(mu_);
  stop_ = false;
  if (!thread_.joinable() && !links_.empty()) thread_ = std::thread([this] { loop(); });
}

void Checkpointer::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Status Checkpointer::store_record(const std::string& name, const CommitRecord& r) {
  Bytes enc = r.encode();
  return store_.put(record_prefix() + name, as_sv(enc));
}

Status Checkpointer::store_proof(const CheckpointProof& p) {
  Bytes enc = p.encode(o_.proof_domain);
  return store_.put(proof_prefix() + p.hostchain.type + ":" + p.hostchain.network + ":" +
                        chain::keys::be64(p.index) + p.tx,
                    as_sv(enc));
}

Result<bool> Checkpointer::receive_proof(const CheckpointProof& p) {
  if (p.symbiote != o_.symbiote) return Error("bad_proof", "the proof is for another symbiote");
  if (!p.verify(o_.proof_domain, o_.committer))
    return Error("bad_proof", "the proof is not signed by the committer");
  {
    std::lock_guard lock(mu_);
    if (proofs_.count(p.tx)) return false;
  }
  KLYN_TRY(store_proof(p));
  {
    std::lock_guard lock(mu_);
    proofs_[p.tx] = p;
    woken_ = true;
    audit_due_ = true;  // judged in the next round, not the next periodic audit
  }
  cv_.notify_all();
  return true;
}

std::vector<CheckpointProof> Checkpointer::proofs() const {
  std::lock_guard lock(mu_);
  std::vector<CheckpointProof> out;
  for (const auto& [tx, p] : proofs_) out.push_back(p);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

json Checkpointer::finality() const {
  std::lock_guard lock(mu_);
  json list = json::array();
  for (const auto& l : links_) {
    const LinkState& st = states_.at(l.name);
    json j = {{"name", l.name},
              {"type", l.ref.type},
              {"network", l.ref.network},
              {"address", l.ref.address},
              {"confirmations_required", l.settings.confirmations},
              {"status", st.status},
              {"final_index", st.final_index},
              {"final_hash", st.final_index ? codec::hex_encode(st.final_hash) : ""},
              {"final_tx", st.final_tx},
              {"final_confirmations", st.final_confirmations},
              {"matches_local", !st.mismatch},
              {"highest_seen", st.highest_seen},
              {"foreign_commits", st.foreign_txs.size()}};
    if (!st.last_error.empty()) j["last_error"] = st.last_error;
    if (st.last && st.last->intent())  // K4: stored, not (known to be) sent yet
      j["pending_commit"] = {{"index", st.last->index}, {"hash", codec::hex_encode(st.last->hash)}};
    else if (st.last)
      j["last_commit"] = {{"index", st.last->index},
                          {"hash", codec::hex_encode(st.last->hash)},
                          {"tx", st.last->tx},
                          {"confirmed", st.last->confirmed}};
    list.push_back(std::move(j));
  }
  return {{"checkpoint_every", o_.every}, {"hostchains", list}};
}

void Checkpointer::failed(LinkState& st, const Error& e) {
  st.status = "retrying";
  st.last_error = e.to_string();
  st.failures = std::min(st.failures + 1, 5);
  st.retry_at = std::chrono::steady_clock::now() + std::chrono::seconds(1 << st.failures);
  if (o_.log) o_.log->warn("hostchain: {} (retrying in {} s)", st.last_error, 1 << st.failures);
}

Status Checkpointer::make_proof(const hostchains::HostchainLink& link, const LinkState& st) {
  CheckpointProof p;
  p.symbiote = o_.symbiote;
  p.hostchain = link.ref;
  p.index = st.last->index;
  p.hash = st.last->hash;
  p.tx = st.last->tx;
  p.sign(o_.proof_domain, *o_.key);
  auto fresh = receive_proof(p);
  if (!fresh) return fresh.error();
  if (o_.on_proof) o_.on_proof(p);  // also when known: gossip is idempotent, the receivers dedup
  return Status();
}

void Checkpointer::commit_step(hostchains::HostchainLink& link, LinkState& st) {
  hostchains::Connector& c = *link.connector;
  if (st.last && st.last->confirmed && !st.last->intent()) {
    // K5: a record stored as confirmed by an older version (record first, then proof) may lack
    // its proof; make it before going on.
    bool have = false;
    {
      std::lock_guard lock(mu_);
      have = proofs_.count(st.last->tx) != 0;
    }
    if (!have)
      if (auto r = make_proof(link, st); !r) return failed(st, r.error());
  }
  if (st.last && !st.last->confirmed && st.last->intent()) {
    if (st.uncertain_intent) return resolve_intent(link, st);
    return store_intent_and_send(link, st);  // an earlier send or store failed: try again
  }
  if (st.last && !st.last->confirmed) {
    auto s = c.check(st.last->tx);
    if (!s) return failed(st, s.error());
    using State = hostchains::CommitStatus::State;
    if (s->state == State::kIncluded && s->confirmations >= link.settings.confirmations) {
      // The proof is stored before the record says "confirmed" (K5): a crash or a failed write
      // in between makes the next round confirm again, and receive_proof knows the proof.
      if (auto r = make_proof(link, st); !r) return failed(st, r.error());
      CommitRecord confirmed = *st.last;
      confirmed.confirmed = true;
      if (auto w = store_record(link.name, confirmed); !w) return failed(st, w.error());
      st.last = confirmed;
      if (o_.log)
        o_.log->info("checkpoint {} confirmed on {} (tx {}, {} confirmations)", confirmed.index,
                     link.name, confirmed.tx, s->confirmations);
    } else if (s->state == State::kUnknown || s->state == State::kFailed) {
      // Dropped from the hostchain's mempool, or reverted: after a while, send it again. "A
      // while" is counted in checks *and* in time (rounds also run on every wake, which under
      // load is many per second): at least kUnseenChecksBeforeResend rounds' worth of interval.
      const auto now = std::chrono::steady_clock::now();
      if (st.last->unseen_checks == 0 ||
          st.first_unseen_at == std::chrono::steady_clock::time_point{})
        st.first_unseen_at = now;
      if (++st.last->unseen_checks >= kUnseenChecksBeforeResend &&
          now - st.first_unseen_at >= kUnseenChecksBeforeResend * o_.interval) {
        if (o_.log)
          o_.log->warn("checkpoint {} on {}: tx {} is {}; committing again", st.last->index,
                       link.name, st.last->tx, hostchains::to_string(s->state));
        return store_intent_and_send(link, st);
      }
      if (auto w = store_record(link.name, *st.last); !w) return failed(st, w.error());
    }
    return;
  }
  const uint64_t target = checkpoint_target(o_.final_height(), o_.every);
  if (target == 0 || (st.last && target <= st.last->index)) return;
  auto hash = o_.block_hash(target);
  if (!hash) return;
  CommitRecord rec;
  rec.index = target;
  rec.hash = *hash;
  st.last = rec;
  store_intent_and_send(link, st);
}

void Checkpointer::store_intent_and_send(hostchains::HostchainLink& link, LinkState& st) {
  st.last->tx.clear();
  st.last->unseen_checks = 0;
  st.uncertain_intent = false;
  // K4: durable before the connector is asked to send.
  if (auto w = store_record(link.name, *st.last); !w) return failed(st, w.error());
  send_intent(link, st);
}

void Checkpointer::send_intent(hostchains::HostchainLink& link, LinkState& st) {
  auto tx = link.connector->commit({o_.symbiote, st.last->index, st.last->hash});
  if (!tx) return failed(st, tx.error());
  if (o_.after_commit_sent) o_.after_commit_sent();
  st.last->tx = *tx;
  st.last->unseen_checks = 0;
  // K2: stored before anything else is asked of this hostchain.
  if (auto w = store_record(link.name, *st.last); !w) return failed(st, w.error());
  if (o_.log) o_.log->info("checkpoint {} committed to {}: tx {}", st.last->index, link.name, *tx);
}

void Checkpointer::resolve_intent(hostchains::HostchainLink& link, LinkState& st) {
  auto found = link.connector->read_commits(o_.symbiote, st.last->index);
  if (!found) return failed(st, found.error());
  for (const auto& f : *found) {
    if (f.checkpoint.index != st.last->index || f.checkpoint.hash != st.last->hash) continue;
    st.last->tx = f.tx;
    st.last->unseen_checks = 0;
    st.uncertain_intent = false;
    if (auto w = store_record(link.name, *st.last); !w) return failed(st, w.error());
    if (o_.log)
      o_.log->info("checkpoint {} on {}: found the commit sent before the restart (tx {})",
                   st.last->index, link.name, f.tx);
    return;
  }
  // Sent again only after enough checks *and* enough time: rounds also run on every wake, and a
  // sent transaction may wait in the hostchain's mempool for several of its blocks.
  ++st.last->unseen_checks;
  if (st.last->unseen_checks < kUnseenChecksBeforeResend ||
      std::chrono::steady_clock::now() - st.intent_found_at < kIntentResolveTime) {
    if (auto w = store_record(link.name, *st.last); !w) return failed(st, w.error());
    return;
  }
  if (o_.log)
    o_.log->warn("checkpoint {} on {}: no commit found in {} checks since the restart; committing",
                 st.last->index, link.name, st.last->unseen_checks);
  store_intent_and_send(link, st);
}

void Checkpointer::audit_step(hostchains::HostchainLink& link, LinkState& st) {
  // Everything read back is compared on every audit (connectors keep their own cursors, so this
  // is cheap on the hostchain side): a commit under a proof that arrives late is still judged, and
  // a foreign commit at an index that is already final is still seen.
  auto found = link.connector->read_commits(o_.symbiote, 1);
  if (!found) return failed(st, found.error());
  for (const auto& f : *found) {
    if (f.confirmations < link.settings.confirmations) continue;
    const uint64_t index = f.checkpoint.index;
    st.highest_seen = std::max(st.highest_seen, index);
    auto local = o_.block_hash(index);
    if (!local) continue;  // not stored here yet: judged in a later round
    if (*local == f.checkpoint.hash) {
      if (index > st.final_index) {
        st.final_index = index;
        st.final_hash = f.checkpoint.hash;
        st.final_tx = f.tx;
        st.final_confirmations = f.confirmations;
      }
      continue;
    }
    std::optional<CheckpointProof> proof;
    {
      std::lock_guard lock(mu_);
      if (auto it = proofs_.find(f.tx); it != proofs_.end() && it->second.index == index &&
                                        it->second.hash == f.checkpoint.hash &&
                                        it->second.hostchain == link.ref)
        proof = it->second;
    }
    if (!proof) {
      if (!st.foreign_txs.insert(f.tx).second) continue;  // logged once
      if (o_.log)
        o_.log->warn(
            "hostchain {}: a commit of index {} with hash {} (tx {}) differs from the "
            "local block, but no committer's proof names it: ignored",
            link.name, index, codec::hex_encode(f.checkpoint.hash), f.tx);
      continue;
    }
    st.mismatch = true;
    Alarm a;
    a.kind = "hostchain_mismatch";
    a.index = index;
    a.hashes = {f.checkpoint.hash, *local};
    a.detected_ms = unix_time_ms();
    a.source = "hostchain " + link.name;
    a.evidence = proof->encode(o_.proof_domain);
    Bytes id_src = a.evidence;
    a.id = crypto::blake2b256(o_.mismatch_domain, id_src);
    a.note = "hostchain " + link.name + " (" + link.ref.type + " " + link.ref.network + ") tx " +
             f.tx + " commits index " + std::to_string(index) + " with hash " +
             codec::hex_encode(f.checkpoint.hash) +
             " under a committer-signed proof; the local "
             "block has hash " +
             codec::hex_encode(*local);
    if (o_.on_mismatch) o_.on_mismatch(std::move(a));
  }
}

void Checkpointer::loop() {
  // Rounds run every `interval` and whenever woken (a block at a checkpoint index was applied, a
  // proof arrived). Reading the hostchains back (the audit) is the expensive part for them, so
  // it runs once per interval, or at once after a proof; a wake for a new block only commits.
  auto next_audit = std::chrono::steady_clock::now();
  while (true) {
    bool audit = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, o_.interval, [&] { return stop_ || woken_; });
      if (stop_) return;
      woken_ = false;
      const auto now = std::chrono::steady_clock::now();
      audit = audit_due_ || now >= next_audit;
      audit_due_ = false;
      if (audit) next_audit = now + o_.interval;
    }
    for (auto& link : links_) {
      LinkState st;
      {
        std::lock_guard lock(mu_);
        st = states_[link.name];
      }
      if (!link.connector || std::chrono::steady_clock::now() < st.retry_at) continue;
      st.last_error.clear();
      st.status = link.settings.stopped ? "stopped" : "ok";
      if (o_.key && o_.every > 0 && !link.settings.stopped) commit_step(link, st);
      if (audit && st.status != "retrying") audit_step(link, st);
      if (st.status != "retrying") st.failures = 0;
      std::lock_guard lock(mu_);
      states_[link.name] = st;
      if (stop_) return;
    }
  }
}

}  // namespace klyn::kit
