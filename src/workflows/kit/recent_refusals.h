#pragma once
// The node's memory of events it refused at admission, so that a client that timed out can ask
// what became of an event (GET /s/{sym}/event/{hash}: "refused" with the code and reason) and
// tell "never arrived" from "refused" from "applied". Bounded: the oldest refusals are forgotten
// first (at most `capacity`); a refusal is not durable (a restart forgets it), and an event that
// is later accepted or decided is answered from the mempool or the chain, which come first.
//
// Thread safety: thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/bytes.h"

namespace klyn::kit {

class RecentRefusals {
 public:
  struct Refusal {
    std::string code, reason;
    uint64_t at_ms = 0;
  };
  static constexpr size_t kDefaultCapacity = 10'000;
  explicit RecentRefusals(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The latest refusal of `hash` replaces an earlier one (and counts as the newest).
  void record(const Hash32& hash, std::string code, std::string reason, uint64_t at_ms);
  std::optional<Refusal> find(const Hash32& hash) const;
  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::map<Hash32, std::pair<Refusal, uint64_t>> by_hash_;  // refusal, its sequence number
  std::deque<std::pair<uint64_t, Hash32>> order_;           // (sequence, hash), oldest first
  uint64_t seq_ = 0;
};

}  // namespace klyn::kit
