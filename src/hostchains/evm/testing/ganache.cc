#include "hostchains/evm/testing/ganache.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "common/process.h"

#ifndef KLYN_SOURCE_DIR
#error "KLYN_SOURCE_DIR must be defined (the repository root)"
#endif

namespace klyn::hostchains::evm::testing {

using namespace std::chrono_literals;

std::filesystem::path Ganache::default_tools_dir() {
  return std::filesystem::path(KLYN_SOURCE_DIR) / "tools";
}

const std::vector<std::string>& Ganache::account_keys() {
  // The keys ganache derives with --wallet.deterministic (its fixed mnemonic, m/44'/60'/0'/0/i).
  static const std::vector<std::string> keys = {
      "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d",
      "0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1",
      "0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c",
      "0x646f1ce2fdad0e6deeeb5c7e8e5543bdde65e86029e2fd9fc169899c440a7913",
      "0xadd53f9a7e588d003326d1cbf9e4a43c061aadd9bc938c843a79e7b4fd2ad743",
      "0x395df67f0c2d2d9fe1ad08d1bc8b6627011959b79c53d7dd6a3536a33ab8a4fd",
      "0xe485d098507f54e7733a205420dfddbe58db035fa577fc294ebd14db90767a52",
      "0xa453611d9419d0e56f499079478fd72c37b251a94bfde4d19872c44cf65386e3",
      "0x829e924fdf021ba3dbbc4225edfece9aca04b929d6e75613329ca6f1d31c0bb4",
      "0xb0057716d5917badaf911b193b12b910811c1497b5bada8d7711f758981c3773",
  };
  return keys;
}

Result<std::unique_ptr<Ganache>> Ganache::start(GanacheOptions options) {
  const auto tools = options.tools_dir.empty() ? default_tools_dir() : options.tools_dir;
  const auto cli = tools / "node_modules" / "ganache" / "dist" / "node" / "cli.js";
  if (!std::filesystem::exists(cli))
    return Error("missing_tools", cli.string() + " not found: run scripts/install-deps.sh");
  const std::string node = find_in_path("node");
  if (node.empty())
    return Error("missing_tools", "node (Node.js) not found in PATH: run scripts/install-deps.sh");

  std::unique_ptr<Ganache> g(new Ganache());
  g->options_ = options;
  g->cli_ = cli;
  g->node_ = node;
  g->chain_id_ = options.chain_id;
  char log_template[] = "/tmp/klyn-ganache-XXXXXX";
  const int log_fd = ::mkostemp(log_template, O_CLOEXEC);
  if (log_fd < 0) return Error("io_error", std::string("mkstemp: ") + std::strerror(errno));
  ::close(log_fd);
  g->log_file_ = log_template;
  if (options.persistent) {
    char db_template[] = "/tmp/klyn-ganache-db-XXXXXX";
    if (::mkdtemp(db_template) == nullptr)
      return Error("io_error", std::string("mkdtemp: ") + std::strerror(errno));
    g->db_dir_ = db_template;
  }

  const auto deadline = Clock::now() + options.start_timeout;
  // A port picked free can be taken by someone else before ganache binds it: try a few.
  Status launched = Error("start_failed", "not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const uint16_t port = free_loopback_port();
    if (port == 0) return Error("io_error", "no free port on 127.0.0.1");
    g->port_ = port;
    g->url_ = "http://127.0.0.1:" + std::to_string(port);
    launched = g->launch(deadline);
    if (launched || launched.error().code != "address_in_use") break;
  }
  if (!launched) return launched.error();
  return g;
}

Status Ganache::launch(Clock::time_point deadline) {
  std::vector<std::string> args = {node_.string(),
                                   cli_.string(),
                                   "--server.host=127.0.0.1",
                                   "--server.port=" + std::to_string(port_),
                                   "--wallet.deterministic",
                                   "--chain.chainId=" + std::to_string(chain_id_),
                                   "--miner.blockTime=0"};
  if (!db_dir_.empty()) args.push_back("--database.dbPath=" + db_dir_.string());
  std::error_code size_ec;
  const size_t log_before = std::filesystem::file_size(log_file_, size_ec);
  SpawnOptions o;
  o.argv = std::move(args);
  o.output = log_file_;
  o.group = ProcessGroup::own_group;
  o.die_with_parent = true;
  auto pid = spawn_process(o);
  if (!pid) return Error("io_error", pid.error().reason);
  pid_ = *pid;

  auto probe = JsonRpcClient::create({url_, "", "", 1000ms});
  if (!probe) return probe.error();
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const size_t now = std::filesystem::file_size(log_file_, size_ec);
      const std::string out = log_tail(now > log_before ? now - log_before : 0);
      if (out.find("EADDRINUSE") != std::string::npos)
        return Error("address_in_use", "port " + std::to_string(port_) + " is taken");
      return Error("start_failed", "ganache exited at start; its output:\n" + out);
    }
    auto id = (*probe)->call("eth_chainId");
    if (id && id->is_string() &&
        std::strtoull(id->get<std::string>().c_str(), nullptr, 16) == chain_id_) {
      // Ready: from now on calls may take longer than a readiness probe.
      auto client = JsonRpcClient::create({url_, "", "", 10000ms});
      if (!client) return client.error();
      rpc_ = std::move(*client);
      return {};
    }
    std::this_thread::sleep_for(50ms);
  }
  const std::string tail = log_tail();
  stop();
  return Error("timeout", "ganache did not answer eth_chainId within " +
                              std::to_string(options_.start_timeout.count()) +
                              " ms; its output:\n" + tail);
}

Status Ganache::restart() {
  if (db_dir_.empty())
    return Error("not_persistent", "ganache was started without `persistent`: nothing to restart");
  stop();
  return launch(Clock::now() + options_.start_timeout);
}

Ganache::~Ganache() {
  stop();
  std::error_code ec;
  if (!log_file_.empty()) std::filesystem::remove(log_file_, ec);
  if (!db_dir_.empty()) std::filesystem::remove_all(db_dir_, ec);
}

void Ganache::stop() {
  rpc_.reset();
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  // A persistent chain needs the graceful stop to write its database: give it longer.
  const auto deadline = Clock::now() + (db_dir_.empty() ? 3s : 10s);
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

Result<nlohmann::json> Ganache::rpc(const std::string& method, nlohmann::json params) {
  if (!rpc_) return Error("unreachable", "ganache is not running");
  return rpc_->call(method, std::move(params));
}

Status Ganache::mine(unsigned blocks) {
  for (unsigned i = 0; i < blocks; ++i) {
    auto r = rpc("evm_mine");
    if (!r) return r.error();
  }
  return {};
}

std::string Ganache::log_tail(size_t bytes) const {
  std::ifstream in(log_file_, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace klyn::hostchains::evm::testing
