#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/config.h"
#include "core/data_dir.h"

namespace klyn::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

struct TempNode {
  fs::path path;
  DataDir dir{""};
  TempNode() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("klyn-core-cfg-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    dir = DataDir(path);
    EXPECT_TRUE(dir.create_layout().ok());
  }
  ~TempNode() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  void node(const std::string& text) { write(dir.node_config(), text); }
  void symbiote(const std::string& alias, const std::string& text) {
    write(dir.symbiote_config(alias), text);
  }
  void genesis(const std::string& alias) { write(dir.genesis(alias), "{}"); }
};

// Parses node.toml text and returns the joined error lines ("" when valid).
std::string node_errors(const std::string& text) {
  DataDir d("/tmp/unused");
  ConfigErrors errors;
  auto cfg = parse_node_config(text, "CONFIGS/node.toml", d, errors);
  EXPECT_EQ(cfg.has_value(), errors.empty());
  return errors.to_string();
}

TEST(CoreBaseConfig, NodeDefaultsWhenFileMissingOrEmpty) {
  TempNode t;
  auto cfg = load_node_config(t.dir);
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server.interface, "127.0.0.1");
  EXPECT_EQ(cfg->server.port, 7777);
  EXPECT_EQ(cfg->server.threads, 0u);
  EXPECT_GE(cfg->server.effective_threads(), 1u);
  EXPECT_EQ(cfg->server.max_body_bytes, 8388608u);
  EXPECT_EQ(cfg->server.header_timeout, 5000ms);
  EXPECT_EQ(cfg->server.body_timeout, 30000ms);
  EXPECT_EQ(cfg->server.idle_timeout, 60000ms);
  EXPECT_EQ(cfg->server.max_connections, 4096u);
  EXPECT_EQ(cfg->log.level, "info");
  EXPECT_TRUE(cfg->log.console);
  EXPECT_TRUE(cfg->keys.password_file.empty());
  EXPECT_EQ(cfg->keys.password_env, "KLYN_KEYSTORE_PASSWORD");
  EXPECT_FALSE(cfg->keys.allow_plain_keys);
  EXPECT_TRUE(cfg->plugins.empty());
  EXPECT_TRUE(cfg->services.empty());
  EXPECT_EQ(node_errors(""), "");
}

TEST(CoreBaseConfig, DefaultNodeConfigFileParsesToDefaults) {
  TempNode t;
  ASSERT_TRUE(t.dir.write_default_node_config().ok());
  auto cfg = load_node_config(t.dir);
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server.port, 7777);
  EXPECT_EQ(cfg->log.level, "info");
}

TEST(CoreBaseConfig, NodeFullConfig) {
  TempNode t;
  t.node(R"(
[server]
interface = "::1"
port = 8080
threads = 4
max_body_bytes = 65536
header_timeout_ms = "2s"
body_timeout_ms = 1500
idle_timeout_ms = "1m"
max_connections = 10
[log]
level = "debug"
console = false
[keys]
password_file = "secret/pw"
password_env = ""
allow_plain_keys = true
[[plugins]]
path = "/opt/p1.so"
[[plugins]]
path = "plugins/p2.so"
enabled = false
[[services]]
name = "indexer"
command = "/usr/bin/indexer"
args = ["-v", "--db=x"]
env = { A = "1", B_2 = "two" }
)");
  auto cfg = load_node_config(t.dir);
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg->server.interface, "::1");
  EXPECT_EQ(cfg->server.port, 8080);
  EXPECT_EQ(cfg->server.effective_threads(), 4u);
  EXPECT_EQ(cfg->server.header_timeout, 2000ms);
  EXPECT_EQ(cfg->server.body_timeout, 1500ms);
  EXPECT_EQ(cfg->server.idle_timeout, 60000ms);
  EXPECT_EQ(cfg->log.level, "debug");
  EXPECT_FALSE(cfg->log.console);
  EXPECT_EQ(cfg->keys.password_file, t.path / "secret/pw");
  EXPECT_EQ(cfg->keys.password_env, "");
  EXPECT_TRUE(cfg->keys.allow_plain_keys);
  ASSERT_EQ(cfg->plugins.size(), 2u);
  EXPECT_EQ(cfg->plugins[0].path, fs::path("/opt/p1.so"));
  EXPECT_TRUE(cfg->plugins[0].enabled);
  EXPECT_EQ(cfg->plugins[1].path, t.path / "plugins/p2.so");
  EXPECT_FALSE(cfg->plugins[1].enabled);
  ASSERT_EQ(cfg->services.size(), 1u);
  EXPECT_EQ(cfg->services[0].name, "indexer");
  EXPECT_EQ(cfg->services[0].args, (std::vector<std::string>{"-v", "--db=x"}));
  EXPECT_EQ(cfg->services[0].env.at("B_2"), "two");
  EXPECT_TRUE(cfg->services[0].enabled);
}

