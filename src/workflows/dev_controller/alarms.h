#pragma once
// Fork alarms of a dev_controller symbiote (§4.4, issue "dev_controller as a network" item 5).
//
// An **equivocation proof** is two controller blocks of this symbiote with the same index and
// different hashes, both carrying a valid controller signature. Anyone can check it with the
// manifest alone; it proves the controller signed two histories. A node that holds one stops
// applying new controller blocks of the symbiote (its state stays at the last block applied
// before), serves the proof, publishes `fork_alarm` on the event bus and gossips the proof once to
// its peers.
//
// Invariants (tests: Alarms.*, integration Network.Equivocation*):
// * A1  check_equivocation() accepts exactly: same symbiote, same index, different hashes, both
//       signatures valid for the manifest's controller, both canonical encodings. The proof's id
//       does not depend on the order the two blocks are given in.
// * A2  An alarm, once recorded, is durable (RocksDB, `w:alarm:` prefix) and survives restarts;
//       a node with an alarm never applies another controller block of that symbiote.
// * A3  Recording the same proof twice is a no-op that reports "already known" (so gossip stops).

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chain/store.h"
#include "workflows/dev_controller/blocks.h"

namespace klyn::dev_controller {

struct EquivocationProof {
  Bytes first, second;  // canonical controller block encodings, ordered by hash (first < second)
  uint64_t index = 0;
  Hash32 first_hash{}, second_hash{};

  // The proof's identity: BLAKE2b-256 over both hashes (order-independent, see A1).
  Hash32 id() const;
  // Wire/storage form: "KLY-DC-EQUIVOCATION-v1" | bytes first | bytes second.
  Bytes encode() const;
};

// A1. `a` and `b` in either order.
Result<EquivocationProof> check_equivocation(ByteSpan a, ByteSpan b, const SymbioteId& symbiote,
                                             const crypto::PublicKey& controller,
                                             const BlockLimits& limits);
// Decodes encode() and re-checks the proof (a decoded proof is always a valid one).
Result<EquivocationProof> decode_equivocation(ByteSpan bytes, const SymbioteId& symbiote,
                                              const crypto::PublicKey& controller,
                                              const BlockLimits& limits);

struct Alarm {
  // "equivocation" and "hostchain_mismatch" (checkpoints.h) stop the chain (fork alarms);
  // "censorship" (censorship.h) is evidence that is recorded and served but does not stop it.
  std::string kind;
  uint64_t index = 0;
  std::vector<Hash32> hashes;
  uint64_t detected_ms = 0;
  std::string source;  // "local" or the peer / request address it came from
  Hash32 id{};
  Bytes evidence;    // the encoded proof / evidence
  std::string note;  // human-readable detail (e.g. the censored producer)

  nlohmann::json to_json() const;
};

// The alarms of one symbiote, persisted in its store. Thread-safe.
class AlarmBook {
 public:
  explicit AlarmBook(chain::ChainStore& store) : store_(store) {}
  // Loads stored alarms (prepare). Corrupt entries are errors ("corrupt").
  Status load();
  // A3: true when recorded now, false when it was already known (same id). Written before
  // returning.
  Result<bool> record(Alarm alarm);
  Result<bool> record(const EquivocationProof& proof, std::string source, uint64_t now_ms);
  // True when a fork alarm (equivocation, hostchain_mismatch) is held: the chain must not
  // advance.
  bool halting() const;
  // The fork alarms (every kind but "censorship").
  std::vector<Alarm> fork_alarms() const;
  bool contains(const Hash32& id) const;
  // Every record of `kind` ("" = all).
  std::vector<Alarm> list(std::string_view kind = "") const;

 private:
  chain::ChainStore& store_;
  mutable std::mutex mu_;
  std::vector<Alarm> alarms_;
};

}  // namespace klyn::dev_controller
