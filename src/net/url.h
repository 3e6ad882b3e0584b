#pragma once
// URL pieces the node needs: percent-decoding, query strings, and validation of peer addresses
// given as `http://host:port[/path]`. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "net/http_types.h"

namespace klyn::net {

// Decodes %XX escapes; with plus_as_space, '+' becomes ' ' (form/query encoding).
// Returns nullopt on a malformed escape ("%", "%4", "%zz").
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space = false);

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string percent_encode(std::string_view in);

// Parses "a=1&b=x%20y&flag" into `out` (decoded; a key without '=' maps to ""; the first
// occurrence of a key wins). Returns an Error "bad_request" on a malformed escape.
Status parse_query(std::string_view query, ParamMap& out);

// Splits a request-target "/path?query" into path and query (query without '?', may be empty).
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

// Accepts exactly `http://HOST:PORT` optionally followed by a path starting with '/', where HOST
// is a dotted IPv4 address, a bracketed IPv6 address ("[::1]") or a DNS host name, and PORT is
// 1..65535. Returns (host, port); an IPv6 host is returned without brackets. The scheme is matched
// case-insensitively. Anything else (https, user info, missing port, spaces, ...) is an Error with
// code "bad_url" and a reason naming the problem.
Result<std::pair<std::string, uint16_t>> parse_http_url(std::string_view url);

}  // namespace klyn::net
