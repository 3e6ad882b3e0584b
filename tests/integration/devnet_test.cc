// `klyn74r init --devnet` as `make run` uses it: alpha and beta checkpoint into each other through
// the `symbiote` connector (this node's own API), and after transfers on both, each sees its
// commits on the other final and matching its own history; gamma (dev_symbiland) beside them
// applies transfers too.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "cli/cli_common.h"
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

}  // namespace
}  // namespace klyn::itest
