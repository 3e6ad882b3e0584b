// `klyn74r testnet up|down`: the node processes of a testnet (see testnet.h).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/cli_common.h"
#include "cli/testnet.h"
#include "common/process.h"
#include "core/data_dir.h"
#include "net/http_client.h"

namespace klyn::cli::testnet {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

Clock::time_point after_seconds(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

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

}  // namespace

std::optional<pid_t> running_pid_in(const fs::path& node_dir) {
  auto pid = read_pid(node_dir / kPidFile);
  if (pid && is_node_process(*pid, node_dir)) return pid;
  return std::nullopt;
}

Result<pid_t> spawn_node(const std::string& exe, const fs::path& node_dir, bool die_with_parent) {
  SpawnOptions o;
  o.argv = {exe, "run", "--dir", node_dir.string()};
  o.output = node_dir / "LOGS" / "console.log";
  o.group = ProcessGroup::own_session;  // outlives the terminal that ran `testnet up`
  o.die_with_parent = die_with_parent;
  o.close_other_fds = true;
  return spawn_process(o);
}

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
int up(const Layout& l, double wait_seconds, bool die_with_parent) {
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
    auto pid = spawn_node(exe.string(), l.dir_of(n), die_with_parent);
    if (!pid) return Error("io", n.dir + ": " + pid.error().reason);
    st[i].pid = *pid;
    st[i].spawned = true;
    if (auto w = core::write_file_atomic(l.pid_file(n), std::to_string(*pid) + "\n", 0644, true);
        !w) {
      // Without its pid file `down` could not find it: stop it now.
      ::kill(*pid, SIGKILL);
      ::waitpid(*pid, nullptr, 0);
      st[i].pid.reset();
      st[i].spawned = false;
      return Error("io", n.dir + ": " + w.error().reason);
    }
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

int down(const Layout& l, double wait_seconds) {
  std::error_code ec;
  std::vector<std::optional<pid_t>> pids;
  for (const auto& n : l.nodes) {
    auto pid = running_pid(l, n);
    if (pid && ::kill(*pid, SIGTERM) != 0 && errno != ESRCH)
      return report(kExitFailure,
                    n.dir + ": kill " + std::to_string(*pid) + ": " + std::strerror(errno));
    pids.push_back(pid);
  }
  // A signalled node counts as stopped once its process is gone or a zombie, not merely once it
  // stops looking like a node: while it exits, /proc/<pid>/cmdline is already empty but it may
  // still hold its files (the database lock) and its port.
  auto exiting_or_running = [&](size_t i) {
    if (!pids[i]) return false;
    const std::string stat = slurp("/proc/" + std::to_string(*pids[i]) + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
    return stat[paren + 2] != 'Z' && stat[paren + 2] != 'X';
  };
  auto wait_all = [&](Clock::time_point until) {
    while (true) {
      bool any = false;
      for (size_t i = 0; i < pids.size(); ++i) any = any || exiting_or_running(i);
      if (!any || Clock::now() >= until) return !any;
      std::this_thread::sleep_for(20ms);
    }
  };
  std::vector<bool> killed(pids.size(), false);
  if (!wait_all(after_seconds(wait_seconds))) {
    for (size_t i = 0; i < pids.size(); ++i)
      if (exiting_or_running(i)) {
        ::kill(*pids[i], SIGKILL);
        killed[i] = true;
      }
    wait_all(Clock::now() + 5s);
  }
  bool all_stopped = true;
  for (size_t i = 0; i < l.nodes.size(); ++i) {
    const NodeEntry& n = l.nodes[i];
    if (exiting_or_running(i)) {
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

}  // namespace klyn::cli::testnet
