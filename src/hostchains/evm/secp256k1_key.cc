#include "hostchains/evm/secp256k1_key.h"

#include <fcntl.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "codec/hex.h"
#include "hostchains/evm/keccak.h"

namespace klyn::hostchains::evm {
namespace {

// One signing context for the process, randomised once (side-channel blinding). Signing only
// reads it, so it is safe to share.
const secp256k1_context* context() {
  static secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    unsigned char seed[32];
    randombytes_buf(seed, sizeof seed);
    [[maybe_unused]] int ok = secp256k1_context_randomize(c, seed);
    sodium_memzero(seed, sizeof seed);
    return c;
  }();
  return ctx;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::string address_hex(const Address& a) {
  return "0x" + codec::hex_encode(a);
}

Result<Address> parse_address(std::string_view text) {
  if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    return Error("bad_address", "expected 0x and 40 hex digits, got \"" + std::string(text) + "\"");
  auto a = codec::hex_decode_fixed<20>(text.substr(2));
  if (!a) return Error("bad_address", "\"" + std::string(text) + "\": " + a.error().reason);
  return *a;
}

Result<PrivateKey> PrivateKey::from_bytes(ByteSpan secret) {
  if (secret.size() != 32) return Error("bad_key", "a secp256k1 key is 32 bytes");
  PrivateKey k;
  std::memcpy(k.secret_.data(), secret.data(), 32);
  if (!secp256k1_ec_seckey_verify(context(), k.secret_.data()))
    return Error("bad_key", "not a valid secp256k1 secret key (zero or ≥ the group order)");
  secp256k1_pubkey pub;
  if (!secp256k1_ec_pubkey_create(context(), &pub, k.secret_.data()))
    return Error("bad_key", "cannot derive the public key");
  unsigned char uncompressed[65];
  size_t len = sizeof uncompressed;
  secp256k1_ec_pubkey_serialize(context(), uncompressed, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  const Hash32 h = keccak256(ByteSpan(uncompressed + 1, 64));
  std::memcpy(k.address_.data(), h.data() + 12, 20);
  return k;
}

Result<PrivateKey> PrivateKey::from_hex(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  if (text.size() != 64)
    return Error("bad_key",
                 "expected 64 hex digits, got " + std::to_string(text.size()) + " characters");
  std::array<uint8_t, 32> bin{};
  size_t bin_len = 0;
  const int rc =
      sodium_hex2bin(bin.data(), bin.size(), text.data(), text.size(), nullptr, &bin_len, nullptr);
  Result<PrivateKey> out = rc == 0 && bin_len == 32
                               ? from_bytes(bin)
                               : Result<PrivateKey>(Error("bad_key", "not hex digits"));
  sodium_memzero(bin.data(), bin.size());
  return out;
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : secret_(other.secret_), address_(other.address_) {
  other.wipe();
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    secret_ = other.secret_;
    address_ = other.address_;
    other.wipe();
  }
  return *this;
}

PrivateKey::~PrivateKey() {
  wipe();
}

void PrivateKey::wipe() {
  sodium_memzero(secret_.data(), secret_.size());
}

RecoverableSignature PrivateKey::sign(const Hash32& digest) const {
  secp256k1_ecdsa_recoverable_signature sig;
  // With the default nonce function (RFC 6979) signing fails only for an invalid key, which
  // from_bytes() excluded.
  [[maybe_unused]] int ok = secp256k1_ecdsa_sign_recoverable(context(), &sig, digest.data(),
                                                             secret_.data(), nullptr, nullptr);
  unsigned char compact[64];
  RecoverableSignature out;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), compact, &out.recovery_id,
                                                          &sig);
  std::memcpy(out.r.data(), compact, 32);
  std::memcpy(out.s.data(), compact + 32, 32);
  return out;
}

Result<PrivateKey> read_private_key_file(const std::filesystem::path& file) {
  const std::string shown = file.string();
  // Read with plain POSIX calls into one buffer we wipe (no stream buffers keep a copy), and
  // check the mode of the file we opened, not of whatever the path names a moment later.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error("bad_key_file", shown + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error("bad_key_file", shown + ": not a regular file");
  }
  if (st.st_mode & S_IROTH) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error("bad_key_file",
                 shown + ": readable by every user (mode " + mode + "); run chmod 600 on it");
  }
  std::array<char, 512> buf{};
  size_t len = 0;
  while (len < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += static_cast<size_t>(n);
  }
  ::close(fd);
  Result<PrivateKey> key = len == buf.size()
                               ? Result<PrivateKey>(Error("bad_key", "file too large for a key"))
                               : PrivateKey::from_hex(std::string_view(buf.data(), len));
  sodium_memzero(buf.data(), buf.size());
  if (!key) return Error("bad_key_file", shown + ": " + key.error().reason);
  return key;
}

}  // namespace klyn::hostchains::evm
