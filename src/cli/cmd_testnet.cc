// klyn74r testnet new|up|down|status: an N-node dev_controller network on 127.0.0.1 for local
// development, one ordinary data directory per node under D and one shared genesis.
//
//   D/testnet.json                 the layout (nodes: index, dir, url, role, address; symbiote)
//   D/node-1/                      the controller (key "controller")
//   D/node-i/  (i = 2..N)          role kPeerNodeRole, its own key "node" funded and staked in
//                                  genesis, peers = every other node (the controller first)
//   D/node-i/node.pid              while `up` has it running
//   D/node-i/LOGS/console.log      the node's stdout and stderr
//
// Every key is a PLAIN (unencrypted) test key and every node allows plain keys: this is a
// development network on loopback only, and `new` says so loudly.
//
// Processes: `up` starts `<this binary> run --dir D/node-i` in a session of its own (no
// terminal; it outlives the shell). A pid file is trusted only while /proc/<pid> is a live (not
// zombie) process whose command line is `run --dir <that node dir>`, so a reused pid is never
// signalled. Every wait is a bounded poll.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "chain/genesis.h"
#include "cli/cli_common.h"
#include "codec/hex.h"
#include "core/data_dir.h"
#include "core/keystore.h"
#include "workflows/dev_controller/dev_controller.h"

namespace klyn::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The role of nodes 2..N: staked producers. Each holds its own funded key staked with the
// manifest's instant_producer_stake and lists the controller first in `peers`; events submitted
// to it go into its own instant blocks. ("follower" works with this layout too.)
constexpr std::string_view kPeerNodeRole = "producer";

constexpr const char* kLayoutFile = "testnet.json";
constexpr const char* kPidFile = "node.pid";
constexpr const char* kTestKeyLabel = "testnet";  // derived_test_key label of the test accounts
constexpr int64_t kMaxNodes = 64;
constexpr int64_t kMaxAccounts = 1000;
constexpr chain::Amount kInstantStake = 1000;
constexpr chain::Amount kControllerBalance = 1'000'000'000'000;
constexpr chain::Amount kNodeBalance = 1'000'000'000;
constexpr chain::Amount kAccountBalance = 1'000'000'000;

const char* const kBanner =
    "*** LOCAL DEVELOPMENT NETWORK: every key is an UNENCRYPTED TEST KEY and every node sets\n"
    "*** keys.allow_plain_keys = true. Loopback (127.0.0.1) only. Never hold real value here.\n";

[[noreturn]] void fail(int code, const std::string& message) {
  std::exit(report(code, message));
}

