#pragma once
// Shared fixtures for chain tests: deterministic keys, a small genesis, temp directories.

#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <string>

#include "chain/genesis.h"
#include "crypto/ed25519.h"

namespace klyn::chain::testing {

inline crypto::KeyPair key(uint8_t n) {
  crypto::Seed s{};
  s[0] = n;
  s[31] = 0x5a;
  return crypto::KeyPair::from_seed(s);
}

inline Genesis small_genesis(Amount fee = 10, uint32_t share = 600, bool burn = true) {
  Genesis g;
  g.manifest.name = "test";
  g.manifest.workflow = "dev_controller";
  g.manifest.workflow_version = "0.1.0";
  g.manifest.fee.per_event = fee;
  g.manifest.fee.generator_share_permille = share;
  if (!burn) g.manifest.fee.rest_to = key(99).public_key();
  g.manifest.unstake_delay = 3;
  // dev_controller's section (workflows/dev_controller/params.h): chain only stores it.
  (void)set_section(g.manifest,
                    {{"controller", key(0).address()}, {"instant_producer_stake", 100}});
  for (uint8_t i = 0; i < 4; ++i)
    g.accounts.push_back({key(i).public_key(), 1'000'000, i == 0 ? 1000u : 0u});
  std::sort(g.accounts.begin(), g.accounts.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return g;
}

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("klyn-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path(const std::string& sub = "") const { return (path_ / sub).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace klyn::chain::testing
