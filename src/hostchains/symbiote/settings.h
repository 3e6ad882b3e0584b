#pragma once
// The node-local table of a `symbiote` hostchain ([hostchains.<name>] in
// CONFIGS/symbiotes/<alias>.toml), validated with core::ConfigReader. See README.md for the
// keys. Reading loads the committer key from the keystore (spec.load_key) but touches no network.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/config.h"
#include "hostchains/connector.h"

namespace klyn::hostchains::symbiote {

struct SymbioteSettings {
  CommonSettings common;
  std::string api_url;  // http://host:port of a node hosting the symbiote
  std::string host;     // parsed from api_url
  uint16_t port = 0;
  // How the hosting symbiote is named in that node's API (/s/<path>/...): `symbiote` when
  // given, else the manifest's network (its id in hex, or its alias for mutual hosting).
  std::string path;
  std::string key_name;                        // keystore key: the committer account
  std::shared_ptr<const crypto::KeyPair> key;  // loaded with spec.load_key
  std::optional<uint64_t> fee;  // per CHECKPOINT; nullopt = the hosting symbiote's /info "fee"
  std::chrono::milliseconds timeout{10000};
};

// Reads every key of the table (read_common included) and reports unknown keys (cfg.finish()).
// Each problem goes to cfg.error(key, reason); returns nullopt when this table had any. `type`
// must be "symbiote" and `network` the manifest entry's (spec.ref.network).
std::optional<SymbioteSettings> read_settings(const ConnectorSpec& spec, core::ConfigReader& cfg);

// Whether `network` names the hosting symbiote by id (64 hex digits).
bool network_is_id(const std::string& network);

}  // namespace klyn::hostchains::symbiote
