#include "node_process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/process.h"

extern char** environ;

namespace klyn::itest {

namespace fs = std::filesystem;

std::string klyn74r_path() {
  return KLYN74R_BIN;
}

std::string ProcessResult::describe() const {
  std::ostringstream s;
  if (!exited)
    s << "did not exit in time (killed)";
  else if (term_signal)
    s << "killed by signal " << term_signal;
  else
    s << "exit " << exit_code;
  s << " after " << elapsed.count() << " ms; output:\n" << output;
  return s.str();
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit,
                std::chrono::milliseconds step) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

std::string JsonReply::str(const char* key) const {
  if (!body.is_object() || !body.contains(key)) return "";
  const auto& v = body.at(key);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

namespace {

JsonReply to_reply(Result<net::Response> r) {
  JsonReply out;
  if (!r) {
    out.error = r.error().to_string();
    out.body = nlohmann::json(nlohmann::json::value_t::discarded);
    return out;
  }
  out.status = r->status;
  out.raw = r->body;
  out.body = nlohmann::json::parse(r->body, nullptr, false);
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The environment of a klyn74r under test: the test's own without any KLYN_* variable (the test
// decides every one) and without those `extra` sets, then `extra`.
std::vector<std::string> child_environment(const EnvList& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("KLYN_", 0) == 0) continue;
    bool overridden = false;
    for (const auto& [k, v] : extra)
      if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=')
        overridden = true;
    if (!overridden) env.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

// Starts klyn74r `args` with stdout and stderr appended to `out_file`. Returns the pid, -1 when
// it cannot be started.
pid_t spawn_klyn74r(const std::vector<std::string>& args, const EnvList& env,
                    const fs::path& out_file) {
  SpawnOptions o;
  o.argv = args;
  o.argv.insert(o.argv.begin(), klyn74r_path());
  o.env = child_environment(env);
  o.output = out_file;
  // Own session: no controlling terminal (a password prompt cannot block), and signals sent
  // to the test's process group do not reach the node.
  o.group = ProcessGroup::own_session;
  auto pid = spawn_process(o);
  return pid ? *pid : -1;
}

// Waits for `pid` until `deadline`; fills exited/exit_code/term_signal. False on timeout.
bool wait_pid(pid_t pid, Clock::time_point deadline, ProcessResult& r) {
  while (true) {
    int status = 0;
    pid_t got = ::waitpid(pid, &status, WNOHANG);
    if (got == pid) {
      r.exited = true;
      if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
      return true;
    }
    if (got < 0 && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
}

std::chrono::milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

}  // namespace

JsonReply get_json(net::HttpClient& c, std::string_view target) {
  return to_reply(c.get(target));
}

JsonReply post_body(net::HttpClient& c, std::string_view target, std::string body,
                    std::string_view content_type) {
  return to_reply(c.post(target, std::move(body), content_type));
}

ProcessResult run_klyn74r(const std::vector<std::string>& args, const EnvList& env,
                          std::chrono::milliseconds timeout) {
  ProcessResult r;
  char tmpl[] = "/tmp/klyn-it-cli-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) {
    r.output = "cannot create a temporary file";
    return r;
  }
  ::close(fd);
  const auto t0 = Clock::now();
  pid_t pid = spawn_klyn74r(args, env, tmpl);
  if (pid < 0) {
    r.output = "cannot start " + klyn74r_path();
    ::unlink(tmpl);
    return r;
  }
  if (!wait_pid(pid, t0 + timeout, r)) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exited = false;
  }
  r.elapsed = since(t0);
  r.output = slurp(tmpl);
  ::unlink(tmpl);
  return r;
}

// ---------------------------------------------------------------------------------------------

NodeProcess::NodeProcess(const std::string& name) {
  std::string tmpl = (fs::temp_directory_path() / ("klyn-it-" + name + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << tmpl << ": " << std::strerror(errno);
  }
  temp_dir_ = tmpl;
  data_dir_ = temp_dir_ / "data";
}

NodeProcess::~NodeProcess() {
  if (pid_ > 0) kill9();
  http_.reset();
  if (::testing::Test::HasFailure()) {
    std::cerr << "[ harness ] test failed: keeping " << temp_dir_.string()
              << " (node console output in node-<n>.out, logs in data/LOGS/)" << std::endl;
    return;
  }
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
}

ProcessResult NodeProcess::cli(std::vector<std::string> args, const EnvList& env,
                               std::chrono::milliseconds timeout) const {
  args.push_back("--dir");
  args.push_back(data_dir_.string());
  return run_klyn74r(args, env, timeout);
}

::testing::AssertionResult NodeProcess::init(bool devnet) {
  std::vector<std::string> args{"init"};
  if (devnet) args.push_back("--devnet");
  auto r = cli(args);
  if (!r.exited_with(0)) return ::testing::AssertionFailure() << "init: " << r.describe();
  return ::testing::AssertionSuccess();
}

std::string NodeProcess::add_plain_key(const std::string& name) {
  auto r = cli({"keys", "new", name, "--plain"});
  if (!r.exited_with(0)) {
    ADD_FAILURE() << "keys new " << name << ": " << r.describe();
    return "";
  }
  auto line = r.output.substr(r.output.find('{'));
  auto j = nlohmann::json::parse(line, nullptr, false);
  EXPECT_TRUE(set_toml("CONFIGS/node.toml", "keys", "allow_plain_keys", "true"));
  return j.is_object() ? j.value("address", "") : "";
}

::testing::AssertionResult NodeProcess::genesis_new(const std::string& alias,
                                                    const std::string& key,
                                                    const std::vector<std::string>& extra) {
  std::vector<std::string> args{"genesis", "new", "--alias", alias, "--controller-key", key};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = cli(args);
  if (!r.exited_with(0)) return ::testing::AssertionFailure() << "genesis new: " << r.describe();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult NodeProcess::set_toml(const std::string& rel, const std::string& section,
                                                 const std::string& key, const std::string& value) {
  std::istringstream in(read_file(rel));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto trim = [](std::string s) {
    size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  std::string current;  // section of the line being looked at
  std::optional<size_t> section_end, header;
  bool done = false;
  for (size_t i = 0; i < lines.size() && !done; ++i) {
    std::string t = trim(lines[i]);
    if (!t.empty() && t[0] == '[') {
      if (current == section && !section_end) section_end = i;
      current = trim(t.substr(t.find_first_not_of('['), t.find(']') - t.find_first_not_of('[')));
      if (current == section) header = i;
      continue;
    }
    if (current != section) continue;
    auto eq = t.find('=');
    if (eq != std::string::npos && trim(t.substr(0, eq)) == key) {
      lines[i] = key + " = " + value;
      done = true;
    }
  }
  if (!done) {
    std::string line = key + " = " + value;
    if (section.empty()) {
      lines.insert(lines.begin(), line);
    } else if (header) {
      lines.insert(lines.begin() + static_cast<long>(*header) + 1, line);
    } else {
      lines.push_back("[" + section + "]");
      lines.push_back(line);
    }
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  write_file(rel, out);
  return ::testing::AssertionSuccess();
}

std::string NodeProcess::read_file(const std::string& rel) const {
  return slurp(data_dir_ / rel);
}

void NodeProcess::write_file(const std::string& rel, const std::string& text) const {
  std::ofstream out(data_dir_ / rel, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) ADD_FAILURE() << "cannot write " << (data_dir_ / rel);
}

void NodeProcess::spawn(const EnvList& env) {
  if (pid_ > 0) ADD_FAILURE() << "spawn: node already running (pid " << pid_ << ")";
  port_ = free_loopback_port();
  ++starts_;
  http_.reset();
  pid_ = spawn_klyn74r({"run", "--dir", data_dir_.string(), "--port", std::to_string(port_)}, env,
                       temp_dir_ / ("node-" + std::to_string(starts_) + ".out"));
  if (pid_ < 0) ADD_FAILURE() << "cannot start " << klyn74r_path();
}

::testing::AssertionResult NodeProcess::start(const EnvList& env,
                                              std::chrono::milliseconds ready_timeout) {
  // Another process may take the port between free_loopback_port() and the node's bind: retry.
  for (int attempt = 0; attempt < 3; ++attempt) {
    spawn(env);
    if (pid_ < 0) return ::testing::AssertionFailure() << "cannot start the node";
    net::HttpClient probe("127.0.0.1", port_, 1s);
    const auto deadline = Clock::now() + ready_timeout;
    while (Clock::now() < deadline) {
      ProcessResult early;
      if (wait_pid(pid_, Clock::now(), early)) {
        pid_ = -1;
        std::string out = console();
        if (out.find("bind_failed") != std::string::npos) break;  // port taken: next attempt
        return ::testing::AssertionFailure()
               << "the node exited during start-up: " << early.describe() << out;
      }
      auto r = probe.get("/info");
      if (r && r->status == 200) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(20ms);
    }
    if (pid_ > 0) {
      auto r = kill9();
      return ::testing::AssertionFailure() << "the node did not answer GET /info within "
                                           << ready_timeout.count() << " ms; " << r.describe();
    }
  }
  return ::testing::AssertionFailure() << "could not bind a free port in 3 attempts";
}

bool NodeProcess::running() {
  if (pid_ <= 0) return false;
  ProcessResult r;
  if (wait_pid(pid_, Clock::now(), r)) {
    pid_ = -1;
    return false;
  }
  return true;
}

net::HttpClient& NodeProcess::http() {
  if (!http_) http_ = new_client();
  return *http_;
}

std::unique_ptr<net::HttpClient> NodeProcess::new_client() const {
  return std::make_unique<net::HttpClient>("127.0.0.1", port_, 10s);
}

void NodeProcess::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

ProcessResult NodeProcess::wait_exit(std::chrono::milliseconds timeout) {
  ProcessResult r;
  if (pid_ <= 0) {
    r.output = "not running";
    return r;
  }
  const auto t0 = signalled_at_ != Clock::time_point{} ? signalled_at_ : Clock::now();
  if (!wait_pid(pid_, Clock::now() + timeout, r)) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    r.exited = false;
  }
  r.elapsed = since(t0);
  pid_ = -1;
  signalled_at_ = {};
  http_.reset();
  r.output = console();
  return r;
}

ProcessResult NodeProcess::stop(std::chrono::milliseconds timeout, int sig) {
  signalled_at_ = Clock::now();
  signal(sig);
  return wait_exit(timeout);
}

ProcessResult NodeProcess::kill9() {
  signalled_at_ = Clock::now();
  signal(SIGKILL);
  return wait_exit(10s);
}

::testing::AssertionResult NodeProcess::restart(const EnvList& env) {
  auto r = stop();
  if (!r.exited_with(0)) return ::testing::AssertionFailure() << "stop: " << r.describe();
  return start(env);
}

std::string NodeProcess::console(int n) const {
  return slurp(temp_dir_ / ("node-" + std::to_string(n < 0 ? starts_ : n) + ".out"));
}

}  // namespace klyn::itest
