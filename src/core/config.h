#pragma once
// Configuration files (ARCHITECTURE §4.1): CONFIGS/node.toml and CONFIGS/symbiotes/<alias>.toml.
//
// Every problem is reported with file, key and reason, e.g.
//   CONFIGS/node.toml: server.port: must be an integer in 1..65535, got "abc"
// All problems of a file are collected (not only the first), and unknown keys are errors, so a
// typo never silently falls back to a default.
//
// ConfigReader is the reusable piece: workflows validate their own [workflow] table with it.
//
//   ConfigReader r(cfg.workflow, cfg.file, "workflow");
//   auto block_time = r.duration_ms("block_time_ms", 1000ms, 10ms, 60000ms);
//   auto mode = r.enum_string("mode", "fast", {"fast", "safe"});
//   ConfigReader limits = r.sub("limits");
//   auto max_events = limits.integer("max_events", 1000, 1, 1000000);
//   if (Status st = r.finish_status(); !st) return st.error();   // code "config"
//
// Thread safety: parsed configs are plain values. A ConfigReader is used by one thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/result.h"
#include "core/data_dir.h"

namespace klyn::core {

// One problem in a config file. key is the dotted path ("server.port", "plugins[1].path",
// "peers[0]"); empty when the problem is the file itself (syntax, unreadable, bad name).
struct ConfigError {
  std::string file;
  std::string key;
  std::string reason;

  std::string to_string() const;  // "file: key: reason" (or "file: reason")
};

// The problems found in one or more files, in the order found.
class ConfigErrors {
 public:
  void add(ConfigError e) { items_.push_back(std::move(e)); }
  void add(std::string file, std::string key, std::string reason);
  void append(const ConfigErrors& other);

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const ConfigError& operator[](size_t i) const { return items_[i]; }
  std::vector<ConfigError>::const_iterator begin() const { return items_.begin(); }
  std::vector<ConfigError>::const_iterator end() const { return items_.end(); }

  std::string to_string() const;  // one line per error, joined with '\n'
  Error to_error() const { return Error("config", to_string()); }

 private:
  std::vector<ConfigError> items_;
};

// Typed, validating access to one TOML table of one file.
//
// Every getter marks its key as used and returns the default when the key is absent. A present
// value of the wrong type or out of range records an error and returns the default, so a caller
// reads everything and then asks finish() once. finish() reports every key of the table (and of
// sub-tables reached through sub()/tables()) that no getter asked for.
//
// The reader refers to the toml::table it was given: the table must outlive the reader and its
// sub-readers. Sub-readers share the parent's error list.
class ConfigReader {
 public:
  using ms = std::chrono::milliseconds;
  static constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();

  // file: how the file is named in messages ("CONFIGS/symbiotes/alpha.toml"); prefix: the
  // dotted path of `table` inside the file ("" for the top level, "workflow" for [workflow]).
  ConfigReader(const toml::table& table, std::string file, std::string prefix = "");

  const std::string& file() const { return file_; }
  // The dotted path of a key of this table as shown in messages.
  std::string path(std::string_view key) const;

  bool has(std::string_view key) const;

  int64_t integer(std::string_view key, int64_t def, int64_t min = kNoMin, int64_t max = kNoMax);
  double number(std::string_view key, double def, double min, double max);  // int or float
  bool boolean(std::string_view key, bool def);
  std::string string(std::string_view key, std::string def = "");
  // A string that must be present and non-empty.
  std::string required_string(std::string_view key);
  std::vector<std::string> string_list(std::string_view key, std::vector<std::string> def = {});
  // A map of string values ("env = { A = "1" }").
  std::map<std::string, std::string> string_map(std::string_view key);
  // Milliseconds, written as an integer (ms) or a string with a unit: "250ms", "5s", "2m", "1h".
  ms duration_ms(std::string_view key, ms def, ms min = ms(0), ms max = ms::max());
  std::string enum_string(std::string_view key, std::string def,
                          std::initializer_list<std::string_view> allowed);

  // A nested table. Absent: an empty table (every getter returns its default). Not a table: an
  // error, and an empty table.
  ConfigReader sub(std::string_view key);
  // An array of tables ([[plugins]]). Absent: empty.
  std::vector<ConfigReader> tables(std::string_view key);
  // A table kept whole for someone else to validate (finish() does not look inside it).
  toml::table raw_table(std::string_view key);

  // Records a problem found by the caller (cross-field checks, semantic checks).
  void error(std::string_view key, std::string reason);

  // Reports unknown keys under this reader's table and returns every error recorded so far by
  // this reader, its parent and its sub-readers.
  const ConfigErrors& finish();
  Status finish_status();
  const ConfigErrors& errors() const { return state_->errors; }

  // "7777", "\"abc\"", "an array", "a table": how a value is shown after "got".
  static std::string describe(const toml::node& node);

 private:
  struct State {
    ConfigErrors errors;
    std::set<std::string> used;      // dotted paths of keys that a getter asked for
    std::set<std::string> opaque;    // dotted paths kept whole (raw_table)
    std::set<std::string> reported;  // unknown keys already reported
    toml::table empty;
  };
  ConfigReader(const toml::table& table, std::string file, std::string prefix,
               std::shared_ptr<State> state);
  const toml::node* take(std::string_view key);  // marks used
  void type_error(std::string_view key, const std::string& expected, const toml::node& got);
  void check_unknown(const toml::table& table, const std::string& prefix);

  const toml::table* table_;
  std::string file_;
  std::string prefix_;
  std::shared_ptr<State> state_;
};

// Parses TOML text; a syntax error becomes a ConfigError with the line and column.
Result<toml::table> parse_toml(std::string_view text, const std::string& file,
                               ConfigErrors& errors);

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
