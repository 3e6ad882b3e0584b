#include "hostchains/evm/rlp.h"

namespace klyn::hostchains::evm {
namespace {

// The prefix of a string (offset 0x80) or list (offset 0xc0) of `len` payload bytes: short
// payloads (< 56 bytes) carry the length in the prefix byte, longer ones spell it out after it.
void append_header(Bytes& out, size_t len, uint8_t offset) {
  if (len < 56) {
    out.push_back(static_cast<uint8_t>(offset + len));
    return;
  }
  const Bytes len_bytes = big_endian_minimal(len);
  out.push_back(static_cast<uint8_t>(offset + 55 + len_bytes.size()));
  out.insert(out.end(), len_bytes.begin(), len_bytes.end());
}

}  // namespace

Bytes big_endian_minimal(uint64_t v) {
  Bytes out;
  for (int shift = 56; shift >= 0; shift -= 8) {
    const auto b = static_cast<uint8_t>(v >> shift);
    if (b != 0 || !out.empty()) out.push_back(b);
  }
  return out;
}

Bytes rlp_string(ByteSpan s) {
  if (s.size() == 1 && s[0] < 0x80) return Bytes{s[0]};
  Bytes out;
  out.reserve(s.size() + 9);
  append_header(out, s.size(), 0x80);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes rlp_uint(uint64_t v) {
  return rlp_string(big_endian_minimal(v));
}

Bytes rlp_list(const std::vector<Bytes>& encoded_items) {
  size_t len = 0;
  for (const auto& item : encoded_items) len += item.size();
  Bytes out;
  out.reserve(len + 9);
  append_header(out, len, 0xc0);
  for (const auto& item : encoded_items) out.insert(out.end(), item.begin(), item.end());
  return out;
}

}  // namespace klyn::hostchains::evm
