#pragma once
// Lowercase hex. Decoding accepts an optional "0x" prefix and either case; anything else
// (odd length, non-hex digit) is an error.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::codec {

std::string hex_encode(ByteSpan bytes);
Result<Bytes> hex_decode(std::string_view text);
// Decodes exactly N bytes (e.g. a 32-byte hash); any other length is an error.
template <size_t N>
Result<std::array<uint8_t, N>> hex_decode_fixed(std::string_view text) {
  auto r = hex_decode(text);
  if (!r) return r.error();
  if (r->size() != N)
    return Error("bad_hex",
                 "expected " + std::to_string(N) + " bytes, got " + std::to_string(r->size()));
  std::array<uint8_t, N> out{};
  std::copy(r->begin(), r->end(), out.begin());
  return out;
}

}  // namespace klyn::codec
