#include "workflows/dev_symbiland/ledger.h"

#include "codec/binary.h"
#include "codec/hex.h"
#include "workflows/kit/nonce_order.h"

namespace klyn::dev_symbiland {

namespace sl_keys {
std::string block(uint64_t height) {
  return "y:b:" + chain::keys::be64(height);
}
std::string certificate(uint64_t height) {
  return "y:q:" + chain::keys::be64(height);
}
std::string by_hash(const Hash32& hash) {
  return "y:n:" + std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}
std::string kept(const Hash32& hash) {
  return std::string(kKeptPrefix) + std::string(reinterpret_cast<const char*>(hash.data()), 32);
}
}  // namespace sl_keys

namespace {

Result<Block> decode_block(std::string_view bytes) {
  codec::Reader r(as_bytes(bytes));
  Block b;
  b.decode(r);
  KLYN_TRY(r.finish("block"));
  return b;
}

Bytes encode_qc(const QuorumCert& qc) {
  codec::Writer w;
  qc.encode(w);
  return std::move(w).take();
}

std::string tip_value(uint64_t height, const Hash32& hash) {
  return chain::keys::be64(height) + std::string(reinterpret_cast<const char*>(hash.data()), 32);
}

}  // namespace

Ledger::Ledger(chain::ChainStore& store, const chain::Manifest& manifest,
               const Certifier& certifier, const Params& params, chain::SignatureCache* sigcache)
    : store_(store), manifest_(manifest), cert_(certifier), params_(params), sigcache_(sigcache) {}

Error Ledger::corrupt(const std::string& what) const {
  return Error("storage_corrupt", store_.path() + ": dev_symbiland: " + what);
}

Result<std::unique_ptr<Ledger>> Ledger::open(chain::ChainStore& store,
                                             const chain::Manifest& manifest,
                                             const Certifier& certifier, const Params& params,
                                             chain::SignatureCache* sigcache) {
  std::unique_ptr<Ledger> l(new Ledger(store, manifest, certifier, params, sigcache));
  auto acc = store.lthash();
  if (!acc) return acc.error();
  l->acc_ = std::move(*acc);
  auto applied_read = store.applied_height();
  if (!applied_read) return applied_read.error();
  const uint64_t applied = std::move(*applied_read);
  auto tip_read = store.get(sl_keys::kTip);
  if (!tip_read) return tip_read.error();
  auto tip = std::move(*tip_read);
  l->tip_hash_ = store.symbiote_id();
  if (!tip) {
    if (applied != 0)
      return l->corrupt("the state is at height " + std::to_string(applied) +
                        " but no committed block is recorded");
  } else {
    // L2: the tip pointer, the applied height, the tip block and its certificate agree.
    if (tip->size() != 40)
      return l->corrupt("the tip record has " + std::to_string(tip->size()) + " bytes");
    const uint64_t h = chain::keys::read_be64(std::string_view(*tip).substr(0, 8));
    Hash32 hash{};
    std::copy(tip->begin() + 8, tip->end(), hash.begin());
    if (h != applied)
      return l->corrupt("the committed tip is at height " + std::to_string(h) +
                        " but the state at height " + std::to_string(applied));
    auto tip_block = l->block(h);
    if (!tip_block) return tip_block.error();
    auto b = std::move(*tip_block);
    if (!b) return l->corrupt("the tip block " + std::to_string(h) + " is missing");
    if (b->hash() != hash || b->height != h)
      return l->corrupt("the stored block " + std::to_string(h) + " is not the recorded tip");
    auto tip_qc = l->certificate(h);
    if (!tip_qc) return tip_qc.error();
    auto qc = std::move(*tip_qc);
    if (!qc || qc->block != hash)
      return l->corrupt("no certificate of the tip block " + std::to_string(h) + " is stored");
    if (auto st = certifier.verify_qc(*qc); !st)
      return l->corrupt("the tip's certificate does not verify: " + st.error().reason);
    l->tip_ = std::move(*b);
    l->tip_hash_ = hash;
    l->height_ = h;
  }
  Status bad;
  KLYN_TRY(store.scan(sl_keys::kKeptPrefix, sl_keys::kKeptPrefix,
                      [&](std::string_view key, std::string_view value) {
                        auto b = decode_block(value);
                        Hash32 hash{};
                        if (key.size() == sl_keys::kKeptPrefix.size() + 32)
                          std::copy(key.end() - 32, key.end(), hash.begin());
                        if (!b || b->hash() != hash) {
                          bad = l->corrupt("a kept block does not match its key " +
                                           codec::hex_encode(as_bytes(key)));
                          return false;
                        }
                        l->kept_.emplace(hash, b->height);
                        return true;
                      }));
  KLYN_TRY(bad);
  return l;
}

Hash32 Ledger::tip_hash() const {
  std::lock_guard lk(tip_mu_);
  return tip_hash_;
}

std::optional<Block> Ledger::tip() const {
  std::lock_guard lk(tip_mu_);
  return tip_;
}

std::vector<Block> Ledger::kept() const {
  std::vector<Block> out;
  for (const auto& [hash, height] : kept_) {
    auto v = store_.get(sl_keys::kept(hash));
    if (v && *v)
      if (auto b = decode_block(**v)) out.push_back(std::move(*b));
  }
  return out;
}

Status Ledger::keep(const Block& b) {
  const Hash32 hash = b.hash();
  if (b.height <= height() || kept_.count(hash)) return Status();
  const Bytes enc = b.encode();
  KLYN_TRY(store_.put(sl_keys::kept(hash),
                      std::string_view(reinterpret_cast<const char*>(enc.data()), enc.size())));
  KLYN_TRY(store_.sync_wal());  // L3
  kept_.emplace(hash, b.height);
  return Status();
}

Result<std::optional<Block>> Ledger::block(uint64_t height) const {
  auto stored = store_.get(sl_keys::block(height));
  if (!stored) return stored.error();
  auto v = std::move(*stored);
  if (!v) return std::optional<Block>{};
  auto b = decode_block(*v);
  if (!b) return corrupt("block " + std::to_string(height) + ": " + b.error().reason);
  return std::optional<Block>(std::move(*b));
}

Result<std::optional<Block>> Ledger::block_by_hash(const Hash32& hash) const {
  auto index = store_.get(sl_keys::by_hash(hash));
  if (!index) return index.error();
  auto v = std::move(*index);
  if (!v) return std::optional<Block>{};
  if (v->size() != 8)
    return corrupt("a block index entry has " + std::to_string(v->size()) + " bytes");
  return block(chain::keys::read_be64(*v));
}

Result<std::optional<QuorumCert>> Ledger::certificate(uint64_t height) const {
  auto stored = store_.get(sl_keys::certificate(height));
  if (!stored) return stored.error();
  auto v = std::move(*stored);
  if (!v) return std::optional<QuorumCert>{};
  codec::Reader r(as_bytes(*v));
  QuorumCert qc;
  qc.decode(r);
  if (auto st = r.finish("certificate"); !st)
    return corrupt("certificate " + std::to_string(height) + ": " + st.error().reason);
  return std::optional<QuorumCert>(std::move(qc));
}

Result<std::optional<Hash32>> Ledger::state_root(uint64_t height) const {
  return store_.state_root(height);
}

Result<std::vector<Executed>> Ledger::execute(const effect::Commit& c) {
  std::vector<Executed> out;
  for (size_t i = 0; i < c.blocks.size(); ++i) {
    const QuorumCert& qc = i + 1 < c.blocks.size() ? c.blocks[i + 1].justify : c.certificate;
    auto done = execute_one(c.blocks[i], qc);
    if (!done) return done.error();
    out.push_back(std::move(*done));
  }
  return out;
}

Result<Executed> Ledger::execute_one(const Block& b, const QuorumCert& certificate) {
  const uint64_t h = height() + 1;
  const Hash32 hash = b.hash();
  if (b.height != h || b.parent != tip_hash() || certificate.block != hash)
    return Error("bad_block", "block " + std::to_string(b.height) + " does not extend the tip " +
                                  std::to_string(h - 1) + " (or its certificate is another's)");
  Executed out;
  out.height = h;
  out.hash = hash;
  chain::BlockApplier applier(store_, manifest_, acc_, h);
  kit::NonceOrder order(applier);
  // A payload that does not decode (or a proposer out of the set) applies nothing (README): only
  // a byzantine quorum certifies one.
  auto events = chain::decode_event_batch(b.payload, params_.max_events_per_block);
  if (events && b.proposer < cert_.set().size()) {
    const chain::AccountId producer = cert_.set().at(b.proposer).account;
    std::vector<Hash32> hashes(events->size());
    std::vector<const chain::Event*> unchecked;
    std::vector<size_t> unchecked_at;
    std::vector<bool> sig_ok(events->size(), false);
    for (size_t i = 0; i < events->size(); ++i) {
      hashes[i] = (*events)[i].hash();
      if (sigcache_ && sigcache_->take(hashes[i])) {
        sig_ok[i] = true;
      } else {
        unchecked.push_back(&(*events)[i]);
        unchecked_at.push_back(i);
      }
    }
    const std::vector<bool> verified = chain::verify_signatures(unchecked);
    for (size_t k = 0; k < unchecked_at.size(); ++k) sig_ok[unchecked_at[k]] = verified[k];
    for (uint32_t pos = 0; pos < events->size(); ++pos) {
      const chain::Event& e = (*events)[pos];
      if (!sig_ok[pos])
        order.reject(e, hashes[pos], hash, pos, "bad_signature: event signature does not verify");
      else
        order.apply(e, hashes[pos], producer, hash, pos);
    }
  }
  out.decided = order.decided();
  for (auto& w : order.take_deferred()) out.waiting.push_back({std::move(w.event), w.hash});
  out.applied = applier.applied();
  out.rejected = applier.rejected();
  // L1: the block's records and the kept blocks it leaves behind, in the state's write.
  chain::WriteBatch& batch = applier.batch();
  const Bytes enc = b.encode(), qc = encode_qc(certificate);
  batch.put(sl_keys::block(h), enc);
  batch.put(sl_keys::certificate(h), qc);
  batch.put(sl_keys::by_hash(hash), chain::keys::be64(h));
  batch.put(sl_keys::kTip, tip_value(h, hash));
  std::vector<Hash32> unneeded;
  for (const auto& [kh, kheight] : kept_)
    if (kheight <= h) unneeded.push_back(kh);
  for (const Hash32& kh : unneeded) batch.del(sl_keys::kept(kh));
  auto root = applier.commit();
  if (!root) return root.error();
  out.state_root = std::move(*root);
  for (const Hash32& kh : unneeded) kept_.erase(kh);
  store_.note_applied(h);
  {
    std::lock_guard lk(tip_mu_);
    tip_ = b;
    tip_hash_ = hash;
  }
  height_ = h;
  return out;
}

Status Ledger::check_payload(const Block& b) const {
  auto events = chain::decode_event_batch(b.payload, params_.max_events_per_block);
  if (!events) return Error("bad_payload", "the block's events: " + events.error().reason);
  std::vector<const chain::Event*> unchecked;
  for (const auto& e : *events) {
    if (e.symbiote != store_.symbiote_id())
      return Error("bad_payload", "an event of another symbiote");
    if (!sigcache_ || !sigcache_->contains(e.hash())) unchecked.push_back(&e);
  }
  const std::vector<bool> ok = chain::verify_signatures(unchecked);
  for (size_t i = 0; i < ok.size(); ++i)
    if (!ok[i])
      return Error("bad_payload", "event " + codec::hex_encode(unchecked[i]->hash()) +
                                      ": its signature does not verify");
  if (sigcache_)
    for (const chain::Event* e : unchecked) sigcache_->insert(e->hash());
  return Status();
}

App Ledger::app(EventSource source,
                std::function<std::optional<Block>(const Hash32&)> uncommitted) {
  App app;
  // The events carried by the uncommitted blocks from `hash` down to the tip.
  auto in_flight = [this, uncommitted](Hash32 hash) {
    std::set<Hash32> out;
    for (int guard = 0; hash != tip_hash() && guard < 1024; ++guard) {
      auto b = uncommitted(hash);
      if (!b) break;
      if (auto events = chain::decode_event_batch(b->payload, params_.max_events_per_block))
        for (const auto& e : *events) out.insert(e.hash());
      hash = b->parent;
    }
    return out;
  };
  app.propose = [this, source, in_flight](const Block&, const Hash32& parent_hash,
                                          uint64_t state_height) -> std::optional<App::Body> {
    if (state_height > height()) return std::nullopt;
    auto root = state_root(state_height);
    if (!root || !*root) return std::nullopt;  // a read error: the shell sees the store's fault
    const std::set<Hash32> flying = in_flight(parent_hash);
    const std::vector<chain::Event> events = source(params_.max_events_per_block, flying);
    std::vector<const chain::Event*> ptrs;
    for (const auto& e : events) ptrs.push_back(&e);
    return App::Body{chain::encode_event_batch(ptrs), **root, events.empty() && flying.empty()};
  };
  app.check = [this](const Block& b, const Block&) -> Status {
    KLYN_TRY(check_payload(b));
    if (b.state_height > height())
      return Error("not_executed", "state " + std::to_string(b.state_height) + " not executed yet");
    auto stored_root = state_root(b.state_height);
    if (!stored_root) return stored_root.error();
    auto root = std::move(*stored_root);
    if (!root)
      return Error("storage_corrupt",
                   "no state root stored for height " + std::to_string(b.state_height));
    if (*root != b.state_root)
      return Error("bad_state_root", "the state root of height " + std::to_string(b.state_height) +
                                         " is " + codec::hex_encode(*root) + ", the block says " +
                                         codec::hex_encode(b.state_root));
    return Status();
  };
  app.stored = [this](const Hash32& hash) -> std::optional<Block> {
    auto b = block_by_hash(hash);
    return b ? *b : std::nullopt;
  };
  return app;
}

}  // namespace klyn::dev_symbiland
