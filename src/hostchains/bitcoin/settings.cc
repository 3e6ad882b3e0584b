#include "hostchains/bitcoin/settings.h"

#include "net/url.h"

namespace klyn::hostchains::bitcoin {

std::optional<BitcoinSettings> read_settings(const ConnectorSpec& spec, core::ConfigReader& cfg) {
  using namespace std::chrono_literals;
  const size_t errors_before = cfg.errors().size();
  BitcoinSettings s;
  s.common = read_common(cfg);
  if (!s.common.type.empty() && s.common.type != "bitcoin")
    cfg.error("type", "\"" + s.common.type + "\" given to the bitcoin connector");
  if (!s.common.network.empty() && !spec.ref.network.empty() &&
      s.common.network != spec.ref.network)
    cfg.error("network", "\"" + s.common.network + "\" is not the manifest's network \"" +
                             spec.ref.network + "\"");

  s.rpc_url = cfg.required_string("rpc_url");
  if (!s.rpc_url.empty()) {
    if (auto hp = net::parse_http_url(s.rpc_url); !hp)
      cfg.error("rpc_url", hp.error().reason + " (expected http://host:port)");
  }

  const bool has_user = cfg.has("rpc_user"), has_password = cfg.has("rpc_password");
  const bool has_cookie = cfg.has("rpc_cookie_file");
  s.rpc_user = cfg.string("rpc_user");
  s.rpc_password = cfg.string("rpc_password");
  const std::string cookie = cfg.string("rpc_cookie_file");
  if (has_cookie && (has_user || has_password)) {
    cfg.error("rpc_cookie_file", "set either rpc_user + rpc_password or rpc_cookie_file, not both");
  } else if (has_cookie) {
    if (cookie.empty())
      cfg.error("rpc_cookie_file", "must not be empty");
    else
      s.rpc_cookie_file = std::filesystem::path(cookie).is_absolute()
                              ? std::filesystem::path(cookie)
                              : spec.data_dir / cookie;
  } else if (!has_user && !has_password) {
    cfg.error("rpc_user", "set rpc_user + rpc_password, or rpc_cookie_file");
  } else if (!has_password) {
    cfg.error("rpc_password", "required with rpc_user");
  } else if (!has_user || s.rpc_user.empty()) {
    cfg.error("rpc_user", "required (non-empty) with rpc_password");
  }

  s.wallet = cfg.string("wallet");
  if (cfg.has("fee_rate")) s.fee_rate = cfg.number("fee_rate", 1.0, 0.001, 1000000.0);
  s.start_height = static_cast<uint64_t>(cfg.integer("start_height", 0, 0, 1000000000));
  s.max_scan_blocks = static_cast<uint64_t>(cfg.integer("max_scan_blocks", 2000, 1, 1000000));
  s.timeout = cfg.duration_ms("timeout", 10s, 100ms, 600s);

  cfg.finish();  // unknown keys
  if (cfg.errors().size() != errors_before) return std::nullopt;
  return s;
}

}  // namespace klyn::hostchains::bitcoin
