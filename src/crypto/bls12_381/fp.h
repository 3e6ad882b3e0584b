#pragma once
// Fp: the 381-bit base field of BLS12-381.
//
// Elements are kept in Montgomery form (a * 2^384 mod p) on six little-endian 64-bit limbs and
// are always fully reduced (< p), so equality is limb equality. Arithmetic is branch-free on
// values (constant time); only the explicitly named *_vartime helpers branch on data.
// Values are plain data: copy freely, no thread-safety concerns.

#include <array>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "crypto/bls12_381/fp_kernels.h"

namespace klyn::bls {

class Fp {
 public:
  using Limbs = fp_kernels::Limbs;

  static constexpr Limbs kModulus = fp_kernels::kModulus;
  static constexpr uint64_t kInv = fp_kernels::kInv;  // -p^-1 mod 2^64
  // 2^384 mod p (Montgomery one) and 2^768 mod p (to enter Montgomery form).
  static constexpr Limbs kR = {0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
                               0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493};
  static constexpr Limbs kR2 = {0xf4df1f341c341746, 0x0a76e6a609d104f1, 0x8de5476c4c95b6d5,
                                0x67eb88a9939d83c0, 0x9a793e85b519952d, 0x11988fe592cae3aa};

  constexpr Fp() : l_{} {}

  static constexpr Fp zero() { return Fp(); }
  static constexpr Fp one() { return from_raw(kR); }
  // Montgomery-form limbs as stored.
  static constexpr Fp from_raw(const Limbs& mont) {
    Fp r;
    r.l_ = mont;
    return r;
  }
  // A canonical integer (must be < p) into Montgomery form.
  static constexpr Fp from_canonical(const Limbs& v) { return from_raw(v) * from_raw(kR2); }
  static constexpr Fp from_u64(uint64_t v) { return from_canonical({v, 0, 0, 0, 0, 0}); }
  // Compile-time constants from "0x..." big-endian hex (value must be < p).
  static constexpr Fp from_hex(std::string_view hex) {
    Limbs v{};
    if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
    int bit = 0;
    for (size_t i = hex.size(); i-- > 0;) {
      char c = hex[i];
      uint64_t d = (c >= '0' && c <= '9')   ? uint64_t(c - '0')
                   : (c >= 'a' && c <= 'f') ? uint64_t(c - 'a' + 10)
                                            : uint64_t(c - 'A' + 10);
      v[bit / 64] |= d << (bit % 64);
      bit += 4;
    }
    return from_canonical(v);
  }

  // Big-endian 48 bytes; false (and *out untouched) if the integer is >= p.
  static bool from_bytes_be(const uint8_t in[48], Fp* out);
  void to_bytes_be(uint8_t out[48]) const;
  Limbs to_canonical() const;
  const Limbs& raw() const { return l_; }

  constexpr bool is_zero() const {
    uint64_t acc = 0;
    for (uint64_t x : l_) acc |= x;
    return acc == 0;
  }
  constexpr bool operator==(const Fp& o) const {
    uint64_t acc = 0;
    for (int i = 0; i < 6; i++) acc |= l_[i] ^ o.l_[i];
    return acc == 0;
  }
  constexpr bool operator!=(const Fp& o) const { return !(*this == o); }

  friend constexpr Fp operator+(const Fp& a, const Fp& b) {
#if KLYN_BLS_X86_ASM
    if (!std::is_constant_evaluated()) {
      Fp r;
      r.l_ = fp_kernels::add_x86(a.l_, b.l_);
      return r;
    }
#endif
    Fp r;
    uint64_t carry = 0;
    for (int i = 0; i < 6; i++) {
      u128 s = u128(a.l_[i]) + b.l_[i] + carry;
      r.l_[i] = uint64_t(s);
      carry = uint64_t(s >> 64);
    }
    r.reduce_once();
    return r;
  }
  friend constexpr Fp operator-(const Fp& a, const Fp& b) {
#if KLYN_BLS_X86_ASM
    if (!std::is_constant_evaluated()) {
      Fp r;
      r.l_ = fp_kernels::sub_x86(a.l_, b.l_);
      return r;
    }
#endif
    Fp r;
    uint64_t borrow = 0;
    for (int i = 0; i < 6; i++) {
      u128 d = u128(a.l_[i]) - b.l_[i] - borrow;
      r.l_[i] = uint64_t(d);
      borrow = uint64_t(d >> 64) & 1;
    }
    // Add p back if we borrowed, without branching.
    uint64_t mask = 0 - borrow;
    uint64_t carry = 0;
    for (int i = 0; i < 6; i++) {
      u128 s = u128(r.l_[i]) + (kModulus[i] & mask) + carry;
      r.l_[i] = uint64_t(s);
      carry = uint64_t(s >> 64);
    }
    return r;
  }
  constexpr Fp operator-() const {
    return Fp() - *this;
  }
  Fp& operator+=(const Fp& o) {
    return *this = *this + o;
  }
  Fp& operator-=(const Fp& o) {
    return *this = *this - o;
  }
  Fp& operator*=(const Fp& o) {
    return *this = *this * o;
  }

  // Montgomery multiplication. Uses the MULX/ADCX/ADOX kernel when the CPU has BMI2 and ADX
  // (checked once at start-up), the portable product-scanning code otherwise.
  friend constexpr Fp operator*(const Fp& a, const Fp& b) {
    Fp r;
#if KLYN_BLS_ADX_ASM
    if (!std::is_constant_evaluated() && fp_kernels::cpu_has_adx) {
      r.l_ = fp_kernels::mul_adx(a.l_, b.l_);
      return r;
    }
#endif
    fp_kernels::mul_portable(r.l_, a.l_, b.l_);
    return r;
  }

