#include "workflows/dev_controller/verifier.h"

#include "codec/hex.h"
#include "workflows/kit/nonce_order.h"

namespace klyn::dev_controller {

namespace dc_keys {
std::string controller(uint64_t index) {
  return "c:" + chain::keys::be64(index);
}
std::string instant(const Hash32& hash) {
  return "i:" + std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}
std::string journal_entry(uint64_t seq) {
  return "j:" + chain::keys::be64(seq);
}
}  // namespace dc_keys

Verifier::Verifier(chain::ChainStore& store, const chain::Manifest& manifest, const Params& params,
                   chain::SignatureCache* sigcache)
    : store_(store),
      manifest_(manifest),
      params_(params),
      sigcache_(sigcache),
      limits_(params.block_limits()) {}

Status Verifier::init() {
  auto acc = store_.lthash();
  if (!acc) return acc.error();
  acc_ = *acc;
  return Status();
}

Result<uint64_t> Verifier::head() const {
  auto v = store_.get(dc_keys::kHead);
  if (!v) return v.error();
  return *v ? chain::keys::read_be64(**v) : 0;
}

Result<AppliedBlock> Verifier::apply_next(const CommitWith& commit_with) {
  auto applied = store_.applied_height();
  if (!applied) return applied.error();
  const uint64_t index = *applied + 1;
  auto stored = store_.get(dc_keys::controller(index));
  if (!stored) return stored.error();
  if (!*stored)
    return Error("not_available", "controller block " + std::to_string(index) + " is not stored");
  const std::string& bytes = **stored;
  auto cb = decode_controller_block(as_bytes(bytes), limits_);
  if (!cb)
    return Error("bad_block",
                 "controller block " + std::to_string(index) + ": " + cb.error().reason);
  Hash32 prev = store_.symbiote_id();
  if (index > 1) {
    auto ph = store_.get(dc_keys::kAppliedHash);
    if (!ph) return ph.error();
    if (!*ph || (*ph)->size() != 32)
      return Error("bad_block", "hash of the applied block is missing");
    std::copy((*ph)->begin(), (*ph)->end(), prev.begin());
  }
  if (cb->index != index || cb->symbiote != store_.symbiote_id() || cb->prev_hash != prev)
    return Error("bad_block", "controller block " + std::to_string(index) +
                                  " does not link to the applied chain");
  if (!cb->verify_signature(params_.controller))
    return Error("bad_block",
                 "controller block " + std::to_string(index) + " is not signed by the controller");

  AppliedBlock out;
  out.index = index;
  out.hash = ControllerBlock::hash_of(as_bytes(bytes));
  skips_.clear();
  chain::BlockApplier b(store_, manifest_, acc_, index);
  kit::NonceOrder order(b);  // D4
  for (const Hash32& ih : cb->instant_blocks) {
    auto istored = store_.get(dc_keys::instant(ih));
    if (!istored) return istored.error();
    const std::optional<std::string>& ibytes = *istored;
    if (!ibytes)
      return Error("bad_block", "instant block " + codec::hex_encode(ih) + " of controller block " +
                                    std::to_string(index) + " is not stored");
    auto skip = [&](const std::string& why) {
      ++out.skipped_instant_blocks;
      skips_.push_back("instant block " + codec::hex_encode(ih) + ": " + why);
    };
    auto ib = decode_instant_block(as_bytes(*ibytes), limits_);
    if (!ib) {
      skip(ib.error().reason);
      continue;
    }
    if (InstantBlock::hash_of(as_bytes(*ibytes)) != ih) {
      skip("hash mismatch");
      continue;
    }
    if (ib->symbiote != store_.symbiote_id()) {
      skip("belongs to another symbiote");
      continue;
    }
    // D3: stake as of the state before this controller block (the committed state).
    auto producer_read = store_.account(ib->producer);
    if (!producer_read) return producer_read.error();
    const chain::Account& producer = *producer_read;
    if (producer.stake < params_.instant_producer_stake) {
      skip("producer " + crypto::address_of(ib->producer) + " has stake " +
           std::to_string(producer.stake) + " < " + std::to_string(params_.instant_producer_stake));
      continue;
    }
    if (!ib->verify_signature()) {
      skip("bad producer signature");
      continue;
    }
    // Signatures verified at admission are in the cache; the others are checked together (one
    // batch shares the work of encoding, see crypto/README.md), with the same answers.
    const size_t n = ib->events.size();
    std::vector<Hash32> hashes(n);
    std::vector<bool> sig_ok(n, false);
    std::vector<const chain::Event*> unchecked;
    std::vector<size_t> unchecked_at;
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = ib->events[i].hash();
      if (sigcache_ && sigcache_->take(hashes[i])) {
        sig_ok[i] = true;
      } else {
        unchecked.push_back(&ib->events[i]);
        unchecked_at.push_back(i);
      }
    }
    const std::vector<bool> verified = chain::verify_signatures(unchecked);
    for (size_t k = 0; k < unchecked_at.size(); ++k) sig_ok[unchecked_at[k]] = verified[k];
    uint32_t pos = 0;
    for (const auto& e : ib->events) {
      const Hash32& eh = hashes[pos];
      if (!sig_ok[pos])
        order.reject(e, eh, ih, pos, "bad_signature: event signature does not verify");
      else
        order.apply(e, eh, ib->producer, ih, pos);
      ++pos;
    }
  }
  // D4: what is still deferred is neither recorded nor decided; its holders offer it again.
  out.decided = order.decided();
  for (auto& w : order.take_deferred()) out.deferred.push_back({std::move(w.event), w.hash});
  b.batch().put(dc_keys::kAppliedHash, out.hash);
  out.applied = b.applied();
  out.rejected = b.rejected();
  auto commit = [&]() -> Status {
    auto root = b.commit();
    if (!root) return root.error();
    out.state_root = *root;
    return Status();
  };
  KLYN_TRY(commit_with ? commit_with(out, commit) : commit());
  return out;
}

}  // namespace klyn::dev_controller