TEST(CoreBaseConfig, WrongTypeReportsFileKeyReason) {
  EXPECT_EQ(node_errors("[server]\nport = \"abc\"\n"),
            "CONFIGS/node.toml: server.port: must be an integer in 1..65535, got \"abc\"");
  EXPECT_EQ(node_errors("[log]\nconsole = \"yes\"\n"),
            "CONFIGS/node.toml: log.console: must be true or false, got \"yes\"");
  EXPECT_EQ(node_errors("server = 5\n"), "CONFIGS/node.toml: server: must be a table, got 5");
  EXPECT_EQ(node_errors("plugins = \"x\"\n"),
            "CONFIGS/node.toml: plugins: must be an array of tables ([[plugins]]), got \"x\"");
  EXPECT_THAT(node_errors("[server]\nheader_timeout_ms = \"soon\"\n"),
              HasSubstr("server.header_timeout_ms: must be a duration in 100..3600000 ms"));
}

TEST(CoreBaseConfig, OutOfRangeAndBadValues) {
  EXPECT_EQ(node_errors("[server]\nport = 70000\n"),
            "CONFIGS/node.toml: server.port: must be an integer in 1..65535, got 70000");
  EXPECT_EQ(node_errors("[server]\nport = 0\n"),
            "CONFIGS/node.toml: server.port: must be an integer in 1..65535, got 0");
  EXPECT_THAT(node_errors("[server]\ninterface = \"localhost\"\n"),
              HasSubstr("server.interface: must be an IPv4 or IPv6 address literal"));
  EXPECT_EQ(node_errors("[log]\nlevel = \"verbose\"\n"),
            "CONFIGS/node.toml: log.level: must be one of \"trace\", \"debug\", \"info\", "
            "\"warn\", \"error\", \"critical\", \"off\", got \"verbose\"");
  EXPECT_THAT(node_errors("[keys]\npassword_env = \"1BAD\"\n"),
              HasSubstr("keys.password_env: must be an environment variable name"));
}

TEST(CoreBaseConfig, UnknownKeysAreErrorsWithSuggestion) {
  EXPECT_EQ(node_errors("[server]\nprot = 1\n"),
            "CONFIGS/node.toml: server.prot: unknown key (did you mean \"port\"?)");
  EXPECT_EQ(node_errors("[servr]\nport = 1\n"),
            "CONFIGS/node.toml: servr: unknown key (did you mean \"server\"?)");
  EXPECT_EQ(node_errors("[[plugins]]\npath = \"a.so\"\nenable = true\n"),
            "CONFIGS/node.toml: plugins[0].enable: unknown key (did you mean \"enabled\"?)");
  EXPECT_EQ(node_errors("completely_unrelated = 1\n"),
            "CONFIGS/node.toml: completely_unrelated: unknown key");
}

