#include "common/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace klyn {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Process : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/klyn-process-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Runs `script` with /bin/sh -c (after applying `o`'s other fields) and returns its exit code
  // (-1 when it did not exit normally); its output is in out().
  int run_sh(const std::string& script, SpawnOptions o = {}) {
    o.argv = {"/bin/sh", "-c", script};
    if (o.output.empty()) o.output = out();
    auto pid = spawn_process(o);
    if (!pid) {
      ADD_FAILURE() << pid.error().to_string();
      return -1;
    }
    return wait_exit(*pid);
  }

  static int wait_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  fs::path out() const { return dir_ / "out.log"; }

  fs::path dir_;
};

// True once `pid` is gone or a zombie nobody reaped (it is not our child).
bool is_dead(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z' ||
         stat[paren + 2] == 'X';
}

bool dies_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (is_dead(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return is_dead(pid);
}

TEST_F(Process, StdoutAndStderrAreAppendedAndTheExitStatusIsTheChilds) {
  std::ofstream(out()) << "before\n";
  EXPECT_EQ(run_sh("echo hi; echo err >&2; exit 3"), 3);
  EXPECT_EQ(slurp(out()), "before\nhi\nerr\n");
}

TEST_F(Process, StdinIsDevNull) {
  EXPECT_EQ(run_sh("cat; echo done"), 0);  // cat sees end of file at once
  EXPECT_EQ(slurp(out()), "done\n");
}

TEST_F(Process, NoOutputFileMeansDevNull) {
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "echo lost; exit 4"};
  auto pid = spawn_process(o);
  ASSERT_TRUE(pid) << pid.error().to_string();
  EXPECT_EQ(wait_exit(*pid), 4);
}

TEST_F(Process, EnvironmentIsReplacedOrInherited) {
  ::setenv("KLYN_PROCESS_TEST_INHERITED", "from-parent", 1);
  SpawnOptions given;
  given.env = std::vector<std::string>{"KLYN_PROCESS_TEST=42"};
  EXPECT_EQ(run_sh("echo \"$KLYN_PROCESS_TEST ${KLYN_PROCESS_TEST_INHERITED:-unset}\"", given), 0);
  EXPECT_EQ(run_sh("echo \"${KLYN_PROCESS_TEST:-unset} $KLYN_PROCESS_TEST_INHERITED\""), 0);
  ::unsetenv("KLYN_PROCESS_TEST_INHERITED");
  EXPECT_EQ(slurp(out()), "42 unset\nunset from-parent\n");
}

TEST_F(Process, AProgramThatCannotRunMakesTheChildExit127) {
  SpawnOptions o;
  o.argv = {"/nonexistent/klyn-no-such-program"};
  auto pid = spawn_process(o);
  ASSERT_TRUE(pid) << pid.error().to_string();
  EXPECT_EQ(wait_exit(*pid), 127);

  o.argv = {"klyn-no-such-program-in-path"};
  o.search_path = true;
  pid = spawn_process(o);
  ASSERT_TRUE(pid) << pid.error().to_string();
  EXPECT_EQ(wait_exit(*pid), 127);
}

TEST_F(Process, SearchPathFindsABareName) {
  SpawnOptions o;
  o.argv = {"sh", "-c", "exit 5"};
  o.search_path = true;
  auto pid = spawn_process(o);
  ASSERT_TRUE(pid) << pid.error().to_string();
  EXPECT_EQ(wait_exit(*pid), 5);
}

TEST(FindInPath, FindsExecutablesOnly) {
  const std::string sh = find_in_path("sh");
  ASSERT_FALSE(sh.empty());
  EXPECT_EQ(::access(sh.c_str(), X_OK), 0);
  EXPECT_EQ(find_in_path("klyn-no-such-program-in-path"), "");
}

TEST_F(Process, ErrorsAreValues) {
  auto empty = spawn_process(SpawnOptions{});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "bad_argument");

  SpawnOptions o;
  o.argv = {"/bin/true"};
  o.output = dir_ / "no-such-dir" / "out.log";
  auto pid = spawn_process(o);
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().code, "io");
  EXPECT_NE(pid.error().reason.find("cannot open " + o.output.string()), std::string::npos);
}

TEST_F(Process, TheSignalMaskIsEmptyInTheChild) {
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  const int code = run_sh("exec grep SigBlk /proc/self/status");
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(slurp(out()), "SigBlk:\t0000000000000000\n");
}

