#pragma once
// Ledger: dev_symbiland's committed chain and state in the symbiote's database, and the App that
// consensus::Core asks about payloads and state roots (README "Storage and execution", L1–L4).
//
// Thread safety: keep(), execute() and the App's functions from the consensus thread only; the
// readers (block, certificate, height, ...) from any thread (ChainStore's reads are; the tip is
// an atomic snapshot).

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "chain/sigcache.h"
#include "chain/state.h"
#include "chain/store.h"
#include "workflows/dev_symbiland/consensus/core.h"
#include "workflows/dev_symbiland/params.h"
#include "workflows/kit/mempool.h"

namespace klyn::dev_symbiland {

// Storage keys owned by dev_symbiland (prefix `y:`; chain/README.md).
namespace sl_keys {
std::string block(uint64_t height);
std::string certificate(uint64_t height);
std::string by_hash(const Hash32& hash);
std::string kept(const Hash32& hash);
inline constexpr std::string_view kKeptPrefix = "y:k:";
inline constexpr std::string_view kTip = "y:tip";
}  // namespace sl_keys

// One committed block applied.
struct Executed {
  uint64_t height = 0;
  Hash32 hash{};
  Hash32 state_root{};
  size_t applied = 0, rejected = 0;
  std::vector<std::pair<chain::AccountId, Hash32>> decided;  // (sender, event hash)
  std::vector<kit::PendingEvent> waiting;  // carried but not applicable (a nonce gap): undecided
};

class Ledger {
 public:
  // Checks L2 and loads the state accumulator. Errors: storage_corrupt naming what is wrong, or
  // the store's read errors.
  static Result<std::unique_ptr<Ledger>> open(chain::ChainStore& store,
                                              const chain::Manifest& manifest,
                                              const Certifier& certifier, const Params& params,
                                              chain::SignatureCache* sigcache);

  uint64_t height() const { return height_.load(); }  // committed (and executed)
  Hash32 tip_hash() const;
  std::optional<Block> tip() const;  // nullopt at genesis
  // The kept blocks (S5), for Restored::uncommitted.
  std::vector<Block> kept() const;

  // L3: durable (WAL synced) when it returns. Errors: the store's (storage_full, ...).
  Status keep(const Block& b);
  // L1: applies the blocks of `c` in order, each in one atomic write. Errors: bad_block (they do
  // not extend the tip: a bug upstream, nothing written), the store's errors (the blocks before
  // the failing one stay applied).
  Result<std::vector<Executed>> execute(const effect::Commit& c);

  Result<std::optional<Block>> block(uint64_t height) const;
  Result<std::optional<Block>> block_by_hash(const Hash32& hash) const;
  Result<std::optional<QuorumCert>> certificate(uint64_t height) const;
  Result<std::optional<Hash32>> state_root(uint64_t height) const;

  // Where a leader's events come from: up to `max` events ready to propose (per sender a gap-free
  // run continuing the committed nonce), none of those in `exclude` (carried by uncommitted
  // ancestors).
  using EventSource =
      std::function<std::vector<chain::Event>(size_t max, const std::set<Hash32>& exclude)>;
  // The App for consensus::Core (L4). `uncommitted(hash)` finds a block above the tip that the
  // core knows (the parent chain of a proposal).
  App app(EventSource source, std::function<std::optional<Block>(const Hash32&)> uncommitted);

 private:
  Ledger(chain::ChainStore& store, const chain::Manifest& manifest, const Certifier& certifier,
         const Params& params, chain::SignatureCache* sigcache);
  Status check_payload(const Block& b) const;
  Result<Executed> execute_one(const Block& b, const QuorumCert& certificate);
  Error corrupt(const std::string& what) const;

  chain::ChainStore& store_;
  const chain::Manifest& manifest_;
  const Certifier& cert_;
  const Params& params_;
  chain::SignatureCache* sigcache_;
  chain::LtHash acc_;
  std::atomic<uint64_t> height_{0};
  mutable std::mutex tip_mu_;
  std::optional<Block> tip_;
  Hash32 tip_hash_{};
  std::map<Hash32, uint64_t> kept_;  // hash -> height of the kept blocks
};

}  // namespace klyn::dev_symbiland
