#pragma once
// Canonical binary encoding: the only encoding that is hashed or signed anywhere in the node.
//
// Rules (each value has exactly one valid encoding, so equal values hash equally and a decoder
// can reject anything else):
//   * u8 / u16 / u32 / u64: fixed width, big-endian.
//   * bool: one byte, 0 or 1; any other byte is rejected.
//   * varint (lengths and counts): unsigned LEB128, at most 10 bytes, minimal — a trailing zero
//     group (e.g. 0x80 0x00) or a value above 2^64-1 is rejected.
//   * bytes / string: varint length, then the bytes. A length beyond the remaining input is
//     rejected before anything is allocated.
//   * fixed arrays (hashes, keys, signatures): raw, no length.
//   * a top-level object must consume its input exactly; trailing bytes are rejected.
//
// Writer never fails. Reader methods return false once any read failed and keep the first
// error (position + reason); decoders check `ok()` once at the end (see Reader::finish).

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::codec {

class Writer {
 public:
  Writer() = default;
  explicit Writer(size_t reserve) { out_.reserve(reserve); }

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put_be(v, 2); }
  void u32(uint32_t v) { put_be(v, 4); }
  void u64(uint64_t v) { put_be(v, 8); }
  void boolean(bool v) { out_.push_back(v ? 1 : 0); }
  void varint(uint64_t v);
  void bytes(ByteSpan b);
  void string(std::string_view s) { bytes(as_bytes(s)); }
  template <size_t N>
  void fixed(const std::array<uint8_t, N>& a) {
    out_.insert(out_.end(), a.begin(), a.end());
  }
  void raw(ByteSpan b) {
    // resize + memcpy rather than insert(): GCC 12 reports a false -Wstringop-overflow on the
    // inlined vector::insert of a span.
    if (b.empty()) return;
    const size_t n = out_.size();
    out_.resize(n + b.size());
    std::memcpy(out_.data() + n, b.data(), b.size());
  }

  const Bytes& data() const& { return out_; }
  Bytes&& take() && { return std::move(out_); }
  size_t size() const { return out_.size(); }

 private:
  void put_be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}

  bool u8(uint8_t& v);
  bool u16(uint16_t& v);
  bool u32(uint32_t& v);
  bool u64(uint64_t& v);
  bool boolean(bool& v);
  bool varint(uint64_t& v);
  // Reads a length-prefixed byte string of at most `max_len` bytes.
  bool bytes(Bytes& v, size_t max_len);
  bool string(std::string& v, size_t max_len);
  template <size_t N>
  bool fixed(std::array<uint8_t, N>& a) {
    if (!need(N, "fixed array")) return false;
    std::copy(in_.begin() + pos_, in_.begin() + pos_ + N, a.begin());
    pos_ += N;
    return true;
  }
  // A view of the next n bytes without copying.
  bool view(size_t n, ByteSpan& v);

  bool ok() const { return error_.empty(); }
  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  bool at_end() const { return pos_ == in_.size(); }
  // Records a semantic failure (e.g. an unknown type tag) at the current position.
  bool fail(std::string reason);
  // Ok iff every read succeeded and the input is fully consumed.
  Status finish(std::string_view what) const;
  // The error so far (call when !ok()).
  Error error(std::string_view what) const;

 private:
  bool need(size_t n, const char* what);
  ByteSpan in_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace klyn::codec
