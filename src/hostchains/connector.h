#pragma once
// The hostchain connector contract (ARCHITECTURE §4.6). A hostchain is another blockchain where a
// symbiote commits checkpoints of its history; a connector is what one kind of hostchain needs
// to commit a checkpoint, check a commit, read a symbiote's commits back and tell the
// committer's balance. Connectors know nothing of workflows; workflows decide when to commit.
//
// Contract for every connector
// * Blocking calls with bounded time: every network call has a timeout (from the node-local
//   config, default 10 s); nothing blocks forever. The caller runs connectors on its own thread
//   so committing never blocks block production.
// * Not thread-safe: one connector object is used by one thread at a time.
// * Errors are values (code + reason), never exceptions. Every code a connector returns:
//   - "unreachable": connection refused / timeout;
//   - "unauthorized": wrong credentials, an unreadable cookie file, or a commit without a key;
//   - "rpc_error": the hostchain said no (reason has its code and message);
//   - "insufficient_funds": the committer cannot pay for the commit;
//   - "bad_response": the hostchain answered something we cannot parse;
//   - "not_found": no such transaction / contract / route (also a malformed transaction id);
//   - "stopped": commit() while the table says `stopped = true`;
//   - "wrong_network": the hostchain is another network than the manifest's (evm: eth_chainId);
//   - "config": the hostchain lacks something the table must then set (symbiote: the hosting
//     node publishes no fee and the table sets none).
// * Read-back never trusts the committer: it returns what is on the hostchain (every output /
//   log / event that parses as a checkpoint of the asked symbiote, whoever made it), with its
//   current depth. The auditor compares those with its own chain.
// * A connector may keep a cursor (how far it has scanned) in memory for speed, but must
//   re-check the depth of what it found so a hostchain reorganisation is seen: a commit that
//   left the best chain is not returned any more (or is returned with 0 confirmations if it is
//   back in the hostchain's mempool).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/genesis.h"
#include "chain/types.h"
#include "common/result.h"
#include "core/config.h"

namespace spdlog {
class logger;
}

namespace klyn::hostchains {

// What a checkpoint says: controller block `index` of `symbiote` has hash `hash`.
struct Checkpoint {
  chain::SymbioteId symbiote{};
  uint64_t index = 0;
  Hash32 hash{};
  bool operator==(const Checkpoint&) const = default;
};

// Where a commit stands on the hostchain.
struct CommitStatus {
  enum class State {
    kUnknown,   // the hostchain does not know the transaction (dropped, or never arrived)
    kPending,   // in the hostchain's mempool, not in a block
    kIncluded,  // in a block of the best chain
    kFailed,    // included, but the hostchain rejected its effect (e.g. an EVM revert)
  };
  State state = State::kUnknown;
  uint64_t confirmations = 0;  // 1 = in the tip block; 0 unless kIncluded/kFailed
  std::string block;           // hostchain block hash or height, "" when not included
};
std::string_view to_string(CommitStatus::State s);

// A checkpoint found on the hostchain by read-back.
struct FoundCommit {
  Checkpoint checkpoint;
  std::string tx;              // hostchain transaction id (hex), or event hash on a symbiote
  uint64_t confirmations = 0;  // as CommitStatus::confirmations
  bool operator==(const FoundCommit&) const = default;
};

// The committer's funds on the hostchain, in the hostchain's smallest unit (satoshi/litoshi, wei,
// or the hosting symbiote's base unit), as a decimal string (wei do not fit in 64 bits).
struct Balance {
  std::string amount;
  std::string unit;  // "sat", "wei", "unit"
};

class Connector {
 public:
  virtual ~Connector() = default;

  // The registry type name ("symbiote", "bitcoin", "evm").
  virtual std::string_view type() const = 0;

  // Sends one commit of `cp` and returns the hostchain transaction id. The caller makes sure
  // not to commit again while an earlier commit on this hostchain is unconfirmed.
  virtual Result<std::string> commit(const Checkpoint& cp) = 0;

