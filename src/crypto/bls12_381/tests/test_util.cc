#include "crypto/bls12_381/tests/test_util.h"

#include <gtest/gtest.h>

#include <fstream>

namespace klyn::bls::test {

std::string vector_dir() {
  return std::string(KLYN_SOURCE_DIR) + "/../shared/testdata/bls12_381";
}

nlohmann::json load_vectors(const std::string& relative_path) {
  std::string path = vector_dir() + "/" + relative_path;
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "vector file missing: " << path;
    return nullptr;
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "vector file is not valid JSON: " << path;
    return nullptr;
  }
  return j;
}

std::vector<uint8_t> hex_to_bytes(const std::string& hex) {
  size_t start = (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) ? 2 : 0;
  std::vector<uint8_t> out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = start; i + 1 < hex.size(); i += 2) {
    out.push_back(uint8_t(nib(hex[i]) * 16 + nib(hex[i + 1])));
  }
  return out;
}

std::string bytes_to_hex(const uint8_t* data, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s = "0x";
  for (size_t i = 0; i < n; i++) {
    s.push_back(kDigits[data[i] >> 4]);
    s.push_back(kDigits[data[i] & 15]);
  }
  return s;
}

Fp fp_from_text(const std::string& hex) {
  std::vector<uint8_t> b = hex_to_bytes(hex);
  uint8_t buf[48] = {0};
  if (b.size() <= 48) std::copy(b.begin(), b.end(), buf + (48 - b.size()));
  Fp f;
  EXPECT_TRUE(Fp::from_bytes_be(buf, &f)) << hex;
  return f;
}

Fp2 fp2_from_text(const std::string& text) {
  size_t comma = text.find(',');
  return {fp_from_text(text.substr(0, comma)), fp_from_text(text.substr(comma + 1))};
}

std::string fp_to_text(const Fp& f) {
  uint8_t buf[48];
  f.to_bytes_be(buf);
  return bytes_to_hex(buf, 48);
}

std::string fp2_to_text(const Fp2& f) {
  return fp_to_text(f.c0) + "," + fp_to_text(f.c1);
}

}  // namespace klyn::bls::test
