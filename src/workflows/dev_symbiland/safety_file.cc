#include "workflows/dev_symbiland/safety_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "codec/binary.h"
#include "crypto/hash.h"

namespace klyn::dev_symbiland {

namespace {

constexpr std::string_view kMagic = "KLYNSAFE";
constexpr size_t kHeader = 8 + 8 + 4;
constexpr size_t kMaxPayload = SafetyFile::kSlotBytes - kHeader - 32;

Error io_error(const std::filesystem::path& path, const char* what, int err) {
  return Error(err == ENOSPC ? "storage_full" : "storage_io",
               path.string() + ": " + what + ": " + std::strerror(err));
}

struct Slot {
  uint64_t sequence = 0;
  Bytes payload;
};

std::optional<Slot> read_slot(ByteSpan s) {
  if (s.size() != SafetyFile::kSlotBytes) return std::nullopt;
  if (!std::equal(kMagic.begin(), kMagic.end(), s.begin())) return std::nullopt;
  codec::Reader r(s.subspan(kMagic.size()));
  Slot slot;
  uint32_t len = 0;
  if (!r.u64(slot.sequence) || !r.u32(len) || len > kMaxPayload) return std::nullopt;
  const Hash32 sum = crypto::blake2b256(s.subspan(0, kHeader + len));
  if (!std::equal(sum.begin(), sum.end(), s.begin() + kHeader + len)) return std::nullopt;
  slot.payload.assign(s.begin() + kHeader, s.begin() + kHeader + len);
  return slot;
}

}  // namespace

Bytes encode_persist(const effect::Persist& p) {
  codec::Writer w;
  w.bytes(p.state.encode());
  p.high_qc.encode(w);
  w.boolean(p.last_tc.has_value());
  if (p.last_tc) p.last_tc->encode(w);
  return std::move(w).take();
}

Result<effect::Persist> decode_persist(ByteSpan bytes) {
  codec::Reader r(bytes);
  Bytes state;
  effect::Persist p;
  bool has_tc = false;
  if (r.bytes(state, kMaxPayload) && p.high_qc.decode(r) && r.boolean(has_tc) && has_tc)
    p.last_tc.emplace().decode(r);
  if (auto st = r.finish("safety file"); !st) return Error("storage_corrupt", st.error().reason);
  auto s = SafetyState::decode(state);
  if (!s) return Error("storage_corrupt", s.error().reason);
  p.state = std::move(*s);
  return p;
}

Result<SafetyFile> SafetyFile::open(const std::filesystem::path& path) {
  SafetyFile f;
  f.path_ = path;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return Error("storage_io", path.string() + ": cannot create its directory: " + ec.message());
  f.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (f.fd_ < 0) return io_error(path, "open", errno);
  struct stat st {};
  if (::fstat(f.fd_, &st) != 0) return io_error(path, "stat", errno);
  if (st.st_size == 0) return f;  // new
  if (static_cast<size_t>(st.st_size) != 2 * kSlotBytes)
    return Error("storage_corrupt", path.string() + ": " + std::to_string(st.st_size) +
                                        " bytes, not a safety file (the validator must not sign "
                                        "until it is restored)");
  Bytes all(2 * kSlotBytes);
  ssize_t n = ::pread(f.fd_, all.data(), all.size(), 0);
  if (n < 0) return io_error(path, "read", errno);
  if (static_cast<size_t>(n) != all.size())
    return Error("storage_io", path.string() + ": short read");
  std::optional<Slot> best;
  for (size_t i = 0; i < 2; ++i) {
    auto slot = read_slot(ByteSpan(all.data() + i * kSlotBytes, kSlotBytes));
    if (slot && (!best || slot->sequence > best->sequence)) best = std::move(slot);
  }
  if (!best)
    return Error("storage_corrupt", path.string() +
                                        ": both slots are damaged (the validator must not sign "
                                        "until it is restored)");
  auto p = decode_persist(best->payload);
  if (!p) return Error("storage_corrupt", path.string() + ": " + p.error().reason);
  f.sequence_ = best->sequence;
  f.loaded_ = std::move(*p);
  return f;
}

SafetyFile::SafetyFile(SafetyFile&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), sequence_(o.sequence_), loaded_(std::move(o.loaded_)) {
  o.fd_ = -1;
}

SafetyFile& SafetyFile::operator=(SafetyFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    sequence_ = o.sequence_;
    loaded_ = std::move(o.loaded_);
    o.fd_ = -1;
  }
  return *this;
}

SafetyFile::~SafetyFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status SafetyFile::store(const effect::Persist& p) {
  const Bytes payload = encode_persist(p);
  if (payload.size() > kMaxPayload)
    return Error("too_large", path_.string() + ": a safety state of " +
                                  std::to_string(payload.size()) + " bytes");
  const bool first = sequence_ == 0;
  const uint64_t seq = sequence_ + 1;
  codec::Writer w(kSlotBytes);
  w.raw(as_bytes(kMagic));
  w.u64(seq);
  w.u32(static_cast<uint32_t>(payload.size()));
  w.raw(payload);
  const Hash32 sum = crypto::blake2b256(w.data());
  w.fixed(sum);
  Bytes slot = std::move(w).take();
  // A new file gets both slots in full (the other one empty and invalid) so that its size is
  // right; later writes cover only the slot's used prefix (what read_slot checks: the bytes after
  // the checksum are never read), so a vote syncs a few hundred bytes, not 64 KiB.
  Bytes out = slot;
  off_t offset = static_cast<off_t>((seq % 2) * kSlotBytes);
  if (first) {
    slot.resize(kSlotBytes, 0);
    out.assign(2 * kSlotBytes, 0);
    std::copy(slot.begin(), slot.end(), out.begin() + offset);
    offset = 0;
  }
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pwrite(fd_, out.data() + done, out.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path_, "write", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return io_error(path_, "fdatasync", errno);
  if (first) {
    // The file's directory entry must be durable too.
    int dir = ::open(path_.parent_path().empty() ? "." : path_.parent_path().c_str(),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
  sequence_ = seq;
  loaded_ = p;
  return Status();
}

}  // namespace klyn::dev_symbiland
