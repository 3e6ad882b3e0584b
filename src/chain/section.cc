#include "chain/section.h"

#include <algorithm>
#include <vector>

#include "codec/binary.h"

namespace klyn::chain {

namespace {

enum Tag : uint8_t { kNull, kFalse, kTrue, kInteger, kString, kArray, kObject };

Status encode_value(const nlohmann::json& v, const std::string& path, size_t depth,
                    codec::Writer& w) {
  if (depth > kSectionMaxDepth)
    return Error("bad_section", path + ": nested deeper than " + std::to_string(kSectionMaxDepth));
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      w.u8(kNull);
      break;
    case nlohmann::json::value_t::boolean:
      w.u8(v.get<bool>() ? kTrue : kFalse);
      break;
    case nlohmann::json::value_t::number_unsigned:
      w.u8(kInteger);
      w.u64(v.get<uint64_t>());
      break;
    case nlohmann::json::value_t::number_integer:
      if (v.get<int64_t>() < 0)
        return Error("bad_section", path + ": negative numbers have no canonical form here");
      w.u8(kInteger);
      w.u64(static_cast<uint64_t>(v.get<int64_t>()));
      break;
    case nlohmann::json::value_t::number_float:
      return Error("bad_section", path + ": only whole non-negative numbers are allowed");
    case nlohmann::json::value_t::string:
      if (!is_utf8(v.get_ref<const std::string&>()))
        return Error("bad_section", path + ": strings must be valid UTF-8");
      w.u8(kString);
      w.string(v.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::array: {
      w.u8(kArray);
      w.varint(v.size());
      size_t i = 0;
      for (const auto& item : v)
        KLYN_TRY(encode_value(item, path + "[" + std::to_string(i++) + "]", depth + 1, w));
      break;
    }
    case nlohmann::json::value_t::object: {
      // nlohmann's object is a std::map: iteration is already in bytewise key order, unique.
      w.u8(kObject);
      w.varint(v.size());
      for (const auto& [key, item] : v.items()) {
        if (!is_utf8(key)) return Error("bad_section", path + ": keys must be valid UTF-8");
        w.string(key);
        KLYN_TRY(encode_value(item, path + "." + key, depth + 1, w));
      }
      break;
    }
    default:
      return Error("bad_section", path + ": binary values are not allowed");
  }
  if (w.data().size() > kSectionMaxBytes)
    return Error("bad_section", path + ": the section is larger than " +
                                    std::to_string(kSectionMaxBytes) + " bytes encoded");
  return Status();
}

bool decode_value(codec::Reader& r, size_t depth, nlohmann::json& out) {
  if (depth > kSectionMaxDepth) return r.fail("nested deeper than the limit");
  uint8_t tag = 0;
  if (!r.u8(tag)) return false;
  switch (tag) {
    case kNull:
      out = nullptr;
      return true;
    case kFalse:
    case kTrue:
      out = tag == kTrue;
      return true;
    case kInteger: {
      uint64_t n = 0;
      if (!r.u64(n)) return false;
      out = n;
      return true;
    }
    case kString: {
      std::string s;
      if (!r.string(s, kSectionMaxBytes)) return false;
      if (!is_utf8(s)) return r.fail("a string that is not valid UTF-8");
      out = std::move(s);
      return true;
    }
    case kArray: {
      uint64_t n = 0;
      if (!r.varint(n)) return false;
      if (n > r.remaining()) return r.fail("array longer than the input");
      out = nlohmann::json::array();
      for (uint64_t i = 0; i < n; ++i) {
        nlohmann::json item;
        if (!decode_value(r, depth + 1, item)) return false;
        out.push_back(std::move(item));
      }
      return true;
    }
    case kObject: {
      uint64_t n = 0;
      if (!r.varint(n)) return false;
      if (n > r.remaining()) return r.fail("object longer than the input");
      out = nlohmann::json::object();
      std::string previous;
      for (uint64_t i = 0; i < n; ++i) {
        std::string key;
        if (!r.string(key, kSectionMaxBytes)) return false;
        if (!is_utf8(key)) return r.fail("a key that is not valid UTF-8");
        if (i > 0 && key <= previous) return r.fail("object keys not sorted or repeated");
        nlohmann::json item;
        if (!decode_value(r, depth + 1, item)) return false;
        out[key] = std::move(item);
        previous = std::move(key);
      }
      return true;
    }
    default:
      return r.fail("unknown value tag " + std::to_string(tag));
  }
}

}  // namespace

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;
    if (n == 9 || s.size() - i <= n) return false;  // bad lead byte, or truncated
    uint32_t cp = n == 0 ? c : c & (0x3f >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Result<Bytes> encode_section(const nlohmann::json& value, const std::string& path) {
  codec::Writer w;
  KLYN_TRY(encode_value(value, path, 0, w));
  return std::move(w).take();
}

Result<nlohmann::json> decode_section(ByteSpan bytes) {
  if (bytes.size() > kSectionMaxBytes)
    return Error("bad_section", "the section is larger than " + std::to_string(kSectionMaxBytes) +
                                    " bytes encoded");
  codec::Reader r(bytes);
  nlohmann::json out;
  decode_value(r, 0, out);
  if (auto st = r.finish("manifest section"); !st) return Error("bad_section", st.error().reason);
  return out;
}

}  // namespace klyn::chain
