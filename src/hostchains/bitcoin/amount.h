#pragma once
// Coin amounts as Bitcoin Core's JSON-RPC writes them (a JSON number in coins, 8 decimals:
// 50.00000000, 0.00001000) converted exactly to satoshi/litoshi. No floating point arithmetic:
// the decimal text is parsed digit by digit. Pure functions, thread-safe.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace klyn::hostchains::bitcoin {

inline constexpr int kCoinDecimals = 8;

// Parses a non-negative decimal number, optionally with a fraction and an exponent ("50",
// "49.99999135", "1e-05", "1.5E+2"), as an amount in coins, and returns it in satoshi. Errors
// ("bad_response"): not a number, negative, finer than 1 satoshi, more than 2^64-1 satoshi.
Result<uint64_t> parse_coin_amount(std::string_view text);

// The same for a JSON value: it must be a number; its text is nlohmann's dump() of it, the
// shortest text that reads back as the same double, which is the daemon's 8-decimal text for
// every amount up to 2^53 satoshi.
Result<uint64_t> json_coin_amount(const nlohmann::json& value);

}  // namespace klyn::hostchains::bitcoin
