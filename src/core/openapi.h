#pragma once
// The OpenAPI 3.1 description of the public API (docs/openapi.json, built into the binary and
// served at GET /openapi.json), and which registered routes are public (GET /routes).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/router.h"

namespace klyn::core {

// docs/openapi.json as it was when this binary was built.
std::string_view openapi_json();

// The public routes of `router` as (method, pattern): symbiote routes in their `/s/{sym}/...`
// form (not once per alias and id), without node-to-node routes (`/sync/`) and without the
// fallbacks that answer unknown symbiotes and paths (`/s/{sym}/{p1}...`).
std::vector<std::pair<net::Method, std::string>> public_routes(const net::Router& router);

}  // namespace klyn::core
