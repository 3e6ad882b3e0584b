#include "core/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/keystore.h"

namespace klyn::core {

namespace fs = std::filesystem;
using ms = std::chrono::milliseconds;

// ---------------------------------------------------------------- errors

std::string ConfigError::to_string() const {
  if (key.empty()) return file + ": " + reason;
  return file + ": " + key + ": " + reason;
}

void ConfigErrors::add(std::string file, std::string key, std::string reason) {
  items_.push_back({std::move(file), std::move(key), std::move(reason)});
}

void ConfigErrors::append(const ConfigErrors& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::string ConfigErrors::to_string() const {
  std::string out;
  for (const auto& e : items_) {
    if (!out.empty()) out += '\n';
    out += e.to_string();
  }
  return out;
}

// ---------------------------------------------------------------- ConfigReader

namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  size_t n = 0;
  for (char c : s) {
    if (++n > 60) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string join_path(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return prefix + "." + std::string(key);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string range_text(int64_t min, int64_t max) {
  if (min == ConfigReader::kNoMin && max == ConfigReader::kNoMax) return "";
  if (max == ConfigReader::kNoMax) return " >= " + std::to_string(min);
  if (min == ConfigReader::kNoMin) return " <= " + std::to_string(max);
  return " in " + std::to_string(min) + ".." + std::to_string(max);
}

// "250ms", "5s", "2m", "1h" -> milliseconds; nullopt when malformed or too large.
std::optional<int64_t> parse_duration_text(std::string_view s) {
  size_t i = 0;
  int64_t value = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (value > 1'000'000'000'000) return std::nullopt;
    value = value * 10 + (s[i] - '0');
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = s.substr(i);
  if (unit == "ms") return value;
  if (unit == "s") return value * 1000;
  if (unit == "m") return value * 60'000;
  if (unit == "h") return value * 3'600'000;
  return std::nullopt;
}

}  // namespace

ConfigReader::ConfigReader(const toml::table& table, std::string file, std::string prefix)
    : ConfigReader(table, std::move(file), std::move(prefix), std::make_shared<State>()) {}

ConfigReader::ConfigReader(const toml::table& table, std::string file, std::string prefix,
                           std::shared_ptr<State> state)
    : table_(&table),
      file_(std::move(file)),
      prefix_(std::move(prefix)),
      state_(std::move(state)) {}

std::string ConfigReader::path(std::string_view key) const {
  return join_path(prefix_, key);
}

bool ConfigReader::has(std::string_view key) const {
  return table_->get(key) != nullptr;
}

const toml::node* ConfigReader::take(std::string_view key) {
  state_->used.insert(path(key));
  return table_->get(key);
}

std::string ConfigReader::describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return quote(node.as_string()->get());
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default: {
      std::ostringstream os;
      node.visit([&](auto&& v) { os << v; });
      return os.str();
    }
  }
}

void ConfigReader::error(std::string_view key, std::string reason) {
  state_->errors.add(file_, key.empty() ? prefix_ : path(key), std::move(reason));
}

void ConfigReader::type_error(std::string_view key, const std::string& expected,
                              const toml::node& got) {
  error(key, "must be " + expected + ", got " + describe(got));
}

int64_t ConfigReader::integer(std::string_view key, int64_t def, int64_t min, int64_t max) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::string expected = "an integer" + range_text(min, max);
  if (!n->is_integer()) {
    type_error(key, expected, *n);
    return def;
  }
  int64_t v = n->as_integer()->get();
  if (v < min || v > max) {
    type_error(key, expected, *n);
    return def;
  }
  return v;
}

double ConfigReader::number(std::string_view key, double def, double min, double max) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::ostringstream expected;
  expected << "a number in " << min << ".." << max;
  double v;
  if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else {
    type_error(key, expected.str(), *n);
    return def;
  }
  if (!(v >= min && v <= max)) {  // also rejects nan
    type_error(key, expected.str(), *n);
    return def;
  }
  return v;
}

bool ConfigReader::boolean(std::string_view key, bool def) {
  const toml::node* n = take(key);
  if (!n) return def;
  if (!n->is_boolean()) {
    type_error(key, "true or false", *n);
    return def;
  }
  return n->as_boolean()->get();
}

std::string ConfigReader::string(std::string_view key, std::string def) {
  const toml::node* n = take(key);
  if (!n) return def;
  if (!n->is_string()) {
    type_error(key, "a string", *n);
    return def;
  }
  return n->as_string()->get();
}

