#include "common/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

extern char** environ;

namespace klyn {

namespace {

// dup2 that also works when `fd` already is `target` (then only close-on-exec is cleared).
// Async-signal-safe.
void move_fd(int fd, int target) {
  if (fd == target)
    ::fcntl(fd, F_SETFD, 0);
  else
    ::dup2(fd, target);
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Binds 127.0.0.1:`port` (0 = any); the bound port, or 0 when it is taken. Closed again at once.
uint16_t try_bind(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  socklen_t len = sizeof addr;
  uint16_t got = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    got = ntohs(addr.sin_port);
  ::close(fd);
  return got;
}

}  // namespace

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/bin:/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

Result<pid_t> spawn_process(const SpawnOptions& options) {
  if (options.argv.empty()) return Error("bad_argument", "spawn_process: empty argv");

  // Everything the child needs is built here: after fork() it may not allocate.
  std::vector<std::string> args = options.argv;
  std::string program = args[0];
  if (options.search_path && program.find('/') == std::string::npos)
    program = find_in_path(program);  // "" = not found: the child exits 127
  std::vector<char*> argv = pointers_to(args);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (options.env) {
    env_strings = *options.env;
    envp = pointers_to(env_strings);
  }
  char* const* const child_env = options.env ? envp.data() : environ;

  // Both descriptors above 2: a caller that closed its stdin or stdout would otherwise get one of
  // them as 0 or 1, and the child's dup2 calls would overwrite it before using it.
  auto above_stdio = [](int fd) {
    if (fd < 0 || fd > 2) return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    ::close(fd);
    return moved;
  };
  const std::string out_path = options.output.empty() ? "/dev/null" : options.output.string();
  const int out =
      above_stdio(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (out < 0) return Error("io", "cannot open " + out_path + ": " + std::strerror(errno));
  const int in = above_stdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (in < 0) {
    const int err = errno;
    ::close(out);
    return Error("io", std::string("cannot open /dev/null: ") + std::strerror(err));
  }

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Async-signal-safe calls only from here on.
    if (options.group == ProcessGroup::own_session) ::setsid();
    if (options.group == ProcessGroup::own_group) ::setpgid(0, 0);
    if (options.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    move_fd(in, 0);
    move_fd(out, 1);
    move_fd(out, 2);
    if (options.close_other_fds) ::close_range(3, ~0U, 0);
    if (!program.empty()) ::execve(program.c_str(), argv.data(), child_env);
    ::_exit(127);
  }
  const int err = errno;
  ::close(out);
  ::close(in);
  if (pid < 0) return Error("io", std::string("fork: ") + std::strerror(err));
  return pid;
}

uint16_t free_loopback_port() {
  return free_loopback_ports(1);
}

uint16_t free_loopback_ports(unsigned count) {
  if (count == 0) count = 1;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const uint16_t first = try_bind(0);
    if (first == 0 || first + count - 1 > 65535) continue;
    bool all = true;
    for (unsigned i = 1; i < count && all; ++i)
      all = try_bind(static_cast<uint16_t>(first + i)) != 0;
    if (all) return first;
  }
  return 0;
}

std::optional<double> process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 1));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // fields counted from 1; the state is field 3
    if (i == 14) utime = std::stoull(f);
    if (i == 15) {
      stime = std::stoull(f);
      return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

}  // namespace klyn