TEST(CoreBaseConfig, AllErrorsOfAFileAreCollected) {
  std::string e = node_errors(R"(
[server]
port = "abc"
threads = -1
[log]
level = "loud"
extra = 1
[[plugins]]
enabled = "no"
[[services]]
name = "a b"
)");
  EXPECT_THAT(e, HasSubstr("server.port: must be an integer in 1..65535"));
  EXPECT_THAT(e, HasSubstr("server.threads: must be an integer in 0..1024, got -1"));
  EXPECT_THAT(e, HasSubstr("log.level: must be one of"));
  EXPECT_THAT(e, HasSubstr("log.extra: unknown key"));
  EXPECT_THAT(e, HasSubstr("plugins[0].path: is required"));
  EXPECT_THAT(e, HasSubstr("plugins[0].enabled: must be true or false, got \"no\""));
  EXPECT_THAT(e, HasSubstr("services[0].name: must match"));
  EXPECT_THAT(e, HasSubstr("services[0].command: is required"));
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 7) << e;
}

TEST(CoreBaseConfig, SyntaxErrorHasLine) {
  std::string e = node_errors("[server]\nport = = 3\n");
  EXPECT_THAT(e, HasSubstr("CONFIGS/node.toml: syntax error at line 2"));
}

TEST(CoreBaseConfig, LoadNodeConfigErrorCodeIsConfig) {
  TempNode t;
  t.node("[server]\nport = \"abc\"\n");
  auto cfg = load_node_config(t.dir);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().code, "config");
  EXPECT_EQ(cfg.error().reason,
            "CONFIGS/node.toml: server.port: must be an integer in 1..65535, got \"abc\"");
}

TEST(CoreBaseConfig, SymbioteFull) {
  TempNode t;
  t.genesis("alpha");
  t.symbiote("alpha", R"(
enabled = true
genesis = "GENESIS/alpha.json"
key = "alpha-controller"
role = "controller"
peers = ["http://10.0.0.2:7777", "https://node.example.org:443/", "http://[::1]:7000"]
log_level = "debug"
[workflow]
block_time_ms = 500
[workflow.limits]
max_events = 10
[hostchains.ltc]
url = "http://127.0.0.1:19443"
)");
  auto r = load_symbiote_configs(t.dir);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  const SymbioteConfig& s = (*r)[0];
  EXPECT_EQ(s.alias, "alpha");
  EXPECT_EQ(s.file, "CONFIGS/symbiotes/alpha.toml");
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.genesis_path, t.dir.genesis("alpha"));
  EXPECT_EQ(s.key, "alpha-controller");
  EXPECT_EQ(s.role, SymbioteRole::controller);
  EXPECT_EQ(s.peers.size(), 3u);
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(s.workflow["block_time_ms"].value<int64_t>(), 500);
  EXPECT_TRUE(s.hostchains["ltc"].is_table());
}

TEST(CoreBaseConfig, SymbioteDefaultsAndDisabled) {
  TempNode t;
  // Disabled: its genesis need not exist (data is kept, the symbiote is not run).
  t.symbiote("beta", "enabled = false\ngenesis = \"GENESIS/beta.json\"\n");
  auto r = load_symbiote_configs(t.dir);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_FALSE((*r)[0].enabled);
  EXPECT_EQ((*r)[0].role, SymbioteRole::follower);
  EXPECT_EQ((*r)[0].key, "");
  EXPECT_TRUE((*r)[0].peers.empty());
  EXPECT_TRUE((*r)[0].workflow.empty());
}

