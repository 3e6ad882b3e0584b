#include "hostchains/bitcoin/testing/litecoind.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/process.h"
#include "hostchains/bitcoin/rpc_session.h"

namespace klyn::hostchains::bitcoin::testing {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Reaps `pid` if it has exited; true when it has (or is not our child any more). `how` gets
// the exit status in words.
bool reaped(pid_t pid, std::string* how = nullptr) {
  if (pid <= 0) return true;  // never waitpid(-1): that would reap someone else's child
  int status = 0;
  pid_t got = ::waitpid(pid, &status, WNOHANG);
  if (got == pid && how) {
    if (WIFEXITED(status))
      *how = WEXITSTATUS(status) == 127 ? "exit 127 (cannot execute the binary?)"
                                        : "exit " + std::to_string(WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
      *how = "signal " + std::to_string(WTERMSIG(status));
  }
  return got == pid || (got < 0 && errno == ECHILD);
}

std::string random_hex(size_t bytes) {
  std::random_device rd;
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    const unsigned b = rd() & 0xff;
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// Waits up to `limit` for `pid` to exit.
bool wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (reaped(pid)) return true;
    std::this_thread::sleep_for(5ms);
  }
  return reaped(pid);
}

std::string tail_of(const fs::path& p, size_t bytes) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  std::string all = s.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace

Litecoind::Litecoind(LitecoindOptions options) : options_(std::move(options)) {}

Litecoind::~Litecoind() {
  stop();
  if (!options_.keep_dir && !temp_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(temp_dir_, ec);
  }
}

Result<std::unique_ptr<Litecoind>> Litecoind::start(LitecoindOptions options) {
  // A password of its own: a parallel test's daemon that got our port cannot pass for ours.
  if (options.rpc_password.empty()) options.rpc_password = random_hex(16);
  std::unique_ptr<Litecoind> d(new Litecoind(std::move(options)));
  std::string tmpl = (fs::temp_directory_path() / "klyn-litecoind-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return Error("io", "mkdtemp " + tmpl + ": " + std::strerror(errno));
  d->temp_dir_ = tmpl;
  d->datadir_ = d->temp_dir_ / "data";
  std::error_code ec;
  fs::create_directories(d->datadir_, ec);
  if (ec) return Error("io", "create " + d->datadir_.string() + ": " + ec.message());

  // A port picked free may be taken before the daemon binds it: then the daemon exits at once
  // and we try again with other ports.
  Status ready = Error("start", "not started");
  for (int attempt = 0; attempt < 3; ++attempt) {
    KLYN_TRY(d->launch(/*new_ports=*/true));
    ready = d->wait_ready();
    if (ready || d->pid_ > 0) break;  // ready, or alive but not answering: no retry
  }
  if (!ready) {
    Error e = ready.error();
    e.reason += "\n--- litecoind output ---\n" + tail_of(d->temp_dir_ / "litecoind.out", 2000) +
                "\n--- debug.log ---\n" + d->log_tail();
    return e;
  }
  KLYN_TRY(d->prepare());
  return d;
}

Status Litecoind::launch(bool new_ports) {
  if (new_ports) {
    rpc_port_ = free_loopback_port();
    p2p_port_ = free_loopback_port();
  }
  if (rpc_port_ == 0 || p2p_port_ == 0) return Error("io", "no free port on 127.0.0.1");
  std::vector<std::string> args = {options_.binary, "-regtest", "-datadir=" + datadir_.string(),
                                   "-port=" + std::to_string(p2p_port_),
                                   "-rpcport=" + std::to_string(rpc_port_), "-rpcbind=127.0.0.1",
                                   "-rpcallowip=127.0.0.1", "-keypool=1", "-txindex=1",
                                   "-fallbackfee=0.0001", "-listen=0", "-connect=0", "-dnsseed=0",
                                   "-server", "-daemon=0", "-printtoconsole=0",
                                   // Shutdown waits for idle keep-alive RPC connections (a
                                   // connector's) to time out: keep that short.
                                   "-rpcservertimeout=1"};
  if (!options_.cookie_auth) {
    args.push_back("-rpcuser=" + options_.rpc_user);
    args.push_back("-rpcpassword=" + options_.rpc_password);
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  SpawnOptions o;
  o.argv = std::move(args);
  o.output = temp_dir_ / "litecoind.out";
  o.search_path = true;
  // The daemon dies with the test process, even when the test is killed (a ctest timeout), and
  // keeps out of the test's process group.
  o.group = ProcessGroup::own_group;
  o.die_with_parent = true;
  auto pid = spawn_process(o);
  if (!pid) return pid.error();
  pid_ = *pid;
  node_client_.reset();
  wallet_clients_.clear();
  return {};
}

Status Litecoind::wait_ready() {
  const auto deadline = Clock::now() + options_.ready_timeout;
  std::string last = "no answer";
  while (Clock::now() < deadline) {
    std::string how;
    if (reaped(pid_, &how)) {
      pid_ = -1;
      return Error("start", "litecoind exited during start-up: " + how);
    }
    auto r = rpc("getblockchaininfo");
    if (r && !reaped(pid_, &how)) return {};  // answered, and it was ours
    if (r) {
      pid_ = -1;
      return Error("start", "litecoind exited during start-up: " + how);
    }
    last = r.error().to_string();
    std::this_thread::sleep_for(20ms);  // RPC is not up yet, or the node is still loading
  }
  return Error("start", "litecoind did not answer getblockchaininfo within " +
                            std::to_string(options_.ready_timeout.count()) + " ms: " + last);
}

Status Litecoind::prepare() {
  KLYN_TRY(create_wallet(options_.wallet));
  auto addr = new_address(options_.wallet);
  if (!addr) return addr.error();
  mining_address_ = *addr;
  if (options_.initial_blocks > 0) KLYN_TRY(mine(options_.initial_blocks));
  return {};
}

std::string Litecoind::rpc_url() const {
  return "http://127.0.0.1:" + std::to_string(rpc_port_);
}

Result<JsonRpcClient*> Litecoind::client(const std::string& wallet) {
  std::unique_ptr<JsonRpcClient>& slot = wallet.empty() ? node_client_ : wallet_clients_[wallet];
  if (!slot) {
    JsonRpcEndpoint ep{wallet.empty() ? rpc_url() : rpc_url() + "/wallet/" + wallet,
                       options_.rpc_user, options_.rpc_password, 60s};
    if (options_.cookie_auth) {
      auto cookie = read_cookie_file(cookie_file());
      if (!cookie) return cookie.error();
      ep.user = cookie->first;
      ep.password = cookie->second;
    }
    auto c = JsonRpcClient::create(std::move(ep));
    if (!c) return c.error();
    slot = std::move(*c);
  }
  return slot.get();
}

Result<json> Litecoind::rpc(const std::string& method, json params) {
  return wallet_rpc("", method, std::move(params));
}

Result<json> Litecoind::wallet_rpc(const std::string& wallet, const std::string& method,
                                   json params) {
  auto c = client(wallet);
  if (!c) return c.error();
  auto r = (*c)->call(method, std::move(params));
  if (!r && r.error().code != "rpc_error") {
    if (wallet.empty())
      node_client_.reset();
    else
      wallet_clients_.erase(wallet);
  }
  return r;
}

Result<std::vector<std::string>> Litecoind::mine(int n, const std::string& address) {
  auto r = rpc("generatetoaddress", json::array({n, address.empty() ? mining_address_ : address}));
  if (!r) return r.error();
  std::vector<std::string> hashes;
  if (!r->is_array()) return Error("bad_response", "generatetoaddress: not an array");
  for (const auto& h : *r) {
    if (!h.is_string()) return Error("bad_response", "generatetoaddress: not a hash");
    hashes.push_back(h.get<std::string>());
  }
  return hashes;
}

Result<uint64_t> Litecoind::height() {
  auto r = rpc("getblockcount");
  if (!r) return r.error();
  if (!r->is_number_unsigned()) return Error("bad_response", "getblockcount: " + r->dump());
  return r->get<uint64_t>();
}

Status Litecoind::create_wallet(const std::string& name) {
  auto r = rpc("createwallet", json::array({name}));
  if (!r) return r.error();
  return {};
}

Result<std::string> Litecoind::new_address(const std::string& wallet) {
  auto r = wallet_rpc(wallet, "getnewaddress");
  if (!r) return r.error();
  if (!r->is_string()) return Error("bad_response", "getnewaddress: " + r->dump());
  return r->get<std::string>();
}

void Litecoind::stop() {
  node_client_.reset();
  wallet_clients_.clear();
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, 15s)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

Status Litecoind::restart() {
  stop();
  KLYN_TRY(launch(/*new_ports=*/false));
  if (Status st = wait_ready(); !st) {
    Error e = st.error();
    e.reason += "\n--- debug.log ---\n" + log_tail();
    return e;
  }
  auto r = rpc("loadwallet", json::array({options_.wallet}));
  if (!r) return r.error();
  return {};
}

std::string Litecoind::log_tail(size_t bytes) const {
  return tail_of(datadir_ / "regtest" / "debug.log", bytes);
}

}  // namespace klyn::hostchains::bitcoin::testing
