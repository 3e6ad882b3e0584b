// The [hostchains.<name>] table of a symbiote hostchain: keys, defaults, errors naming the key,
// the committer key loaded through spec.load_key, and a factory that does no network I/O.
#include "hostchains/symbiote/settings.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <chrono>

#include "hostchains/symbiote/symbiote.h"

namespace klyn::hostchains::symbiote {
namespace {

using namespace std::chrono_literals;

const char* kFile = "CONFIGS/symbiotes/beta.toml";
const std::string kId(64, 'a');

struct Parsed {
  std::optional<SymbioteSettings> settings;
  std::string errors;
};

std::shared_ptr<const crypto::KeyPair> test_key() {
  crypto::Seed s{};
  s[0] = 7;
  return std::make_shared<const crypto::KeyPair>(crypto::KeyPair::from_seed(s));
}

ConnectorSpec spec_for(const std::string& network) {
  ConnectorSpec spec;
  spec.name = "alpha";
  spec.ref = {"symbiote", network, ""};
  spec.data_dir = "/data";
  spec.self_url = "http://127.0.0.1:7999";
  spec.load_key = [](const std::string& name) -> Result<std::shared_ptr<const crypto::KeyPair>> {
    if (name == "committer") return test_key();
    return Error("not_found", "no key named " + name);
  };
  return spec;
}

Parsed parse(const std::string& text, const std::string& network = kId) {
  toml::table t = toml::parse(text);
  core::ConfigReader cfg(t, kFile, "hostchains.alpha");
  Parsed p;
  p.settings = read_settings(spec_for(network), cfg);
  p.errors = cfg.errors().to_string();
  return p;
}

std::string head(const std::string& network = kId) {
  return "type = \"symbiote\"\nnetwork = \"" + network + "\"\n";
}

TEST(SymbioteSettings, ReadsEveryKey) {
  auto p = parse(head() + R"(confirmations = 3
api_url = "http://127.0.0.1:7331"
key = "committer"
fee = 12
timeout = "3s"
)");
  ASSERT_TRUE(p.settings) << p.errors;
  EXPECT_EQ(p.settings->common.confirmations, 3u);
  EXPECT_EQ(p.settings->host, "127.0.0.1");
  EXPECT_EQ(p.settings->port, 7331);
  EXPECT_EQ(p.settings->path, kId);
  EXPECT_EQ(p.settings->key_name, "committer");
  ASSERT_TRUE(p.settings->key);
  EXPECT_EQ(p.settings->key->public_key(), test_key()->public_key());
  EXPECT_EQ(p.settings->fee, 12u);
  EXPECT_EQ(p.settings->timeout, 3000ms);
  EXPECT_TRUE(network_is_id(kId));
}

TEST(SymbioteSettings, SelfMeansThisNodesOwnApi) {
  auto p = parse(head("alpha") + "api_url = \"self\"\nkey = \"committer\"\n", "alpha");
  ASSERT_TRUE(p.settings) << p.errors;
  EXPECT_EQ(p.settings->api_url, "http://127.0.0.1:7999");
  EXPECT_EQ(p.settings->port, 7999);
}

TEST(SymbioteSettings, DefaultsAndAliasNetwork) {
  auto p =
      parse(head("alpha") + "api_url = \"http://127.0.0.1:7331\"\nkey = \"committer\"\n", "alpha");
  ASSERT_TRUE(p.settings) << p.errors;
  EXPECT_EQ(p.settings->path, "alpha");
  EXPECT_FALSE(network_is_id("alpha"));
  EXPECT_FALSE(p.settings->fee);
  EXPECT_EQ(p.settings->timeout, 10000ms);
  EXPECT_EQ(p.settings->common.confirmations, 6u);
}

TEST(SymbioteSettings, ErrorsNameTheKey) {
  struct Case {
    std::string text, key;
  };
  const std::vector<Case> cases = {
      {head() + "key = \"committer\"\n", "hostchains.alpha.api_url"},
      {head() + "api_url = \"https://x:1\"\nkey = \"committer\"\n", "hostchains.alpha.api_url"},
      {head() + "api_url = \"http://127.0.0.1:1/x\"\nkey = \"committer\"\n",
       "hostchains.alpha.api_url"},
      {head() + "api_url = \"http://127.0.0.1:1\"\n", "hostchains.alpha.key"},
      {head() + "api_url = \"http://127.0.0.1:1\"\nkey = \"nobody\"\n", "hostchains.alpha.key"},
      {head() + "api_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\nfee = -1\n",
       "hostchains.alpha.fee"},
      {head() + "api_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\ntimeout = \"1h\"\n",
       "hostchains.alpha.timeout"},
      {head() + "api_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\nsymbiote = \"a/b\"\n",
       "hostchains.alpha.symbiote"},
      {head() + "api_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\nrpc_user = \"x\"\n",
       "hostchains.alpha.rpc_user"},
      {"type = \"symbiote\"\nnetwork = \"" + std::string(64, 'b') +
           "\"\napi_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\n",
       "hostchains.alpha.network"},
      {"type = \"bitcoin\"\nnetwork = \"" + kId +
           "\"\napi_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\n",
       "hostchains.alpha.type"},
  };
  for (const auto& c : cases) {
    auto p = parse(c.text);
    EXPECT_FALSE(p.settings) << c.text;
    EXPECT_NE(p.errors.find(kFile), std::string::npos) << p.errors;
    EXPECT_NE(p.errors.find(c.key), std::string::npos) << c.text << "\n→ " << p.errors;
  }
}

TEST(SymbioteSettings, FactoryBuildsWithoutNetworkAndReportsBadTables) {
  toml::table good =
      toml::parse(head() + "api_url = \"http://127.0.0.1:1\"\nkey = \"committer\"\n");
  core::ConfigReader cfg(good, kFile, "hostchains.alpha");
  auto c = factory()(spec_for(kId), cfg);
  ASSERT_TRUE(c) << cfg.errors().to_string();
  EXPECT_EQ(c->type(), "symbiote");
  // Nothing listens on port 1: the first call fails as unreachable, without hanging.
  auto b = c->balance();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, "unreachable");
  toml::table bad = toml::parse(head());
  core::ConfigReader cfg2(bad, kFile, "hostchains.alpha");
  EXPECT_FALSE(factory()(spec_for(kId), cfg2));
  EXPECT_NE(cfg2.errors().to_string().find("hostchains.alpha.api_url"), std::string::npos);
}

}  // namespace
}  // namespace klyn::hostchains::symbiote
