#include "codec/binary.h"

namespace klyn::codec {

void Writer::varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(v));
}

void Writer::bytes(ByteSpan b) {
  varint(b.size());
  raw(b);
}

bool Reader::fail(std::string reason) {
  if (error_.empty()) error_ = "at byte " + std::to_string(pos_) + ": " + std::move(reason);
  return false;
}

bool Reader::need(size_t n, const char* what) {
  if (!error_.empty()) return false;
  if (remaining() < n) return fail(std::string("truncated ") + what);
  return true;
}

static uint64_t get_be(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

bool Reader::u8(uint8_t& v) {
  if (!need(1, "u8")) return false;
  v = in_[pos_++];
  return true;
}
bool Reader::u16(uint16_t& v) {
  if (!need(2, "u16")) return false;
  v = static_cast<uint16_t>(get_be(in_.data() + pos_, 2));
  pos_ += 2;
  return true;
}
bool Reader::u32(uint32_t& v) {
  if (!need(4, "u32")) return false;
  v = static_cast<uint32_t>(get_be(in_.data() + pos_, 4));
  pos_ += 4;
  return true;
}
bool Reader::u64(uint64_t& v) {
  if (!need(8, "u64")) return false;
  v = get_be(in_.data() + pos_, 8);
  pos_ += 8;
  return true;
}
bool Reader::boolean(bool& v) {
  uint8_t b = 0;
  if (!u8(b)) return false;
  if (b > 1) return fail("bool must be 0 or 1");
  v = b == 1;
  return true;
}

bool Reader::varint(uint64_t& v) {
  if (!error_.empty()) return false;
  uint64_t result = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= in_.size()) return fail("truncated varint");
    uint8_t b = in_[pos_++];
    uint64_t group = b & 0x7f;
    if (i == 9 && group > 1) return fail("varint overflows 64 bits");
    result |= group << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) return fail("non-minimal varint");
      v = result;
      return true;
    }
  }
  return fail("varint longer than 10 bytes");
}

bool Reader::bytes(Bytes& v, size_t max_len) {
  uint64_t n = 0;
  if (!varint(n)) return false;
  if (n > max_len)
    return fail("length " + std::to_string(n) + " exceeds limit " + std::to_string(max_len));
  if (!need(static_cast<size_t>(n), "bytes")) return false;
  v.assign(in_.begin() + pos_, in_.begin() + pos_ + n);
  pos_ += n;
  return true;
}

bool Reader::string(std::string& v, size_t max_len) {
  uint64_t n = 0;
  if (!varint(n)) return false;
  if (n > max_len)
    return fail("length " + std::to_string(n) + " exceeds limit " + std::to_string(max_len));
  if (!need(static_cast<size_t>(n), "string")) return false;
  v.assign(reinterpret_cast<const char*>(in_.data()) + pos_, n);
  pos_ += n;
  return true;
}

bool Reader::view(size_t n, ByteSpan& v) {
  if (!need(n, "bytes")) return false;
  v = in_.subspan(pos_, n);
  pos_ += n;
  return true;
}

Error Reader::error(std::string_view what) const {
  return Error("malformed", std::string(what) + ": " + (error_.empty() ? "ok" : error_));
}

Status Reader::finish(std::string_view what) const {
  if (!error_.empty()) return error(what);
  if (!at_end())
    return Error("malformed", std::string(what) + ": " + std::to_string(remaining()) +
                                  " trailing bytes after byte " + std::to_string(pos_));
  return Status();
}

}  // namespace klyn::codec
