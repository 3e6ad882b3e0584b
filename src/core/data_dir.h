#pragma once
// The node's data directory (ARCHITECTURE §4.1). One DataDir names every path under a root D:
//
//   D/CONFIGS/node.toml                 node-wide settings
//   D/CONFIGS/symbiotes/<alias>.toml    per-symbiote node-local settings
//   D/GENESIS/<alias>.json              genesis of a hosted symbiote
//   D/CHAINDATA/<symbiote-id>/          storage of one symbiote
//   D/SNAPSHOTS/<symbiote-id>/          state snapshots of one symbiote
//   D/LOGS/core.log, D/LOGS/<alias>.log one log stream per symbiote
//   D/KEYS/                             keystore (mode 0700)
//
// DataDir is a value type holding only the root path: cheap to copy, thread-safe to read. The
// path getters never touch the disk; create_layout/check_layout/write_default_node_config do.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace klyn::core {

// A symbiote alias (the stem of its config file): ^[a-z][a-z0-9_-]{0,31}$.
bool is_valid_alias(std::string_view alias);

class DataDir {
 public:
  explicit DataDir(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path configs_dir() const { return root_ / "CONFIGS"; }
  std::filesystem::path node_config() const { return configs_dir() / "node.toml"; }
  std::filesystem::path symbiote_configs_dir() const { return configs_dir() / "symbiotes"; }
  std::filesystem::path symbiote_config(std::string_view alias) const;
  std::filesystem::path genesis_dir() const { return root_ / "GENESIS"; }
  std::filesystem::path genesis(std::string_view alias) const;
  std::filesystem::path chaindata_dir() const { return root_ / "CHAINDATA"; }
  std::filesystem::path chaindata(std::string_view symbiote_id) const;
  std::filesystem::path snapshots_dir() const { return root_ / "SNAPSHOTS"; }
  std::filesystem::path snapshots(std::string_view symbiote_id) const;
  std::filesystem::path logs_dir() const { return root_ / "LOGS"; }
  std::filesystem::path core_log() const { return logs_dir() / "core.log"; }
  std::filesystem::path symbiote_log(std::string_view alias) const;
  std::filesystem::path keys_dir() const { return root_ / "KEYS"; }
  // SIGNING/<id>.mark: a signer's highest signed index (created on first use; never restore or
  // delete it together with CHAINDATA).
  std::filesystem::path signing_dir() const { return root_ / "SIGNING"; }
  std::filesystem::path signing_mark(std::string_view symbiote_id) const {
    return signing_dir() / (std::string(symbiote_id) + ".mark");
  }

  // A path from a config file: relative paths are taken relative to the root, absolute ones kept.
  std::filesystem::path resolve(std::string_view path_in_config) const;
  // How a path is shown in messages: relative to the root when it is inside it
  // ("CONFIGS/node.toml"), else as given.
  std::string display(const std::filesystem::path& path) const;

  // The directories of the layout, in creation order.
  std::vector<std::filesystem::path> layout_dirs() const;

  // Creates every missing directory of the layout (KEYS with mode 0700). Idempotent; existing
  // files and directories are left untouched. Error code "io".
  Status create_layout() const;
  // Checks that every directory of the layout exists. Error code "bad_data_dir" with a reason
  // naming every missing (or non-directory) path.
  Status check_layout() const;
  // Writes a commented default CONFIGS/node.toml if there is none. Returns true when it wrote
  // the file, false when one already existed (it is never overwritten).
  Result<bool> write_default_node_config() const;

 private:
  std::filesystem::path root_;
};

// Writes a file so that readers see either the old content or the complete new one, never a
// part: write a temporary file in the same directory, fsync it, rename (or, with
// overwrite=false, hard-link: fails with code "exists" if the target exists) over the target,
// fsync the directory. The file gets exactly `mode`. Error codes "io", "exists".
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode,
                         bool overwrite);

// The text write_default_node_config writes: every key with its default and a comment.
std::string default_node_config_text();

}  // namespace klyn::core
