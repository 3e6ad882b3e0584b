#pragma once
// Verifier: applies stored controller blocks in order (D1–D5). Used by the verification thread
// and by `klyn74r replay`. Not thread-safe: one verifier per symbiote, one thread.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain/sigcache.h"
#include "chain/state.h"
#include "chain/store.h"
#include "workflows/dev_controller/blocks.h"
#include "workflows/dev_controller/params.h"

namespace klyn::dev_controller {

// Storage keys owned by dev_controller (prefixes `c:`, `i:`, `w:`; see chain/README.md).
namespace dc_keys {
std::string controller(uint64_t index);
std::string instant(const Hash32& hash);
std::string journal_entry(uint64_t seq);             // "j:" be64(seq): the admission journal (D14)
inline constexpr std::string_view kHead = "w:head";  // be64 highest stored index
inline constexpr std::string_view kHeadHash = "w:head_hash";  // hash of that block
inline constexpr std::string_view kAppliedHash = "w:applied_hash";
}  // namespace dc_keys

struct AppliedBlock {
  uint64_t index = 0;
  Hash32 hash{};
  Hash32 state_root{};
  size_t applied = 0, rejected = 0, skipped_instant_blocks = 0;
  std::vector<std::pair<chain::AccountId, Hash32>> decided;  // (sender, event hash)
  // Events carried but not yet applicable (D4: their nonce is ahead): not decided.
  struct Deferred {
    chain::Event event;
    Hash32 hash{};
  };
  std::vector<Deferred> deferred;
};

class Verifier {
 public:
  Verifier(chain::ChainStore& store, const chain::Manifest& manifest, const Params& params,
           chain::SignatureCache* sigcache);
  Status init();  // loads the accumulator
  // Applies block applied_height()+1 if it is stored. Error "not_available" when it is not;
  // "bad_block" when it is stored but is not a valid continuation (storage corruption or a
  // bug: the chain stops there rather than apply it); a storage error (storage_full: retry once
  // space is back; storage_corrupt / storage_io: the store's fault) when a read or the commit
  // failed, in which case nothing was written.
  //
  // `commit_with`, if given, is called with the block's outcome (state_root not yet set) and the
  // function that writes it; it must call that function and return its status. The caller uses
  // it to make the decisions known where they must appear together with the state (the mempool,
  // Mempool::on_block).
  using CommitWith =
      std::function<Status(const AppliedBlock& block, const std::function<Status()>& commit)>;
  Result<AppliedBlock> apply_next(const CommitWith& commit_with = {});
  Result<uint64_t> head() const;  // highest stored controller index
  const std::vector<std::string>& last_skips() const { return skips_; }

 private:
  chain::ChainStore& store_;
  const chain::Manifest& manifest_;
  const Params params_;
  chain::SignatureCache* sigcache_;
  BlockLimits limits_;
  chain::LtHash acc_;
  std::vector<std::string> skips_;  // reasons instant blocks were skipped in the last block
};

}  // namespace klyn::dev_controller
