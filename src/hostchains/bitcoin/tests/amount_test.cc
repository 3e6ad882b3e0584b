// Coin amounts from JSON to satoshi, exactly (no daemon).
#include "hostchains/bitcoin/amount.h"

#include <gtest/gtest.h>

namespace klyn::hostchains::bitcoin {
namespace {

uint64_t sat(std::string_view text) {
  auto r = parse_coin_amount(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r ? "" : r.error().to_string());
  return r ? *r : ~uint64_t{0};
}

TEST(CoinAmount, ParsesDecimalText) {
  EXPECT_EQ(sat("0"), 0u);
  EXPECT_EQ(sat("-0.0"), 0u);
  EXPECT_EQ(sat("50"), 5000000000u);
  EXPECT_EQ(sat("50.00000000"), 5000000000u);
  EXPECT_EQ(sat("49.99999135"), 4999999135u);
  EXPECT_EQ(sat("0.00000001"), 1u);
  EXPECT_EQ(sat("1.23456789"), 123456789u);
  EXPECT_EQ(sat(".5"), 50000000u);
  EXPECT_EQ(sat("5."), 500000000u);
  EXPECT_EQ(sat("20999999.97690000"), 2099999997690000u);
  EXPECT_EQ(sat("84000000"), 8400000000000000u);
}

TEST(CoinAmount, ParsesExponents) {
  EXPECT_EQ(sat("1e-05"), 1000u);
  EXPECT_EQ(sat("5E-05"), 5000u);
  EXPECT_EQ(sat("1e-08"), 1u);
  EXPECT_EQ(sat("1.5e+2"), 15000000000u);
  EXPECT_EQ(sat("1.2345e3"), 123450000000u);
  EXPECT_EQ(sat("0e10"), 0u);
  EXPECT_EQ(sat("123456789e-8"), 123456789u);
  EXPECT_EQ(sat("1000e-11"), 1u);
}

TEST(CoinAmount, RejectsWhatIsNotAnAmount) {
  for (std::string_view bad : {"",
                               "-",
                               ".",
                               "abc",
                               "1.2.3",
                               "1e",
                               "1e+",
                               "--1",
                               "+1",
                               "1 ",
                               " 1",
                               "-0.00000001",
                               "-5",
                               "0.000000001",
                               "1e-09",
                               "1.5e-8",
                               "184467440737.09551616",
                               "1e400",
                               "NaN",
                               "inf"}) {
    auto r = parse_coin_amount(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "bad_response");
    }
  }
  EXPECT_EQ(sat("184467440737.09551615"), UINT64_MAX);
  EXPECT_EQ(sat("0.000000010"), 1u);  // trailing zeros beyond 8 decimals are fine
}

TEST(CoinAmount, ReadsJsonNumbersExactly) {
  using nlohmann::json;
  // As the daemon sends them: parsed into doubles by nlohmann, then dumped back.
  for (auto [text, want] :
       std::vector<std::pair<std::string, uint64_t>>{{"50.00000000", 5000000000u},
                                                     {"0.00001000", 1000u},
                                                     {"0.00005000", 5000u},
                                                     {"1.23456789", 123456789u},
                                                     {"49.99999135", 4999999135u},
                                                     {"0.1", 10000000u},
                                                     {"0.3", 30000000u},
                                                     {"12345678.12345678", 1234567812345678u},
                                                     {"5000", 500000000000u}}) {
    json j = json::parse(text);
    auto r = json_coin_amount(j);
    ASSERT_TRUE(r.ok()) << text << " dumped as " << j.dump();
    EXPECT_EQ(*r, want) << text << " dumped as " << j.dump();
  }
  EXPECT_FALSE(json_coin_amount(json("1.0")).ok());
  EXPECT_FALSE(json_coin_amount(json(nullptr)).ok());
  EXPECT_FALSE(json_coin_amount(json::parse("-1.5")).ok());
}

}  // namespace
}  // namespace klyn::hostchains::bitcoin
