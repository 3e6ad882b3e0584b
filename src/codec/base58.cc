#include "codec/base58.h"

#include <algorithm>

namespace klyn::codec {

static constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

std::string base58_encode(ByteSpan bytes) {
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // log(256)/log(58) < 1.37: enough digits for the big-endian base conversion.
  std::vector<uint8_t> digits((bytes.size() - zeros) * 138 / 100 + 1, 0);
  size_t used = 0;
  for (size_t i = zeros; i < bytes.size(); ++i) {
    uint32_t carry = bytes[i];
    size_t j = 0;
    for (auto it = digits.rbegin(); (carry != 0 || j < used) && it != digits.rend(); ++it, ++j) {
      carry += 256u * *it;
      *it = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    used = j;
  }
  auto it = std::find_if(digits.begin(), digits.end(), [](uint8_t d) { return d != 0; });
  std::string out(zeros, '1');
  for (; it != digits.end(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<Bytes> base58_decode(std::string_view text) {
  static const auto kIndex = [] {
    std::array<int8_t, 256> idx{};
    idx.fill(-1);
    for (int i = 0; i < 58; ++i) idx[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
    return idx;
  }();
  if (text.size() > 256) return Error("bad_base58", "too long");
  size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  std::vector<uint8_t> bytes((text.size() - ones) * 733 / 1000 + 1, 0);
  size_t used = 0;
  for (size_t i = ones; i < text.size(); ++i) {
    int v = kIndex[static_cast<uint8_t>(text[i])];
    if (v < 0) return Error("bad_base58", "invalid base58 character");
    uint32_t carry = static_cast<uint32_t>(v);
    size_t j = 0;
    for (auto it = bytes.rbegin(); (carry != 0 || j < used) && it != bytes.rend(); ++it, ++j) {
      carry += 58u * *it;
      *it = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    used = j;
  }
  auto it = std::find_if(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; });
  Bytes out(ones, 0);
  out.insert(out.end(), it, bytes.end());
  return out;
}

}  // namespace klyn::codec