// The child's "pid pgrp session" from /proc.
constexpr const char* kIds =
    "read -r pid comm state ppid pgrp sid rest < /proc/$$/stat; "
    "echo \"$pid $pgrp $sid\"";

TEST_F(Process, OwnSessionAndOwnGroup) {
  SpawnOptions session;
  session.group = ProcessGroup::own_session;
  ASSERT_EQ(run_sh(kIds, session), 0);
  std::istringstream s1(slurp(out()));
  long pid = 0, pgrp = 0, sid = 0;
  s1 >> pid >> pgrp >> sid;
  EXPECT_EQ(pgrp, pid);
  EXPECT_EQ(sid, pid);

  fs::remove(out());
  SpawnOptions group;
  group.group = ProcessGroup::own_group;
  ASSERT_EQ(run_sh(kIds, group), 0);
  std::istringstream s2(slurp(out()));
  s2 >> pid >> pgrp >> sid;
  EXPECT_EQ(pgrp, pid);
  EXPECT_EQ(sid, ::getsid(0));

  fs::remove(out());
  ASSERT_EQ(run_sh(kIds), 0);
  std::istringstream s3(slurp(out()));
  s3 >> pid >> pgrp >> sid;
  EXPECT_EQ(pgrp, ::getpgrp());
  EXPECT_EQ(sid, ::getsid(0));
}

TEST_F(Process, CloseOtherFdsClosesInheritableDescriptors) {
  const int fd = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC: inherited by default
  ASSERT_GE(fd, 3);
  const std::string script =
      "if [ -e /proc/$$/fd/" + std::to_string(fd) + " ]; then echo open; else echo closed; fi";
  EXPECT_EQ(run_sh(script), 0);
  SpawnOptions o;
  o.close_other_fds = true;
  EXPECT_EQ(run_sh(script, o), 0);
  ::close(fd);
  EXPECT_EQ(slurp(out()), "open\nclosed\n");
}

// A helper process spawns `sleep 30`, reports its pid and exits; true when the sleep then dies.
bool sleeper_dies_with_helper(bool die_with_parent) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t helper = ::fork();
  if (helper == 0) {
    ::close(fds[0]);
    SpawnOptions o;
    o.argv = {"/bin/sleep", "30"};
    o.group = ProcessGroup::own_group;
    o.die_with_parent = die_with_parent;
    auto pid = spawn_process(o);
    const pid_t p = pid ? *pid : -1;
    (void)!::write(fds[1], &p, sizeof p);
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t sleeper = -1;
  const bool got = ::read(fds[0], &sleeper, sizeof sleeper) == sizeof sleeper && sleeper > 0;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(helper, &status, 0);
  EXPECT_TRUE(got);
  if (!got) return false;
  const bool died = dies_within(sleeper, die_with_parent ? 5000ms : 300ms);
  if (!died) ::kill(sleeper, SIGKILL);
  return died;
}

TEST_F(Process, DieWithParentKillsTheChildWhenTheParentExits) {
  EXPECT_TRUE(sleeper_dies_with_helper(true));
  EXPECT_FALSE(sleeper_dies_with_helper(false));
}

bool bindable(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

TEST(FreeLoopbackPorts, AreBindable) {
  const uint16_t one = free_loopback_port();
  ASSERT_NE(one, 0);
  EXPECT_TRUE(bindable(one));
  const uint16_t base = free_loopback_ports(4);
  ASSERT_NE(base, 0);
  for (uint16_t p = base; p < base + 4; ++p) EXPECT_TRUE(bindable(p)) << p;
  EXPECT_NE(free_loopback_ports(0), 0);
}

TEST(ProcessCpuSeconds, GrowsWithWorkAndIsEmptyForNoProcess) {
  const auto before = process_cpu_seconds(::getpid());
  ASSERT_TRUE(before.has_value());
  // Burn CPU until the kernel's accounting (10 ms ticks) shows it; bounded by 5 s of wall time.
  const auto start = std::chrono::steady_clock::now();
  volatile uint64_t x = 0;
  std::optional<double> after = before;
  while (after && *after <= *before &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    for (int i = 0; i < 100000; ++i) x = x + 1;
    after = process_cpu_seconds(::getpid());
  }
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(*after, *before);
  EXPECT_FALSE(process_cpu_seconds(-1).has_value());
}

}  // namespace
}  // namespace klyn
