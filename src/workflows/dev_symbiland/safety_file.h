#pragma once
// SafetyFile: where a validator keeps what consensus::Core asks it to persist (effect::Persist:
// the safety state and the certificates of its round), durable before any vote or timeout that
// depends on it leaves the node (README S3, B5). One small file per symbiote apart from the chain
// database (D/SIGNING/<symbiote-id>.safety), so that losing or restoring the database never makes
// a validator forget what it signed.
//
// Format: two slots of kSlotBytes written in turn (a torn write damages at most the slot being
// written, and the other still holds the previous state); each slot: "KLYNSAFE" | be64 sequence |
// be32 length | payload | BLAKE2b-256 of everything before it in the slot. The valid slot with the
// higher sequence is the state. Payload: SafetyState | high QC | bool | [TC].
//
// Invariants (tests: SafetyFile.*):
// * F1 store() returns only after the data reached the disk (pwrite + fdatasync); a later load()
//      of that file returns it or something stored after it, never something older.
// * F2 a damaged newer slot (torn write) yields the older slot's state; both slots damaged, or a
//      file of the wrong size, is storage_corrupt: the node stops rather than sign as if it had
//      never voted.
//
// Thread safety: not thread-safe; the consensus thread owns it.

#include <filesystem>
#include <optional>

#include "common/result.h"
#include "workflows/dev_symbiland/consensus/core.h"

namespace klyn::dev_symbiland {

class SafetyFile {
 public:
  static constexpr size_t kSlotBytes = 64 << 10;

  // Opens (creating the file and its directory if needed). Errors: storage_io, storage_corrupt.
  static Result<SafetyFile> open(const std::filesystem::path& path);
  SafetyFile(SafetyFile&&) noexcept;
  SafetyFile& operator=(SafetyFile&&) noexcept;
  ~SafetyFile();

  // What was stored last; nullopt for a new file.
  const std::optional<effect::Persist>& loaded() const { return loaded_; }
  // Errors: storage_full, storage_io, too_large (a state beyond a slot: not expected).
  Status store(const effect::Persist& p);
  const std::filesystem::path& path() const { return path_; }

 private:
  SafetyFile() = default;
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t sequence_ = 0;
  std::optional<effect::Persist> loaded_;
};

Bytes encode_persist(const effect::Persist& p);
Result<effect::Persist> decode_persist(ByteSpan bytes);

}  // namespace klyn::dev_symbiland
