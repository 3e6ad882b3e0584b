#pragma once
// The durable book of a symbiote's alarms and evidence: what a node found that proves a
// participant misbehaved (two signed histories, a commit on a hostchain that contradicts the
// chain, a block left out), recorded once, served, and kept across restarts. A workflow decides
// what its alarms are and which of them stop the chain ("halting"); the book only keeps them.
//
// Invariants (tests: AlarmBook.* here, and each workflow's own):
// * B1  An alarm, once recorded, is durable (written to the store before record() returns) and
//       is loaded again at the next start; a stored alarm that does not decode makes load() fail
//       ("corrupt"): a node never runs on a book it could not read.
// * B2  Alarms are identified by `id`; recording a known id is a no-op answering false (so
//       gossip of the same alarm stops).
// * B3  halting() is true exactly while the book holds an alarm whose kind is not one of the
//       options' evidence kinds.
//
// Thread safety: thread-safe.

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "chain/store.h"

namespace klyn::kit {

struct Alarm {
  std::string kind;  // the workflow's, e.g. "equivocation", "censorship"
  uint64_t index = 0;
  std::vector<Hash32> hashes;
  uint64_t detected_ms = 0;
  std::string source;  // "local" or the peer / request address it came from
  Hash32 id{};
  Bytes evidence;    // the encoded proof / evidence (at most 64 MiB)
  std::string note;  // human-readable detail (e.g. the censored producer)

  nlohmann::json to_json() const;
};

class AlarmBook {
 public:
  struct Options {
    std::string key_prefix;                // the workflow's storage prefix for alarms
    std::set<std::string> evidence_kinds;  // kinds that are recorded but do not halt (B3)
  };
  AlarmBook(chain::ChainStore& store, Options options) : store_(store), o_(std::move(options)) {}
  // Loads stored alarms (at start). B1: corrupt entries are errors ("corrupt").
  Status load();
  // B1, B2: true when recorded now, false when it was already known (same id).
  Result<bool> record(Alarm alarm);
  bool halting() const;                       // B3
  std::vector<Alarm> halting_alarms() const;  // every alarm of a halting kind
  bool contains(const Hash32& id) const;
  std::vector<Alarm> list(std::string_view kind = "") const;  // of `kind` ("" = all)

 private:
  bool halts(const Alarm& a) const { return o_.evidence_kinds.count(a.kind) == 0; }
  chain::ChainStore& store_;
  Options o_;
  mutable std::mutex mu_;
  std::vector<Alarm> alarms_;
};

}  // namespace klyn::kit
