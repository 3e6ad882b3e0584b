#pragma once
// The committer's secp256k1 key and Ethereum addresses.
//
// Contract
// * PrivateKey holds a valid secp256k1 secret key (checked on creation) and wipes it
//   (sodium_memzero) when destroyed or moved from; it is move-only and never printed.
// * sign() makes a deterministic (RFC 6979), low-s, recoverable ECDSA signature of a 32-byte
//   digest; const, so one key may sign from several threads.
// * An address is the last 20 bytes of keccak256 of the uncompressed public key without its 0x04
//   prefix.
// * read_private_key_file() refuses a file that others may read (mode & 0004): a key that every
//   local user can copy is not a key.

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::hostchains::evm {

using Address = std::array<uint8_t, 20>;

// "0x" + 40 lowercase hex digits.
std::string address_hex(const Address& a);
// Accepts "0x" + 40 hex digits in either case (no checksum check). Error "bad_address".
Result<Address> parse_address(std::string_view text);

struct RecoverableSignature {
  std::array<uint8_t, 32> r{};
  std::array<uint8_t, 32> s{};
  int recovery_id = 0;  // 0 or 1 (2, 3 are practically impossible and never made by sign())
};

class PrivateKey {
 public:
  // 64 hex digits, optionally with "0x"; surrounding whitespace is ignored. Errors: "bad_key".
  static Result<PrivateKey> from_hex(std::string_view text);
  static Result<PrivateKey> from_bytes(ByteSpan secret);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  const Address& address() const { return address_; }
  RecoverableSignature sign(const Hash32& digest) const;

 private:
  PrivateKey() = default;
  void wipe();
  std::array<uint8_t, 32> secret_{};
  Address address_{};
};

// Reads a key file: 64 hex digits (optionally 0x-prefixed, trailing newline fine). Errors:
// "bad_key_file" (missing, unreadable, readable by others, not a key) with the path and reason.
Result<PrivateKey> read_private_key_file(const std::filesystem::path& file);

}  // namespace klyn::hostchains::evm
