#include "core/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace klyn::core {

namespace fs = std::filesystem;

namespace {

Error io_error(const std::string& what, const fs::path& path, int err) {
  return Error("io", what + " " + path.string() + ": " + std::strerror(err));
}

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return Status::success();
}

}  // namespace

bool is_valid_alias(std::string_view alias) {
  if (alias.empty() || alias.size() > 32) return false;
  if (alias[0] < 'a' || alias[0] > 'z') return false;
  for (char c : alias) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

DataDir::DataDir(fs::path root) : root_(std::move(root)) {}

fs::path DataDir::symbiote_config(std::string_view alias) const {
  return symbiote_configs_dir() / (std::string(alias) + ".toml");
}
fs::path DataDir::genesis(std::string_view alias) const {
  return genesis_dir() / (std::string(alias) + ".json");
}
fs::path DataDir::chaindata(std::string_view symbiote_id) const {
  return chaindata_dir() / std::string(symbiote_id);
}
fs::path DataDir::snapshots(std::string_view symbiote_id) const {
  return snapshots_dir() / std::string(symbiote_id);
}
fs::path DataDir::symbiote_log(std::string_view alias) const {
  return logs_dir() / (std::string(alias) + ".log");
}

fs::path DataDir::resolve(std::string_view path_in_config) const {
  fs::path p{std::string(path_in_config)};
  if (p.is_absolute()) return p;
  return root_ / p;
}

std::string DataDir::display(const fs::path& path) const {
  auto root = root_.lexically_normal();
  auto p = path.lexically_normal();
  auto rel = p.lexically_relative(root);
  if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
  return path.string();
}

std::vector<fs::path> DataDir::layout_dirs() const {
  return {configs_dir(),   symbiote_configs_dir(), genesis_dir(),
          chaindata_dir(), snapshots_dir(),        logs_dir(),
          keys_dir()};
}

Status DataDir::create_layout() const {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return Error("io", "cannot create " + root_.string() + ": " + ec.message());
  for (const auto& dir : layout_dirs()) {
    bool created = fs::create_directories(dir, ec);
    if (ec) return Error("io", "cannot create " + dir.string() + ": " + ec.message());
    if (!fs::is_directory(dir, ec))
      return Error("io", dir.string() + " exists and is not a directory");
    // The keystore directory is private to the node's user; only tighten what we created, an
    // operator's own choice on an existing directory is left alone.
    if (created && dir == keys_dir() && ::chmod(dir.c_str(), 0700) != 0)
      return io_error("cannot chmod", dir, errno);
  }
  return Status::success();
}

Status DataDir::check_layout() const {
  std::string missing;
  std::error_code ec;
  for (const auto& dir : layout_dirs()) {
    if (fs::is_directory(dir, ec)) continue;
    if (!missing.empty()) missing += ", ";
    missing += display(dir) + (fs::exists(dir, ec) ? " (not a directory)" : "");
  }
  if (missing.empty()) return Status::success();
  return Error("bad_data_dir", root_.string() + " is not a complete data directory; missing: " +
                                   missing + " (run `klyn74r init --dir " + root_.string() + "`)");
}

Result<bool> DataDir::write_default_node_config() const {
  std::error_code ec;
  if (fs::exists(node_config(), ec)) return false;
  fs::create_directories(configs_dir(), ec);
  if (ec) return Error("io", "cannot create " + configs_dir().string() + ": " + ec.message());
  Status st = write_file_atomic(node_config(), default_node_config_text(), 0644, false);
  if (!st) {
    if (st.error().code == "exists") return false;  // raced with another writer: keep theirs
    return st.error();
  }
  return true;
}

Status write_file_atomic(const fs::path& path, std::string_view content, unsigned mode,
                         bool overwrite) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string tmp_template = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  int fd = ::mkstemp(tmp_template.data());
  if (fd < 0) return io_error("cannot create temporary file in", dir, errno);
  fs::path tmp = tmp_template;
  auto fail = [&](const std::string& what, const fs::path& p) -> Status {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(what, p, err);
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("cannot chmod", tmp);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync", tmp);
  if (::close(fd) != 0) {
    fd = -1;
    return fail("cannot close", tmp);
  }
  fd = -1;
  if (overwrite) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename onto", path);
  } else {
    // link() refuses to replace an existing file, which makes "create if absent" race-free.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      if (err == EEXIST) return Error("exists", path.string() + " already exists");
      return io_error("cannot link", path, err);
    }
    ::unlink(tmp.c_str());
  }
  return fsync_dir(dir);
}

std::string default_node_config_text() {
  return R"(# KLYNTAR node configuration (CONFIGS/node.toml).
# Every key is optional; the values below are the defaults. Unknown keys are errors.
# After editing, send SIGHUP to apply log levels without a restart; other keys need a restart.

[server]
interface = "127.0.0.1"     # IPv4 or IPv6 literal to listen on ("0.0.0.0" / "::" for all)
port = 7777                 # HTTP + WebSocket port, 1..65535
threads = 0                 # server threads; 0 = number of cores
max_body_bytes = 8388608    # largest accepted request body
header_timeout_ms = 5000    # time allowed to receive the request headers
body_timeout_ms = 30000     # time allowed to receive the request body
idle_timeout_ms = 60000     # keep-alive connections idle longer than this are closed
max_connections = 4096      # concurrent connections; more are refused

[log]
level = "info"              # trace | debug | info | warn | error | critical | off
console = true              # also log to the terminal (stderr), colored

[keys]
password_file = ""          # file whose first line is the keystore password ("" = not used)
password_env = "KLYN_KEYSTORE_PASSWORD"  # environment variable holding the password
                            # (a prompt on the terminal is the last resort)
allow_plain_keys = false    # devnet only: accept unencrypted keys (logged loudly as unsafe)

# Shared libraries to load into the node, in order:
# [[plugins]]
# path = "/usr/lib/klyntar/plugins/libexample.so"
# enabled = true

# External programs the node starts and supervises:
# [[services]]
# name = "indexer"
# command = "/usr/local/bin/klyn-indexer"
# args = ["--verbose"]
# env = { INDEXER_DB = "/var/lib/indexer" }
# enabled = true
)";
}

}  // namespace klyn::core
