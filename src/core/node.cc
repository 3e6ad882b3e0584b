#include "core/node.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>

#include "codec/hex.h"
#include "core/data_dir.h"
#include "core/keystore.h"
#include "core/logging.h"
#include "core/openapi.h"
#include "core/password.h"
#include "core/signals.h"
#include "net/http_server.h"

namespace klyn::core {

namespace {

constexpr const char* kNodeVersion = "0.1.0";

struct Hosted {
  SymbioteConfig config;
  chain::SymbioteId id{};
  std::unique_ptr<Workflow> workflow;
  std::string workflow_name, workflow_version;
};

// A symbiote whose storage failed its start-up checks: listed in /info with the reason, every
// route of it answers 503; the node hosts the others (chain/README.md S1).
struct Halted {
  std::string alias, id_hex, workflow, reason;
  nlohmann::json summary() const {
    return {{"alias", alias}, {"id", id_hex}, {"workflow", workflow}, {"halted", reason}};
  }
};

bool is_storage_failure(const Error& e) {
  return e.code.starts_with("storage");
}

int fail(int code, const std::string& message) {
  std::cerr << "klyn74r: " << message << std::endl;
  return code;
}

}  // namespace

int run_node(const NodeOptions& options, const WorkflowRegistry& registry,
             const hostchains::ConnectorRegistry& connectors) {
  // Signals are blocked before any thread exists so that only the watcher receives them.
  SignalWatcher::block_signals();
  DataDir dir(options.dir);
  if (auto st = dir.check_layout(); !st)
    return fail(2, st.error().reason + " (create it with: klyn74r init --dir " +
                       options.dir.string() + ")");
  auto node_cfg = load_node_config(dir);
  if (!node_cfg) return fail(2, "configuration error:\n" + node_cfg.error().reason);
  if (options.port) node_cfg->server.port = *options.port;
  if (options.interface) node_cfg->server.interface = *options.interface;
  auto sym_cfgs = load_symbiote_configs(dir);
  if (!sym_cfgs) return fail(2, "configuration error:\n" + sym_cfgs.error().reason);

  auto logs = LogHub::open(dir, node_cfg->log);
  if (!logs) return fail(2, "logging: " + logs.error().to_string());
  auto log = (*logs)->core();
  log->info("klyn74r {} starting in {}", kNodeVersion, dir.root().string());

  EventBus bus;
  Keystore keystore(dir.keys_dir(), log);
  PasswordSource passwords = PasswordSource::from_config(node_cfg->keys);
  std::map<std::string, std::shared_ptr<const crypto::KeyPair>> keys;  // by key name
  std::vector<Hosted> hosted;
  std::vector<Halted> halted;
  // This node's own API as connectors reach it (a wildcard interface is reached on loopback).
  std::string self_host = node_cfg->server.interface;
  if (self_host == "0.0.0.0" || self_host.empty()) self_host = "127.0.0.1";
  if (self_host == "::") self_host = "::1";
  if (self_host.find(':') != std::string::npos) self_host = "[" + self_host + "]";
  const std::string self_url = "http://" + self_host + ":" + std::to_string(node_cfg->server.port);
  // Keys by name, each decrypted once (a password is asked at most once per key).
  // The password of key `name` ("" for a plain key).
  auto password_for = [&](const std::string& name) -> Result<SecretString> {
    auto info = keystore.info(name);
    if (!info) return info.error();
    if (!info->encrypted) return SecretString();
    return passwords.get("keystore password for " + name);
  };
  auto load_key = [&](const std::string& name) -> Result<std::shared_ptr<const crypto::KeyPair>> {
    if (auto it = keys.find(name); it != keys.end()) return it->second;
    auto password = password_for(name);
    if (!password) return password.error();
    auto kp = keystore.load(name, password->view(),
                            node_cfg->keys.allow_plain_keys ? PlainKeys::allow : PlainKeys::refuse);
    if (!kp) return kp.error();
    auto shared = std::make_shared<const crypto::KeyPair>(std::move(*kp));
    keys.emplace(name, shared);
    return shared;
  };

  auto load_bls_key = [&](const std::string& name) -> Result<bls::SecretKey> {
    auto password = password_for(name);
    if (!password) return password.error();
    return keystore.load_bls(
        name, password->view(),
        node_cfg->keys.allow_plain_keys ? PlainKeys::allow : PlainKeys::refuse);
  };

  // Phase 1: everything that can be wrong in files is checked before anything starts.
  for (auto& sc : *sym_cfgs) {
    if (!sc.enabled) {
      log->info("symbiote {} is stopped in {} (enabled = false); its data is kept", sc.alias,
                sc.file);
      continue;
    }
    auto genesis = chain::load_genesis_file(sc.genesis_path.string());
    if (!genesis) return fail(2, sc.file + ": genesis: " + genesis.error().reason);
    Hosted h;
    h.config = sc;
    h.id = genesis->id();
    h.workflow_name = genesis->manifest.workflow;
    h.workflow_version = genesis->manifest.workflow_version;
    auto wf = registry.create(h.workflow_name, h.workflow_version);
    if (!wf) return fail(2, sc.file + ": symbiote " + sc.alias + ": " + wf.error().reason);
    h.workflow = std::move(*wf);
    if (auto st = h.workflow->check_manifest(genesis->manifest); !st)
      return fail(2, sc.genesis_path.string() + ": " + st.error().reason);

    std::shared_ptr<const crypto::KeyPair> key;
    if (!sc.key.empty()) {
      auto k = load_key(sc.key);
      if (!k) return fail(2, sc.file + ": key: " + k.error().reason);
      key = *k;
    }
    auto slog = (*logs)->symbiote(sc.alias, sc.log_level);
    if (!slog) return fail(2, sc.file + ": log_level: " + slog.error().reason);

    auto links = hostchains::build_hostchains(sc, *genesis, dir.root(), connectors, *slog, load_key,
                                              self_url);
    if (!links) return fail(2, "configuration error:\n" + links.error().reason);

    WorkflowContext ctx;
    ctx.hostchains = std::move(*links);
    ctx.alias = sc.alias;
    ctx.genesis = std::move(*genesis);
    ctx.id = h.id;
    ctx.config = sc;
    ctx.chaindata = dir.chaindata(codec::hex_encode(h.id));
    ctx.signing_mark = dir.signing_mark(codec::hex_encode(h.id));
    ctx.key = key;
    ctx.load_bls_key = load_bls_key;
    ctx.log = *slog;
    ctx.bus = &bus;
    ctx.cores = node_cfg->server.effective_threads();
    std::error_code ec;
    std::filesystem::create_directories(ctx.chaindata, ec);
    if (auto st = h.workflow->prepare(std::move(ctx)); !st) {
      if (is_storage_failure(st.error())) {
        (*slog)->critical(
            "HALTED: the database of symbiote {} failed its checks and is not served: {}. See "
            "docs/operating-a-node.md, \"What survives what\".",
            sc.alias, st.error().to_string());
        log->critical("symbiote {} halted at start: {}", sc.alias, st.error().to_string());
        halted.push_back(
            {sc.alias, codec::hex_encode(h.id), h.workflow_name, st.error().to_string()});
        continue;
      }
      int code = st.error().code == "config" || st.error().code == "bad_genesis" ? 2 : 1;
      return fail(code, "symbiote " + sc.alias + ": " + st.error().reason);
    }
    hosted.push_back(std::move(h));
  }
  if (node_cfg->keys.allow_plain_keys)
    log->warn(
        "keys.allow_plain_keys = true: UNENCRYPTED keys may be used; this is for a devnet only");

  // Phase 2: routes and the server.
  net::ServerOptions so;
  so.address = node_cfg->server.interface;
  so.port = node_cfg->server.port;
  so.threads = node_cfg->server.effective_threads();
  so.max_body_bytes = node_cfg->server.max_body_bytes;
  so.header_timeout = node_cfg->server.header_timeout;
  so.body_timeout = node_cfg->server.body_timeout;
  so.idle_timeout = node_cfg->server.idle_timeout;
  so.max_connections = node_cfg->server.max_connections;
  so.logger = log;
  net::HttpServer server(so);
  net::Router& router = server.router();
  const auto started = std::chrono::steady_clock::now();
  auto symbiotes_json = [&hosted, &halted] {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& h : hosted) {
      nlohmann::json s = h.workflow->summary();
      s["alias"] = h.config.alias;
      list.push_back(std::move(s));
    }
    for (const auto& h : halted) list.push_back(h.summary());
    return list;
  };
  // Requests for a halted symbiote get 503 with the reason; a path or method a hosted symbiote's
  // workflow does not serve 404 not_found naming it (another workflow may serve that shape);
  // others 404 unknown_symbiote.
  net::Handler unknown = [&halted, &hosted](const net::Request& req) {
    const std::string sym = req.param("sym");
    for (const auto& h : halted)
      if (sym == h.alias || sym == h.id_hex)
        return net::Response::error(503, "symbiote_halted",
                                    "symbiote " + h.alias + " is halted: " + h.reason);
    for (const auto& h : hosted)
      if (sym == h.config.alias || sym == codec::hex_encode(h.id))
        return net::Response::error(404, "not_found",
                                    "symbiote " + h.config.alias + " (" + h.workflow_name +
                                        ") has no route " +
                                        std::string(net::method_name(req.method)) + " " + req.path);
    return SymbioteRoutes::unknown_symbiote_handler()(req);
  };
  // Every depth of path below /s/{sym}/ reaches `unknown` when no symbiote route matches, so a
  // halted symbiote answers 503 even when no hosted one registered that shape.
  for (net::Method m : {net::Method::kGet, net::Method::kPost}) {
    std::string pattern = "/s/{sym}";
    for (int depth = 1; depth <= 5; ++depth) {
      pattern += "/{p" + std::to_string(depth) + "}";
      (void)router.add(m, pattern, unknown);
    }
  }
  (void)router.add(net::Method::kGet, "/info", [&](const net::Request&) {
    auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                               started);
    return net::Response::json({{"node", "klyn74r"},
                                {"version", kNodeVersion},
                                {"uptime_s", up.count()},
                                {"symbiotes", symbiotes_json()}});
  });
  // The OpenAPI 3.1 description of the public API (docs/openapi.json) and the routes this node
  // serves (every one of them is in that description: integration test OpenApi.*).
  (void)router.add(net::Method::kGet, "/openapi.json", [](const net::Request&) {
    return net::Response::text(std::string(openapi_json()), 200, "application/json");
  });
  (void)router.add(net::Method::kGet, "/routes", [&router](const net::Request&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [method, pattern] : public_routes(router))
      list.push_back({{"method", net::method_name(method)}, {"path", pattern}});
    return net::Response::json({{"routes", list}});
  });
  (void)router.add(net::Method::kGet, "/symbiotes", [&](const net::Request&) {
    return net::Response::json({{"symbiotes", symbiotes_json()}});
  });
  // Prometheus text format (§4.7): server counters and each symbiote's progress.
  (void)router.add(net::Method::kGet, "/metrics", [&](const net::Request&) {
    net::ServerStats st = server.stats();
    std::string out;
    auto metric = [&out](const std::string& name, const std::string& type,
                         const std::string& help) {
      out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    metric("klyn_http_requests_total", "counter", "HTTP responses by status class");
    for (auto [cls, v] :
         {std::pair{"2xx", st.responses_2xx}, {"4xx", st.responses_4xx}, {"5xx", st.responses_5xx}})
      out += std::string("klyn_http_requests_total{class=\"") + cls + "\"} " + std::to_string(v) +
             "\n";
    metric("klyn_http_open_connections", "gauge", "open HTTP connections");
    out += "klyn_http_open_connections " + std::to_string(st.open_connections) + "\n";
    metric("klyn_http_timeouts_total", "counter", "connections closed by a timeout");
    out += "klyn_http_timeouts_total " + std::to_string(st.timeouts) + "\n";
    metric("klyn_symbiote_height", "gauge", "applied height per symbiote");
    metric("klyn_symbiote_events_total", "counter", "events per symbiote by outcome");
    metric("klyn_symbiote_mempool", "gauge", "events waiting in the mempool");
    for (const auto& h : hosted) {
      nlohmann::json s = h.workflow->summary();
      std::string label = "{symbiote=\"" + h.config.alias + "\"}";
      out += "klyn_symbiote_height" + label + " " + std::to_string(s.value("height", uint64_t{0})) +
             "\n";
      out += "klyn_symbiote_mempool" + label + " " +
             std::to_string(s.value("mempool", uint64_t{0})) + "\n";
      if (s.contains("events") && s["events"].is_object())
        for (auto& [k, v] : s["events"].items())
          out += "klyn_symbiote_events_total{symbiote=\"" + h.config.alias + "\",outcome=\"" + k +
                 "\"} " + v.dump() + "\n";
    }
    return net::Response::text(out, 200, "text/plain; version=0.0.4");
  });
  for (auto& h : hosted) {
    SymbioteRoutes routes(router, h.config.alias, codec::hex_encode(h.id), unknown);
    if (auto st = h.workflow->routes(routes); !st)
      return fail(1, "symbiote " + h.config.alias + ": " + st.error().reason);
  }

  LogLevels levels = log_levels_of(*node_cfg, *sym_cfgs);
  SignalWatcher signals(
      {.on_stop = [&] { log->info("stop requested: finishing blocks in flight"); },
       .on_reload =
           [&] {
             auto r = reload_log_levels(dir, levels);
             for (const auto& e : r.errors) log->error("reload: {}", e.to_string());
             levels = r.levels;
             (void)(*logs)->apply(levels);
             if (auto st = (*logs)->reopen(); !st)
               log->error("reopening logs: {}", st.error().reason);
             log->info("SIGHUP: log files reopened, log levels reloaded");
           }});

  for (auto& h : hosted) {
    if (auto st = h.workflow->start(); !st) {
      log->error("symbiote {}: {}", h.config.alias, st.error().to_string());
      for (auto& o : hosted) o.workflow->stop();
      return fail(1, "symbiote " + h.config.alias + ": " + st.error().reason);
    }
  }
  if (auto st = server.start(); !st) {
    for (auto& h : hosted) h.workflow->stop();
    return fail(1, "server: " + st.error().reason);
  }
  log->info("serving on http://{}:{} with {} threads; {} symbiote(s): {}", so.address,
            server.port(), so.threads, hosted.size(), [&] {
              std::string s;
              for (auto& h : hosted)
                s += (s.empty() ? "" : ", ") + h.config.alias + " (" + h.workflow_name + ")";
              return s;
            }());
  (*logs)->flush();

  signals.wait_for_stop();
  // Graceful stop (§4.8): stop accepting, finish blocks in flight and flush, then exit 0.
  server.stop();
  for (auto it = hosted.rbegin(); it != hosted.rend(); ++it) it->workflow->stop();
  log->info("stopped cleanly");
  (*logs)->flush();
  return 0;
}

}  // namespace klyn::core
