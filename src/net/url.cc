#include "net/url.h"

#include <charconv>

#include <boost/asio/ip/address_v6.hpp>

#include "net/detail/ascii.h"

namespace klyn::net {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

Error bad_url(std::string reason) {
  return make_error("bad_url", std::move(reason));
}

// Dotted-quad IPv4: four decimal octets 0..255, no leading zeros beyond "0".
bool is_ipv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('.', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view part = s.substr(i, j - i);
    if (part.empty() || part.size() > 3) return false;
    for (char c : part) {
      if (!is_digit(c)) return false;
    }
    if (part.size() > 1 && part[0] == '0') return false;
    int v = 0;
    std::from_chars(part.data(), part.data() + part.size(), v);
    if (v > 255) return false;
    ++parts;
    i = j + 1;
    if (j == s.size()) break;
  }
  return parts == 4;
}

// RFC 1123 host name: labels of [A-Za-z0-9-], 1..63 chars, not starting/ending with '-';
// at most 253 chars; a name of only digits and dots must be a valid IPv4 address instead.
bool is_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool all_numeric = true;
  size_t i = 0;
  while (true) {
    size_t j = s.find('.', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view label = s.substr(i, j - i);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
      if (!is_digit(c)) all_numeric = false;
    }
    if (j == s.size()) break;
    i = j + 1;
  }
  return !all_numeric;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

Status parse_query(std::string_view query, ParamMap& out) {
  size_t i = 0;
  while (i < query.size()) {
    size_t amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(i, amp - i);
    i = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto key = percent_decode(raw_key, true);
    auto value = percent_decode(raw_value, true);
    if (!key || !value) {
      return make_error("bad_request", "malformed percent-encoding in query string");
    }
    out.emplace(std::move(*key), std::move(*value));  // emplace keeps the first occurrence
  }
  return Status::success();
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

Result<std::pair<std::string, uint16_t>> parse_http_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !detail::iequals(url.substr(0, kScheme.size()), kScheme)) {
    return bad_url("must start with http://");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return bad_url("contains whitespace or control characters");
    }
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find_first_of("?#") != std::string_view::npos) {
    return bad_url("query or fragment must follow a path");
  }
  if (authority.find('@') != std::string_view::npos) return bad_url("user info is not allowed");
  if (authority.empty()) return bad_url("missing host");

  std::string host;
  std::string_view port_text;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url("unterminated IPv6 literal");
    std::string inner(authority.substr(1, close - 1));
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address_v6(inner, ec);
    if (ec || inner.find('%') != std::string::npos) return bad_url("invalid IPv6 address");
    (void)addr;
    host = std::move(inner);
    std::string_view after = authority.substr(close + 1);
    if (after.empty() || after.front() != ':') return bad_url("missing port");
    port_text = after.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) return bad_url("missing port");
    std::string_view h = authority.substr(0, colon);
    if (h.find(':') != std::string_view::npos) {
      return bad_url("IPv6 addresses must be in brackets");
    }
    if (h.empty()) return bad_url("missing host");
    if (!is_ipv4(h) && !is_hostname(h)) return bad_url("invalid host name or IPv4 address");
    host = std::string(h);
    port_text = authority.substr(colon + 1);
  }
  if (port_text.empty()) return bad_url("missing port");
  if (port_text.size() > 5) return bad_url("port out of range");
  unsigned port = 0;
  for (char c : port_text) {
    if (!is_digit(c)) return bad_url("port must be decimal digits");
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) return bad_url("port out of range");
  return std::pair<std::string, uint16_t>(std::move(host), static_cast<uint16_t>(port));
}

}  // namespace klyn::net
