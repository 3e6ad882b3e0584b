// The [hostchains.<name>] table of a bitcoin hostchain: keys, defaults, errors naming the key,
// and a factory that does no network I/O (no daemon).
#include "hostchains/bitcoin/settings.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <chrono>

#include "hostchains/bitcoin/bitcoin.h"

namespace klyn::hostchains::bitcoin {
namespace {

using namespace std::chrono_literals;

const char* kFile = "CONFIGS/symbiotes/alpha.toml";

struct Parsed {
  std::optional<BitcoinSettings> settings;
  std::string errors;
};

Parsed parse(const std::string& text) {
  toml::table t = toml::parse(text);
  core::ConfigReader cfg(t, kFile, "hostchains.ltc");
  Parsed p;
  ConnectorSpec spec;
  spec.name = "ltc";
  spec.ref = {"bitcoin", "litecoin-regtest", ""};
  spec.data_dir = "/data";
  p.settings = read_settings(spec, cfg);
  p.errors = cfg.errors().to_string();
  return p;
}

const std::string kHead = "type = \"bitcoin\"\nnetwork = \"litecoin-regtest\"\n";

TEST(BitcoinSettings, ReadsEveryKey) {
  auto p = parse(kHead + R"(confirmations = 3
rpc_url = "http://127.0.0.1:19443"
rpc_user = "u"
rpc_password = "p"
wallet = "committer"
fee_rate = 2.5
start_height = 100
max_scan_blocks = 50
timeout = "3s"
)");
  ASSERT_TRUE(p.settings) << p.errors;
  EXPECT_EQ(p.settings->common.confirmations, 3u);
  EXPECT_EQ(p.settings->rpc_url, "http://127.0.0.1:19443");
  EXPECT_EQ(p.settings->rpc_user, "u");
  EXPECT_EQ(p.settings->rpc_password, "p");
  EXPECT_TRUE(p.settings->rpc_cookie_file.empty());
  EXPECT_EQ(p.settings->wallet, "committer");
  EXPECT_EQ(p.settings->fee_rate, 2.5);
  EXPECT_EQ(p.settings->start_height, 100u);
  EXPECT_EQ(p.settings->max_scan_blocks, 50u);
  EXPECT_EQ(p.settings->timeout, 3000ms);
}

TEST(BitcoinSettings, DefaultsAndCookieRelativeToDataDir) {
  auto p = parse(kHead + R"(rpc_url = "http://localhost:9332"
rpc_cookie_file = "litecoin/.cookie"
)");
  ASSERT_TRUE(p.settings) << p.errors;
  EXPECT_EQ(p.settings->rpc_cookie_file, std::filesystem::path("/data/litecoin/.cookie"));
  EXPECT_EQ(p.settings->wallet, "");
  EXPECT_FALSE(p.settings->fee_rate);
  EXPECT_EQ(p.settings->start_height, 0u);
  EXPECT_EQ(p.settings->max_scan_blocks, 2000u);
  EXPECT_EQ(p.settings->timeout, 10000ms);
  EXPECT_EQ(p.settings->common.confirmations, 6u);

  auto abs =
      parse(kHead + "rpc_url = \"http://localhost:9332\"\nrpc_cookie_file = \"/x/.cookie\"\n");
  ASSERT_TRUE(abs.settings) << abs.errors;
  EXPECT_EQ(abs.settings->rpc_cookie_file, std::filesystem::path("/x/.cookie"));
}

// Each bad table: the error names file and key.
TEST(BitcoinSettings, ErrorsNameTheKey) {
  struct Case {
    std::string body;
    std::string key;
  };
  const std::vector<Case> cases = {
      {"rpc_user = \"u\"\nrpc_password = \"p\"\n", "hostchains.ltc.rpc_url"},
      {"rpc_url = \"https://h:1\"\nrpc_user = \"u\"\nrpc_password = \"p\"\n",
       "hostchains.ltc.rpc_url"},
      {"rpc_url = \"127.0.0.1:9332\"\nrpc_user = \"u\"\nrpc_password = \"p\"\n",
       "hostchains.ltc.rpc_url"},
      {"rpc_url = \"http://h\"\nrpc_user = \"u\"\nrpc_password = \"p\"\n",
       "hostchains.ltc.rpc_url"},
      {"rpc_url = \"http://h:1\"\nrpc_user = \"u\"\nrpc_password = \"p\"\nrpc_cookie_file = "
       "\"c\"\n",
       "hostchains.ltc.rpc_cookie_file"},
      {"rpc_url = \"http://h:1\"\n", "hostchains.ltc.rpc_user"},
      {"rpc_url = \"http://h:1\"\nrpc_user = \"u\"\n", "hostchains.ltc.rpc_password"},
      {"rpc_url = \"http://h:1\"\nrpc_password = \"p\"\n", "hostchains.ltc.rpc_user"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"\"\n", "hostchains.ltc.rpc_cookie_file"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nfee_rate = 0\n",
       "hostchains.ltc.fee_rate"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nfee_rate = \"fast\"\n",
       "hostchains.ltc.fee_rate"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nstart_height = -1\n",
       "hostchains.ltc.start_height"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nmax_scan_blocks = 0\n",
       "hostchains.ltc.max_scan_blocks"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\ntimeout = \"forever\"\n",
       "hostchains.ltc.timeout"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nwallet = 7\n", "hostchains.ltc.wallet"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nrpc_pasword = \"typo\"\n",
       "hostchains.ltc.rpc_pasword"},
      {"rpc_url = \"http://h:1\"\nrpc_cookie_file = \"c\"\nconfirmations = 0\n",
       "hostchains.ltc.confirmations"},

  };
  for (const auto& c : cases) {
    auto p = parse(kHead + c.body);
    EXPECT_FALSE(p.settings) << c.body;
    EXPECT_NE(p.errors.find(std::string(kFile) + ": " + c.key + ":"), std::string::npos)
        << "want " << c.key << " in: " << p.errors << "\nfor:\n"
        << c.body;
  }
}

TEST(BitcoinSettings, TypeAndNetworkMustMatchTheManifestEntry) {
  auto p = parse(
      "type = \"evm\"\nnetwork = \"bitcoin-main\"\nrpc_url = \"http://h:1\"\n"
      "rpc_cookie_file = \"c\"\n");
  EXPECT_FALSE(p.settings);
  EXPECT_NE(p.errors.find("hostchains.ltc.type:"), std::string::npos) << p.errors;
  EXPECT_NE(p.errors.find("hostchains.ltc.network:"), std::string::npos) << p.errors;
  EXPECT_NE(p.errors.find("litecoin-regtest"), std::string::npos) << p.errors;
}

TEST(BitcoinFactory, BuildsWithoutNetworkAndReportsBadTables) {
  auto f = factory();
  ConnectorSpec spec;
  spec.name = "ltc";
  spec.ref = {"bitcoin", "litecoin-regtest", ""};
  spec.data_dir = "/data";

  // 192.0.2.1 (TEST-NET-1) would hang on connect: building must not try.
  toml::table good = toml::parse(kHead + R"(rpc_url = "http://192.0.2.1:9332"
rpc_user = "u"
rpc_password = "p"
timeout = "30s"
)");
  core::ConfigReader cfg(good, kFile, "hostchains.ltc");
  const auto t0 = std::chrono::steady_clock::now();
  auto c = f(spec, cfg);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  ASSERT_TRUE(c) << cfg.errors().to_string();
  EXPECT_EQ(c->type(), "bitcoin");
  EXPECT_TRUE(cfg.errors().empty());

  toml::table bad = toml::parse(kHead + "rpc_user = \"u\"\nrpc_password = \"p\"\nextra = 1\n");
  core::ConfigReader cfg2(bad, kFile, "hostchains.ltc");
  EXPECT_FALSE(f(spec, cfg2));
  const std::string msg = cfg2.errors().to_string();
  EXPECT_NE(msg.find("hostchains.ltc.rpc_url"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hostchains.ltc.extra"), std::string::npos) << msg;
}

}  // namespace
}  // namespace klyn::hostchains::bitcoin