TEST(CoreBaseConfig, SymbioteErrorsAcrossFiles) {
  TempNode t;
  t.genesis("alpha");
  t.symbiote("alpha", R"(
genesis = "GENESIS/alpha.json"
role = "controller"
peers = ["ftp://x:1", "http://host", "http://:80", "http://h:99999", 7]
)");
  t.symbiote("Bad.Alias", "genesis = \"GENESIS/alpha.json\"\n");
  t.symbiote("gamma", "role = \"follower\"\n");
  t.symbiote("delta", "genesis = \"GENESIS/none.json\"\nworkflow = 3\n");
  std::ofstream(t.dir.symbiote_configs_dir() / "notes.txt") << "ignored";
  auto r = load_symbiote_configs(t.dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "config");
  const std::string& e = r.error().reason;
  EXPECT_THAT(e, HasSubstr("CONFIGS/symbiotes/Bad.Alias.toml: the file name is the symbiote "
                           "alias and must match ^[a-z][a-z0-9_-]{0,31}$, got \"Bad.Alias\""));
  EXPECT_THAT(e, HasSubstr("CONFIGS/symbiotes/alpha.toml: key: is required for role "
                           "\"controller\""));
  EXPECT_THAT(e, HasSubstr("CONFIGS/symbiotes/alpha.toml: peers[4]: must be a string, got 7"));
  EXPECT_THAT(e, HasSubstr("CONFIGS/symbiotes/gamma.toml: genesis: is required"));
  EXPECT_THAT(e, HasSubstr("CONFIGS/symbiotes/delta.toml: genesis: file GENESIS/none.json does "
                           "not exist"));
  EXPECT_THAT(e, HasSubstr("CONFIGS/symbiotes/delta.toml: workflow: must be a table, got 3"));
  EXPECT_THAT(e, ::testing::Not(HasSubstr("notes.txt")));
}

TEST(CoreBaseConfig, BadPeerUrls) {
  TempNode t;
  t.genesis("alpha");
  t.symbiote("alpha", R"(
genesis = "GENESIS/alpha.json"
peers = ["ftp://x:1", "http://host", "http://:80", "http://h:99999", "http://h:1/path",
         "http://ok:1", "http://ok:1"]
)");
  auto r = load_symbiote_configs(t.dir);
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error().reason;
  const std::string f = "CONFIGS/symbiotes/alpha.toml: ";
  EXPECT_THAT(e, HasSubstr(f + "peers[0]: must start with http:// or https://, got \"ftp://x:1\""));
  EXPECT_THAT(e, HasSubstr(f + "peers[1]: must have a port (scheme://host:port), got "
                               "\"http://host\""));
  EXPECT_THAT(e, HasSubstr(f + "peers[2]: must have a host"));
  EXPECT_THAT(e, HasSubstr(f + "peers[3]: must have a numeric port in 1..65535"));
  EXPECT_THAT(e, HasSubstr(f + "peers[4]: must be just scheme://host:port"));
  EXPECT_THAT(e, HasSubstr(f + "peers[6]: duplicate peer \"http://ok:1\""));
  EXPECT_THAT(e, ::testing::Not(HasSubstr("peers[5]")));
  EXPECT_EQ(check_peer_url("https://[2001:db8::1]:8443"), "");
}

TEST(CoreBaseConfig, SymbioteUnknownKeyAndBadEnums) {
  TempNode t;
  t.genesis("alpha");
  t.symbiote("alpha", R"(
genesis = "GENESIS/alpha.json"
role = "boss"
log_level = "chatty"
key = "../etc/passwd"
enabeld = false
)");
  auto r = load_symbiote_configs(t.dir);
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error().reason;
  EXPECT_THAT(e, HasSubstr("alpha.toml: role: must be one of \"controller\", \"producer\", "
                           "\"follower\", got \"boss\""));
  EXPECT_THAT(e, HasSubstr("alpha.toml: log_level: must be one of"));
  EXPECT_THAT(e, HasSubstr("alpha.toml: key: must be a keystore key name"));
  EXPECT_THAT(e, HasSubstr("alpha.toml: enabeld: unknown key (did you mean \"enabled\"?)"));
}

