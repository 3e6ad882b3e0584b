// klyn74r testnet new|up|down|status: a 3-node loopback network made, started, used, checked
// and stopped through the CLI only; the public API is read to check the transfers' effects.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "cli/cli_common.h"
#include "common/process.h"
#include "test_chain.h"

namespace klyn::itest {
namespace {

namespace fs = std::filesystem;

// A listening socket on 127.0.0.1:port (-1 if the port is taken).
int listen_on(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The JSON object printed last on stdout.
nlohmann::json last_json(const std::string& output) {
  const auto brace = output.rfind("\n{");
  const std::string text = brace == std::string::npos ? output : output.substr(brace + 1);
  return nlohmann::json::parse(text, nullptr, false);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Gone: no /proc entry, or a zombie nobody reaped (the nodes outlive `testnet up`, their
// parent, and the container's init may not reap them).
bool process_gone(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return stat.empty() || (paren != std::string::npos && paren + 2 < stat.size() &&
                          (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X'));
}

// `klyn74r testnet down` when the test ends, whatever happened before.
struct DownAtExit {
  fs::path dir;
  ~DownAtExit() {
    if (fs::exists(dir / "testnet.json"))
      run_klyn74r({"testnet", "down", "--dir", dir.string()}, {}, 30s);
  }
};

std::vector<pid_t> pids_of(const fs::path& dir, int nodes) {
  std::vector<pid_t> out;
  for (int i = 1; i <= nodes; ++i) {
    std::ifstream in(dir / ("node-" + std::to_string(i)) / "node.pid");
    long v = -1;
    in >> v;
    out.push_back(static_cast<pid_t>(v));
  }
  return out;
}

TEST(Testnet, NewUpTransfersToControllerAndFollowersConvergeThenDown) {
  NodeProcess tmp("testnet");
  const fs::path dir = tmp.temp_dir() / "net";
  const uint16_t base = free_loopback_ports(3);
  ASSERT_NE(base, 0) << "no 3 consecutive free ports";
  DownAtExit guard{dir};

  ProcessResult made = run_klyn74r({"testnet", "new", "--nodes", "3", "--dir", dir.string(),
                                    "--base-port", std::to_string(base), "--accounts", "4"});
  ASSERT_TRUE(made.exited_with(0)) << made.describe();
  EXPECT_NE(made.output.find("UNENCRYPTED TEST KEY"), std::string::npos) << made.output;
  const nlohmann::json layout = nlohmann::json::parse(slurp(dir / "testnet.json"), nullptr, false);
  ASSERT_TRUE(layout.is_object()) << slurp(dir / "testnet.json");
  ASSERT_EQ(layout["nodes"].size(), 3u);
  std::vector<std::string> url;
  for (int i = 0; i < 3; ++i) {
    const auto& n = layout["nodes"][i];
    url.push_back("http://127.0.0.1:" + std::to_string(base + i));
    EXPECT_EQ(n.value("url", ""), url[i]);
    // Nodes 2..N: "follower" or "producer" (one constant in cmd_testnet.cc decides).
    if (i == 0)
      EXPECT_EQ(n.value("role", ""), "controller");
    else
      EXPECT_TRUE(n.value("role", "") == "follower" || n.value("role", "") == "producer") << n;
    EXPECT_EQ(n.value("dir", ""), "node-" + std::to_string(i + 1));
  }
  const std::string alias = layout["symbiote"].value("alias", "");
  ASSERT_EQ(alias, "testnet");
  // One genesis shared by all; followers list every other node, the controller first.
  const std::string genesis = slurp(dir / "node-1/GENESIS/testnet.json");
  EXPECT_EQ(slurp(dir / "node-2/GENESIS/testnet.json"), genesis);
  EXPECT_EQ(slurp(dir / "node-3/GENESIS/testnet.json"), genesis);
  EXPECT_NE(slurp(dir / "node-3/CONFIGS/symbiotes/testnet.toml")
                .find("peers = [\"" + url[0] + "\", \"" + url[1] + "\"]"),
            std::string::npos);
  EXPECT_NE(slurp(dir / "node-2/CONFIGS/node.toml").find("port = " + std::to_string(base + 1)),
            std::string::npos);

  ProcessResult up = run_klyn74r({"testnet", "up", "--dir", dir.string()}, {}, 40s);
  ASSERT_TRUE(up.exited_with(0)) << up.describe();
  for (const auto& u : url) EXPECT_NE(up.output.find(u), std::string::npos) << up.output;
  const std::vector<pid_t> pids = pids_of(dir, 3);
  for (pid_t p : pids) ASSERT_GT(p, 1);
  // Running nodes are left alone.
  ProcessResult again = run_klyn74r({"testnet", "up", "--dir", dir.string()}, {}, 40s);
  ASSERT_TRUE(again.exited_with(0)) << again.describe();
  EXPECT_EQ(pids_of(dir, 3), pids);
  // A running network is never replaced.
  ProcessResult replace = run_klyn74r({"testnet", "new", "--dir", dir.string(), "--force"});
  EXPECT_TRUE(replace.exited_with(2)) << replace.describe();
  EXPECT_NE(replace.output.find("testnet down"), std::string::npos) << replace.output;

  // Transfers through the CLI to the controller and to a follower, and a batch to the other
  // follower through the harness client; the test keys are in node-1/KEYS.
  const std::string keys = (dir / "node-1").string();
  const std::string to = cli::derived_test_key("testnet", 3).address();
  for (auto [key, node] : {std::pair{"test-0", 0}, {"test-1", 1}}) {
    ProcessResult tx =
        run_klyn74r({"tx", "transfer", "--dir", keys, "--key", key, "--node", url[node], "-s",
                     alias, "--to", to, "--amount", "100", "--wait", "--wait-seconds", "20"});
    ASSERT_TRUE(tx.exited_with(0)) << tx.describe();
    EXPECT_EQ(last_json(tx.output).value("status", ""), "applied") << tx.output;
  }
  net::HttpClient n3("127.0.0.1", static_cast<uint16_t>(base + 2), 10s);
  const chain::SymbioteId sym = symbiote_id(n3, alias);
  std::vector<crypto::KeyPair> sender;
  sender.push_back(cli::derived_test_key("testnet", 2));
  const crypto::KeyPair sink = cli::derived_test_key("testnet-it-sink", 0);
  TransferPlan plan = plan_transfers(sym, sender, {sink.public_key()}, {.per_sender = 20});
  SubmitResult sent = submit_plan(static_cast<uint16_t>(base + 2), alias, plan, 1);
  EXPECT_EQ(sent.accepted, plan.total()) << (sent.refusals.empty() ? "" : sent.refusals[0]);
  ASSERT_TRUE(wait_applied(n3, alias, plan.hashes(), 20s));

  // status --json until the three agree on height and state root (bounded).
  nlohmann::json st;
  std::string last;
  const bool converged = wait_until(
      [&] {
        ProcessResult s =
            run_klyn74r({"testnet", "status", "--dir", dir.string(), "--json"}, {}, 20s);
        last = s.describe();
        st = last_json(s.output);
        if (!s.exited_with(0) || !st.is_object()) return false;
        const auto& a = st["agreement"];
        return a.value("nodes", 0) == 3 && a.value("agree", false) &&
               a.value("height", uint64_t{0}) > 0 &&
               st["nodes"][1].value("height", uint64_t{0}) == a.value("height", uint64_t{0});
      },
      20s, 100ms);
  ASSERT_TRUE(converged) << last;
  for (size_t i = 0; i < 3; ++i) {
    const auto& n = st["nodes"][i];
    EXPECT_TRUE(n.value("running", false)) << n.dump();
    EXPECT_EQ(n.value("role", ""), layout["nodes"][i].value("role", "?")) << n.dump();
    EXPECT_EQ(n.value("state_root", ""), st["agreement"].value("state_root", "")) << n.dump();
  }
  for (int i = 0; i < 3; ++i) {
    net::HttpClient c("127.0.0.1", static_cast<uint16_t>(base + i), 10s);
    EXPECT_EQ(get_account(c, alias, crypto::parse_address(to).value()).balance,
              1'000'000'000u + 200u)
        << "node-" << i + 1;
  }

  ProcessResult down = run_klyn74r({"testnet", "down", "--dir", dir.string()}, {}, 30s);
  ASSERT_TRUE(down.exited_with(0)) << down.describe();
  for (pid_t p : pids) EXPECT_TRUE(process_gone(p)) << "pid " << p;
  for (int i = 1; i <= 3; ++i)
    EXPECT_FALSE(fs::exists(dir / ("node-" + std::to_string(i)) / "node.pid"));
  ProcessResult s = run_klyn74r({"testnet", "status", "--dir", dir.string(), "--json"});
  ASSERT_TRUE(s.exited_with(0)) << s.describe();
  nlohmann::json stopped = last_json(s.output);
  ASSERT_TRUE(stopped.is_object()) << s.output;
  for (const auto& n : stopped["nodes"]) EXPECT_FALSE(n.value("running", true)) << n.dump();
  ProcessResult text = run_klyn74r({"testnet", "status", "--dir", dir.string()});
  EXPECT_NE(text.output.find("stopped"), std::string::npos) << text.output;
  ProcessResult twice = run_klyn74r({"testnet", "down", "--dir", dir.string()});
  EXPECT_TRUE(twice.exited_with(0)) << twice.describe();
}

TEST(Testnet, ANodeThatCannotStartFailsUpWithItsLogTail) {
  NodeProcess tmp("testnet-busy");
  const fs::path dir = tmp.temp_dir() / "net";
  const uint16_t base = free_loopback_ports(2);
  ASSERT_NE(base, 0);
  DownAtExit guard{dir};
  ProcessResult made = run_klyn74r({"testnet", "new", "--nodes", "2", "--dir", dir.string(),
                                    "--base-port", std::to_string(base), "--accounts", "0"});
  ASSERT_TRUE(made.exited_with(0)) << made.describe();
  const int busy = listen_on(static_cast<uint16_t>(base + 1));  // node-2's port is taken
  ASSERT_GE(busy, 0);
  ProcessResult up =
      run_klyn74r({"testnet", "up", "--dir", dir.string(), "--wait-seconds", "10"}, {}, 30s);
  ::close(busy);
  EXPECT_TRUE(up.exited_with(1)) << up.describe();
  EXPECT_NE(up.output.find("node-2 did not come up"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("console.log"), std::string::npos) << up.output;
  EXPECT_FALSE(fs::exists(dir / "node-2/node.pid"));
  const pid_t controller = pids_of(dir, 1)[0];
  ASSERT_GT(controller, 1);
  ProcessResult down = run_klyn74r({"testnet", "down", "--dir", dir.string()}, {}, 30s);
  EXPECT_TRUE(down.exited_with(0)) << down.describe();
  EXPECT_TRUE(process_gone(controller));

  // Without the controller the others are not started (they would have no one to pull from).
  const int taken = listen_on(base);
  ASSERT_GE(taken, 0);
  ProcessResult alone = run_klyn74r({"testnet", "up", "--dir", dir.string()}, {}, 30s);
  ::close(taken);
  EXPECT_TRUE(alone.exited_with(1)) << alone.describe();
  EXPECT_NE(alone.output.find("node-1 did not come up"), std::string::npos) << alone.output;
  EXPECT_NE(alone.output.find("node-2 did not come up: not started"), std::string::npos)
      << alone.output;
  EXPECT_FALSE(fs::exists(dir / "node-1/node.pid"));
  EXPECT_FALSE(fs::exists(dir / "node-2/node.pid"));
}

TEST(Testnet, BadArgumentsExitTwoWithAMessage) {
  NodeProcess tmp("testnet-args");
  const fs::path dir = tmp.temp_dir() / "net";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string d = dir.string();
  for (const Case& c : {Case{{"--nodes", "0"}, "--nodes 0: must be 1..64"},
                        Case{{"--nodes", "65"}, "--nodes 65: must be 1..64"},
                        Case{{"--base-port", "80"}, "--base-port 80: must be 1024..65535"},
                        Case{{"--base-port", "70000"}, "--base-port 70000: must be 1024..65535"},
                        Case{{"--base-port", "65534", "--nodes", "3"}, "65536 (> 65535)"},
                        Case{{"--accounts", "5000"}, "--accounts 5000: must be 0..1000"},
                        Case{{"--symbiote", "Bad Name"}, "--symbiote \"Bad Name\""}}) {
    std::vector<std::string> args = {"testnet", "new", "--dir", d};
    args.insert(args.end(), c.args.begin(), c.args.end());
    ProcessResult r = run_klyn74r(args);
    EXPECT_TRUE(r.exited_with(2)) << r.describe();
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "testnet.json"));
  }
  // A non-empty directory is refused unless --force, which keeps unrelated files.
  fs::create_directories(dir);
  std::ofstream(dir / "notes.txt") << "mine\n";
  ProcessResult busy = run_klyn74r({"testnet", "new", "--dir", d, "--nodes", "1"});
  EXPECT_TRUE(busy.exited_with(2)) << busy.describe();
  EXPECT_NE(busy.output.find("is not empty"), std::string::npos) << busy.output;
  EXPECT_NE(busy.output.find("--force"), std::string::npos) << busy.output;
  ProcessResult forced = run_klyn74r({"testnet", "new", "--dir", d, "--nodes", "1", "--force"});
  EXPECT_TRUE(forced.exited_with(0)) << forced.describe();
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  EXPECT_TRUE(fs::exists(dir / "node-1/KEYS"));
  // up/down/status need a testnet directory.
  for (const char* cmd : {"up", "down", "status"}) {
    ProcessResult r = run_klyn74r({"testnet", cmd, "--dir", (tmp.temp_dir() / "none").string()});
    EXPECT_TRUE(r.exited_with(2)) << cmd << ": " << r.describe();
    EXPECT_NE(r.output.find("testnet.json"), std::string::npos) << r.output;
  }
}

}  // namespace
TEST(Testnet, ADevSymbilandNetworkIsAllValidatorsThatCommitTransfersAndAgree) {
  NodeProcess tmp("testnet-sl");
  const fs::path dir = tmp.temp_dir() / "net";
  const uint16_t base = free_loopback_ports(4);
  ASSERT_NE(base, 0) << "no 4 consecutive free ports";
  DownAtExit guard{dir};
  ProcessResult made =
      run_klyn74r({"testnet", "new", "--nodes", "4", "--workflow", "dev_symbiland", "--dir",
                   dir.string(), "--base-port", std::to_string(base), "--accounts", "2"});
  ASSERT_TRUE(made.exited_with(0)) << made.describe();
  const nlohmann::json layout = nlohmann::json::parse(slurp(dir / "testnet.json"), nullptr, false);
  ASSERT_TRUE(layout.is_object());
  EXPECT_EQ(layout["symbiote"].value("workflow", ""), "dev_symbiland");
  for (const auto& n : layout["nodes"]) EXPECT_EQ(n.value("role", ""), "validator") << n;
  const auto genesis = nlohmann::json::parse(slurp(dir / "node-1/GENESIS/testnet.json"));
  EXPECT_EQ(genesis["manifest"]["dev_symbiland"]["validators"].size(), 4u);

  ProcessResult up = run_klyn74r({"testnet", "up", "--dir", dir.string()}, {}, 40s);
  ASSERT_TRUE(up.exited_with(0)) << up.describe();
  const std::string to = cli::derived_test_key("testnet", 1).address();
  const std::string url = "http://127.0.0.1:" + std::to_string(base + 2);
  ProcessResult tx = run_klyn74r({"tx", "transfer", "--dir", (dir / "node-1").string(), "--key",
                                  "test-0", "--node", url, "-s", "testnet", "--to", to, "--amount",
                                  "100", "--wait", "--wait-seconds", "20"});
  ASSERT_TRUE(tx.exited_with(0)) << tx.describe();
  EXPECT_NE(tx.output.find("\"applied\""), std::string::npos) << tx.output;
  ProcessResult status;
  ASSERT_TRUE(wait_until(
      [&] {
        status = run_klyn74r({"testnet", "status", "--dir", dir.string()}, {}, 20s);
        return status.exited_with(0) &&
               status.output.find("all 4 running node(s) agree") != std::string::npos;
      },
      20s, 200ms))
      << status.describe();
  ProcessResult down = run_klyn74r({"testnet", "down", "--dir", dir.string()}, {}, 40s);
  EXPECT_TRUE(down.exited_with(0)) << down.describe();
}

}  // namespace klyn::itest
