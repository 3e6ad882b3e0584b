#pragma once
// AppendLog: a durable, append-only log of records in segment files, for data that is written
// once, read back only after a crash, and dropped in bulk (the admission journal, D14). One
// append is one write(2) of one record: no memtable, no compaction, no tombstones. See S7 in
// README.md.
//
// Files: <dir>/<segment>.log, segment numbers from 1, 16 decimal digits. A record is
//   u32 le payload length (1 .. kMaxRecord) | u32 le CRC-32C of the payload | payload.
// Appends go to the newest segment; when it holds segment_bytes or more the next append starts
// a new one. Each open starts a new segment (a segment is never appended to after a restart).
//
// Releasing: every record is live until release(segment) is called once for it (the caller
// knows which segment it wrote to: append() says). A segment whose records are all released,
// and that is not the one appends go to, is deleted.
//
// Crash behaviour (S7): a record is acknowledged (append() returned ok) only once all its bytes
// were written (and synced with `sync`). At open, an incomplete record at the end of a segment is
// a write that never completed and was never acknowledged: dropped (the file is truncated to the
// last complete record). A complete record whose checksum fails, or a length out of range, is
// corruption: open() fails with storage_corrupt naming the file and offset. A failed append
// truncates what it wrote; if even that fails the log refuses every later append (storage_io)
// until it is opened again.
//
// Thread safety: append() and release() are thread-safe (one mutex; one write per append).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::chain {

class StoreFaults;

class AppendLog {
 public:
  static constexpr uint32_t kMaxRecord = 64u << 20;

  struct Options {
    uint64_t segment_bytes = 8u << 20;
    bool sync = false;                    // fdatasync after every append (power loss)
    const StoreFaults* faults = nullptr;  // tests: its write switch fails appends
  };
  // Called at open for every record, oldest first, with the segment that holds it.
  using Replay = std::function<Status(uint64_t segment, ByteSpan payload)>;

  // Opens (creating `dir` if needed) and replays every record. Errors: storage_corrupt (see
  // above), storage_io, or the first error `replay` returned.
  static Result<std::unique_ptr<AppendLog>> open(const std::filesystem::path& dir, Options options,
                                                 const Replay& replay);
  ~AppendLog();
  AppendLog(const AppendLog&) = delete;
  AppendLog& operator=(const AppendLog&) = delete;

  // Appends one record; returns the segment it went to. Errors: storage_full (ENOSPC; nothing
  // kept), storage_io.
  Result<uint64_t> append(ByteSpan payload);
  // One record of `segment` is no longer needed.
  void release(uint64_t segment);

  size_t segments() const;  // segment files present
  uint64_t live() const;    // records not released
  const std::filesystem::path& dir() const { return dir_; }

 private:
  AppendLog(std::filesystem::path dir, Options options) : dir_(std::move(dir)), options_(options) {}
  std::filesystem::path segment_path(uint64_t segment) const;
  Status start_segment(uint64_t segment);  // under mu_
  void drop_if_done(uint64_t segment);     // under mu_

  std::filesystem::path dir_;
  Options options_;
  mutable std::mutex mu_;
  int fd_ = -1;
  uint64_t current_ = 0;               // segment appends go to
  uint64_t size_ = 0;                  // bytes in it
  bool failed_ = false;                // a failed append could not be undone
  std::map<uint64_t, uint64_t> live_;  // segment -> records not released (every file present)
};

// CRC-32C (Castagnoli), as used by the record format above.
uint32_t crc32c(ByteSpan data);

}  // namespace klyn::chain
