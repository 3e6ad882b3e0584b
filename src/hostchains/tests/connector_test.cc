// The connector registry and the settings every [hostchains.<name>] table shares.
#include "hostchains/connector.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>

namespace klyn::hostchains {
namespace {

class NullConnector final : public Connector {
 public:
  std::string_view type() const override { return "null"; }
  Result<std::string> commit(const Checkpoint&) override { return Error("unreachable", "x"); }
  Result<CommitStatus> check(const std::string&) override { return Error("unreachable", "x"); }
  Result<std::vector<FoundCommit>> read_commits(const chain::SymbioteId&, uint64_t) override {
    return Error("unreachable", "x");
  }
  Result<Balance> balance() override { return Error("unreachable", "x"); }
};

ConnectorSpec spec_of(std::string type) {
  ConnectorSpec s;
  s.name = "h";
  s.ref.type = std::move(type);
  s.ref.network = "n";
  return s;
}

TEST(ConnectorRegistry, CreatesByTypeAndNamesKnownTypesOnError) {
  ConnectorRegistry reg;
  ASSERT_TRUE(reg.add("null", [](const ConnectorSpec&,
                                 core::ConfigReader&) { return std::make_unique<NullConnector>(); })
                  .ok());
  EXPECT_FALSE(reg.add("null", nullptr).ok());
  EXPECT_TRUE(reg.has("null"));
  EXPECT_EQ(reg.types(), std::vector<std::string>{"null"});

  toml::table t;
  core::ConfigReader cfg(t, "CONFIGS/symbiotes/a.toml", "hostchains.h");
  auto c = reg.create(spec_of("null"), cfg);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type(), "null");

  auto none = reg.create(spec_of("dogecoin"), cfg);
  EXPECT_FALSE(none);
  ASSERT_EQ(cfg.errors().size(), 1u);
  const std::string msg = cfg.errors().to_string();
  EXPECT_NE(msg.find("CONFIGS/symbiotes/a.toml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hostchains.h.type"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dogecoin"), std::string::npos) << msg;
  EXPECT_NE(msg.find("null"), std::string::npos) << msg;
}

TEST(ConnectorSettings, ReadsCommonKeysWithRanges) {
  auto t = toml::parse(R"(type = "bitcoin"
network = "litecoin-regtest"
confirmations = 3
stopped = true
)");
  core::ConfigReader cfg(t, "f.toml", "hostchains.ltc");
  auto s = read_common(cfg);
  EXPECT_TRUE(cfg.finish().empty());
  EXPECT_EQ(s.type, "bitcoin");
  EXPECT_EQ(s.network, "litecoin-regtest");
  EXPECT_EQ(s.confirmations, 3u);
  EXPECT_TRUE(s.stopped);

  auto bad = toml::parse(R"(type = "bitcoin"
confirmations = 0
)");
  core::ConfigReader cfg2(bad, "f.toml", "hostchains.ltc");
  read_common(cfg2);
  const std::string msg = cfg2.finish().to_string();
  EXPECT_NE(msg.find("hostchains.ltc.network"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hostchains.ltc.confirmations"), std::string::npos) << msg;
}

TEST(ConnectorSettings, MatchesManifestEntries) {
  std::vector<chain::HostchainRef> m = {{"bitcoin", "litecoin-regtest", ""},
                                        {"evm", "1337", "0xabc"}};
  EXPECT_TRUE(match_manifest(m, "bitcoin", "litecoin-regtest", ""));
  EXPECT_TRUE(match_manifest(m, "evm", "1337", ""));
  EXPECT_TRUE(match_manifest(m, "evm", "1337", "0xabc"));
  EXPECT_FALSE(match_manifest(m, "evm", "1337", "0xdef"));
  EXPECT_FALSE(match_manifest(m, "evm", "1", ""));
  EXPECT_FALSE(match_manifest(m, "symbiote", "litecoin-regtest", ""));
}

}  // namespace
}  // namespace klyn::hostchains
