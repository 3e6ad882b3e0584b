#include "hostchains/bitcoin/amount.h"

#include <cctype>
#include <string>

namespace klyn::hostchains::bitcoin {
namespace {

Error bad_amount(std::string_view text, std::string_view why) {
  return Error("bad_response", "amount \"" + std::string(text) + "\": " + std::string(why));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Result<uint64_t> parse_coin_amount(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    // "-0" and "-0.0" are zero; anything else negative is not an amount.
    bool zero = true;
    for (char c : text.substr(1))
      if (is_digit(c) && c != '0') zero = false;
    if (!zero) return bad_amount(text, "negative");
    ++i;
  }
  std::string digits;  // mantissa digits, without the decimal point
  int64_t frac_len = 0;
  bool any_int = false, any_frac = false;
  while (i < text.size() && is_digit(text[i])) digits.push_back(text[i++]), any_int = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i]))
      digits.push_back(text[i++]), ++frac_len, any_frac = true;
  }
  if (!any_int && !any_frac) return bad_amount(text, "not a number");
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
    if (i >= text.size() || !is_digit(text[i])) return bad_amount(text, "bad exponent");
    while (i < text.size() && is_digit(text[i])) {
      exponent = exponent * 10 + (text[i++] - '0');
      if (exponent > 1000) return bad_amount(text, "exponent out of range");
    }
    if (neg) exponent = -exponent;
  }
  if (i != text.size()) return bad_amount(text, "not a number");

  // value = digits × 10^(exponent - frac_len) coins = digits × 10^shift satoshi.
  const int64_t shift = exponent - frac_len + kCoinDecimals;
  if (shift < 0) {
    const size_t drop = static_cast<size_t>(-shift);
    const size_t keep = drop >= digits.size() ? 0 : digits.size() - drop;
    if (digits.find_first_not_of('0', keep) != std::string::npos)
      return bad_amount(text, "finer than 1 satoshi");
    digits.resize(keep);
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return uint64_t{0};
  digits.erase(0, first);
  if (shift > 0) {
    if (shift > 20) return bad_amount(text, "too large");
    digits.append(static_cast<size_t>(shift), '0');
  }
  uint64_t sat = 0;
  for (char c : digits) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (sat > (UINT64_MAX - d) / 10) return bad_amount(text, "too large");
    sat = sat * 10 + d;
  }
  return sat;
}

Result<uint64_t> json_coin_amount(const nlohmann::json& value) {
  if (!value.is_number()) return Error("bad_response", "amount is not a number: " + value.dump());
  return parse_coin_amount(value.dump());
}

}  // namespace klyn::hostchains::bitcoin
