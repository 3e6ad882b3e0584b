#pragma once
// Where the keystore password comes from (ARCHITECTURE §4.9): a file whose first line is the
// password, an environment variable, or a prompt on the terminal with echo off. Sources are
// tried in the order they were added; from_config() uses file, env, prompt.
//
// A configured password file that cannot be read is an error (not a silent fall-through to the
// next source): the operator asked for it. An unset or empty environment variable, and a
// missing terminal, just move on to the next source. Thread safety: get() may prompt; call it
// from one thread.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace klyn::core {

struct KeysConfig;

// A password held in memory: wiped when destroyed, not copyable.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString();

  std::string_view view() const { return s_; }
  bool empty() const { return s_.empty(); }

 private:
  void wipe();
  std::string s_;
};

class PasswordSource {
 public:
  enum class Kind { file, env, prompt };
  struct Step {
    Kind kind;
    std::string where;  // file path or variable name
  };

  PasswordSource() = default;
  // file (when keys.password_file is set), env (when keys.password_env is set), then prompt.
  static PasswordSource from_config(const KeysConfig& keys);

  PasswordSource& add_file(std::filesystem::path path);
  PasswordSource& add_env(std::string name);
  PasswordSource& add_prompt();  // on /dev/tty, echo off

  // The password from the first source that has one. `purpose` is shown in the prompt
  // ("keystore password for alpha-controller: "). Errors: "no_password" (no source had one,
  // the reason lists what was tried), "io" (a configured password file cannot be read or is
  // empty).
  Result<SecretString> get(std::string_view purpose = "keystore") const;

  const std::vector<Step>& steps() const { return steps_; }
  std::string describe() const;  // "file /etc/klyn/pw, env KLYN_KEYSTORE_PASSWORD, prompt"

 private:
  std::vector<Step> steps_;
};

// Reads a password from the terminal (/dev/tty) with echo off. Error "no_tty" when there is no
// terminal.
Result<SecretString> prompt_password(std::string_view prompt);

}  // namespace klyn::core
