#pragma once
// CommitScanner: the read-back cursor of a bitcoin connector. It scans the daemon's best chain
// block by block (getblock, verbosity 2), remembers every KLYN commit it finds (of any
// symbiote) and the hash of every block it scanned, and follows reorganisations.
//
// Contract
// * State lives in memory only: a new scanner starts again at start_height.
// * Each read() first walks back from the highest scanned block while its stored hash differs
//   from the daemon's block at that height (a reorganisation) and forgets what was found in the
//   blocks it drops; a walk back longer than max_scan_blocks resets the cursor to start_height.
//   Then it scans at most max_scan_blocks new blocks, up to the tip seen at the start of the
//   call. A call therefore does a bounded amount of work; when the chain is further ahead, later
//   calls continue where this one stopped (caught_up() says whether it reached the tip).
// * The answer is every remembered commit of the asked symbiote (matched by the 8-byte id
//   prefix) with index ≥ from_index, in chain order, with confirmations = tip − height + 1.
// * Not thread-safe. Errors are the RpcSession's; a block that does not have the expected shape
//   is "bad_response" and the cursor stays where it was before that block.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "hostchains/bitcoin/commit_script.h"
#include "hostchains/bitcoin/rpc_session.h"
#include "hostchains/connector.h"

namespace klyn::hostchains::bitcoin {

class CommitScanner {
 public:
  CommitScanner(uint64_t start_height, uint64_t max_scan_blocks);

  Result<std::vector<FoundCommit>> read(RpcSession& rpc, const chain::SymbioteId& symbiote,
                                        uint64_t from_index);

  // The height of the next block to scan.
  uint64_t next_height() const { return start_height_ + block_hashes_.size(); }
  // Whether the last read() scanned up to the tip it saw.
  bool caught_up() const { return caught_up_; }

 private:
  struct Found {
    CommitPayload payload;
    std::string txid;
    uint64_t height = 0;
  };

  // Drops blocks that left the best chain. `tip` is the current height of the best chain.
  Status follow_reorg(RpcSession& rpc, uint64_t tip);
  void drop_top_block();
  void reset();
  // Scans the block at next_height(). Returns false (and no error) when the block does not
  // extend what was scanned (a reorganisation under way: the next call walks back).
  Result<bool> scan_next(RpcSession& rpc);

  uint64_t start_height_;
  uint64_t max_scan_blocks_;
  std::vector<Hash32> block_hashes_;  // [i] = hash of the block at start_height_ + i
  std::vector<Found> found_;          // in chain order
  bool caught_up_ = false;
};

}  // namespace klyn::hostchains::bitcoin
