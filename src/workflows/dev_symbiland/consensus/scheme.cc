#include "workflows/dev_symbiland/consensus/scheme.h"

#include "workflows/dev_symbiland/consensus/types.h"

namespace klyn::dev_symbiland {

const Sig& identity_signature() {
  static const Sig identity = [] {
    Sig s{};
    s[0] = 0xc0;  // compressed, infinity
    return s;
  }();
  return identity;
}

const std::shared_ptr<MessageHashes>& MessageHashes::shared() {
  static const auto hashes = std::make_shared<MessageHashes>();
  return hashes;
}

std::shared_ptr<const bls::HashedMessage> MessageHashes::get(ByteSpan message) {
  Bytes key(message.begin(), message.end());
  {
    std::lock_guard lock(mu_);
    if (auto it = hashed_.find(key); it != hashed_.end()) return it->second;
  }
  auto h = std::make_shared<const bls::HashedMessage>(message);  // outside the lock
  std::lock_guard lock(mu_);
  if (hashed_.emplace(key, h).second) {
    order_.push_back(std::move(key));
    if (order_.size() > kCapacity) {
      hashed_.erase(order_.front());
      order_.pop_front();
    }
  }
  return h;
}

BlsScheme::BlsScheme(const ValidatorSet& set, std::shared_ptr<MessageHashes> hashes)
    : hashes_(std::move(hashes)) {
  keys_.reserve(set.size());
  for (size_t i = 0; i < set.size(); ++i) keys_.push_back(set.at(i).key);
}

bool BlsScheme::verify(uint32_t signer, ByteSpan message, const Sig& sig) const {
  if (signer >= keys_.size()) return false;
  auto s = bls::Signature::from_bytes(sig);
  return s && bls::verify(keys_[signer], *hashes_->get(message), *s);
}

Result<Sig> BlsScheme::aggregate(std::span<const Sig> sigs) const {
  std::vector<bls::Signature> points;
  points.reserve(sigs.size());
  for (size_t i = 0; i < sigs.size(); ++i) {
    auto s = bls::Signature::from_bytes(sigs[i]);
    if (!s)
      return Error("bad_encoding", "signature " + std::to_string(i) + ": " + s.error().reason);
    points.push_back(*s);
  }
  auto agg = bls::aggregate_signatures(points);
  if (!agg) return agg.error();
  return agg->to_bytes();
}

std::optional<bls::PublicKey> BlsScheme::aggregate_key(const std::vector<uint32_t>& signers) const {
  if (signers.size() == 1) {  // a plain signature: its signer's key, nothing to add or cache
    if (signers[0] >= keys_.size()) return std::nullopt;
    return keys_[signers[0]];
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(signers); it != cache_.end()) return it->second;
  }
  std::vector<bls::PublicKey> pks;
  pks.reserve(signers.size());
  for (uint32_t i : signers) {
    if (i >= keys_.size()) return std::nullopt;
    pks.push_back(keys_[i]);
  }
  auto agg = bls::aggregate_public_keys(pks);
  if (!agg) return std::nullopt;
  std::lock_guard lock(mu_);
  if (cache_.size() >= 256) cache_.clear();  // signer lists repeat; a new set of them is rebuilt
  cache_.emplace(signers, *agg);
  return *agg;
}

bool BlsScheme::verify_aggregate(std::span<const SignedGroup> groups, const Sig& sig) const {
  if (groups.empty()) return false;
  auto s = bls::Signature::from_bytes(sig);
  if (!s) return false;
  std::vector<bls::PublicKey> keys;
  std::vector<ByteSpan> messages;
  for (const SignedGroup& g : groups) {
    auto key = aggregate_key(g.signers);
    if (!key) return false;
    keys.push_back(*key);
    messages.push_back(g.message);
  }
  // One message: e(apk, H(m)) = e(g1, sig), i.e. FastAggregateVerify with the key cached.
  if (groups.size() == 1) return bls::verify(keys[0], *hashes_->get(messages[0]), *s);
  return bls::aggregate_verify(keys, messages, *s);
}

bool BlsScheme::verify_each(std::span<const SignedAggregate> items) const {
  if (items.empty()) return false;
  std::vector<bls::PublicKey> keys;
  std::vector<bls::HashedMessage> messages;
  std::vector<bls::Signature> sigs;
  for (const SignedAggregate& item : items) {
    auto key = aggregate_key(item.group.signers);
    auto s = bls::Signature::from_bytes(item.signature);
    if (!key || !s) return false;
    keys.push_back(*key);
    messages.push_back(*hashes_->get(item.group.message));
    sigs.push_back(*s);
  }
  return bls::batch_verify(keys, messages, sigs);
}

}  // namespace klyn::dev_symbiland
