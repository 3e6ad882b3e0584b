#pragma once
// The core ⇄ workflow contract (§4.2). A workflow is the model one symbiote works by; the core
// creates one instance per hosted symbiote and drives it through:
//
//   prepare(context)  open storage, check integrity, load/build state, load keys; fail loudly
//   routes(routes)    register the symbiote's routes (before the server starts)
//   start()           begin generation/verification threads, connect peers
//   stop()            graceful: stop taking work, finish the block in flight, flush, return
//
// Thread safety: the core calls these four from one thread, in that order; route handlers are
// called concurrently from server threads and must be thread-safe.

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chain/genesis.h"
#include "chain/store.h"
#include "common/result.h"
#include "core/config.h"
#include "core/event_bus.h"
#include "crypto/bls12_381/signature.h"
#include "crypto/ed25519.h"
#include "hostchains/connector.h"
#include "net/router.h"

namespace spdlog {
class logger;
}

namespace klyn::core {

// Everything a workflow instance gets from the core.
struct WorkflowContext {
  std::string alias;
  chain::Genesis genesis;
  chain::SymbioteId id{};
  SymbioteConfig config;            // node-local settings ([workflow] is for the workflow)
  std::filesystem::path chaindata;  // CHAINDATA/<id>/, owned by this symbiote
  // SIGNING/<id>.mark: where a signer keeps the highest index it signed (chain/signing_mark.h),
  // apart from the chain data so that losing or restoring CHAINDATA does not lose it.
  std::filesystem::path signing_mark;
  std::shared_ptr<const crypto::KeyPair> key;  // null for a follower
  // Loads another key of the node's keystore by name, a BLS12-381 one (e.g. a BFT validator's
  // vote key named in [workflow]), asking for its password as for `key`. Never null.
  std::function<Result<bls::SecretKey>(const std::string& name)> load_bls_key;
  std::shared_ptr<spdlog::logger> log;                // LOGS/<alias>.log (+ console)
  EventBus* bus = nullptr;                            // never null when prepare() is called
  unsigned cores = 2;                                 // executor size hint
  std::vector<hostchains::HostchainLink> hostchains;  // [hostchains.*] built by the core
};

// Registers routes of one symbiote under /s/<alias>/... and /s/<id-hex>/... (the API accepts
// either), and, once per shape, a fallback /s/{sym}/... answering 404 `unknown_symbiote`.
// `unknown` answers the fallback (default: 404 unknown_symbiote); the node passes one that also
// knows the symbiotes halted at start.
class SymbioteRoutes {
 public:
  SymbioteRoutes(net::Router& router, std::string alias, std::string id_hex,
                 net::Handler unknown = {})
      : router_(router),
        alias_(std::move(alias)),
        id_hex_(std::move(id_hex)),
        unknown_(unknown ? std::move(unknown) : unknown_symbiote_handler()) {}
  // `pattern` starts with '/', e.g. "/account/{addr}".
  Status add(net::Method method, std::string_view pattern, net::Handler handler);
  // 404 unknown_symbiote naming req.param("sym").
  static net::Handler unknown_symbiote_handler();

 private:
  net::Router& router_;
  std::string alias_, id_hex_;
  net::Handler unknown_;
};

// The routes of one symbiote that are served from its database: each answers 503
// storage_fault once `store` had a read or write fault, since nothing is served from a store that
// may be wrong (chain S1). `routes` and `store` must outlive it and the routes.
class GuardedRoutes {
 public:
  GuardedRoutes(SymbioteRoutes& routes, const chain::ChainStore& store)
      : routes_(routes), store_(store) {}
  Status add(net::Method method, std::string_view pattern, net::Handler handler);

 private:
  SymbioteRoutes& routes_;
  const chain::ChainStore& store_;
};

class Workflow {
 public:
  virtual ~Workflow() = default;
  virtual Status prepare(WorkflowContext context) = 0;
  virtual Status routes(SymbioteRoutes& routes) = 0;
  virtual Status start() = 0;
  virtual void stop() = 0;
  // A short summary for GET /info and GET /symbiotes (height, state root, role, ...).
  virtual nlohmann::json summary() const = 0;

  // Whether `manifest` (its section, manifest.<workflow>, and the common fields this workflow
  // relies on) is one this workflow can run. Called on an instance that was never prepared: by
  // the node before prepare(), by `klyn74r init` before it writes a genesis. The error names the
  // JSON path ("manifest.dev_controller.inclusion_window: must be 0..1048576"). Default: only an
  // empty section.
  virtual Status check_manifest(const chain::Manifest& manifest) const;

  // `klyn74r replay`: re-applies the blocks `live` (a stopped node's database, opened read-only
  // and checked) holds up to its applied height into `fresh` (an empty database of `genesis`),
  // verifying everything again as a node that receives them would. Called on an instance that was
  // never prepared. The caller then compares the state roots.
  struct ReplayResult {
    uint64_t height = 0;  // blocks re-applied
    uint64_t events = 0;  // events decided in them (applied or rejected)
  };
  virtual Result<ReplayResult> replay(const chain::Genesis& genesis, const chain::ChainStore& live,
                                      chain::ChainStore& fresh) const {
    (void)genesis;
    (void)live;
    (void)fresh;
    return Error("unsupported", "this workflow cannot replay its blocks");
  }
};

using WorkflowFactory = std::function<std::unique_ptr<Workflow>()>;

// Workflows by name and version. A manifest pins both; asking for a version the node does not
// have is an error saying which versions it has.
class WorkflowRegistry {
 public:
  Status add(std::string name, std::string version, WorkflowFactory factory);
  Result<std::unique_ptr<Workflow>> create(const std::string& name,
                                           const std::string& version) const;
  std::vector<std::pair<std::string, std::string>> list() const;

 private:
  std::map<std::pair<std::string, std::string>, WorkflowFactory> factories_;
};

}  // namespace klyn::core