std::string ConfigReader::required_string(std::string_view key) {
  const toml::node* n = take(key);
  if (!n) {
    error(key, "is required");
    return "";
  }
  if (!n->is_string() || n->as_string()->get().empty()) {
    type_error(key, "a non-empty string", *n);
    return "";
  }
  return n->as_string()->get();
}

std::vector<std::string> ConfigReader::string_list(std::string_view key,
                                                   std::vector<std::string> def) {
  const toml::node* n = take(key);
  if (!n) return def;
  if (!n->is_array()) {
    type_error(key, "an array of strings", *n);
    return def;
  }
  std::vector<std::string> out;
  bool ok = true;
  size_t i = 0;
  for (const toml::node& el : *n->as_array()) {
    std::string el_key = std::string(key) + "[" + std::to_string(i++) + "]";
    if (!el.is_string()) {
      type_error(el_key, "a string", el);
      ok = false;
      continue;
    }
    out.push_back(el.as_string()->get());
  }
  return ok ? out : def;
}

std::map<std::string, std::string> ConfigReader::string_map(std::string_view key) {
  const toml::node* n = take(key);
  if (!n) return {};
  if (!n->is_table()) {
    type_error(key, "a table of strings", *n);
    return {};
  }
  std::map<std::string, std::string> out;
  for (auto&& [k, v] : *n->as_table()) {
    std::string el_key = std::string(key) + "." + std::string(k.str());
    if (!v.is_string()) {
      type_error(el_key, "a string", v);
      continue;
    }
    out.emplace(std::string(k.str()), v.as_string()->get());
  }
  return out;
}

ms ConfigReader::duration_ms(std::string_view key, ms def, ms min, ms max) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::string expected = "a duration";
  if (max == ms::max())
    expected += " >= " + std::to_string(min.count()) + " ms";
  else
    expected += " in " + std::to_string(min.count()) + ".." + std::to_string(max.count()) + " ms";
  expected += " (an integer of milliseconds or a string like \"500ms\", \"5s\", \"2m\")";
  std::optional<int64_t> v;
  if (n->is_integer()) v = n->as_integer()->get();
  if (n->is_string()) v = parse_duration_text(n->as_string()->get());
  if (!v || *v < min.count() || *v > max.count()) {
    type_error(key, expected, *n);
    return def;
  }
  return ms(*v);
}

std::string ConfigReader::enum_string(std::string_view key, std::string def,
                                      std::initializer_list<std::string_view> allowed) {
  const toml::node* n = take(key);
  if (!n) return def;
  std::string expected = "one of ";
  bool first = true;
  for (auto a : allowed) {
    if (!first) expected += ", ";
    first = false;
    expected += quote(a);
  }
  if (!n->is_string()) {
    type_error(key, expected, *n);
    return def;
  }
  const std::string& v = n->as_string()->get();
  if (std::find(allowed.begin(), allowed.end(), std::string_view(v)) == allowed.end()) {
    type_error(key, expected, *n);
    return def;
  }
  return v;
}

ConfigReader ConfigReader::sub(std::string_view key) {
  const toml::node* n = take(key);
  state_->used.insert(path(key) + "{}");  // opened as a sub-table: finish() looks inside
  if (n && !n->is_table()) type_error(key, "a table", *n);
  const toml::table* t = (n && n->is_table()) ? n->as_table() : &state_->empty;
  return ConfigReader(*t, file_, path(key), state_);
}

std::vector<ConfigReader> ConfigReader::tables(std::string_view key) {
  const toml::node* n = take(key);
  std::vector<ConfigReader> out;
  if (!n) return out;
  if (!n->is_array_of_tables()) {
    // An empty array ("plugins = []") is fine: it has no elements to check.
    if (n->is_array() && n->as_array()->empty()) return out;
    type_error(key, "an array of tables ([[" + path(key) + "]])", *n);
    return out;
  }
  size_t i = 0;
  for (const toml::node& el : *n->as_array()) {
    std::string el_path = path(key) + "[" + std::to_string(i++) + "]";
    state_->used.insert(el_path + "{}");
    out.push_back(ConfigReader(*el.as_table(), file_, el_path, state_));
  }
  return out;
}

toml::table ConfigReader::raw_table(std::string_view key) {
  const toml::node* n = take(key);
  if (!n) return {};
  if (!n->is_table()) {
    type_error(key, "a table", *n);
    return {};
  }
  return *n->as_table();
}

