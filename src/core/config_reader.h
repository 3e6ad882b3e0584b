#pragma once
// Validated reading of TOML config tables, with every problem reported as file, key and reason:
//   CONFIGS/node.toml: server.port: must be an integer in 1..65535, got "abc"
// All problems of a file are collected (not only the first), and unknown keys are errors, so a
// typo never silently falls back to a default.
//
// Workflows validate their own [workflow] table with it, connectors their [hostchains.<name>]:
//
//   ConfigReader r(cfg.workflow, cfg.file, "workflow");
//   auto block_time = r.duration_ms("block_time_ms", 1000ms, 10ms, 60000ms);
//   auto mode = r.enum_string("mode", "fast", {"fast", "safe"});
//   ConfigReader limits = r.sub("limits");
//   auto max_events = limits.integer("max_events", 1000, 1, 1000000);
//   if (Status st = r.finish_status(); !st) return st.error();   // code "config"
//
// Thread safety: a ConfigReader is used by one thread.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/result.h"

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

// A value as shown in a message: in double quotes, quotes and backslashes escaped, control
// characters as '?', cut after 60 characters.
std::string quoted_value(std::string_view s);

}  // namespace klyn::core
