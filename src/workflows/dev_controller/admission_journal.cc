#include "workflows/dev_controller/admission_journal.h"

#include <cstring>

#include "workflows/dev_controller/verifier.h"

namespace klyn::dev_controller {

size_t AdmissionJournal::HashKey::operator()(const Hash32& h) const {
  size_t v;
  std::memcpy(&v, h.data(), sizeof v);
  return v;
}

Status AdmissionJournal::add(const std::vector<const chain::Event*>& events,
                             const std::vector<Hash32>& hashes) {
  if (events.empty()) return Status();
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = next_++;
  }
  chain::WriteBatch b;
  b.put(dc_keys::journal_entry(seq), chain::encode_event_batch(events));
  KLYN_TRY(store_.write(b));
  std::lock_guard lock(mu_);
  size_t counted = 0;
  for (const auto& h : hashes) counted += entry_of_.emplace(h, seq).second;
  if (counted > 0) {
    remaining_[seq] = counted;
    return Status();
  }
  // Every event was already counted under another entry: this one carries nothing new.
  chain::WriteBatch del;
  del.del(dc_keys::journal_entry(seq));
  return store_.write(del);
}

Status AdmissionJournal::release(const std::vector<Hash32>& hashes) {
  chain::WriteBatch del;
  {
    std::lock_guard lock(mu_);
    for (const auto& h : hashes) {
      auto it = entry_of_.find(h);
      if (it == entry_of_.end()) continue;
      const uint64_t seq = it->second;
      entry_of_.erase(it);
      auto r = remaining_.find(seq);
      if (r != remaining_.end() && --r->second == 0) {
        remaining_.erase(r);
        del.del(dc_keys::journal_entry(seq));
      }
    }
  }
  if (del.empty()) return Status();
  return store_.write(del);
}

Result<std::vector<std::pair<Hash32, chain::Event>>> AdmissionJournal::load() {
  std::vector<std::pair<Hash32, chain::Event>> out;
  std::vector<uint64_t> empty_entries;
  std::string bad;
  std::lock_guard lock(mu_);
  KLYN_TRY(store_.scan("j:", "", [&](std::string_view key, std::string_view value) {
    if (key.size() != 2 + 8) {
      bad = "malformed key";
      return false;
    }
    const uint64_t seq = chain::keys::read_be64(key.substr(2));
    auto batch = chain::decode_event_batch(as_bytes(value));
    if (!batch) {
      bad = "entry " + std::to_string(seq) + ": " + batch.error().reason;
      return false;
    }
    next_ = std::max(next_, seq + 1);
    size_t counted = 0;
    for (auto& e : *batch) {
      const Hash32 h = e.hash();
      if (!entry_of_.emplace(h, seq).second) continue;
      ++counted;
      out.emplace_back(h, std::move(e));
    }
    if (counted > 0)
      remaining_[seq] = counted;
    else
      empty_entries.push_back(seq);
    return true;
  }));
  if (!bad.empty()) return Error("storage_corrupt", store_.path() + ": admission journal: " + bad);
  if (!empty_entries.empty()) {
    chain::WriteBatch del;
    for (uint64_t seq : empty_entries) del.del(dc_keys::journal_entry(seq));
    KLYN_TRY(store_.write(del));
  }
  return out;
}

size_t AdmissionJournal::entries() const {
  std::lock_guard lock(mu_);
  return remaining_.size();
}

size_t AdmissionJournal::tracked() const {
  std::lock_guard lock(mu_);
  return entry_of_.size();
}

}  // namespace klyn::dev_controller
