#pragma once
// The `symbiote` hostchain connector (ARCHITECTURE §4.6): checkpoints committed to another
// symbiote as CHECKPOINT events (chain/README.md, C9) through the public API of a node that
// hosts it, read back with GET /s/{sym}/checkpoints. README.md in this folder has the config
// keys and the trust model.
//
// Contract (beyond connector.h)
// * commit(): signs a CHECKPOINT event with the committer key (nonce = the account's nonce on
//   the hosting symbiote, continued locally across commits that are still pending) and POSTs it
//   to /s/{sym}/event. Returns the event hash (hex). "stopped" when the table says so (nothing
//   sent); "insufficient_funds" when the committer cannot pay the fee; "rpc_error" for any
//   other refusal (reason carries the node's code and reason).
// * check(): GET /s/{sym}/event/{hash}: pending → kPending; applied → kIncluded with
//   confirmations = hosting height − event height + 1; rejected → kFailed; 404 → kUnknown.
// * read_commits(): every applied CHECKPOINT of the asked source with index ≥ from, whoever
//   signed it, ordered by index (pages of 1000, at most 100 pages per call).
// * balance(): the committer account's balance on the hosting symbiote, unit "unit".
// * On first use the hosting symbiote's id is read from /s/{sym}/info (events are signed for
//   it); when the manifest names the hostchain by id, a node serving another symbiote there is
//   "bad_response". Not thread-safe; every HTTP call bounded by `timeout`; no exceptions escape.

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "hostchains/connector.h"
#include "hostchains/symbiote/settings.h"

namespace klyn::net {
class HttpClient;
}

namespace klyn::hostchains::symbiote {

inline constexpr std::string_view kTypeName = "symbiote";

class SymbioteConnector final : public Connector {
 public:
  // Does no I/O: the first call connects.
  SymbioteConnector(SymbioteSettings settings, std::shared_ptr<spdlog::logger> log = nullptr);
  ~SymbioteConnector() override;

  std::string_view type() const override { return kTypeName; }
  Result<std::string> commit(const Checkpoint& cp) override;
  Result<CommitStatus> check(const std::string& tx) override;
  Result<std::vector<FoundCommit>> read_commits(const chain::SymbioteId& symbiote,
                                                uint64_t from_index) override;
  Result<Balance> balance() override;

  const SymbioteSettings& settings() const { return settings_; }

 private:
  // GET/POST on the hosting node; a JSON object back, or an Error: "unreachable" (transport),
  // "bad_response" (not JSON). HTTP status is returned alongside.
  Result<std::pair<unsigned, nlohmann::json>> call(std::string_view method,
                                                   const std::string& target,
                                                   std::string body = "");
  Result<nlohmann::json> get_ok(const std::string& target);
  Status resolve();  // hosting id and fee, once
  Result<uint64_t> height();
  Result<uint64_t> next_nonce();
  std::string base() const;

  SymbioteSettings settings_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<net::HttpClient> http_;
  std::optional<chain::SymbioteId> host_id_;
  uint64_t fee_ = 0;
  // Commits sent and not yet seen applied: (nonce, event hash hex), oldest first.
  std::deque<std::pair<uint64_t, std::string>> sent_;
};

// The factory registered under the type name "symbiote": validates the table (settings.h),
// loads the committer key, and builds a SymbioteConnector without touching the network.
ConnectorFactory factory();

}  // namespace klyn::hostchains::symbiote
