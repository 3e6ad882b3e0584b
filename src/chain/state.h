#pragma once
// The state transition (§4.3): what applying an event means, and applying a block of events as
// one atomic batch (C3–C7). Workflows decide the order; BlockApplier does the rest.
//
// Usage (one block at height h, by the symbiote's single applier thread):
//   BlockApplier b(store, manifest, accumulator, h);
//   for each event e carried by producer p:  b.apply(e, p, block_hash, position);
//   b.commit();  // one WriteBatch; on failure nothing was written
//
// Thread safety: one BlockApplier per block, used by one thread. Readers of ChainStore see the
// state before or after the commit, never between.

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chain/event.h"
#include "chain/genesis.h"
#include "chain/state_root.h"
#include "chain/store.h"

namespace klyn::chain {

enum class EventStatus : uint8_t { kApplied = 1, kRejected = 2 };

struct EventRecord {
  EventStatus status = EventStatus::kApplied;
  Height height = 0;
  Hash32 block{};         // the block that carried it (workflow-defined, e.g. instant block)
  uint32_t position = 0;  // index inside that block
  std::string reason;     // for rejected events
};
Bytes encode_event_record(const EventRecord& r);
Result<EventRecord> decode_event_record(ByteSpan bytes);
// The record of an event, empty when there is none; an Error when it cannot be read.
Result<std::optional<EventRecord>> load_event_record(const ChainStore& store,
                                                     const Hash32& event_hash);

// A CHECKPOINT event applied on this chain (C9): `creator` says block `index` of symbiote
// `source` has hash `hash`; `event` is the CHECKPOINT event's hash, `height` where it applied.
struct CheckpointRecord {
  SymbioteId source{};
  uint64_t index = 0;
  Hash32 hash{};
  Hash32 event{};
  AccountId creator{};
  Height height = 0;
};
// Up to `limit` checkpoint records of `source` with index >= from_index, ordered by (index,
// event hash). Reads committed state only; malformed stored records are skipped.
Result<std::vector<CheckpointRecord>> scan_checkpoints(const ChainStore& store,
                                                       const SymbioteId& source,
                                                       uint64_t from_index, size_t limit);

// Pure transition on a single account view: checks (nonce, fee, payload, balances) and computes
// the effect. Exposed for tests and for admission's cheap checks.
struct TransitionContext {
  const Manifest& manifest;
  Height height;
};

class BlockApplier {
 public:
  BlockApplier(ChainStore& store, const Manifest& manifest, LtHash& accumulator, Height height);
  ~BlockApplier();

  // Applies one event produced by `producer`. On failure the state is unchanged and the
  // error's reason is recorded for the event (status rejected) -- except `nonce_gap` (C4: the
  // nonce is ahead of the account's), which records nothing: the caller may apply it later.
  // Signatures are NOT checked here: the caller verifies them (using the signature cache) before
  // calling.
  Status apply(const Event& e, const Hash32& event_hash, const AccountId& producer,
               const Hash32& block, uint32_t position);
  // Records a rejection decided by the caller (e.g. bad signature, unstaked producer).
  void reject(const Hash32& event_hash, const Hash32& block, uint32_t position, std::string reason);

  // Reads through the overlay (what this block has changed so far).
  const Account& account(const AccountId& id);

  // The batch being built: a workflow adds its own operations (e.g. its block pointer) here so
  // they land in the same atomic write.
  WriteBatch& batch() { return *batch_; }

  // Writes everything (accounts, unlocks, event records, accumulator, root, pointer and the
  // workflow's operations) as one batch. Returns the new state root. A state read that failed
  // while the block was built fails the commit (nothing is written).
  Result<Hash32> commit();

  size_t applied() const { return applied_; }
  size_t rejected() const { return rejected_; }

 private:
  struct Slot {
    Account original;
    Account current;
  };
  Slot& slot(const AccountId& id);
  // `checkpoint` is set for an applied CHECKPOINT (what to record).
  Status transition(const Event& e, const AccountId& producer,
                    std::optional<CheckpointPayload>& checkpoint);
  void release_unlocks();
  bool already_applied(const Hash32& event_hash);

  ChainStore& store_;
  const Manifest& manifest_;
  LtHash& acc_;
  Height height_;
  std::unordered_map<std::string, Slot> accounts_;        // key = keys::account(id)
  std::map<std::string, std::optional<Amount>> unlocks_;  // u: keys; nullopt = delete
  std::unordered_set<std::string> applied_hashes_;        // events applied by this block
  std::unique_ptr<WriteBatch> batch_;
  std::optional<Error> read_error_;  // the first failed state read (commit() refuses)
  size_t applied_ = 0, rejected_ = 0;
};

}  // namespace klyn::chain
