#pragma once
// The `bitcoin` hostchain connector (ARCHITECTURE §4.6): checkpoints committed as OP_RETURN
// outputs through the JSON-RPC interface of Bitcoin Core or Litecoin Core (0.21+), read back by
// scanning the daemon's best chain. README.md in this folder has the bytes, the config keys and
// how reorganisations are followed.
//
// Contract (beyond connector.h)
// * commit(): createrawtransaction (one OP_RETURN output, commit_script.h) →
//   fundrawtransaction (the wallet picks inputs and change; fee_rate when configured) →
//   signrawtransactionwithwallet → sendrawtransaction. Returns the txid (also when the daemon
//   already had the transaction). A wallet without enough funds is "insufficient_funds"; a
//   connector whose table says stopped = true refuses with "stopped" and sends nothing. Each
//   call is a new transaction: the caller keeps one unconfirmed commit at a time.
// * check(): the wallet's gettransaction, else getrawtransaction (needs -txindex for
//   transactions of other wallets), else the mempool. Included = in a block of the best chain.
// * read_commits(): see CommitScanner (commit_scanner.h); bounded work per call.
// * balance(): the wallet's trusted balance (getbalances, or getbalance on older daemons) in
//   satoshi/litoshi, unit "sat", converted without floating point.
// * Not thread-safe; every call bounded by `timeout`; no exceptions escape.

#include <memory>
#include <string_view>

#include "hostchains/bitcoin/commit_scanner.h"
#include "hostchains/bitcoin/rpc_session.h"
#include "hostchains/bitcoin/settings.h"
#include "hostchains/connector.h"

namespace klyn::hostchains::bitcoin {

inline constexpr std::string_view kTypeName = "bitcoin";

class BitcoinConnector final : public Connector {
 public:
  // Does no I/O: the first call connects.
  BitcoinConnector(BitcoinSettings settings, std::shared_ptr<spdlog::logger> log = nullptr);
  ~BitcoinConnector() override;

  std::string_view type() const override { return kTypeName; }
  Result<std::string> commit(const Checkpoint& cp) override;
  Result<CommitStatus> check(const std::string& tx) override;
  Result<std::vector<FoundCommit>> read_commits(const chain::SymbioteId& symbiote,
                                                uint64_t from_index) override;
  Result<Balance> balance() override;

  const BitcoinSettings& settings() const { return settings_; }
  // Whether the last read_commits() scanned up to the hostchain's tip (see max_scan_blocks).
  bool caught_up() const { return scanner_.caught_up(); }

 private:
  BitcoinSettings settings_;
  std::shared_ptr<spdlog::logger> log_;
  RpcSession rpc_;
  CommitScanner scanner_;
};

// The factory registered under the type name "bitcoin": validates the table (settings.h) and
// builds a BitcoinConnector without touching the network.
ConnectorFactory factory();

}  // namespace klyn::hostchains::bitcoin
