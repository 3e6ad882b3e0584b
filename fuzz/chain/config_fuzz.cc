// libFuzzer target: config parsers on arbitrary text — parse_node_config (CONFIGS/node.toml) and
// parse_symbiote_config (CONFIGS/symbiotes/<alias>.toml).
//
// Oracles:
//  * never crash or throw; the result is either a config or at least one error, never both;
//  * every error names the file it was given and has a reason; once the TOML itself parses,
//    every error also names the key;
//  * an accepted config satisfies the documented ranges (port 1..65535, known log level,
//    a signing role has a key, peers are valid and unique, ...);
//  * parsing is deterministic (the same text gives the same errors).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/config.h"
#include "fuzz_check.h"

using namespace klyn;
using namespace klyn::core;

namespace {

const DataDir& data_dir() {
  // A data dir with GENESIS/alpha.json, so "genesis = ..." can name an existing file.
  static const DataDir dir = [] {
    char tmpl[] = "/tmp/klyn_fuzz_config.XXXXXX";
    const char* root = mkdtemp(tmpl);
    FUZZ_CHECK(root != nullptr);
    DataDir d{std::filesystem::path(root)};
    std::filesystem::create_directories(d.genesis_dir());
    std::ofstream(d.genesis("alpha")) << "{}\n";
    return d;
  }();
  return dir;
}

void check_errors(const ConfigErrors& errors, const std::string& file, bool toml_ok) {
  for (const auto& e : errors) {
    FUZZ_CHECK(e.file == file);
    FUZZ_CHECK(!e.reason.empty());
    if (toml_ok) FUZZ_CHECK(!e.key.empty());
  }
}

bool toml_parses(std::string_view text) {
  ConfigErrors ignored;
  return parse_toml(text, "x.toml", ignored).ok();
}

void check_node(std::string_view text, bool toml_ok) {
  const std::string file = "CONFIGS/node.toml";
  ConfigErrors errors;
  auto cfg = parse_node_config(text, file, data_dir(), errors);
  FUZZ_CHECK(cfg.has_value() == errors.empty());
  check_errors(errors, file, toml_ok);
  ConfigErrors again;
  (void)parse_node_config(text, file, data_dir(), again);
  FUZZ_CHECK(again.to_string() == errors.to_string());
  if (!cfg) return;
  const ServerConfig& s = cfg->server;
  FUZZ_CHECK(s.port >= 1);
  FUZZ_CHECK(s.threads <= 1024);
  FUZZ_CHECK(s.max_body_bytes >= 1024 && s.max_body_bytes <= (1ULL << 32));
  FUZZ_CHECK(s.header_timeout.count() >= 100 && s.body_timeout.count() >= 100 &&
             s.idle_timeout.count() >= 100);
  FUZZ_CHECK(s.max_connections >= 1 && s.max_connections <= 1000000);
  bool known_level = false;
  for (auto name : log_level_names()) known_level = known_level || name == cfg->log.level;
  FUZZ_CHECK(known_level);
  for (const auto& svc : cfg->services) FUZZ_CHECK(!svc.name.empty() && !svc.command.empty());
  for (const auto& p : cfg->plugins) FUZZ_CHECK(!p.path.empty());
}

void check_symbiote(std::string_view text, bool toml_ok) {
  const std::string file = "CONFIGS/symbiotes/alpha.toml";
  ConfigErrors errors;
  auto cfg = parse_symbiote_config(text, "alpha", file, data_dir(), errors);
  FUZZ_CHECK(cfg.has_value() == errors.empty());
  check_errors(errors, file, toml_ok);
  ConfigErrors again;
  (void)parse_symbiote_config(text, "alpha", file, data_dir(), again);
  FUZZ_CHECK(again.to_string() == errors.to_string());
  if (!cfg) return;
  FUZZ_CHECK(cfg->alias == "alpha" && cfg->file == file);
  FUZZ_CHECK(!cfg->genesis.empty());
  if (cfg->role != SymbioteRole::follower) FUZZ_CHECK(!cfg->key.empty());
  for (size_t i = 0; i < cfg->peers.size(); ++i) {
    FUZZ_CHECK(check_peer_url(cfg->peers[i]).empty());
    for (size_t k = 0; k < i; ++k) FUZZ_CHECK(cfg->peers[k] != cfg->peers[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool toml_ok = toml_parses(text);
  check_node(text, toml_ok);
  check_symbiote(text, toml_ok);
  // check_peer_url on the raw text: never throws (it converts the port with std::stoi).
  (void)check_peer_url(text);
  return 0;
}
