#include "workflows/kit/admission_journal.h"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace klyn::kit {

size_t AdmissionJournal::HashKey::operator()(const Hash32& h) const {
  size_t v;
  std::memcpy(&v, h.data(), sizeof v);
  return v;
}

std::vector<size_t> AdmissionJournal::track(uint64_t seq, uint64_t segment,
                                            const std::vector<Hash32>& hashes) {
  std::vector<size_t> counted;
  for (size_t i = 0; i < hashes.size(); ++i)
    if (entry_of_.emplace(hashes[i], seq).second) counted.push_back(i);
  if (!counted.empty()) entries_[seq] = Entry{counted.size(), segment};
  return counted;
}

Result<std::vector<std::pair<Hash32, chain::Event>>> AdmissionJournal::load() {
  std::vector<std::pair<Hash32, chain::Event>> out;
  std::vector<uint64_t> carry_nothing;  // segments of records with nothing new
  std::lock_guard lock(mu_);
  auto log = chain::AppendLog::open(dir_, options_, [&](uint64_t segment, ByteSpan payload) {
    auto batch = chain::decode_event_batch(payload);
    if (!batch)
      return Status(Error("storage_corrupt", dir_.string() + ": admission journal record " +
                                                 std::to_string(next_) + ": " +
                                                 batch.error().reason));
    std::vector<Hash32> hashes;
    for (const auto& e : *batch) hashes.push_back(e.hash());
    const std::vector<size_t> counted = track(next_++, segment, hashes);
    if (counted.empty()) carry_nothing.push_back(segment);
    for (size_t i : counted) out.emplace_back(hashes[i], std::move((*batch)[i]));
    return Status();
  });
  if (!log) return log.error();
  log_ = std::move(*log);
  for (uint64_t segment : carry_nothing) log_->release(segment);
  KLYN_TRY(migrate_store_entries(out));
  return out;
}

Result<AdmissionJournal::Restored> AdmissionJournal::restore(
    const std::function<Result<bool>(const Hash32&)>& decided,
    const std::function<bool(const chain::Event&, const Hash32&)>& admit) {
  auto found = load();
  if (!found) return found.error();
  // Lowest nonces first, so each sender's run is queued in order.
  std::sort(found->begin(), found->end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.creator, a.second.nonce) < std::tie(b.second.creator, b.second.nonce);
  });
  Restored out;
  std::vector<Hash32> gone;
  for (const auto& [h, e] : *found) {
    // Decided before the crash (a rejected event keeps its nonce free, so the mempool alone
    // would take it again): not pending any more.
    auto d = decided(h);
    if (!d) return d.error();
    if (*d) {
      ++out.decided;
      gone.push_back(h);
    } else if (!admit(e, h)) {
      ++out.refused;
      gone.push_back(h);
    } else {
      ++out.pending;
    }
  }
  release(gone);
  return out;
}

// Entries of the journal's first version, in the chain store: appended to the log, then deleted
// from the store (a crash in between loads them twice, which counting by hash tolerates).
Status AdmissionJournal::migrate_store_entries(std::vector<std::pair<Hash32, chain::Event>>& out) {
  std::vector<std::string> keys;
  std::vector<Bytes> payloads;
  KLYN_TRY(store_.scan("j:", "", [&](std::string_view key, std::string_view value) {
    keys.emplace_back(key);
    payloads.emplace_back(value.begin(), value.end());
    return true;
  }));
  if (keys.empty()) return Status();
  for (size_t k = 0; k < keys.size(); ++k) {
    auto batch = chain::decode_event_batch(payloads[k]);
    if (!batch)
      return Error("storage_corrupt", store_.path() + ": admission journal entry " +
                                          std::to_string(k) + ": " + batch.error().reason);
    auto segment = log_->append(payloads[k]);
    if (!segment) return segment.error();
    std::vector<Hash32> hashes;
    for (const auto& e : *batch) hashes.push_back(e.hash());
    const std::vector<size_t> counted = track(next_++, *segment, hashes);
    if (counted.empty()) log_->release(*segment);
    for (size_t i : counted) out.emplace_back(hashes[i], std::move((*batch)[i]));
  }
  chain::WriteBatch del;
  for (const auto& key : keys) del.del(key);
  return store_.write(del);
}

Status AdmissionJournal::add(const std::vector<const chain::Event*>& events,
                             const std::vector<Hash32>& hashes) {
  if (events.empty()) return Status();
  if (!log_) return Error("storage_io", "the admission journal is not open");
  const Bytes payload = chain::encode_event_batch(events);
  auto segment = log_->append(payload);
  if (!segment) return segment.error();
  std::lock_guard lock(mu_);
  // Every event already counted under another record: this one carries nothing new.
  if (track(next_++, *segment, hashes).empty()) log_->release(*segment);
  return Status();
}

void AdmissionJournal::release(const std::vector<Hash32>& hashes) {
  std::lock_guard lock(mu_);
  for (const auto& h : hashes) {
    auto it = entry_of_.find(h);
    if (it == entry_of_.end()) continue;
    const uint64_t seq = it->second;
    entry_of_.erase(it);
    auto e = entries_.find(seq);
    if (e != entries_.end() && --e->second.remaining == 0) {
      log_->release(e->second.segment);
      entries_.erase(e);
    }
  }
}

size_t AdmissionJournal::entries() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t AdmissionJournal::tracked() const {
  std::lock_guard lock(mu_);
  return entry_of_.size();
}

size_t AdmissionJournal::segments() const {
  std::lock_guard lock(mu_);
  return log_ ? log_->segments() : 0;
}

}  // namespace klyn::kit
