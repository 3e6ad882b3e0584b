#include "hostchains/symbiote/settings.h"

#include <cctype>

#include "codec/hex.h"
#include "net/url.h"

namespace klyn::hostchains::symbiote {

bool network_is_id(const std::string& network) {
  return network.size() == 64 && codec::hex_decode_fixed<32>(network).ok();
}

static bool valid_path_segment(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

std::optional<SymbioteSettings> read_settings(const ConnectorSpec& spec, core::ConfigReader& cfg) {
  using namespace std::chrono_literals;
  const size_t errors_before = cfg.errors().size();
  SymbioteSettings s;
  s.common = read_common(cfg);
  if (!s.common.type.empty() && s.common.type != "symbiote")
    cfg.error("type", "\"" + s.common.type + "\" given to the symbiote connector");
  if (!s.common.network.empty() && !spec.ref.network.empty() &&
      s.common.network != spec.ref.network)
    cfg.error("network", "\"" + s.common.network + "\" is not the manifest's network \"" +
                             spec.ref.network + "\"");

  s.api_url = cfg.required_string("api_url");
  if (s.api_url == "self") {
    // The hosting symbiote is on this node: reach it through this node's own API, whatever
    // port the node was started on.
    if (spec.self_url.empty())
      cfg.error("api_url", "\"self\" needs the node's own address, which is unknown here");
    s.api_url = spec.self_url;
  }
  if (!s.api_url.empty()) {
    auto hp = net::parse_http_url(s.api_url);
    if (!hp) {
      cfg.error("api_url", hp.error().reason + " (expected http://host:port)");
    } else {
      s.host = hp->first;
      s.port = hp->second;
      const auto scheme_end = s.api_url.find("://");
      const auto slash = s.api_url.find('/', scheme_end + 3);
      if (slash != std::string::npos && s.api_url.substr(slash) != "/")
        cfg.error("api_url", "must be http://host:port without a path");
    }
  }

  s.path = cfg.string("symbiote", spec.ref.network);
  if (!valid_path_segment(s.path))
    cfg.error(cfg.has("symbiote") ? "symbiote" : "network",
              "\"" + s.path + "\" is not a symbiote id or alias (letters, digits, - _ .)");

  s.key_name = cfg.required_string("key");
  if (!s.key_name.empty()) {
    if (!spec.load_key) {
      cfg.error("key", "keys cannot be loaded here");
    } else if (auto k = spec.load_key(s.key_name); !k) {
      cfg.error("key", "\"" + s.key_name + "\": " + k.error().reason);
    } else {
      s.key = *k;
    }
  }

  if (cfg.has("fee"))
    s.fee = static_cast<uint64_t>(cfg.integer("fee", 0, 0, core::ConfigReader::kNoMax));
  s.timeout = cfg.duration_ms("timeout", 10s, 100ms, 600s);

  cfg.finish();  // unknown keys
  if (cfg.errors().size() != errors_before) return std::nullopt;
  return s;
}

}  // namespace klyn::hostchains::symbiote
