// libFuzzer target: the POST /s/{sym}/event and POST /s/{sym}/events (JSON array) body path:
// core::parse_json_body, then chain::event_from_json for the object or each array item.
//
// Oracles:
//  * parse_json_body's nesting pre-scan is exact: a body is accepted iff nlohmann accepts it,
//    it has no NUL byte, and its text nests at most max_depth arrays/objects (limits 32 and 3);
//  * an accepted event round-trips through event_to_json -> event_from_json (field form) and the
//    {"raw": hex} form with the same hash; its encoding decodes back to the same event.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "chain/event.h"
#include "core/json_body.h"
#include "event_json_check.h"
#include "fuzz_check.h"

using namespace klyn;
using nlohmann::json;

namespace {

// Nesting depth of the text as nlohmann's parser sees it (every array or object opened is one
// level). Not the depth of the resulting value: with a duplicate key, a deeper first value is
// replaced by a later one. nullopt when nlohmann rejects the text.
std::optional<size_t> text_depth(std::string_view body) {
  size_t max = 0;
  json::parser_callback_t cb = [&max](int depth, json::parse_event_t ev, json&) {
    if (ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start)
      max = std::max(max, static_cast<size_t>(depth) + 1);
    return true;
  };
  json j = json::parse(body, cb, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return max;
}

void check_event(const json& j) {
  auto e = chain::event_from_json(j);
  if (!e) {
    FUZZ_CHECK(!e.error().code.empty());
    return;
  }
  auto decoded = chain::decode_event(e->encode());
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(decoded->hash() == e->hash());
  fuzz::check_event_json_round_trip(*e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);

  constexpr size_t kShallow = 3;
  auto deep = core::parse_json_body(body);
  auto shallow = core::parse_json_body(body, kShallow);
  if (shallow) FUZZ_CHECK(deep.ok() && *deep == *shallow);
  if (deep || size < 1024) {
    // The pre-scan agrees with the real parser: accepted iff valid and nested at most max_depth.
    // (nlohmann reads a NUL as the end of the input, so a body with one is never valid.)
    auto d = body.find('\0') == std::string_view::npos ? text_depth(body) : std::nullopt;
    FUZZ_CHECK(deep.ok() == (d && *d <= 32));
    FUZZ_CHECK(shallow.ok() == (d && *d <= kShallow));
  }
  if (!deep) return 0;

  if (deep->is_array()) {
    for (const auto& item : *deep) check_event(item);
  } else {
    check_event(*deep);
  }
  return 0;
}