  // Multiplication operands only: a + b and a - b + p without the final reduction (both < 2p).
  // The multiplication accepts operands below 2p and still returns a fully reduced product, so
  // Karatsuba-style formulas skip a conditional subtraction. Do not store or compare these
  // values; pass them straight to operator*.
  static Fp sum_for_mul(const Fp& a, const Fp& b) {
    Fp r;
#if KLYN_BLS_X86_ASM
    r.l_ = fp_kernels::add_nr_x86(a.l_, b.l_);
#else
    uint64_t carry = 0;
    for (int i = 0; i < 6; i++) {
      u128 s = u128(a.l_[i]) + b.l_[i] + carry;
      r.l_[i] = uint64_t(s);
      carry = uint64_t(s >> 64);
    }
#endif
    return r;
  }
  static Fp diff_for_mul(const Fp& a, const Fp& b) {
    Fp r;
#if KLYN_BLS_X86_ASM
    r.l_ = fp_kernels::sub_plus_p_x86(a.l_, b.l_);
#else
    uint64_t borrow = 0;
    for (int i = 0; i < 6; i++) {
      u128 d = u128(a.l_[i]) - b.l_[i] - borrow;
      r.l_[i] = uint64_t(d);
      borrow = uint64_t(d >> 64) & 1;
    }
    uint64_t carry = 0;  // + p; the carry out cancels the borrow above
    for (int i = 0; i < 6; i++) {
      u128 s = u128(r.l_[i]) + kModulus[i] + carry;
      r.l_[i] = uint64_t(s);
      carry = uint64_t(s >> 64);
    }
#endif
    return r;
  }

  constexpr Fp square() const {
    return *this * *this;
  }
  Fp dbl() const {
    return *this + *this;
  }
  // this / 2: halving the Montgomery representation halves the value (add p first if odd).
  Fp half() const {
    const uint64_t mask = 0 - (l_[0] & 1);
    uint64_t t[6];
    uint64_t carry = 0;
    for (int i = 0; i < 6; i++) {
      u128 s = u128(l_[i]) + (kModulus[i] & mask) + carry;
      t[i] = uint64_t(s);
      carry = uint64_t(s >> 64);
    }
    Fp r;
    for (int i = 0; i < 5; i++) r.l_[i] = (t[i] >> 1) | (t[i + 1] << 63);
    r.l_[5] = (t[5] >> 1) | (carry << 63);
    return r;
  }

  // a^e for a little-endian exponent (constant time in a, the exponent is public).
  Fp pow(const Limbs& e) const;
  // Same, variable time in the exponent bits (sliding window); for public exponents and bases.
  Fp pow_vartime(const Limbs& e) const;
  Fp inverse() const;          // constant time; 0 maps to 0
  Fp inverse_vartime() const;  // for public values only; 0 maps to 0
  // A square root if one exists; the result r satisfies r^2 == *this. Variable time: only for
  // public values (point decoding, hashing to the curve).
  bool sqrt(Fp* out) const;
  bool is_square() const;  // 0 counts as a square; variable time
  // RFC 9380 sgn0: parity of the canonical value.
  bool sgn0() const;
  // ZCash serialization sign: value > (p-1)/2.
  bool is_lexicographically_largest() const;

  // Constant-time select: returns a if choice == 0, b if choice == 1.
  static Fp select(const Fp& a, const Fp& b, uint64_t choice) {
    Fp r;
    uint64_t mask = 0 - choice;
    for (int i = 0; i < 6; i++) r.l_[i] = a.l_[i] ^ ((a.l_[i] ^ b.l_[i]) & mask);
    return r;
  }

 private:
  // Subtract p once if the value is >= p (branch-free).
  constexpr void reduce_once() {
    fp_kernels::reduce_once(l_);
  }

  // One CIOS row: t = (t + a * bi + m * p) / 2^64 with m chosen to clear the low limb.
  [[gnu::always_inline]] static constexpr void mont_row(uint64_t* t, const Limbs& a, uint64_t bi) {
    u128 uv = u128(a[0]) * bi + t[0];
    uint64_t ca = uint64_t(uv >> 64);
    const uint64_t t0 = uint64_t(uv);
    const uint64_t m = t0 * kInv;
    u128 c = u128(m) * kModulus[0] + t0;
    uint64_t cc = uint64_t(c >> 64);
    uv = u128(a[1]) * bi + t[1] + ca;
    ca = uint64_t(uv >> 64);
    c = u128(m) * kModulus[1] + uint64_t(uv) + cc;
    cc = uint64_t(c >> 64);
    t[0] = uint64_t(c);
    uv = u128(a[2]) * bi + t[2] + ca;
    ca = uint64_t(uv >> 64);
    c = u128(m) * kModulus[2] + uint64_t(uv) + cc;
    cc = uint64_t(c >> 64);
    t[1] = uint64_t(c);
    uv = u128(a[3]) * bi + t[3] + ca;
    ca = uint64_t(uv >> 64);
    c = u128(m) * kModulus[3] + uint64_t(uv) + cc;
    cc = uint64_t(c >> 64);
    t[2] = uint64_t(c);
    uv = u128(a[4]) * bi + t[4] + ca;
    ca = uint64_t(uv >> 64);
    c = u128(m) * kModulus[4] + uint64_t(uv) + cc;
    cc = uint64_t(c >> 64);
    t[3] = uint64_t(c);
    uv = u128(a[5]) * bi + t[5] + ca;
    ca = uint64_t(uv >> 64);
    c = u128(m) * kModulus[5] + uint64_t(uv) + cc;
    cc = uint64_t(c >> 64);
    t[4] = uint64_t(c);
    t[5] = cc + ca;
  }

  Limbs l_;
};

}  // namespace klyn::bls
