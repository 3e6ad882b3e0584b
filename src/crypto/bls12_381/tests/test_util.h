#pragma once
// Helpers shared by the BLS tests: locating and parsing the shared vector files.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/bls12_381/fp12.h"

namespace klyn::bls::test {

// Directory of the shared vectors, relative to the source tree.
std::string vector_dir();
// Parses a vector file; records a test failure (and returns null) if it is missing or invalid.
nlohmann::json load_vectors(const std::string& relative_path);

std::vector<uint8_t> hex_to_bytes(const std::string& hex);  // accepts an optional 0x prefix
std::string bytes_to_hex(const uint8_t* data, size_t n);    // with 0x prefix
template <typename C>
std::string to_hex(const C& c) {
  return bytes_to_hex(c.data(), c.size());
}
Fp fp_from_text(const std::string& hex);
Fp2 fp2_from_text(const std::string& text);  // "0x<c0>,0x<c1>"
std::string fp_to_text(const Fp& f);
std::string fp2_to_text(const Fp2& f);

}  // namespace klyn::bls::test