// How a workflow validates its own [workflow] table.
TEST(CoreBaseConfig, ReaderSubTablesForWorkflows) {
  ConfigErrors parse_errors;
  auto table = parse_toml(R"(
block_time_ms = "250ms"
mode = "fast"
ratio = 0.5
tags = ["a", "b"]
[limits]
max_events = 100
[limits.deep]
flag = true
typo = 1
[timers]
)",
                          "CONFIGS/symbiotes/alpha.toml", parse_errors);
  ASSERT_TRUE(table.ok());
  ConfigReader r(*table, "CONFIGS/symbiotes/alpha.toml", "workflow");
  EXPECT_TRUE(r.has("limits"));
  EXPECT_FALSE(r.has("nothing"));
  EXPECT_EQ(r.duration_ms("block_time_ms", 1000ms, 10ms, 60000ms), 250ms);
  EXPECT_EQ(r.enum_string("mode", "safe", {"fast", "safe"}), "fast");
  EXPECT_DOUBLE_EQ(r.number("ratio", 1.0, 0.0, 1.0), 0.5);
  EXPECT_EQ(r.string_list("tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.integer("absent", 42, 0, 100), 42);
  ConfigReader limits = r.sub("limits");
  EXPECT_EQ(limits.integer("max_events", 1, 1, 50), 1);  // out of range -> default + error
  ConfigReader deep = limits.sub("deep");
  EXPECT_TRUE(deep.boolean("flag", false));
  ConfigReader missing = r.sub("not_there");  // absent sub-table: all defaults
  EXPECT_EQ(missing.string("x", "dflt"), "dflt");
  // [timers] present but never read -> unknown.
  const ConfigErrors& errors = r.finish();
  EXPECT_EQ(errors.to_string(),
            "CONFIGS/symbiotes/alpha.toml: workflow.limits.max_events: must be an integer in "
            "1..50, got 100\n"
            "CONFIGS/symbiotes/alpha.toml: workflow.limits.deep.typo: unknown key\n"
            "CONFIGS/symbiotes/alpha.toml: workflow.timers: unknown key");
  Status st = r.finish_status();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "config");
  EXPECT_EQ(r.errors().size(), 3u);  // finish twice does not duplicate
}

TEST(CoreBaseConfig, ReloadKeepsOldValuesOfBrokenFiles) {
  TempNode t;
  t.genesis("alpha");
  t.genesis("beta");
  t.node("[log]\nlevel = \"info\"\n");
  t.symbiote("alpha", "genesis = \"GENESIS/alpha.json\"\n");
  t.symbiote("beta", "genesis = \"GENESIS/beta.json\"\nlog_level = \"warn\"\n");
  auto node = load_node_config(t.dir);
  auto syms = load_symbiote_configs(t.dir);
  ASSERT_TRUE(node.ok() && syms.ok());
  LogLevels current = log_levels_of(*node, *syms);
  EXPECT_EQ(current.core, "info");
  EXPECT_EQ(current.symbiotes.at("alpha"), "");
  EXPECT_EQ(current.symbiotes.at("beta"), "warn");

  t.node("[log]\nlevel = \"debug\"\n");
  t.symbiote("alpha", "genesis = \"GENESIS/alpha.json\"\nlog_level = \"trace\"\n");
  t.symbiote("beta", "genesis = \"GENESIS/beta.json\"\nlog_level = \"noisy\"\n");
  t.symbiote("gamma", "genesis = \"GENESIS/gamma.json\"\n");  // new: needs a restart
  ReloadResult rr = reload_log_levels(t.dir, current);
  EXPECT_EQ(rr.levels.core, "debug");
  EXPECT_EQ(rr.levels.symbiotes.at("alpha"), "trace");
  EXPECT_EQ(rr.levels.symbiotes.at("beta"), "warn");  // broken file: old value kept
  EXPECT_EQ(rr.levels.symbiotes.count("gamma"), 0u);
  ASSERT_EQ(rr.errors.size(), 1u);
  EXPECT_EQ(rr.errors[0].file, "CONFIGS/symbiotes/beta.toml");
  EXPECT_EQ(rr.errors[0].key, "log_level");

  t.node("[log]\nlevel = 5\n");
  ReloadResult broken = reload_log_levels(t.dir, rr.levels);
  EXPECT_EQ(broken.levels.core, "debug");
  ASSERT_GE(broken.errors.size(), 1u);
  EXPECT_EQ(broken.errors[0].key, "log.level");
}

}  // namespace
}  // namespace klyn::core