  // Where the commit with transaction id `tx` (as returned by commit) stands now.
  virtual Result<CommitStatus> check(const std::string& tx) = 0;

  // Every checkpoint of `symbiote` on the hostchain with index ≥ from_index that is in a block of
  // the best chain, in hostchain order, with its current confirmations. Several commits of the
  // same index (by anyone) are all returned: the auditor decides.
  virtual Result<std::vector<FoundCommit>> read_commits(const chain::SymbioteId& symbiote,
                                                        uint64_t from_index) = 0;

  // The committer's balance.
  virtual Result<Balance> balance() = 0;
};

// What a connector factory gets.
// Loads a key of the node's keystore by name (password from the node's password source; plain
// keys only where node.toml allows them). Errors name the key and the reason.
using KeyLoader =
    std::function<Result<std::shared_ptr<const crypto::KeyPair>>(const std::string& name)>;

struct ConnectorSpec {
  std::string name;                     // the node-local label ([hostchains.<name>])
  chain::HostchainRef ref;              // the manifest entry it serves (type, network, address)
  chain::SymbioteId symbiote{};         // the symbiote that commits (the one whose config this is)
  std::filesystem::path data_dir;       // the node's data dir (to resolve relative file paths)
  std::shared_ptr<spdlog::logger> log;  // may be null
  KeyLoader load_key;                   // may be null (then keys cannot be used)
  std::string self_url;                 // this node's own API, http://host:port ("" if unknown)
};

// Builds a connector from its manifest entry and its node-local table. Every key problem goes
// to `cfg.error(key, reason)` (so the message names file and key); the factory returns null
// then. Building must not touch the network (prepare() must not hang on an unreachable
// hostchain); the first call does.
using ConnectorFactory =
    std::function<std::unique_ptr<Connector>(const ConnectorSpec& spec, core::ConfigReader& cfg)>;

// Connector types by name. The one list of built-in connectors is in the CLI (like workflows).
class ConnectorRegistry {
 public:
  Status add(std::string type, ConnectorFactory factory);
  bool has(std::string_view type) const;
  std::vector<std::string> types() const;
  // Unknown type → null and cfg.error("type", "... (known: a, b)").
  std::unique_ptr<Connector> create(const ConnectorSpec& spec, core::ConfigReader& cfg) const;

 private:
  std::map<std::string, ConnectorFactory, std::less<>> factories_;
};

// Settings every connector table has, read by `read_common`.
struct CommonSettings {
  std::string type;
  std::string network;
  uint64_t confirmations = 6;  // depth at which a commit counts as final
  bool stopped = false;        // stop switch: no new commits (audit still reads)
};

// Reads `type`, `network`, `confirmations` (1..1000), `stopped` from a [hostchains.<name>] table.
CommonSettings read_common(core::ConfigReader& cfg);

// One hostchain as a workflow gets it: the node-local name, the manifest entry, the common
// settings and the connector (null when the table is missing for a manifest entry: the node then
// neither commits there nor audits it, and says so).
struct HostchainLink {
  std::string name;
  chain::HostchainRef ref;
  CommonSettings settings;
  std::unique_ptr<Connector> connector;
};

// Builds the connectors of one symbiote from its [hostchains.<name>] tables: each table must
// match a manifest entry (type + network [+ address]); two tables must not serve the same entry.
// Every problem is reported with file and key (error code "config"). No network I/O.
Result<std::vector<HostchainLink>> build_hostchains(
    const core::SymbioteConfig& config, const chain::Genesis& genesis,
    const std::filesystem::path& data_dir, const ConnectorRegistry& registry,
    std::shared_ptr<spdlog::logger> log, KeyLoader load_key = nullptr, std::string self_url = "");

// Finds the manifest entry a node-local table serves: same type and network (and address, when
// the table sets one). Returns nullopt when there is none.
std::optional<chain::HostchainRef> match_manifest(const std::vector<chain::HostchainRef>& manifest,
                                                  const std::string& type,
                                                  const std::string& network,
                                                  const std::string& address);

}  // namespace klyn::hostchains
