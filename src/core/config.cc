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
                     quoted_value(s.interface));
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
                   quoted_value(cfg.keys.password_env));
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
        sv.error("name", "must match ^[A-Za-z0-9_.-]{1,64}$, got " + quoted_value(svc.name));
      else if (!service_names.insert(svc.name).second)
        sv.error("name", "duplicate service name " + quoted_value(svc.name));
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
                  quoted_value(alias));
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
    r.error("key",
            "must be a keystore key name (^[A-Za-z0-9_.-]{1,64}$), got " + quoted_value(cfg.key));
  std::string role = r.enum_string("role", "follower", {"controller", "producer", "follower"});
  cfg.role = role == "controller" ? SymbioteRole::controller
             : role == "producer" ? SymbioteRole::producer
                                  : SymbioteRole::follower;
  if (cfg.role != SymbioteRole::follower && cfg.key.empty())
    r.error("key", std::string(r.has("key") ? "must not be empty" : "is required") + " for role " +
                       quoted_value(role) + " (the keystore key this node signs with)");
  cfg.peers = r.string_list("peers");
  std::set<std::string> seen;
  for (size_t i = 0; i < cfg.peers.size(); ++i) {
    std::string key = "peers[" + std::to_string(i) + "]";
    std::string problem = check_peer_url(cfg.peers[i]);
    if (!problem.empty())
      r.error(key, problem + ", got " + quoted_value(cfg.peers[i]));
    else if (!seen.insert(cfg.peers[i]).second)
      r.error(key, "duplicate peer " + quoted_value(cfg.peers[i]));
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