Clock::time_point after_seconds(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::string url_of(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

// ---- the layout (D/testnet.json) ----

struct NodeEntry {
  int index = 0;
  std::string dir;  // relative to D
  uint16_t port = 0;
  std::string url, role, key, address;
};

struct Layout {
  fs::path root;  // absolute
  std::string alias, id;
  std::vector<NodeEntry> nodes;
  nlohmann::json test_accounts;

  fs::path dir_of(const NodeEntry& n) const { return root / n.dir; }
  fs::path pid_file(const NodeEntry& n) const { return dir_of(n) / kPidFile; }

  nlohmann::json to_json() const {
    nlohmann::json ns = nlohmann::json::array();
    for (const auto& n : nodes)
      ns.push_back({{"index", n.index},
                    {"dir", n.dir},
                    {"port", n.port},
                    {"url", n.url},
                    {"role", n.role},
                    {"key", n.key},
                    {"address", n.address}});
    return {{"warning", "local development network: plain test keys, loopback only"},
            {"symbiote", {{"alias", alias}, {"id", id}}},
            {"nodes", ns},
            {"test_accounts", test_accounts}};
  }

  static Result<Layout> load(const fs::path& dir) {
    Layout l;
    l.root = fs::weakly_canonical(fs::absolute(dir));
    const fs::path file = l.root / kLayoutFile;
    std::ifstream in(file);
    if (!in)
      return Error("config", file.string() + ": not found (create the network with `klyn74r " +
                                 "testnet new --dir " + dir.string() + "`)");
    auto j = nlohmann::json::parse(in, nullptr, false);
    try {
      if (j.is_discarded()) throw std::runtime_error("not valid JSON");
      l.alias = j.at("symbiote").at("alias").get<std::string>();
      l.id = j.at("symbiote").at("id").get<std::string>();
      l.test_accounts = j.value("test_accounts", nlohmann::json::object());
      for (const auto& n : j.at("nodes")) {
        NodeEntry e;
        e.index = n.at("index").get<int>();
        e.dir = n.at("dir").get<std::string>();
        e.port = n.at("port").get<uint16_t>();
        e.url = n.at("url").get<std::string>();
        e.role = n.at("role").get<std::string>();
        e.key = n.value("key", "");
        e.address = n.value("address", "");
        if (e.dir.empty() || e.dir.find('/') != std::string::npos || e.dir[0] == '.')
          throw std::runtime_error("nodes[].dir must be a plain directory name, got \"" + e.dir +
                                   "\"");
        l.nodes.push_back(std::move(e));
      }
      if (l.nodes.empty()) throw std::runtime_error("no nodes");
    } catch (const std::exception& e) {
      return Error("config", file.string() + ": " + e.what());
    }
    return l;
  }
};

// ---- processes ----

std::optional<pid_t> read_pid(const fs::path& file) {
  std::ifstream in(file);
  long long v = 0;
  if (!(in >> v) || v <= 1) return std::nullopt;
  return static_cast<pid_t>(v);
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// True while `pid` is a live (not zombie) `klyn74r run --dir <node_dir>`.
bool is_node_process(pid_t pid, const fs::path& node_dir) {
  const fs::path proc = "/proc/" + std::to_string(pid);
  const std::string stat = slurp(proc / "stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  const char state = stat[paren + 2];
  if (state == 'Z' || state == 'X') return false;  // exited; nobody reaped it yet
  std::vector<std::string> argv;
  std::string cmdline = slurp(proc / "cmdline");
  for (size_t pos = 0; pos < cmdline.size();) {
    size_t end = cmdline.find('\0', pos);
    if (end == std::string::npos) end = cmdline.size();
    argv.push_back(cmdline.substr(pos, end - pos));
    pos = end + 1;
  }
  if (argv.size() < 4 || argv[1] != "run") return false;
  for (size_t i = 2; i + 1 < argv.size(); ++i)
    if (argv[i] == "--dir" && argv[i + 1] == node_dir.string()) return true;
  return false;
}

// The node's pid when its pid file names a live node process of that directory.
std::optional<pid_t> running_pid(const Layout& l, const NodeEntry& n) {
  auto pid = read_pid(l.pid_file(n));
  if (pid && is_node_process(*pid, l.dir_of(n))) return pid;
  return std::nullopt;
}

// Starts `exe run --dir node_dir` in a new session: stdin /dev/null, stdout and stderr appended
// to LOGS/console.log, no other descriptor inherited, default signal mask.
Result<pid_t> spawn_node(const std::string& exe, const fs::path& node_dir) {
  const fs::path log = node_dir / "LOGS" / "console.log";
  std::vector<std::string> args = {exe, "run", "--dir", node_dir.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return Error("io", "cannot open " + log.string() + ": " + std::strerror(errno));
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    ::close(out);
    return Error("io", std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const int err = errno;
  ::close(out);
  ::close(in);
  if (pid < 0) return Error("io", std::string("fork: ") + std::strerror(err));
  return pid;
}

// The last `lines` lines of `file` from byte `from` on.
std::string tail(const fs::path& file, std::streamoff from, int lines) {
  std::string text = slurp(file);
  if (from > 0 && static_cast<size_t>(from) <= text.size()) text = text.substr(from);
  size_t pos = text.size();
  if (pos && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i)
    pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

// ---- talking to a node ----

struct NodeView {
  bool answering = false;  // GET /info answered and lists the testnet's symbiote
  std::string problem;     // why not
  std::string role, state_root, halted;
  uint64_t height = 0, stored_height = 0;
};

NodeView query_node(const Layout& l, const NodeEntry& n, std::chrono::milliseconds timeout) {
  NodeView v;
  net::HttpClient http("127.0.0.1", n.port, timeout);
  auto r = http.get("/info");
  if (!r) {
    v.problem = r.error().to_string();
    return v;
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200 || !j.is_object() || !j.contains("symbiotes")) {
    v.problem = "GET /info answered " + std::to_string(r->status);
    return v;
  }
  for (const auto& s : j["symbiotes"]) {
    if (!s.is_object() || s.value("id", "") != l.id) continue;
    v.answering = true;
    v.role = s.value("role", "");
    v.height = s.value("height", uint64_t{0});
    v.stored_height = s.value("stored_height", uint64_t{0});
    v.state_root = s.value("state_root", "");
    v.halted = s.value("halted", "");
    return v;
  }
  v.problem = "the node on port " + std::to_string(n.port) + " does not host symbiote " + l.id;
  return v;
}

// The state root a node reports at `height` ("" when it cannot say).
std::string root_at(const Layout& l, const NodeEntry& n, uint64_t height) {
  net::HttpClient http("127.0.0.1", n.port, 2s);
  auto r = http.get("/s/" + l.id + "/state_root?height=" + std::to_string(height));
  if (!r || r->status != 200) return "";
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_object() ? j.value("state_root", "") : "";
}

std::string short_root(const std::string& root) {
  return root.size() > 16 ? root.substr(0, 16) + "…" : root;
}

void print_row(const std::vector<std::string>& cells) {
  static const int widths[] = {8, 24, 9, 12, 10, 8, 8};
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i + 1 < cells.size() && i < std::size(widths))
      std::cout << std::left << std::setw(widths[i]) << cells[i];
    else
      std::cout << cells[i];
  }
  std::cout << "\n";
}

// ---- new ----

struct NewOptions {
  std::string dir;
  int64_t nodes = 3;
  int64_t base_port = 7780;
  std::string symbiote = "testnet";
  int64_t accounts = 8;
  bool force = false;
};

Status validate(const NewOptions& o) {
  if (o.nodes < 1 || o.nodes > kMaxNodes)
    return Error("usage", "--nodes " + std::to_string(o.nodes) + ": must be 1.." +
                              std::to_string(kMaxNodes));
  if (o.base_port < 1024 || o.base_port > 65535)
    return Error("usage", "--base-port " + std::to_string(o.base_port) +
                              ": must be 1024..65535 (no privileged ports)");
  if (o.base_port + o.nodes - 1 > 65535)
    return Error("usage", "--base-port " + std::to_string(o.base_port) + " with --nodes " +
                              std::to_string(o.nodes) + ": the last node's port would be " +
                              std::to_string(o.base_port + o.nodes - 1) + " (> 65535)");
  if (o.accounts < 0 || o.accounts > kMaxAccounts)
    return Error("usage", "--accounts " + std::to_string(o.accounts) + ": must be 0.." +
                              std::to_string(kMaxAccounts));
  if (!core::is_valid_alias(o.symbiote))
    return Error("usage", "--symbiote \"" + o.symbiote + "\": must match [a-z][a-z0-9_-]{0,31}");
  return Status();
}

// Makes `root` ready for a new network: created if missing; if not empty, refused unless
// `force`, which removes testnet.json and every node-<n> directory (none may be running) and
// keeps anything else.
Status prepare_root(const fs::path& root, bool force) {
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    if (!fs::create_directories(root, ec))
      return Error("io", "cannot create " + root.string() + ": " + ec.message());
    return Status();
  }
  if (!fs::is_directory(root, ec)) return Error("usage", root.string() + " is not a directory");
  if (fs::is_empty(root, ec)) return Status();
  if (!force)
    return Error("usage", root.string() +
                              " is not empty; choose another --dir, or pass --force to replace "
                              "the testnet in it");
  static const std::regex node_dir("node-[0-9]+");
  std::vector<fs::path> remove;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_directory() || !std::regex_match(name, node_dir)) continue;
    auto pid = read_pid(e.path() / kPidFile);
    if (pid && is_node_process(*pid, e.path()))
      return Error("usage", (root / name).string() + " is running (pid " + std::to_string(*pid) +
                                "); run `klyn74r testnet down --dir " + root.string() + "` first");
    remove.push_back(e.path());
  }
  for (const auto& p : remove) fs::remove_all(p, ec);
  fs::remove(root / kLayoutFile, ec);
  return Status();
}

// CONFIGS/node.toml as `init` writes it, with this node's port and plain keys allowed.
Status write_node_config(const core::DataDir& d, int index, int count, uint16_t port) {
  std::string text = core::default_node_config_text();
  auto set = [&text](const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
  };
  set("port = 7777", "port = " + std::to_string(port));
  set("allow_plain_keys = false", "allow_plain_keys = true ");
  text = "# LOCAL TESTNET node " + std::to_string(index) + " of " + std::to_string(count) +
         " (klyn74r testnet new): loopback only, plain test keys.\n" + text;
  return core::write_file_atomic(d.node_config(), text, 0644, true);
}

std::string symbiote_toml(const NodeEntry& n, int count, const std::string& alias,
                          const std::string& id, const std::vector<std::string>& peers) {
  std::string list;
  for (const auto& p : peers) list += (list.empty() ? "\"" : ", \"") + p + "\"";
  return "# Node-local settings of symbiote " + alias + " (id " + id + ") on LOCAL TESTNET node " +
         std::to_string(n.index) + " of " + std::to_string(count) +
         "\n"
         "enabled = true\n"
         "genesis = \"GENESIS/" +
         alias + ".json\"\nkey = \"" + n.key + "\"\nrole = \"" + n.role + "\"\npeers = [" + list +
         "]\n\n[workflow]\nphantom_blocks = true\nblock_interval_ms = 100\n";
}

Result<Layout> create_testnet(const NewOptions& o) {
  KLYN_TRY(validate(o));
  const fs::path root = fs::weakly_canonical(fs::absolute(o.dir));
  KLYN_TRY(prepare_root(root, o.force));
  Layout l;
  l.root = root;
  l.alias = o.symbiote;
  const int count = static_cast<int>(o.nodes);

  // Data directories, node configs and one fresh plain key per node.
  std::vector<core::DataDir> dirs;
  for (int i = 1; i <= count; ++i) {
    NodeEntry n;
    n.index = i;
    n.dir = "node-" + std::to_string(i);
    n.port = static_cast<uint16_t>(o.base_port + i - 1);
    n.url = url_of(n.port);
    n.role = i == 1 ? "controller" : std::string(kPeerNodeRole);
    n.key = i == 1 ? "controller" : "node";
    core::DataDir d(root / n.dir);
    KLYN_TRY(d.create_layout());
    KLYN_TRY(write_node_config(d, i, count, n.port));
    auto info = core::Keystore(d.keys_dir()).create(n.key, core::KeyProtection::unencrypted());
    if (!info) return info.error();
    n.address = info->address;
    l.nodes.push_back(std::move(n));
    dirs.push_back(std::move(d));
  }

  // The test accounts: deterministic test keys, plain, in node-1's keystore.
  core::Keystore ks1(dirs[0].keys_dir());
  nlohmann::json accounts = nlohmann::json::array();
  std::vector<chain::AccountId> funded;
  for (int64_t j = 0; j < o.accounts; ++j) {
    auto k = derived_test_key(kTestKeyLabel, static_cast<uint64_t>(j));
    const std::string name = "test-" + std::to_string(j);
    auto info = ks1.import(name, k.seed(), core::KeyProtection::unencrypted());
    if (!info) return info.error();
    accounts.push_back({{"key", name}, {"address", k.address()}});
    funded.push_back(k.public_key());
  }
  l.test_accounts = {{"keys_dir", l.nodes[0].dir + "/KEYS"},
                     {"derived_label", kTestKeyLabel},
                     {"balance", kAccountBalance},
                     {"accounts", accounts}};

  // One genesis for all: the controller, every other node staked, the test accounts.
  chain::Genesis g;
  chain::Manifest& m = g.manifest;
  m.name = o.symbiote;
  m.workflow = dev_controller::DevController::kName;
  m.workflow_version = dev_controller::DevController::version();
  auto controller = crypto::parse_address(l.nodes[0].address);
  if (!controller) return controller.error();
  m.controller = *controller;
  m.fee.per_event = 1;
  m.fee.generator_share_permille = 500;
  m.instant_producer_stake = kInstantStake;
  m.unstake_delay = 10;
  std::map<chain::AccountId, chain::GenesisAccount> acc;
  for (const auto& n : l.nodes) {
    auto id = crypto::parse_address(n.address);
    if (!id) return id.error();
    acc[*id] = {*id, n.index == 1 ? kControllerBalance : kNodeBalance, kInstantStake};
  }
  for (const auto& id : funded) {
    acc[id].id = id;
    acc[id].balance += kAccountBalance;
  }
  for (auto& [id, a] : acc) g.accounts.push_back(a);
  auto check = chain::decode_genesis(g.encode());  // validates
  if (!check) return check.error();
  l.id = codec::hex_encode(g.id());
  const std::string genesis_json = chain::genesis_to_json(g);

  for (size_t i = 0; i < l.nodes.size(); ++i) {
    std::vector<std::string> peers;
    for (const auto& p : l.nodes)
      if (i > 0 && p.index != l.nodes[i].index) peers.push_back(p.url);
    KLYN_TRY(core::write_file_atomic(dirs[i].genesis(l.alias), genesis_json, 0644, true));
    KLYN_TRY(core::write_file_atomic(dirs[i].symbiote_config(l.alias),
                                     symbiote_toml(l.nodes[i], count, l.alias, l.id, peers), 0644,
                                     true));
  }
  // Last, so that up/down/status never see a half-written network.
  KLYN_TRY(core::write_file_atomic(root / kLayoutFile, l.to_json().dump(2) + "\n", 0644, true));
  return l;
}

// ---- up / down / status ----

int cmd_up(const Layout& l, double wait_seconds) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return report(kExitFailure, "cannot find this binary (/proc/self/exe): " + ec.message());
  struct Start {
    std::optional<pid_t> pid;
    bool spawned = false, ready = false;
    std::string problem;
    std::streamoff log_from = 0;
    NodeView view;
  };
  std::vector<Start> st(l.nodes.size());
  auto spawn = [&](size_t i) -> Status {
    const NodeEntry& n = l.nodes[i];
    if ((st[i].pid = running_pid(l, n))) return Status();  // already running: leave it alone
    fs::remove(l.pid_file(n), ec);
    const fs::path log = l.dir_of(n) / "LOGS" / "console.log";
    st[i].log_from = static_cast<std::streamoff>(fs::exists(log) ? fs::file_size(log) : 0);
    auto pid = spawn_node(exe.string(), l.dir_of(n));
    if (!pid) return Error("io", n.dir + ": " + pid.error().reason);
    st[i].pid = *pid;
    st[i].spawned = true;
    if (auto w = core::write_file_atomic(l.pid_file(n), std::to_string(*pid) + "\n", 0644, true);
        !w)
      return Error("io", n.dir + ": " + w.error().reason);
    return Status();
  };
  // Polls the nodes of `group` until each answers, has exited, or the deadline passes.
  const auto deadline = after_seconds(wait_seconds);
  auto wait_ready = [&](const std::vector<size_t>& group) {
    while (true) {
      bool pending = false;
      for (size_t i : group) {
        Start& s = st[i];
        if (s.ready || !s.problem.empty()) continue;
        int status = 0;
        if (s.spawned && ::waitpid(*s.pid, &status, WNOHANG) == *s.pid) {
          s.problem = WIFEXITED(status) ? "exited with code " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
          fs::remove(l.pid_file(l.nodes[i]), ec);
          continue;
        }
        if (!s.spawned && !is_node_process(*s.pid, l.dir_of(l.nodes[i]))) {
          s.problem = "exited";
          continue;
        }
        s.view = query_node(l, l.nodes[i], 500ms);
        s.ready = s.view.answering;
        pending = pending || !s.ready;
      }
      if (!pending) return;
      if (Clock::now() >= deadline) {
        for (size_t i : group)
          if (!st[i].ready && st[i].problem.empty())
            st[i].problem = "did not answer GET /info within " + std::to_string(wait_seconds) +
                            " s (" + st[i].view.problem + ")";
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
  };
  // The controller first, the others once it serves: a follower whose first pull finds its first
  // peer (the controller) not answering moves on to another follower and keeps pulling from it
  // while that one answers, even with nothing new.
  std::vector<size_t> controllers, others;
  for (size_t i = 0; i < l.nodes.size(); ++i)
    (l.nodes[i].role == "controller" ? controllers : others).push_back(i);
  for (const auto* group : {&controllers, &others}) {
    for (size_t i : *group)
      if (auto r = spawn(i); !r) return report(kExitFailure, r.error().reason);
    wait_ready(*group);
    bool up = true;
    for (size_t i : *group) up = up && st[i].ready;
    if (!up) {
      for (size_t i : others)
        if (!st[i].pid) st[i].problem = "not started: the controller is not up";
      break;
    }
  }
  print_row({"node", "url", "pid", "role", "state", "height"});
  bool all_ok = true;
  for (size_t i = 0; i < l.nodes.size(); ++i) {
    const NodeEntry& n = l.nodes[i];
    const Start& s = st[i];
    all_ok = all_ok && s.ready;
    print_row({n.dir, n.url, s.pid ? std::to_string(*s.pid) : "-", s.ready ? s.view.role : n.role,
               !s.pid      ? "skipped"
               : !s.ready  ? "FAILED"
               : s.spawned ? "started"
                           : "running",
               s.ready ? std::to_string(s.view.height) : "-"});
  }
  for (size_t i = 0; i < l.nodes.size(); ++i) {
    if (st[i].ready) continue;
    const fs::path log = l.dir_of(l.nodes[i]) / "LOGS" / "console.log";
    std::cerr << "klyn74r: " << l.nodes[i].dir << " did not come up: " << st[i].problem << "\n";
    if (!st[i].pid) continue;
    std::cerr << "--- last lines of " << log.string() << " ---\n"
              << tail(log, st[i].log_from, 20) << "---\n";
  }
  if (!all_ok)
    return report(kExitFailure,
                  "some nodes did not come up; the others keep running (stop them "
                  "with `klyn74r testnet down --dir " +
                      l.root.string() + "`)");
  std::cout << "testnet " << l.root.string() << " up: symbiote " << l.alias << ", "
            << l.nodes.size() << " node(s); logs in node-*/LOGS/\n";
  return kExitOk;
}

int cmd_down(const Layout& l, double wait_seconds) {
  std::error_code ec;
  std::vector<std::optional<pid_t>> pids;
  for (const auto& n : l.nodes) {
    auto pid = running_pid(l, n);
    if (pid && ::kill(*pid, SIGTERM) != 0 && errno != ESRCH)
      return report(kExitFailure,
                    n.dir + ": kill " + std::to_string(*pid) + ": " + std::strerror(errno));
    pids.push_back(pid);
  }
  auto wait_all = [&](Clock::time_point until) {
    while (true) {
      bool any = false;
      for (size_t i = 0; i < pids.size(); ++i)
        any = any || (pids[i] && is_node_process(*pids[i], l.dir_of(l.nodes[i])));
      if (!any || Clock::now() >= until) return !any;
      std::this_thread::sleep_for(20ms);
    }
  };
  std::vector<bool> killed(pids.size(), false);
  if (!wait_all(after_seconds(wait_seconds))) {
    for (size_t i = 0; i < pids.size(); ++i)
      if (pids[i] && is_node_process(*pids[i], l.dir_of(l.nodes[i]))) {
        ::kill(*pids[i], SIGKILL);
        killed[i] = true;
      }
    wait_all(Clock::now() + 5s);
  }
  bool all_stopped = true;
  for (size_t i = 0; i < l.nodes.size(); ++i) {
    const NodeEntry& n = l.nodes[i];
    if (pids[i] && is_node_process(*pids[i], l.dir_of(n))) {
      all_stopped = false;
      std::cout << n.dir << ": still running (pid " << *pids[i] << ")\n";
      continue;
    }
    fs::remove(l.pid_file(n), ec);
    if (pids[i])
      std::cout << n.dir << ": stopped (pid " << *pids[i] << (killed[i] ? ", SIGKILL" : "")
                << ")\n";
    else
      std::cout << n.dir << ": not running\n";
  }
  return all_stopped ? kExitOk : report(kExitFailure, "some nodes did not stop");
}

int cmd_status(const Layout& l, bool json) {
  nlohmann::json nodes = nlohmann::json::array();
  std::vector<NodeView> views;
  std::vector<const NodeEntry*> answering;
  for (const auto& n : l.nodes) {
    auto pid = running_pid(l, n);
    NodeView v = query_node(l, n, 1s);
    nlohmann::json j = {{"index", n.index},
                        {"dir", n.dir},
                        {"url", n.url},
                        {"role", v.answering ? v.role : n.role},
                        {"address", n.address},
                        {"running", pid.has_value() || v.answering},
                        {"answering", v.answering}};
    j["pid"] = pid ? nlohmann::json(*pid) : nlohmann::json(nullptr);
    if (v.answering) {
      j["height"] = v.height;
      j["stored_height"] = v.stored_height;
      j["state_root"] = v.state_root;
      if (!v.halted.empty()) j["halted"] = v.halted;
      answering.push_back(&n);
    } else if (pid) {
      j["problem"] = v.problem;
    }
    nodes.push_back(j);
    views.push_back(v);
  }
  // Agreement: the state root of every answering node at the lowest height they all applied.
  nlohmann::json agreement = {{"nodes", answering.size()}};
  bool same_height = true, same_root = true;
  uint64_t common = UINT64_MAX, top = 0;
  for (const auto& v : views)
    if (v.answering) {
      common = std::min(common, v.height);
      top = std::max(top, v.height);
    }
  std::string root;
  if (!answering.empty()) {
    same_height = common == top;
    for (size_t i = 0, k = 0; i < views.size(); ++i) {
      if (!views[i].answering) continue;
      std::string r = same_height ? views[i].state_root : root_at(l, l.nodes[i], common);
      if (k++ == 0)
        root = r;
      else if (r != root || r.empty())
        same_root = false;
    }
    agreement["height"] = common;
    agreement["state_root"] = same_root ? root : "";
  }
  agreement["same_height"] = same_height;
  agreement["same_state_root"] = same_root;
  agreement["agree"] = same_height && same_root;
  if (json) {
    std::cout << nlohmann::json({{"dir", l.root.string()},
                                 {"symbiote", {{"alias", l.alias}, {"id", l.id}}},
                                 {"nodes", nodes},
                                 {"agreement", agreement}})
                     .dump()
              << "\n";
  } else {
    std::cout << "testnet " << l.root.string() << ": symbiote " << l.alias << " (id "
              << short_root(l.id) << ")\n";
    print_row({"node", "url", "pid", "role", "state", "height", "stored", "state root"});
    for (const auto& j : nodes) {
      const bool up = j["answering"].get<bool>();
      print_row({j["dir"].get<std::string>(), j["url"].get<std::string>(),
                 j["pid"].is_null() ? "-" : j["pid"].dump(), j["role"].get<std::string>(),
                 up                         ? "running"
                 : j["running"].get<bool>() ? "starting"
                                            : "stopped",
                 up ? j["height"].dump() : "-", up ? j["stored_height"].dump() : "-",
                 up ? short_root(j["state_root"].get<std::string>()) : "-"});
    }
    if (answering.empty())
      std::cout << "no node is running\n";
    else if (same_height && same_root)
      std::cout << "all " << answering.size() << " running node(s) agree: height " << common
                << ", state root " << root << "\n";
    else if (same_root)
      std::cout << "running nodes are at heights " << common << ".." << top
                << "; they agree on the state root at height " << common << "\n";
    else
      std::cout << "running nodes DISAGREE on the state root at height " << common << "\n";
  }
  // A different root at the same height is a fork: exit 1. Catching up is not.
  return same_root ? kExitOk : kExitFailure;
}

Layout load_or_exit(const std::string& dir) {
  auto l = Layout::load(dir);
  if (!l) fail(kExitConfig, l.error().reason);
  return std::move(*l);
}

}  // namespace

void add_testnet_commands(CLI::App& app) {
  auto* tn = app.add_subcommand(
      "testnet", "a local N-node dev_controller network on 127.0.0.1 (plain test keys)");
  tn->require_subcommand(1);

  auto o = std::make_shared<NewOptions>();
  auto* tnew = tn->add_subcommand(
      "new", "write keys, one shared genesis and configs for N nodes in D/node-1..node-N");
  tnew->add_option("--dir", o->dir, "directory of the network (must be empty unless --force)")
      ->required();
  tnew->add_option("--nodes", o->nodes, "number of nodes, 1..64 (node-1 is the controller)")
      ->capture_default_str();
  tnew->add_option("--base-port", o->base_port, "API port of node-1; node-i gets base + i - 1")
      ->capture_default_str();
  tnew->add_option("--symbiote", o->symbiote, "alias of the symbiote")->capture_default_str();
  tnew->add_option("--accounts", o->accounts,
                   "funded TEST accounts (keys test-0.. in node-1/KEYS), 0..1000")
      ->capture_default_str();
  tnew->add_flag("--force", o->force,
                 "replace the testnet in a non-empty --dir (it must be stopped; other files stay)");
  tnew->callback([o] {
    auto l = create_testnet(*o);
    if (!l) fail(l.error().code == "usage" ? kExitConfig : kExitFailure, l.error().reason);
    std::cout << kBanner;
    std::cout << "testnet " << l->root.string() << ": symbiote " << l->alias << " (id " << l->id
              << ")\n";
    for (const auto& n : l->nodes)
      std::cout << "  " << std::left << std::setw(8) << n.dir << std::setw(24) << n.url
                << std::setw(12) << n.role << n.address << "\n";
    std::cout << "  " << o->accounts << " funded test accounts: keys test-0.. in "
              << (l->root / l->nodes[0].dir / "KEYS").string() << "\n"
              << kBanner << "start it: klyn74r testnet up --dir " << l->root.string() << "\n";
  });

  auto dir = std::make_shared<std::string>();
  auto wait = std::make_shared<double>(15);
  auto* up = tn->add_subcommand(
      "up", "start every node in the background (logs in D/node-i/LOGS/console.log)");
  up->add_option("--dir", *dir, "directory of the network")->required();
  up->add_option("--wait-seconds", *wait, "how long to wait for every node to answer")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  up->callback([dir, wait] { std::exit(cmd_up(load_or_exit(*dir), *wait)); });

  auto stop_wait = std::make_shared<double>(10);
  auto* down = tn->add_subcommand(
      "down", "stop every node: SIGTERM, then SIGKILL after --wait-seconds (idempotent)");
  down->add_option("--dir", *dir, "directory of the network")->required();
  down->add_option("--wait-seconds", *stop_wait, "how long a node may take to stop gracefully")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  down->callback([dir, stop_wait] { std::exit(cmd_down(load_or_exit(*dir), *stop_wait)); });

  auto json = std::make_shared<bool>(false);
  auto* status = tn->add_subcommand(
      "status",
      "each node's pid, height and state root, and whether the running nodes agree (exit 1 on "
      "different state roots at the same height)");
  status->add_option("--dir", *dir, "directory of the network")->required();
  status->add_flag("--json", *json, "print JSON");
  status->callback([dir, json] { std::exit(cmd_status(load_or_exit(*dir), *json)); });
}

}  // namespace klyn::cli
