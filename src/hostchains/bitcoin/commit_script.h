#pragma once
// The bytes of a checkpoint commit on a Bitcoin-like hostchain, and the OP_RETURN scripts that
// carry them. Pure functions on untrusted bytes: thread-safe, never throw, never read past the
// input.
//
// A commit payload is exactly 52 bytes:
//
//   offset  size  what
//        0     4  magic "KLYN" (4b 4c 59 4e)
//        4     8  the first 8 bytes of the symbiote id
//       12     8  controller block index, unsigned big-endian
//       20    32  controller block hash
//
// It travels as the single data push of an OP_RETURN output: 6a 34 <payload> as Bitcoin Core's
// createrawtransaction writes it, or 6a 4c 34 <payload> (OP_PUSHDATA1), which is accepted too.

#include <array>
#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "hostchains/connector.h"

namespace klyn::hostchains::bitcoin {

inline constexpr std::array<uint8_t, 4> kCommitMagic = {0x4b, 0x4c, 0x59, 0x4e};  // "KLYN"
inline constexpr size_t kSymbiotePrefixSize = 8;
inline constexpr size_t kCommitPayloadSize = 4 + kSymbiotePrefixSize + 8 + 32;  // 52

using SymbiotePrefix = std::array<uint8_t, kSymbiotePrefixSize>;

// The first 8 bytes of a symbiote id: what a commit names its symbiote by.
SymbiotePrefix symbiote_prefix(const chain::SymbioteId& symbiote);

// A decoded commit payload. Only the prefix of the symbiote id is on the hostchain.
struct CommitPayload {
  SymbiotePrefix symbiote{};
  uint64_t index = 0;
  Hash32 hash{};
  bool operator==(const CommitPayload&) const = default;
};

// The 52-byte payload of `cp`.
Bytes encode_commit_payload(const Checkpoint& cp);

// Decodes a payload: nullopt unless `data` is exactly 52 bytes starting with the magic.
std::optional<CommitPayload> decode_commit_payload(ByteSpan data);

// The output script of a commit: OP_RETURN followed by a direct push of the 52-byte payload.
Bytes commit_script(const Checkpoint& cp);

// The data of an output script made of OP_RETURN and exactly one data push (a direct push of
// 1..75 bytes, OP_PUSHDATA1, OP_PUSHDATA2 or OP_PUSHDATA4). nullopt for any other script: not
// OP_RETURN, no push, several pushes, a push longer than the script, trailing bytes.
std::optional<ByteSpan> op_return_data(ByteSpan script);

// op_return_data + decode_commit_payload.
std::optional<CommitPayload> decode_commit_script(ByteSpan script);

}  // namespace klyn::hostchains::bitcoin
