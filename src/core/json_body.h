#pragma once
// Parsing untrusted JSON request bodies: size is limited by the server; nesting depth is limited
// here before nlohmann's recursive parser sees the text (a body of 8 MiB of '[' would otherwise
// exhaust the stack).

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace klyn::core {

inline Result<nlohmann::json> parse_json_body(std::string_view body, size_t max_depth = 32) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    // Never valid JSON (a raw control character), and nlohmann stops reading at a NUL as if the
    // input ended there, so "{...}\0<anything>" would be accepted.
    if (c == '\0') return Error("bad_json", "request body is not valid JSON");
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return Error("bad_json",
                     "JSON nested deeper than " + std::to_string(max_depth) + " levels");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("bad_json", "request body is not valid JSON");
  return j;
}

}  // namespace klyn::core
