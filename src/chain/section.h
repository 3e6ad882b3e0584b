#pragma once
// The canonical binary form of a workflow's manifest section (chain/README.md, "Genesis: encoding
// and id"): a JSON value chain stores and hashes into the symbiote id
// without knowing what it means. Every value has exactly one encoding, so two nodes that parse
// the same section compute the same id whatever the JSON text looked like (spacing, key order).
//
//   value := 0x00 (null) | 0x01 (false) | 0x02 (true)
//          | 0x03 u64                      non-negative integers only
//          | 0x04 string                   valid UTF-8 as given
//          | 0x05 varint n, n × value      array
//          | 0x06 varint n, n × (string key, value)   object, keys sorted bytewise, unique
//
// Invariants (tests: Section.*):
// * V1  decode(encode(v)) == v for every value encode() accepts, and encode(decode(b)) == b for
//       every b decode() accepts: a decoder refuses anything but the one canonical form (unsorted
//       or repeated keys, an unknown tag, trailing bytes, a non-minimal varint).
// * V2  Values chain cannot encode canonically are refused with the JSON path of the first one:
//       negative or fractional numbers, binary values, strings or keys that are not UTF-8,
//       nesting deeper than kMaxDepth (and decode() refuses non-UTF-8 strings and keys).
// * V3  Bounded: at most kMaxBytes of encoding and kMaxDepth of nesting, both ways.

#include <nlohmann/json.hpp>
#include <string>

#include "common/bytes.h"
#include "common/result.h"

namespace klyn::chain {

inline constexpr size_t kSectionMaxDepth = 16;
inline constexpr size_t kSectionMaxBytes = 64 << 10;

// RFC 3629 UTF-8 (no overlong forms, surrogates or code points above U+10FFFF): the JSON form can
// only carry valid UTF-8, so no binary form (genesis strings, section strings and keys) may hold
// anything else.
bool is_utf8(std::string_view s);

// Errors: bad_section (V2, V3), with the path ("manifest.dev_controller.limits[2]") from `path`.
Result<Bytes> encode_section(const nlohmann::json& value, const std::string& path);
// Errors: bad_section (V1, V3).
Result<nlohmann::json> decode_section(ByteSpan bytes);

}  // namespace klyn::chain
