#include "hostchains/bitcoin/commit_script.h"

#include <algorithm>

namespace klyn::hostchains::bitcoin {
namespace {

constexpr uint8_t kOpReturn = 0x6a;
constexpr uint8_t kOpPushData1 = 0x4c;
constexpr uint8_t kOpPushData2 = 0x4d;
constexpr uint8_t kOpPushData4 = 0x4e;

}  // namespace

SymbiotePrefix symbiote_prefix(const chain::SymbioteId& symbiote) {
  SymbiotePrefix p{};
  std::copy_n(symbiote.begin(), p.size(), p.begin());
  return p;
}

Bytes encode_commit_payload(const Checkpoint& cp) {
  Bytes out;
  out.reserve(kCommitPayloadSize);
  out.insert(out.end(), kCommitMagic.begin(), kCommitMagic.end());
  const SymbiotePrefix prefix = symbiote_prefix(cp.symbiote);
  out.insert(out.end(), prefix.begin(), prefix.end());
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(cp.index >> shift));
  out.insert(out.end(), cp.hash.begin(), cp.hash.end());
  return out;
}

std::optional<CommitPayload> decode_commit_payload(ByteSpan data) {
  if (data.size() != kCommitPayloadSize) return std::nullopt;
  if (!std::equal(kCommitMagic.begin(), kCommitMagic.end(), data.begin())) return std::nullopt;
  CommitPayload p;
  size_t at = kCommitMagic.size();
  std::copy_n(data.begin() + at, p.symbiote.size(), p.symbiote.begin());
  at += p.symbiote.size();
  for (size_t i = 0; i < 8; ++i) p.index = (p.index << 8) | data[at + i];
  at += 8;
  std::copy_n(data.begin() + at, p.hash.size(), p.hash.begin());
  return p;
}

Bytes commit_script(const Checkpoint& cp) {
  const Bytes payload = encode_commit_payload(cp);
  Bytes out(2 + payload.size());
  out[0] = kOpReturn;
  out[1] = static_cast<uint8_t>(payload.size());  // direct push: 52 ≤ 75
  std::copy(payload.begin(), payload.end(), out.begin() + 2);
  return out;
}

std::optional<ByteSpan> op_return_data(ByteSpan script) {
  if (script.size() < 2 || script[0] != kOpReturn) return std::nullopt;
  const uint8_t op = script[1];
  size_t header = 2;  // OP_RETURN + opcode
  uint64_t len = 0;
  if (op >= 0x01 && op <= 0x4b) {
    len = op;
  } else if (op == kOpPushData1 || op == kOpPushData2 || op == kOpPushData4) {
    const size_t width = op == kOpPushData1 ? 1 : op == kOpPushData2 ? 2 : 4;
    if (script.size() < header + width) return std::nullopt;
    for (size_t i = 0; i < width; ++i) len |= uint64_t{script[header + i]} << (8 * i);  // LE
    header += width;
  } else {
    return std::nullopt;  // OP_0, OP_1NEGATE, OP_n or a non-push opcode
  }
  if (script.size() - header != len) return std::nullopt;  // short push or trailing bytes
  return script.subspan(header);
}

std::optional<CommitPayload> decode_commit_script(ByteSpan script) {
  auto data = op_return_data(script);
  if (!data) return std::nullopt;
  return decode_commit_payload(*data);
}

}  // namespace klyn::hostchains::bitcoin
