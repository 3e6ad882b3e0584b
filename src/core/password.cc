#include "core/password.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "core/config.h"

namespace klyn::core {

namespace fs = std::filesystem;

SecretString::SecretString(SecretString&& other) noexcept : s_(std::move(other.s_)) {
  other.wipe();
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    s_ = std::move(other.s_);
    other.wipe();
  }
  return *this;
}

SecretString::~SecretString() {
  wipe();
}

void SecretString::wipe() {
  if (!s_.empty()) sodium_memzero(s_.data(), s_.size());
  s_.clear();
}

PasswordSource PasswordSource::from_config(const KeysConfig& keys) {
  PasswordSource src;
  if (!keys.password_file.empty()) src.add_file(keys.password_file);
  if (!keys.password_env.empty()) src.add_env(keys.password_env);
  src.add_prompt();
  return src;
}

PasswordSource& PasswordSource::add_file(fs::path path) {
  steps_.push_back({Kind::file, path.string()});
  return *this;
}

PasswordSource& PasswordSource::add_env(std::string name) {
  steps_.push_back({Kind::env, std::move(name)});
  return *this;
}

PasswordSource& PasswordSource::add_prompt() {
  steps_.push_back({Kind::prompt, "/dev/tty"});
  return *this;
}

std::string PasswordSource::describe() const {
  std::string out;
  for (const auto& s : steps_) {
    if (!out.empty()) out += ", ";
    switch (s.kind) {
      case Kind::file:
        out += "file " + s.where;
        break;
      case Kind::env:
        out += "env " + s.where;
        break;
      case Kind::prompt:
        out += "prompt";
        break;
    }
  }
  return out.empty() ? "no sources" : out;
}

namespace {

Result<SecretString> read_password_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error("io", "cannot read keystore password file " + path + ": " + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    sodium_memzero(line.data(), line.size());
    return Error("io", "keystore password file " + path +
                           " is empty (the first line is the "
                           "password)");
  }
  return SecretString(std::move(line));
}

}  // namespace

Result<SecretString> prompt_password(std::string_view prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return Error("no_tty", "no terminal to prompt on");
  struct termios saved;
  if (::tcgetattr(fd, &saved) != 0) {
    ::close(fd);
    return Error("no_tty", "no terminal to prompt on");
  }
  struct termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ICANON;
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (true) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return SecretString(std::move(line));
}

Result<SecretString> PasswordSource::get(std::string_view purpose) const {
  std::string tried;
  for (const auto& s : steps_) {
    if (!tried.empty()) tried += "; ";
    switch (s.kind) {
      case Kind::file:
        return read_password_file(s.where);
      case Kind::env: {
        const char* v = std::getenv(s.where.c_str());
        if (v && *v) return SecretString(v);
        tried += "environment variable " + s.where + " is not set";
        break;
      }
      case Kind::prompt: {
        auto r = prompt_password(std::string(purpose) + " password: ");
        if (r) {
          if (r->empty()) return Error("no_password", "empty password entered");
          return r;
        }
        tried += "no terminal to prompt on";
        break;
      }
    }
  }
  if (tried.empty()) tried = "no password source configured";
  return Error("no_password", "no keystore password available (" + tried +
                                  "); set keys.password_file or keys.password_env in "
                                  "CONFIGS/node.toml, or run on a terminal");
}

}  // namespace klyn::core
