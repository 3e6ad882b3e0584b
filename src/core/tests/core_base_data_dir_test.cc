#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/data_dir.h"

namespace klyn::core {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("klyn-core-dd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

TEST(CoreBaseDataDir, PathsFollowTheLayout) {
  DataDir d("/srv/klyn");
  EXPECT_EQ(d.node_config(), fs::path("/srv/klyn/CONFIGS/node.toml"));
  EXPECT_EQ(d.symbiote_config("alpha"), fs::path("/srv/klyn/CONFIGS/symbiotes/alpha.toml"));
  EXPECT_EQ(d.genesis("alpha"), fs::path("/srv/klyn/GENESIS/alpha.json"));
  EXPECT_EQ(d.chaindata("ab12"), fs::path("/srv/klyn/CHAINDATA/ab12"));
  EXPECT_EQ(d.snapshots("ab12"), fs::path("/srv/klyn/SNAPSHOTS/ab12"));
  EXPECT_EQ(d.core_log(), fs::path("/srv/klyn/LOGS/core.log"));
  EXPECT_EQ(d.symbiote_log("alpha"), fs::path("/srv/klyn/LOGS/alpha.log"));
  EXPECT_EQ(d.keys_dir(), fs::path("/srv/klyn/KEYS"));
  EXPECT_EQ(d.resolve("GENESIS/a.json"), fs::path("/srv/klyn/GENESIS/a.json"));
  EXPECT_EQ(d.resolve("/etc/x"), fs::path("/etc/x"));
  EXPECT_EQ(d.display(d.node_config()), "CONFIGS/node.toml");
  EXPECT_EQ(d.display("/etc/x"), "/etc/x");
}

TEST(CoreBaseDataDir, AliasRule) {
  EXPECT_TRUE(is_valid_alias("alpha"));
  EXPECT_TRUE(is_valid_alias("a1_b-c"));
  EXPECT_TRUE(is_valid_alias(std::string(32, 'a')));
  EXPECT_FALSE(is_valid_alias(std::string(33, 'a')));
  EXPECT_FALSE(is_valid_alias(""));
  EXPECT_FALSE(is_valid_alias("1alpha"));
  EXPECT_FALSE(is_valid_alias("Alpha"));
  EXPECT_FALSE(is_valid_alias("al.pha"));
  EXPECT_FALSE(is_valid_alias("../x"));
}

TEST(CoreBaseDataDir, CreateLayoutIsIdempotentAndCheckReportsMissing) {
  TempDir t;
  DataDir d(t.path / "node");
  Status before = d.check_layout();
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, "bad_data_dir");
  EXPECT_NE(before.error().reason.find("CONFIGS/symbiotes"), std::string::npos);
  EXPECT_NE(before.error().reason.find("KEYS"), std::string::npos);

  ASSERT_TRUE(d.create_layout().ok());
  EXPECT_TRUE(d.check_layout().ok());
  struct stat st {};
  ASSERT_EQ(::stat(d.keys_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // A file placed by the operator survives a second create_layout.
  std::ofstream(d.genesis("alpha")) << "{}";
  ASSERT_TRUE(d.create_layout().ok());
  EXPECT_TRUE(fs::exists(d.genesis("alpha")));

  fs::remove_all(d.logs_dir());
  Status after = d.check_layout();
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().reason.find("LOGS"), std::string::npos);
  EXPECT_EQ(after.error().reason.find("KEYS"), std::string::npos);
}

TEST(CoreBaseDataDir, DefaultNodeConfigWrittenOnlyIfMissing) {
  TempDir t;
  DataDir d(t.path);
  ASSERT_TRUE(d.create_layout().ok());
  auto wrote = d.write_default_node_config();
  ASSERT_TRUE(wrote.ok());
  EXPECT_TRUE(*wrote);
  std::ofstream(d.node_config(), std::ios::app) << "# operator edit\n";
  auto again = d.write_default_node_config();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  std::ifstream in(d.node_config());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("# operator edit"), std::string::npos);
  EXPECT_NE(text.find("port = 7777"), std::string::npos);
}

// Fault injection: a writer that crashed before its rename leaves only a hidden temporary
// file; the target is either absent or complete.
TEST(CoreBaseDataDir, AtomicWriteNeverLeavesAPartialTarget) {
  TempDir t;
  fs::path target = t.path / "file.txt";
  std::ofstream(t.path / ".file.txt.tmp.crashed") << "half writ";  // a crashed writer's leftover
  ASSERT_TRUE(write_file_atomic(target, "first", 0600, false).ok());
  Status again = write_file_atomic(target, "second", 0600, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "exists");
  ASSERT_TRUE(write_file_atomic(target, "third", 0640, true).ok());
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "third");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  // Only the leftover of the "crashed" writer remains besides the target: ours were cleaned.
  int entries = 0;
  for (auto& e : fs::directory_iterator(t.path)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2);
  // Unwritable directory: an error value, not an exception or a partial file.
  Status bad = write_file_atomic(t.path / "missing-dir" / "x", "y", 0600, true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "io");
}

// Fault injection: the disk "fills up" (RLIMIT_FSIZE) in the middle of a write. The write
// fails with an error value, the old content stays, and no temporary file is left behind.
// Runs in a child process so the limit does not leak into other tests.
TEST(CoreBaseDataDir, AtomicWriteOnFullDiskKeepsOldContent) {
  TempDir t;
  fs::path target = t.path / "node.toml";
  ASSERT_TRUE(write_file_atomic(target, "old", 0644, true).ok());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {
      16, 16
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    Status st = write_file_atomic(target, std::string(4096, 'x'), 0644, true);
    ::_exit(!st.ok() && st.error().code == "io" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the failed write was not reported as an io error";
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "old");
  int entries = 0;
  for (auto& e : fs::directory_iterator(t.path)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace klyn::core
