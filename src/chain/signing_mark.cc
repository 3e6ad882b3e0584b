#include "chain/signing_mark.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "chain/store.h"
#include "crypto/hash.h"

namespace klyn::chain {

namespace {

constexpr size_t kSlot = 64;
constexpr char kMagic[8] = {'K', 'L', 'Y', 'N', 'S', 'I', 'G', 'N'};

std::array<uint8_t, 8> check_of(const uint8_t* p) {
  Hash32 h = crypto::blake2b256("KLY-SIGNING-MARK-v1", ByteSpan(p, 56));
  std::array<uint8_t, 8> out{};
  std::memcpy(out.data(), h.data(), 8);
  return out;
}

Error io_error(const std::filesystem::path& p, const std::string& what, int err) {
  return Error(err == ENOSPC ? "storage_full" : "storage_io",
               p.string() + ": " + what + ": " + std::strerror(err));
}

}  // namespace

SigningMark::SigningMark(SigningMark&& o) noexcept
    : path_(std::move(o.path_)), fd_(o.fd_), sequence_(o.sequence_), mark_(o.mark_) {
  o.fd_ = -1;
}
SigningMark& SigningMark::operator=(SigningMark&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    sequence_ = o.sequence_;
    mark_ = o.mark_;
    o.fd_ = -1;
  }
  return *this;
}
SigningMark::~SigningMark() {
  if (fd_ >= 0) ::close(fd_);
}

Result<SigningMark> SigningMark::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Error("storage_io", path.parent_path().string() + ": " + ec.message());
  SigningMark m;
  m.path_ = path;
  const bool existed = std::filesystem::exists(path, ec);
  m.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m.fd_ < 0) return io_error(path, "open", errno);
  uint8_t buf[2 * kSlot] = {};
  ssize_t n = ::pread(m.fd_, buf, sizeof buf, 0);
  if (n < 0) return io_error(path, "read", errno);
  bool any_valid = false;
  for (size_t s = 0; s < 2; ++s) {
    const uint8_t* p = buf + s * kSlot;
    if (static_cast<size_t>(n) < (s + 1) * kSlot) continue;
    if (std::memcmp(p, kMagic, 8) != 0) continue;
    if (std::memcmp(p + 56, check_of(p).data(), 8) != 0) continue;
    const uint64_t seq = keys::read_be64(std::string_view(reinterpret_cast<const char*>(p + 8), 8));
    if (any_valid && seq <= m.sequence_) continue;
    any_valid = true;
    m.sequence_ = seq;
    Mark mk;
    mk.index = keys::read_be64(std::string_view(reinterpret_cast<const char*>(p + 16), 8));
    std::memcpy(mk.hash.data(), p + 24, 32);
    m.mark_ = mk;
  }
  if (existed && n > 0 && !any_valid)
    return Error("storage_corrupt", path.string() +
                                        ": the signing mark is damaged (no valid slot); the "
                                        "highest index this signer signed is unknown");
  if (!existed) {
    // Make the new file's directory entry durable too.
    int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }
  return m;
}

Status SigningMark::advance(uint64_t index, const Hash32& hash) {
  uint8_t slot[kSlot] = {};
  const uint64_t seq = sequence_ + 1;
  std::memcpy(slot, kMagic, 8);
  const std::string be_seq = keys::be64(seq), be_index = keys::be64(index);
  std::memcpy(slot + 8, be_seq.data(), 8);
  std::memcpy(slot + 16, be_index.data(), 8);
  std::memcpy(slot + 24, hash.data(), 32);
  std::memcpy(slot + 56, check_of(slot).data(), 8);
  const off_t at = static_cast<off_t>((seq % 2) * kSlot);
  if (::pwrite(fd_, slot, kSlot, at) != static_cast<ssize_t>(kSlot))
    return io_error(path_, "write", errno ? errno : EIO);
  if (::fdatasync(fd_) != 0) return io_error(path_, "fdatasync", errno);
  sequence_ = seq;
  mark_ = Mark{index, hash};
  return Status();
}

}  // namespace klyn::chain