void ConfigReader::check_unknown(const toml::table& table, const std::string& prefix) {
  // Keys asked for in this table, to suggest the likely intended one for a typo.
  std::vector<std::string> known;
  std::string key_prefix = prefix.empty() ? "" : prefix + ".";
  for (auto it = state_->used.lower_bound(key_prefix); it != state_->used.end(); ++it) {
    if (it->compare(0, key_prefix.size(), key_prefix) != 0) break;
    std::string rest = it->substr(key_prefix.size());
    if (rest.find_first_of(".[{") == std::string::npos) known.push_back(rest);
  }
  for (auto&& [k, v] : table) {
    std::string key(k.str());
    std::string p = join_path(prefix, key);
    if (!state_->used.count(p)) {
      if (!state_->reported.insert(p).second) continue;
      std::string reason = "unknown key";
      std::string best;
      size_t best_d = 3;
      for (const auto& cand : known) {
        size_t d = edit_distance(key, cand);
        if (d < best_d) best_d = d, best = cand;
      }
      if (!best.empty()) reason += " (did you mean \"" + best + "\"?)";
      state_->errors.add(file_, p, reason);
      continue;
    }
    if (v.is_table() && state_->used.count(p + "{}")) {
      check_unknown(*v.as_table(), p);
    } else if (v.is_array_of_tables()) {
      size_t i = 0;
      for (const toml::node& el : *v.as_array()) {
        std::string el_path = p + "[" + std::to_string(i++) + "]";
        if (state_->used.count(el_path + "{}")) check_unknown(*el.as_table(), el_path);
      }
    }
  }
}

const ConfigErrors& ConfigReader::finish() {
  check_unknown(*table_, prefix_);
  return state_->errors;
}

Status ConfigReader::finish_status() {
  const ConfigErrors& e = finish();
  if (e.empty()) return Status::success();
  return e.to_error();
}

Result<toml::table> parse_toml(std::string_view text, const std::string& file,
                               ConfigErrors& errors) {
  auto report = [&](const toml::parse_error& err) -> Error {
    std::string reason = "syntax error at line " + std::to_string(err.source().begin.line) +
                         ", column " + std::to_string(err.source().begin.column) + ": " +
                         std::string(err.description());
    errors.add(file, "", reason);
    return Error("config", file + ": " + reason);
  };
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& err) {
    return report(err);
  }
#else
  toml::parse_result r = toml::parse(text, file);
  if (!r) return report(r.error());
  return std::move(r).table();
#endif
}

// ---------------------------------------------------------------- shared helpers

namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

