#pragma once
// Configuration files (ARCHITECTURE §4.1): CONFIGS/node.toml and CONFIGS/symbiotes/<alias>.toml.
//
// Every problem is reported with file, key and reason, e.g.
//   CONFIGS/node.toml: server.port: must be an integer in 1..65535, got "abc"
// All problems of a file are collected (not only the first), and unknown keys are errors, so a
// typo never silently falls back to a default.
//
// ConfigReader (config_reader.h) is the reusable piece: workflows and connectors validate their
// own tables with it.
//
// Thread safety: parsed configs are plain values.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/result.h"
#include "core/config_reader.h"
#include "core/data_dir.h"

namespace klyn::core {

// ---- CONFIGS/node.toml ----

struct ServerConfig {
  std::string interface = "127.0.0.1";
  uint16_t port = 7777;
  unsigned threads = 0;  // 0 = number of cores; see effective_threads()
  uint64_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  unsigned max_connections = 4096;

  unsigned effective_threads() const;
};

struct LogConfig {
  std::string level = "info";  // trace|debug|info|warn|error|critical|off
  bool console = true;
};

struct KeysConfig {
  std::filesystem::path password_file;  // resolved against the data dir; empty = not used
  std::string password_env = "KLYN_KEYSTORE_PASSWORD";  // empty = not used
  bool allow_plain_keys = false;
};

struct PluginConfig {
  std::filesystem::path path;  // resolved against the data dir
  bool enabled = true;
};

struct ServiceConfig {
  std::string name;
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  bool enabled = true;
};

struct NodeConfig {
  ServerConfig server;
  LogConfig log;
  KeysConfig keys;
  std::vector<PluginConfig> plugins;
  std::vector<ServiceConfig> services;
};

// The log level names accepted everywhere: trace, debug, info, warn, error, critical, off.
const std::vector<std::string_view>& log_level_names();

// Parses node.toml text. `file` is the name used in messages. Returns the config when there
// were no errors; errors are appended to `errors`.
std::optional<NodeConfig> parse_node_config(std::string_view text, const std::string& file,
                                            const DataDir& dir, ConfigErrors& errors);
// Reads CONFIGS/node.toml. A missing file gives the defaults. Error code "config".
Result<NodeConfig> load_node_config(const DataDir& dir);

// ---- CONFIGS/symbiotes/<alias>.toml ----

enum class SymbioteRole { controller, producer, follower };
std::string_view to_string(SymbioteRole role);

struct SymbioteConfig {
  std::string alias;                   // the file stem
  std::string file;                    // as shown in messages: "CONFIGS/symbiotes/alpha.toml"
  bool enabled = true;                 // false: keep the data, do not run it
  std::string genesis;                 // as written in the file (relative to the data dir)
  std::filesystem::path genesis_path;  // resolved
  std::string key;                     // keystore key name; "" = none (follower)
  SymbioteRole role = SymbioteRole::follower;
  std::vector<std::string> peers;  // http(s)://host:port
  std::string log_level;           // "" = use the node's level
  toml::table workflow;            // [workflow], validated by the workflow (ConfigReader)
  toml::table hostchains;          // [hostchains], validated by the connectors
};

// Checks a peer URL: http:// or https://, a host, a port in 1..65535, optionally a trailing "/".
// Returns an empty string when fine, else the reason.
std::string check_peer_url(std::string_view url);

std::optional<SymbioteConfig> parse_symbiote_config(std::string_view text, std::string alias,
                                                    const std::string& file, const DataDir& dir,
                                                    ConfigErrors& errors);
// Reads every CONFIGS/symbiotes/*.toml, sorted by alias (other file names are ignored). All
// errors of all files are reported together. Error code "config".
Result<std::vector<SymbioteConfig>> load_symbiote_configs(const DataDir& dir);

// ---- SIGHUP ----

// The parts of the config that apply without a restart.
struct LogLevels {
  std::string core = "info";
  std::map<std::string, std::string> symbiotes;  // alias -> level; "" = follow core
  bool operator==(const LogLevels&) const = default;
};
LogLevels log_levels_of(const NodeConfig& node, const std::vector<SymbioteConfig>& symbiotes);

struct ReloadResult {
  LogLevels levels;     // what to apply now
  ConfigErrors errors;  // files that were broken: their old values were kept
};
// Re-reads node.toml and the config of every symbiote in `current` (symbiotes added or removed
// since start need a restart and are ignored). A file that fails validation keeps all of its
// old values and is reported in `errors`.
ReloadResult reload_log_levels(const DataDir& dir, const LogLevels& current);

}  // namespace klyn::core
