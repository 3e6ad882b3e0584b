#pragma once
// Helpers shared by the klyn74r subcommands: exit codes, talking to a node, loading keys.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "chain/event.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "net/http_client.h"

namespace klyn::cli {

// Exit codes: 0 ok, 1 runtime failure (node unreachable, request refused), 2 usage/config/key.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfig = 2;

int report(int code, const std::string& message);  // prints "klyn74r: message" to stderr

// A JSON API client for one node ("http://host:port").
class NodeClient {
 public:
  static Result<NodeClient> connect(const std::string& url);
  // GET/POST returning parsed JSON; a 4xx/5xx answer becomes an Error carrying the node's
  // {"error","reason"}.
  Result<nlohmann::json> get(const std::string& target);
  Result<nlohmann::json> post(const std::string& target, const std::string& body,
                              const std::string& content_type = "application/json");
  net::HttpClient& http() { return *http_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  std::string host_;
  uint16_t port_ = 0;
  std::shared_ptr<net::HttpClient> http_;
};

// Loads a key from <dir>/KEYS (password from --password-file, KLYN_KEYSTORE_PASSWORD or a
// prompt; plain dev keys are accepted with a warning).
Result<crypto::KeyPair> load_key(const std::filesystem::path& dir, const std::string& name,
                                 const std::string& password_file);

// The symbiote id (hex) of `sym` (alias or id) as the node reports it.
Result<chain::SymbioteId> symbiote_id(NodeClient& node, const std::string& sym);

// Deterministic keys for devnets and benchmarks: seed = BLAKE2b-256(label || index). Marked as
// test keys everywhere they are written.
crypto::KeyPair derived_test_key(const std::string& label, uint64_t index);

void add_init_commands(CLI::App& app);
void add_keys_commands(CLI::App& app);
void add_genesis_commands(CLI::App& app);
void add_tx_commands(CLI::App& app);
void add_query_commands(CLI::App& app);
void add_address_commands(CLI::App& app);  // the address book
void add_bench_command(CLI::App& app);
void add_replay_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_testnet_commands(CLI::App& app);
void add_hostchain_commands(CLI::App& app);  // hostchain deploy evm

}  // namespace klyn::cli
