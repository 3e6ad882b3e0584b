#pragma once
// Byte containers used across modules.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace klyn {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using Hash32 = std::array<uint8_t, 32>;

inline ByteSpan as_bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace klyn
