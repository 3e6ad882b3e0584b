#pragma once
// SigningMark: the highest position a signer has let out of the node, kept durable in a small
// file of its own, apart from the chain database (D/SIGNING/<symbiote-id>.mark). A signer
// (dev_controller's controller; later a BFT validator) advances the mark, with fsync, *before* a
// signed block at a new index can leave the node, and at start compares it with what its
// database holds. Whatever happens to the database (a lost WAL tail, a restore from an old
// copy), a signer whose stored chain is below its mark knows it may have signed blocks that
// others hold, and must not sign at those indexes again until it has them back (S6 in
// chain/README.md).
//
// Format: two 64-byte slots written in turn (a torn write damages at most the slot being
// written); each: "KLYNSIGN" | be64 sequence | be64 index | hash [32] | 8-byte BLAKE2b of the
// preceding 56 bytes. The valid slot with the higher sequence is the mark.
//
// Thread safety: not thread-safe; one signer thread owns it.

#include <filesystem>
#include <optional>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::chain {

class SigningMark {
 public:
  struct Mark {
    uint64_t index = 0;
    Hash32 hash{};
  };
  // Opens (creating the file and its directory if needed) the mark at `path`. Errors:
  // storage_io (cannot create/read), storage_corrupt (a file whose slots are both damaged).
  static Result<SigningMark> open(const std::filesystem::path& path);
  SigningMark(SigningMark&&) noexcept;
  SigningMark& operator=(SigningMark&&) noexcept;
  ~SigningMark();

  // The mark; nullopt when nothing was ever signed through this file.
  const std::optional<Mark>& mark() const { return mark_; }
  // Records (index, hash) durably (write + fdatasync). Errors: storage_full, storage_io.
  Status advance(uint64_t index, const Hash32& hash);
  const std::filesystem::path& path() const { return path_; }

 private:
  SigningMark() = default;
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t sequence_ = 0;
  std::optional<Mark> mark_;
};

}  // namespace klyn::chain
