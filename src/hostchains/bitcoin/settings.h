#pragma once
// The node-local table of a `bitcoin` hostchain ([hostchains.<name>] in
// CONFIGS/symbiotes/<alias>.toml), validated with core::ConfigReader. See README.md for the
// keys. Reading touches neither the network nor the cookie file.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.h"
#include "hostchains/connector.h"

namespace klyn::hostchains::bitcoin {

struct BitcoinSettings {
  CommonSettings common;
  std::string rpc_url;                    // http://host:port[/path]
  std::string rpc_user;                   // with rpc_password, or
  std::string rpc_password;               //
  std::filesystem::path rpc_cookie_file;  // resolved against the data dir ("" = not used)
  std::string wallet;                     // "" = the node's default wallet endpoint
  std::optional<double> fee_rate;         // sat/vB; nullopt = the wallet's own estimate
  uint64_t start_height = 0;              // first hostchain block read-back scans
  uint64_t max_scan_blocks = 2000;        // blocks scanned per read_commits call at most
  std::chrono::milliseconds timeout{10000};
};

// Reads every key of the table (read_common included) and reports unknown keys
// (cfg.finish()). Each problem goes to cfg.error(key, reason); returns nullopt when this table
// had any. `type` must be "bitcoin" and `network` the manifest entry's (spec.ref.network);
// spec.data_dir resolves a relative rpc_cookie_file.
std::optional<BitcoinSettings> read_settings(const ConnectorSpec& spec, core::ConfigReader& cfg);

}  // namespace klyn::hostchains::bitcoin
