#include "chain/append_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "chain/store_faults.h"

namespace klyn::chain {
namespace fs = std::filesystem;

namespace {

constexpr size_t kHeader = 8;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

uint32_t read_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

Error io_error(const std::string& what, int err) {
  return Error(err == ENOSPC || err == EDQUOT ? "storage_full" : "storage_io",
               what + ": " + std::strerror(err));
}

// Segment number of "<16 digits>.log", or 0.
uint64_t segment_of(const fs::path& p) {
  const std::string name = p.filename().string();
  if (name.size() != 16 + 4 || name.compare(16, 4, ".log") != 0) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return v;
}

Result<Bytes> read_file(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(p.string(), errno);
  Bytes out;
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(p.string(), err);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Status sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir.string(), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error(dir.string() + ": fsync", err);
  return Status();
}

}  // namespace

namespace {

uint32_t crc32c_table(uint32_t c, const uint8_t* p, size_t n) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)
// The CRC32 instruction of SSE 4.2 computes exactly CRC-32C, 8 bytes at a time.
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t c, const uint8_t* p, size_t n) {
  uint64_t c64 = c;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = __builtin_ia32_crc32di(c64, v);
  }
  uint32_t c32 = static_cast<uint32_t>(c64);
  for (; n > 0; --n, ++p) c32 = __builtin_ia32_crc32qi(c32, *p);
  return c32;
}
#endif

}  // namespace

uint32_t crc32c(ByteSpan data) {
  uint32_t c = 0xFFFFFFFFu;
#if defined(__x86_64__)
  static const bool sse42 = __builtin_cpu_supports("sse4.2");
  if (sse42) return crc32c_sse42(c, data.data(), data.size()) ^ 0xFFFFFFFFu;
#endif
  return crc32c_table(c, data.data(), data.size()) ^ 0xFFFFFFFFu;
}

fs::path AppendLog::segment_path(uint64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llu.log", static_cast<unsigned long long>(segment));
  return dir_ / name;
}

Result<std::unique_ptr<AppendLog>> AppendLog::open(const fs::path& dir, Options options,
                                                   const Replay& replay) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error("storage_io", dir.string() + ": " + ec.message());
  std::unique_ptr<AppendLog> log(new AppendLog(dir, options));
  std::vector<uint64_t> found;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (uint64_t s = segment_of(entry.path())) found.push_back(s);
  if (ec) return Error("storage_io", dir.string() + ": " + ec.message());
  std::sort(found.begin(), found.end());
  for (uint64_t segment : found) {
    const fs::path path = log->segment_path(segment);
    auto bytes = read_file(path);
    if (!bytes) return bytes.error();
    size_t at = 0;
    uint64_t records = 0;
    while (at < bytes->size()) {
      if (bytes->size() - at < kHeader) break;  // an incomplete header: never acknowledged
      const uint32_t len = read_le32(bytes->data() + at);
      const uint32_t crc = read_le32(bytes->data() + at + 4);
      if (len == 0 || len > kMaxRecord)
        return Error("storage_corrupt", path.string() + ": record at offset " + std::to_string(at) +
                                            " has length " + std::to_string(len));
      if (bytes->size() - at - kHeader < len) break;  // an incomplete record: never acknowledged
      ByteSpan payload(bytes->data() + at + kHeader, len);
      if (crc32c(payload) != crc)
        return Error("storage_corrupt", path.string() + ": record at offset " + std::to_string(at) +
                                            " fails its checksum");
      ++records;
      log->live_[segment] = records;
      KLYN_TRY(replay(segment, payload));
      at += kHeader + len;
    }
    if (at < bytes->size() && ::truncate(path.c_str(), static_cast<off_t>(at)) != 0)
      return io_error(path.string() + ": truncating an incomplete record", errno);
    log->live_[segment] = records;
  }
  std::lock_guard lock(log->mu_);
  KLYN_TRY(log->start_segment(found.empty() ? 1 : found.back() + 1));
  // Segments with no records at all (emptied by the truncation above) go at once.
  for (uint64_t segment : found) log->drop_if_done(segment);
  return log;
}

AppendLog::~AppendLog() {
  std::lock_guard lock(mu_);
  if (fd_ >= 0) ::close(fd_);
}

Status AppendLog::start_segment(uint64_t segment) {
  const fs::path path = segment_path(segment);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path.string(), errno);
  if (options_.sync) {
    if (auto st = sync_dir(dir_); !st) {
      ::close(fd);
      return st;
    }
  }
  const uint64_t previous = current_;
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  current_ = segment;
  size_ = 0;
  live_.emplace(segment, 0);
  if (previous) drop_if_done(previous);
  return Status();
}

void AppendLog::drop_if_done(uint64_t segment) {
  auto it = live_.find(segment);
  if (it == live_.end() || it->second > 0 || segment == current_) return;
  live_.erase(it);
  // A file left behind (the unlink failed) is read again at the next open: its records are then
  // replayed once more, which the caller must tolerate (the journal does: it drops what was
  // decided).
  (void)::unlink(segment_path(segment).c_str());
}

Result<uint64_t> AppendLog::append(ByteSpan payload) {
  if (payload.empty() || payload.size() > kMaxRecord)
    return Error("too_large", "an append-log record holds 1 .. " + std::to_string(kMaxRecord) +
                                  " bytes, not " + std::to_string(payload.size()));
  std::vector<uint8_t> rec(kHeader + payload.size());
  put_le32(rec.data(), static_cast<uint32_t>(payload.size()));
  put_le32(rec.data() + 4, crc32c(payload));
  std::memcpy(rec.data() + kHeader, payload.data(), payload.size());

  std::lock_guard lock(mu_);
  if (failed_)
    return Error("storage_io", dir_.string() + ": an earlier append could not be undone");
  if (size_ >= options_.segment_bytes) KLYN_TRY(start_segment(current_ + 1));
  size_t done = 0;
  int err = 0;
  const StoreFaults::Writes fault =
      options_.faults ? options_.faults->writes() : StoreFaults::Writes::ok;
  // An injected fault writes half the record first, as a disk that fills up mid-write would.
  const size_t limit = fault == StoreFaults::Writes::ok ? rec.size() : rec.size() / 2;
  while (done < limit) {
    ssize_t n = ::write(fd_, rec.data() + done, limit - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == 0 && fault != StoreFaults::Writes::ok)
    err = fault == StoreFaults::Writes::no_space ? ENOSPC : EIO;
  if (err == 0 && options_.sync && ::fdatasync(fd_) != 0) err = errno;
  if (err != 0) {
    // Undo the partial record, so the segment stays a sequence of acknowledged records.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) failed_ = true;
    return io_error(segment_path(current_).string() + ": append", err);
  }
  size_ += rec.size();
  ++live_[current_];
  return current_;
}

void AppendLog::release(uint64_t segment) {
  std::lock_guard lock(mu_);
  auto it = live_.find(segment);
  if (it == live_.end() || it->second == 0) return;
  --it->second;
  drop_if_done(segment);
}

size_t AppendLog::segments() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

uint64_t AppendLog::live() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [s, count] : live_) n += count;
  return n;
}

}  // namespace klyn::chain
