// `klyn74r init --devnet` as `make run` uses it: alpha and beta checkpoint into each other through
// the `symbiote` connector (this node's own API), and after transfers on both, each sees its
// commits on the other final and matching its own history; gamma (dev_symbiland) beside them
// applies transfers too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <set>

#include "cli/cli_common.h"
#include "codec/hex.h"
#include "test_chain.h"

extern char** environ;

namespace klyn::itest {
namespace {

// `klyn74r run --dir D` on the port written by `init --devnet --port P` (the devnet's hostchain
// tables point at that port, so NodeProcess::start's fresh port does not fit). Killed at scope
// exit.
class DevnetRun {
 public:
  DevnetRun(const std::filesystem::path& dir, const std::filesystem::path& out) {
    std::string bin = klyn74r_path(), d = dir.string();
    std::vector<char*> argv = {bin.data(), const_cast<char*>("run"), const_cast<char*>("--dir"),
                               d.data(), nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~DevnetRun() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 15s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST(Devnet, AlphaAndBetaCheckpointIntoEachOtherAndReachFinality) {
  NodeProcess n("devnet");
  const uint16_t port = free_loopback_port();
  auto init = n.cli({"init", "--devnet", "--port", std::to_string(port)});
  ASSERT_TRUE(init.exited_with(0)) << init.describe();
  const std::string alpha_cfg = n.read_file("CONFIGS/symbiotes/alpha.toml");
  EXPECT_NE(alpha_cfg.find("[hostchains.beta]"), std::string::npos) << alpha_cfg;
  // The hosting symbiote is on this node: reached through its own API, whatever its port.
  EXPECT_NE(alpha_cfg.find("api_url = \"self\""), std::string::npos) << alpha_cfg;
  auto g = nlohmann::json::parse(n.read_file("GENESIS/alpha.json"));
  ASSERT_EQ(g["manifest"]["hostchains"].size(), 1u) << g.dump();
  EXPECT_EQ(g["manifest"]["hostchains"][0]["type"], "symbiote");
  EXPECT_EQ(g["manifest"]["hostchains"][0]["network"], "beta");
  const uint64_t every = g["manifest"]["checkpoint_every"].get<uint64_t>();
  ASSERT_GT(every, 0u);

  DevnetRun run(n.dir(), n.temp_dir() / "devnet.out");
  ASSERT_GT(run.pid(), 0);
  net::HttpClient http("127.0.0.1", port, 5s);
  ASSERT_TRUE(wait_until([&] { return get_json(http, "/info").status == 200; }, 15s))
      << n.read_file("../devnet.out");

  const auto alice = cli::derived_test_key("devnet-alice", 0);
  const auto bob = cli::derived_test_key("devnet-bob", 0);
  std::map<std::string, chain::SymbioteId> ids;
  std::map<std::string, uint64_t> nonce;
  for (const std::string s : {"alpha", "beta"}) ids[s] = symbiote_id(http, s);
  auto transfer = [&](const std::string& s) {
    auto t = chain::make_transfer(ids[s], alice, ++nonce[s], 1, bob.public_key(), 1);
    auto r = post_body(http, "/s/" + s + "/event", event_body(t));
    EXPECT_EQ(r.status, 202u) << r.raw;
    return wait_applied(http, s, {t.hash()}, 10s);
  };
  auto finality = [&](const std::string& s) {
    JsonReply r = get_json(http, "/s/" + s + "/finality");
    return r.is_json() && r.body.contains("hostchains") && !r.body["hostchains"].empty()
               ? r.body["hostchains"][0]
               : nlohmann::json();
  };
  auto final_on_both = [&] {
    for (const std::string s : {"alpha", "beta"}) {
      auto f = finality(s);
      if (!f.is_object() || !f.contains("final_index") || f["final_index"] < every ||
          !f.value("matches_local", false))
        return false;
    }
    return true;
  };
  for (const std::string s : {"alpha", "beta"})
    while (get_symbiote(http, s).height < 2 * every) ASSERT_TRUE(transfer(s));
  // Each side's commit needs 2 confirmations on the other: keep both chains moving (bounded).
  ASSERT_TRUE(wait_until(
      [&] {
        if (final_on_both()) return true;
        return transfer("alpha") && transfer("beta") && final_on_both();
      },
      60s, 50ms))
      << finality("alpha").dump() << "\n"
      << finality("beta").dump();
  auto q = run_klyn74r(
      {"query", "finality", "-s", "alpha", "--node", "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(q.exit_code, 0) << q.output;
  EXPECT_NE(q.output.find("beta"), std::string::npos) << q.output;

  // gamma, a dev_symbiland symbiote in the same process (this node its one validator), takes the
  // same events and applies them in blocks its validator certifies.
  ids["gamma"] = symbiote_id(http, "gamma");
  ASSERT_TRUE(transfer("gamma"));
  JsonReply info = get_json(http, "/s/gamma/info");
  EXPECT_EQ(info.str("workflow"), "dev_symbiland") << info.raw;
  EXPECT_EQ(info.str("role"), "validator") << info.raw;
  JsonReply block = get_json(http, "/s/gamma/block/1");
  ASSERT_EQ(block.status, 200u) << block.raw;
  EXPECT_EQ(block.body["certificate"]["signers"], nlohmann::json::array({0})) << block.raw;
}

TEST(Devnet, GenesisNewTakesHostchainsAndInclusionWindow) {
  NodeProcess n("genesis-hc");
  ASSERT_TRUE(n.init());
  ASSERT_FALSE(n.add_plain_key("ctl").empty());
  const std::string id(64, 'd');
  ASSERT_TRUE(n.genesis_new("hc", "ctl",
                            {"--checkpoint-every", "4", "--hostchain", "symbiote:" + id,
                             "--hostchain", "evm:1337:0xabc", "--inclusion-window", "7"}));
  auto g = nlohmann::json::parse(n.read_file("GENESIS/hc.json"));
  const auto& m = g["manifest"];
  ASSERT_EQ(m["hostchains"].size(), 2u) << m.dump();
  EXPECT_EQ(m["hostchains"][0],
            (nlohmann::json{{"type", "symbiote"}, {"network", id}, {"address", ""}}));
  EXPECT_EQ(m["hostchains"][1],
            (nlohmann::json{{"type", "evm"}, {"network", "1337"}, {"address", "0xabc"}}));
  EXPECT_EQ(m["dev_controller"]["inclusion_window"], 7);
  auto bad = n.cli(
      {"genesis", "new", "--alias", "hc2", "--controller-key", "ctl", "--hostchain", "symbiote"});
  EXPECT_FALSE(bad.exited_with(0)) << bad.describe();
  EXPECT_NE(bad.output.find("TYPE:NETWORK"), std::string::npos) << bad.output;
}

// ---- OpenAPI (docs/openapi.json, served at GET /openapi.json) ----

// A minimal JSON Schema check of the keywords docs/openapi.json's answers use: $ref (local),
// type (a name or a list), enum, properties, required, items, additionalProperties. Returns the
// first mismatches, with their JSON path.
void check_schema(const nlohmann::json& root, const nlohmann::json& schema,
                  const nlohmann::json& value, const std::string& where,
                  std::vector<std::string>& out) {
  if (out.size() > 10 || !schema.is_object()) return;
  static const std::set<std::string> known = {
      "$ref",       "type", "enum", "properties", "required", "items", "additionalProperties",
      "description"};
  for (const auto& [k, v] : schema.items())
    if (!known.count(k)) out.push_back(where + ": the checker does not know keyword " + k);
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    const std::string prefix = "#/components/schemas/";
    const nlohmann::json& schemas = root.at("components").at("schemas");
    if (ref.rfind(prefix, 0) != 0 || !schemas.contains(ref.substr(prefix.size())))
      return out.push_back(where + ": unresolved $ref " + ref);
    return check_schema(root, schemas.at(ref.substr(prefix.size())), value, where, out);
  }
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_string())
      types.push_back(schema["type"]);
    else
      for (const auto& t : schema["type"]) types.push_back(t);
    auto is = [&](const std::string& t) {
      if (t == "object") return value.is_object();
      if (t == "array") return value.is_array();
      if (t == "string") return value.is_string();
      if (t == "integer") return value.is_number_integer();
      if (t == "number") return value.is_number();
      if (t == "boolean") return value.is_boolean();
      if (t == "null") return value.is_null();
      return false;
    };
    if (std::none_of(types.begin(), types.end(), is))
      return out.push_back(where + ": " + value.dump().substr(0, 80) + " is not " +
                           schema["type"].dump());
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
    out.push_back(where + ": " + value.dump() + " not in " + schema["enum"].dump());
  if (value.is_object()) {
    for (const auto& r : schema.value("required", nlohmann::json::array()))
      if (!value.contains(r.get<std::string>()))
        out.push_back(where + ": required property " + r.get<std::string>() + " missing");
    const nlohmann::json props = schema.value("properties", nlohmann::json::object());
    for (const auto& [k, v] : value.items()) {
      if (props.contains(k)) {
        check_schema(root, props[k], v, where + "." + k, out);
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        check_schema(root, schema["additionalProperties"], v, where + "." + k, out);
      } else if (schema.contains("properties") && !schema.value("additionalProperties", false)) {
        // Stricter than JSON Schema: an object schema that lists properties must list every
        // key of the answer, unless it allows more (additionalProperties true or a schema).
        out.push_back(where + ": property " + k + " is not in the schema");
      }
    }
  }
  if (value.is_array() && schema.contains("items"))
    for (size_t i = 0; i < value.size(); ++i)
      check_schema(root, schema["items"], value[i], where + "[" + std::to_string(i) + "]", out);
}

// Every public route the node registered is in docs/openapi.json, every documented path is
// served, and every documented GET answers (on a devnet with events in both workflows) what its
// success schema says.
TEST(OpenApi, EveryRouteIsDocumentedAndEveryGetAnswersItsSchema) {
  NodeProcess n("openapi");
  const uint16_t port = free_loopback_port();
  auto init = n.cli({"init", "--devnet", "--port", std::to_string(port)});
  ASSERT_TRUE(init.exited_with(0)) << init.describe();
  DevnetRun run(n.dir(), n.temp_dir() / "openapi.out");
  ASSERT_GT(run.pid(), 0);
  net::HttpClient http("127.0.0.1", port, 5s);
  ASSERT_TRUE(wait_until([&] { return get_json(http, "/info").status == 200; }, 15s));

  JsonReply doc = get_json(http, "/openapi.json");
  ASSERT_EQ(doc.status, 200u);
  ASSERT_TRUE(doc.is_json()) << doc.raw.substr(0, 200);
  const nlohmann::json& api = doc.body;
  EXPECT_EQ(api.value("openapi", ""), "3.1.0");
  const nlohmann::json& paths = api["paths"];

  // Registered -> documented, and documented -> registered.
  JsonReply routes = get_json(http, "/routes");
  ASSERT_EQ(routes.status, 200u) << routes.raw;
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& r : routes.body["routes"]) {
    std::string method = r["method"];
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const std::string path = r["path"];
    served.emplace(method, path);
    EXPECT_TRUE(paths.contains(path) && paths[path].contains(method))
        << r["method"].get<std::string>() << " " << path << " is served but not in openapi.json";
  }
  EXPECT_GT(served.size(), 20u);
  for (const auto& [path, item] : paths.items()) {
    for (const auto& [method, op] : item.items()) {
      if (method != "get" && method != "post") continue;
      EXPECT_TRUE(served.count({method, path}))
          << method << " " << path << " is in openapi.json but no route serves it";
    }
  }

  // Events in both workflows, so that event, block and account answers have content.
  const auto alice = cli::derived_test_key("devnet-alice", 0);
  const auto bob = cli::derived_test_key("devnet-bob", 0);
  std::map<std::string, Hash32> event_of;
  std::map<std::string, std::string> instant_of;
  for (const std::string s : {"alpha", "gamma"}) {
    auto t = chain::make_transfer(symbiote_id(http, s), alice, 1, 1, bob.public_key(), 1);
    ASSERT_EQ(post_body(http, "/s/" + s + "/event", event_body(t)).status, 202u);
    ASSERT_TRUE(wait_applied(http, s, {t.hash()}, 15s)) << s;
    event_of[s] = t.hash();
    instant_of[s] = get_json(http, "/s/" + s + "/event/" + codec::hex_encode(t.hash()))
                        .body.value("instant_block", "");
  }
  const std::string beta_id = codec::hex_encode(symbiote_id(http, "beta"));

  size_t checked = 0;
  for (const auto& [path, item] : paths.items()) {
    if (!item.contains("get")) continue;
    const nlohmann::json& op = item["get"];
    std::vector<std::string> syms = {""};
    if (path.rfind("/s/{sym}/", 0) == 0) {
      syms.clear();
      for (const auto& w : item.value("x-workflows", nlohmann::json::array()))
        syms.push_back(w == "dev_symbiland" ? "gamma" : "alpha");
      ASSERT_FALSE(syms.empty()) << path << " has no x-workflows";
    }
    for (const std::string& sym : syms) {
      // Path parameters by name; required query parameters from a table.
      std::string url;
      for (size_t i = 0; i < path.size();) {
        if (path[i] != '{') {
          url += path[i++];
          continue;
        }
        const size_t end = path.find('}', i);
        const std::string name = path.substr(i + 1, end - i - 1);
        i = end + 1;
        if (name == "sym")
          url += sym;
        else if (name == "addr" || name == "address")
          url += alice.address();
        else if (name == "hash")
          url += path.find("/instant/") != std::string::npos ? instant_of[sym]
                                                             : codec::hex_encode(event_of[sym]);
        else if (name == "height" || name == "index")
          url += "1";
        else
          FAIL() << path << ": the test has no value for parameter " << name;
      }
      std::string query;
      for (const auto& p : op.value("parameters", nlohmann::json::array())) {
        if (p.value("in", "") != "query" || !p.value("required", false)) continue;
        const std::string name = p["name"];
        const std::string v = name == "source" ? beta_id : name == "limit" ? "10" : "1";
        query += (query.empty() ? "?" : "&") + name + "=" + v;
      }
      JsonReply got = get_json(http, url + query);
      // Every documented GET succeeds here (the devnet has events in both workflows).
      ASSERT_EQ(got.status, 200u) << "GET " << url + query << ": " << got.raw.substr(0, 300);
      ASSERT_TRUE(op.at("responses").contains("200")) << path << " documents no 200";
      const nlohmann::json& content =
          op.at("responses").at("200").value("content", nlohmann::json());
      if (!content.contains("application/json")) continue;  // e.g. /metrics (text)
      ASSERT_TRUE(got.is_json()) << url;
      std::vector<std::string> bad;
      check_schema(api, content["application/json"].value("schema", nlohmann::json::object()),
                   got.body, "GET " + url, bad);
      EXPECT_TRUE(bad.empty()) << [&] {
        std::string s;
        for (const auto& b : bad) s += b + "\n";
        return s + got.raw.substr(0, 600);
      }();
      ++checked;
    }
  }
  EXPECT_GT(checked, 15u);
}

}  // namespace
}  // namespace klyn::itest
