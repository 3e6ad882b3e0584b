// libFuzzer target: the POST /s/{sym}/event and POST /s/{sym}/events (JSON array) body path:
// core::parse_json_body, then chain::event_from_json for the object or each array item.
//
// Oracles:
//  * parse_json_body's nesting pre-scan is exact: an accepted document is at most max_depth deep,
//    and a document nlohmann accepts that is at most max_depth deep is not rejected;
//  * an accepted event round-trips through event_to_json -> event_from_json (field form) and the
//    {"raw": hex} form with the same hash; its encoding decodes back to the same event.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chain/event.h"
#include "core/json_body.h"
#include "event_json_check.h"
#include "fuzz_check.h"

using namespace klyn;
using nlohmann::json;

namespace {

// Nesting depth as parse_json_body counts it: every array or object is one level.
size_t depth_of(const json& j) {
  if (!j.is_structured()) return 0;
  size_t d = 0;
  for (const auto& v : j) d = std::max(d, depth_of(v));
  return d + 1;
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
  if (shallow) {
    FUZZ_CHECK(depth_of(*shallow) <= kShallow);
    FUZZ_CHECK(deep.ok() && *deep == *shallow);
  }
  if (deep) {
    size_t d = depth_of(*deep);
    FUZZ_CHECK(d <= 32);
    FUZZ_CHECK(shallow.ok() == (d <= kShallow));
  } else if (size < 512) {
    // No false rejection: a small document nlohmann accepts within the depth limit parses.
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) FUZZ_CHECK(depth_of(j) > 32);
  }
  if (!deep) return 0;

  if (deep->is_array()) {
    for (const auto& item : *deep) check_event(item);
  } else {
    check_event(*deep);
  }
  return 0;
}
