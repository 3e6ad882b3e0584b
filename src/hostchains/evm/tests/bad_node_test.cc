// A node that answers nonsense: every malformed answer becomes Error "bad_response" (never an
// exception, never a crash), for EthClient and for the connector on top of it.
#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <map>
#include <mutex>

#include "hostchains/evm/eth_client.h"
#include "hostchains/evm/evm_connector.h"
#include "net/http_server.h"

namespace klyn::hostchains::evm {
namespace {

using nlohmann::json;

class BadNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::Router router;
    ASSERT_TRUE(
        router
            .add(
                net::Method::kPost, "/",
                [this](const net::Request& req) {
                  json q = json::parse(req.body, nullptr, false);
                  std::string method = q.is_object() && q["method"].is_string()
                                           ? q["method"].get<std::string>()
                                           : "";
                  json result;
                  {
                    std::lock_guard lock(mu);
                    auto it = answers.find(method);
                    result = it == answers.end() ? json() : it->second;
                  }
                  return net::Response{
                      200,
                      json{{"jsonrpc", "2.0"}, {"id", q.value("id", 0)}, {"result", result}}.dump(),
                      "application/json",
                      {}};
                })
            .ok());
    net::ServerOptions opt;
    opt.threads = 1;
    server = std::make_unique<net::HttpServer>(opt, std::move(router));
    ASSERT_TRUE(server->start().ok());
    url = "http://127.0.0.1:" + std::to_string(server->port()) + "/";
  }
  void answer(const std::string& method, json result) {
    std::lock_guard lock(mu);
    answers[method] = std::move(result);
  }
  std::unique_ptr<EthClient> client() {
    return std::move(EthClient::create(url, std::chrono::seconds(3)).value());
  }

  std::mutex mu;
  std::map<std::string, json> answers;
  std::unique_ptr<net::HttpServer> server;
  std::string url;
};

void expect_bad(const Error& e) {
  EXPECT_EQ(e.code, "bad_response") << e.to_string();
}

TEST_F(BadNodeTest, MalformedAnswersAreBadResponses) {
  auto c = client();
  const Address a{};
  for (const json& junk : {json(5), json("0x"), json("12"), json("0xzz"), json::array(),
                           json::object(), json("0x10000000000000000")}) {
    answer("eth_chainId", junk);
    answer("eth_blockNumber", junk);
    answer("eth_gasPrice", junk);
    answer("eth_getTransactionCount", junk);
    answer("eth_estimateGas", junk);
    expect_bad(c->chain_id().error());
    expect_bad(c->block_number().error());
    expect_bad(c->gas_price().error());
    expect_bad(c->pending_nonce(a).error());
    expect_bad(c->estimate_gas(a, a, {}).error());
  }
  answer("eth_getBalance", "0x" + std::string(65, 'f'));
  expect_bad(c->balance(a).error());
  answer("eth_getCode", 7);
  expect_bad(c->has_code(a).error());
  answer("eth_sendRawTransaction", "0x12");
  expect_bad(c->send_raw_transaction(Bytes{1}).error());

  const std::string tx = "0x" + std::string(64, '1');
  for (const json& junk :
       {json(1), json{{"blockNumber", 5}}, json{{"blockNumber", "0x5"}},
        json{{"blockNumber", "0x5"}, {"status", "yes"}},
        json{{"blockNumber", "0x5"}, {"status", "0x1"}, {"contractAddress", "0x1"}}}) {
    answer("eth_getTransactionReceipt", junk);
    expect_bad(c->receipt(tx).error());
  }
  answer("eth_getTransactionByHash", json{{"blockNumber", true}});
  expect_bad(c->transaction_block(tx).error());

  const json good_log = {{"topics", json::array({"0x" + std::string(64, 'a')})},
                         {"data", "0x"},
                         {"blockNumber", "0x1"},
                         {"logIndex", "0x0"},
                         {"transactionHash", tx}};
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, json>>{{"topics", "x"},
                                                 {"topics", json::array({1})},
                                                 {"topics", json::array({"0x12"})},
                                                 {"data", 3},
                                                 {"data", "0xz"},
                                                 {"blockNumber", nullptr},
                                                 {"logIndex", "1"},
                                                 {"transactionHash", 9}}) {
    json log = good_log;
    log[key] = value;
    answer("eth_getLogs", json::array({log}));
    expect_bad(c->logs(0, 1, a, {}, {}).error());
  }
  answer("eth_getLogs", json::object());
  expect_bad(c->logs(0, 1, a, {}, {}).error());
  answer("eth_getLogs", json::array({good_log}));
  auto ok = c->logs(0, 1, a, {}, {});
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->size(), 1u);
}

TEST_F(BadNodeTest, TheConnectorPassesBadResponsesOn) {
  auto t = toml::parse("type = \"evm\"\nnetwork = \"1337\"\nrpc_url = \"" + url + "\"\n");
  core::ConfigReader cfg(t, "t.toml", "hostchains.eth");
  ConnectorSpec spec;
  spec.name = "eth";
  spec.ref = {"evm", "1337", "0x5fbdb2315678afecb367f032d93f642f64180aa3"};
  auto c = factory()(spec, cfg);
  ASSERT_TRUE(c) << cfg.finish().to_string();

  answer("eth_chainId", "nonsense");
  expect_bad(c->read_commits({}, 0).error());
  answer("eth_chainId", "0x539");
  answer("eth_getCode", "0x6080");
  answer("eth_blockNumber", "0x10");
  answer("eth_getLogs", "not logs");
  expect_bad(c->read_commits({}, 0).error());
  // Logs that are well-formed but not checkpoints of this symbiote are skipped, not errors.
  answer("eth_getLogs", json::array({{{"topics", json::array({"0x" + std::string(64, 'a')})},
                                      {"data", "0x"},
                                      {"blockNumber", "0x1"},
                                      {"logIndex", "0x0"},
                                      {"transactionHash", "0x" + std::string(64, '1')}}}));
  auto none = c->read_commits({}, 0);
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_TRUE(none->empty());
  answer("eth_getTransactionReceipt", json{{"blockNumber", "0x1"}});
  expect_bad(c->check("0x" + std::string(64, '1')).error());
}

}  // namespace
}  // namespace klyn::hostchains::evm