// Reads a config file; problems are recorded as errors of that file.
std::optional<std::string> read_config_file(const fs::path& path, const std::string& file,
                                            ConfigErrors& errors) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    errors.add(file, "", "cannot read: " + ec.message());
    return std::nullopt;
  }
  if (size > kMaxConfigBytes) {
    errors.add(file, "", "file is larger than 1 MiB");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.add(file, "", "cannot open for reading");
    return std::nullopt;
  }
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool is_env_name(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

const std::vector<std::string_view>& log_level_names() {
  static const std::vector<std::string_view> names = {"trace", "debug",    "info", "warn",
                                                      "error", "critical", "off"};
  return names;
}

// ---------------------------------------------------------------- node.toml

unsigned ServerConfig::effective_threads() const {
  if (threads != 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

std::optional<NodeConfig> parse_node_config(std::string_view text, const std::string& file,
                                            const DataDir& dir, ConfigErrors& errors) {
  ConfigErrors local;
  auto table = parse_toml(text, file, local);
  if (!table) {
    errors.append(local);
    return std::nullopt;
  }
  NodeConfig cfg;
  ConfigReader r(*table, file);

  ConfigReader server = r.sub("server");
  ServerConfig& s = cfg.server;
  s.interface = server.string("interface", s.interface);
  if (!is_ip_literal(s.interface))
    server.error("interface",
                 "must be an IPv4 or IPv6 address literal (like \"127.0.0.1\" or \"::1\"), got " +
                     quote(s.interface));
  s.port = static_cast<uint16_t>(server.integer("port", s.port, 1, 65535));
  s.threads = static_cast<unsigned>(server.integer("threads", s.threads, 0, 1024));
  s.max_body_bytes = static_cast<uint64_t>(
      server.integer("max_body_bytes", static_cast<int64_t>(s.max_body_bytes), 1024, 1LL << 32));
  s.header_timeout =
      server.duration_ms("header_timeout_ms", s.header_timeout, ms(100), ms(3600000));
  s.body_timeout = server.duration_ms("body_timeout_ms", s.body_timeout, ms(100), ms(3600000));
  s.idle_timeout = server.duration_ms("idle_timeout_ms", s.idle_timeout, ms(100), ms(86400000));
  s.max_connections =
      static_cast<unsigned>(server.integer("max_connections", s.max_connections, 1, 1000000));

  ConfigReader log = r.sub("log");
  cfg.log.level = log.enum_string("level", cfg.log.level,
                                  {"trace", "debug", "info", "warn", "error", "critical", "off"});
  cfg.log.console = log.boolean("console", cfg.log.console);

  ConfigReader keys = r.sub("keys");
  std::string password_file = keys.string("password_file", "");
  if (!password_file.empty()) cfg.keys.password_file = dir.resolve(password_file);
  cfg.keys.password_env = keys.string("password_env", cfg.keys.password_env);
  if (!cfg.keys.password_env.empty() && !is_env_name(cfg.keys.password_env))
    keys.error("password_env",
               "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got " +
                   quote(cfg.keys.password_env));
  cfg.keys.allow_plain_keys = keys.boolean("allow_plain_keys", cfg.keys.allow_plain_keys);

  for (ConfigReader& p : r.tables("plugins")) {
    PluginConfig plugin;
    std::string path = p.required_string("path");
    if (!path.empty()) plugin.path = dir.resolve(path);
    plugin.enabled = p.boolean("enabled", true);
    cfg.plugins.push_back(std::move(plugin));
  }

  std::set<std::string> service_names;
  for (ConfigReader& sv : r.tables("services")) {
    ServiceConfig svc;
    svc.name = sv.required_string("name");
    if (!svc.name.empty()) {
      if (!is_valid_key_name(svc.name))
        sv.error("name", "must match ^[A-Za-z0-9_.-]{1,64}$, got " + quote(svc.name));
      else if (!service_names.insert(svc.name).second)
        sv.error("name", "duplicate service name " + quote(svc.name));
    }
    svc.command = sv.required_string("command");
    svc.args = sv.string_list("args");
    svc.env = sv.string_map("env");
    for (const auto& [k, v] : svc.env)
      if (!is_env_name(k)) sv.error("env." + k, "is not a valid environment variable name");
    svc.enabled = sv.boolean("enabled", true);
    cfg.services.push_back(std::move(svc));
  }

  const ConfigErrors& found = r.finish();
  if (!found.empty()) {
    errors.append(found);
    return std::nullopt;
  }
  return cfg;
}

namespace {

std::optional<NodeConfig> load_node(const DataDir& dir, ConfigErrors& errors) {
  fs::path path = dir.node_config();
  std::error_code ec;
  if (!fs::exists(path, ec)) return NodeConfig{};
  std::string file = dir.display(path);
  auto text = read_config_file(path, file, errors);
  if (!text) return std::nullopt;
  return parse_node_config(*text, file, dir, errors);
}

}  // namespace

Result<NodeConfig> load_node_config(const DataDir& dir) {
  ConfigErrors errors;
  auto cfg = load_node(dir, errors);
  if (!cfg) return errors.to_error();
  return std::move(*cfg);
}

// ---------------------------------------------------------------- symbiotes/<alias>.toml

std::string_view to_string(SymbioteRole role) {
  switch (role) {
    case SymbioteRole::controller:
      return "controller";
    case SymbioteRole::producer:
      return "producer";
    case SymbioteRole::follower:
      return "follower";
  }
  return "follower";
}

std::string check_peer_url(std::string_view url) {
  std::string_view rest;
  if (url.substr(0, 7) == "http://")
    rest = url.substr(7);
  else if (url.substr(0, 8) == "https://")
    rest = url.substr(8);
  else
    return "must start with http:// or https://";
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos)
    return "must be just scheme://host:port (no path, query or credentials)";
  std::string_view host, port;
  if (!rest.empty() && rest[0] == '[') {  // [IPv6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return "has an unterminated [IPv6] host";
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (rest.empty() || rest[0] != ':') return "must have a port (scheme://host:port)";
    port = rest.substr(1);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return "must have a port (scheme://host:port)";
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "an IPv6 host must be in brackets";
  }
  if (host.empty()) return "must have a host";
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return "must have a numeric port in 1..65535";
  int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return "must have a numeric port in 1..65535";
  return "";
}

std::optional<SymbioteConfig> parse_symbiote_config(std::string_view text, std::string alias,
                                                    const std::string& file, const DataDir& dir,
                                                    ConfigErrors& errors) {
  ConfigErrors local;
  if (!is_valid_alias(alias)) {
    local.add(file, "",
              "the file name is the symbiote alias and must match ^[a-z][a-z0-9_-]{0,31}$, got " +
                  quote(alias));
  }
  auto table = parse_toml(text, file, local);
  if (!table) {
    errors.append(local);
    return std::nullopt;
  }
  SymbioteConfig cfg;
  cfg.alias = std::move(alias);
  cfg.file = file;
  ConfigReader r(*table, file);
  cfg.enabled = r.boolean("enabled", true);
  cfg.genesis = r.required_string("genesis");
  if (!cfg.genesis.empty()) {
    cfg.genesis_path = dir.resolve(cfg.genesis);
    std::error_code ec;
    if (cfg.enabled && !fs::is_regular_file(cfg.genesis_path, ec))
      r.error("genesis", "file " + dir.display(cfg.genesis_path) + " does not exist");
  }
  cfg.key = r.string("key", "");
  if (!cfg.key.empty() && !is_valid_key_name(cfg.key))
    r.error("key", "must be a keystore key name (^[A-Za-z0-9_.-]{1,64}$), got " + quote(cfg.key));
  std::string role = r.enum_string("role", "follower", {"controller", "producer", "follower"});
  cfg.role = role == "controller" ? SymbioteRole::controller
             : role == "producer" ? SymbioteRole::producer
                                  : SymbioteRole::follower;
  if (cfg.role != SymbioteRole::follower && cfg.key.empty())
    r.error("key", std::string(r.has("key") ? "must not be empty" : "is required") + " for role " +
                       quote(role) + " (the keystore key this node signs with)");
  cfg.peers = r.string_list("peers");
  std::set<std::string> seen;
  for (size_t i = 0; i < cfg.peers.size(); ++i) {
    std::string key = "peers[" + std::to_string(i) + "]";
    std::string problem = check_peer_url(cfg.peers[i]);
    if (!problem.empty())
      r.error(key, problem + ", got " + quote(cfg.peers[i]));
    else if (!seen.insert(cfg.peers[i]).second)
      r.error(key, "duplicate peer " + quote(cfg.peers[i]));
  }
  cfg.log_level = r.enum_string("log_level", "",
                                {"", "trace", "debug", "info", "warn", "error", "critical", "off"});
  cfg.workflow = r.raw_table("workflow");
  cfg.hostchains = r.raw_table("hostchains");

  local.append(r.finish());
  if (!local.empty()) {
    errors.append(local);
    return std::nullopt;
  }
  return cfg;
}

namespace {

std::optional<SymbioteConfig> load_one_symbiote(const DataDir& dir, const std::string& alias,
                                                ConfigErrors& errors) {
  fs::path path = dir.symbiote_config(alias);
  std::string file = dir.display(path);
  auto text = read_config_file(path, file, errors);
  if (!text) return std::nullopt;
  return parse_symbiote_config(*text, alias, file, dir, errors);
}

}  // namespace

Result<std::vector<SymbioteConfig>> load_symbiote_configs(const DataDir& dir) {
  std::vector<std::string> aliases;
  std::error_code ec;
  fs::directory_iterator it(dir.symbiote_configs_dir(), ec), end;
  if (ec) {
    if (!fs::exists(dir.symbiote_configs_dir())) return std::vector<SymbioteConfig>{};
    return Error("config",
                 dir.display(dir.symbiote_configs_dir()) + ": cannot list: " + ec.message());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    if (p.extension() != ".toml") continue;  // editor backups, README, ...
    aliases.push_back(p.stem().string());
  }
  std::sort(aliases.begin(), aliases.end());
  ConfigErrors errors;
  std::vector<SymbioteConfig> out;
  for (const auto& alias : aliases) {
    auto cfg = load_one_symbiote(dir, alias, errors);
    if (cfg) out.push_back(std::move(*cfg));
  }
  if (!errors.empty()) return errors.to_error();
  return out;
}

// ---------------------------------------------------------------- reload

LogLevels log_levels_of(const NodeConfig& node, const std::vector<SymbioteConfig>& symbiotes) {
  LogLevels levels;
  levels.core = node.log.level;
  for (const auto& s : symbiotes) levels.symbiotes[s.alias] = s.log_level;
  return levels;
}

ReloadResult reload_log_levels(const DataDir& dir, const LogLevels& current) {
  ReloadResult out;
  out.levels = current;
  auto node = load_node(dir, out.errors);
  if (node) out.levels.core = node->log.level;
  for (auto& [alias, level] : out.levels.symbiotes) {
    ConfigErrors e;
    auto cfg = load_one_symbiote(dir, alias, e);
    if (cfg)
      level = cfg->log_level;
    else
      out.errors.append(e);
  }
  return out;
}

}  // namespace klyn::core
