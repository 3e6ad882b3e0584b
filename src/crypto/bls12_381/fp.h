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

// The MULX/ADCX/ADOX multiplication kernel (GCC inline assembly, x86-64 only). The library stays
// baseline x86-64: the kernel only runs after a run-time CPUID check.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(KLYN_BLS_NO_ASM)
#define KLYN_BLS_ADX_ASM 1
#else
#define KLYN_BLS_ADX_ASM 0
#endif
// Plain x86-64 (ADC/SBB/CMOV) assembly for add/sub; optimized GCC builds only, so that debug and
// sanitizer builds keep enough free registers (and exercise the portable code).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(KLYN_BLS_NO_ASM)
#define KLYN_BLS_X86_ASM 1
#else
#define KLYN_BLS_X86_ASM 0
#endif

namespace klyn::bls {

using u128 = unsigned __int128;

#if KLYN_BLS_ADX_ASM
// True when the CPU supports BMI2 and ADX (set during static initialisation; false before).
extern const bool cpu_has_adx;
#endif

class Fp {
 public:
  using Limbs = std::array<uint64_t, 6>;

  static constexpr Limbs kModulus = {0xb9feffffffffaaab, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
                                     0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a};
  // -p^-1 mod 2^64.
  static constexpr uint64_t kInv = 0x89f3fffcfffcfffd;
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
    if (!std::is_constant_evaluated()) return add_x86(a, b);
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
    if (!std::is_constant_evaluated()) return sub_x86(a, b);
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
    if (std::is_constant_evaluated()) return mul_portable(a, b);
#if KLYN_BLS_ADX_ASM
    if (cpu_has_adx) return mul_adx(a, b);
#endif
    return mul_portable(a, b);
  }

  // Montgomery multiplication by product scanning (FIPS method), fully unrolled: a 192-bit
  // accumulator (u128 + high word) absorbs the a*b and m*p column products.
  static constexpr Fp mul_portable(const Fp& x, const Fp& y) {
    const Limbs& a = x.l_;
    const Limbs& b = y.l_;
    uint64_t m[6];
    Fp r;
    u128 acc = 0;
    uint64_t hi = 0;
    u128 prod;
    prod = u128(a[0]) * b[0];
    acc += prod;
    hi += acc < prod;
    m[0] = uint64_t(acc) * kInv;
    prod = u128(m[0]) * kModulus[0];
    acc += prod;
    hi += acc < prod;
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[0]) * b[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[0]) * kModulus[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[1]) * b[0];
    acc += prod;
    hi += acc < prod;
    m[1] = uint64_t(acc) * kInv;
    prod = u128(m[1]) * kModulus[0];
    acc += prod;
    hi += acc < prod;
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[0]) * b[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[0]) * kModulus[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[1]) * b[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[1]) * kModulus[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[2]) * b[0];
    acc += prod;
    hi += acc < prod;
    m[2] = uint64_t(acc) * kInv;
    prod = u128(m[2]) * kModulus[0];
    acc += prod;
    hi += acc < prod;
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[0]) * b[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[0]) * kModulus[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[1]) * b[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[1]) * kModulus[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[2]) * b[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[2]) * kModulus[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[3]) * b[0];
    acc += prod;
    hi += acc < prod;
    m[3] = uint64_t(acc) * kInv;
    prod = u128(m[3]) * kModulus[0];
    acc += prod;
    hi += acc < prod;
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[0]) * b[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[0]) * kModulus[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[1]) * b[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[1]) * kModulus[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[2]) * b[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[2]) * kModulus[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[3]) * b[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[3]) * kModulus[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[4]) * b[0];
    acc += prod;
    hi += acc < prod;
    m[4] = uint64_t(acc) * kInv;
    prod = u128(m[4]) * kModulus[0];
    acc += prod;
    hi += acc < prod;
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[0]) * b[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[0]) * kModulus[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[1]) * b[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[1]) * kModulus[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[2]) * b[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[2]) * kModulus[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[3]) * b[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[3]) * kModulus[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[4]) * b[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[4]) * kModulus[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[5]) * b[0];
    acc += prod;
    hi += acc < prod;
    m[5] = uint64_t(acc) * kInv;
    prod = u128(m[5]) * kModulus[0];
    acc += prod;
    hi += acc < prod;
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[1]) * b[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[1]) * kModulus[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[2]) * b[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[2]) * kModulus[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[3]) * b[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[3]) * kModulus[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[4]) * b[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[4]) * kModulus[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[5]) * b[1];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[5]) * kModulus[1];
    acc += prod;
    hi += acc < prod;
    r.l_[0] = uint64_t(acc);
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[2]) * b[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[2]) * kModulus[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[3]) * b[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[3]) * kModulus[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[4]) * b[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[4]) * kModulus[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[5]) * b[2];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[5]) * kModulus[2];
    acc += prod;
    hi += acc < prod;
    r.l_[1] = uint64_t(acc);
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[3]) * b[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[3]) * kModulus[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[4]) * b[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[4]) * kModulus[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[5]) * b[3];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[5]) * kModulus[3];
    acc += prod;
    hi += acc < prod;
    r.l_[2] = uint64_t(acc);
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[4]) * b[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[4]) * kModulus[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(a[5]) * b[4];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[5]) * kModulus[4];
    acc += prod;
    hi += acc < prod;
    r.l_[3] = uint64_t(acc);
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    prod = u128(a[5]) * b[5];
    acc += prod;
    hi += acc < prod;
    prod = u128(m[5]) * kModulus[5];
    acc += prod;
    hi += acc < prod;
    r.l_[4] = uint64_t(acc);
    acc = (acc >> 64) | (u128(hi) << 64);
    hi = 0;
    r.l_[5] = uint64_t(acc);
    r.reduce_once();
    return r;
  }

#if KLYN_BLS_X86_ASM
  // Add/sub as straight-line ADC/SBB chains with CMOV selection (baseline x86-64).
  [[gnu::always_inline]] static Fp add_x86(const Fp& a, const Fp& b) {
    uint64_t r0 = a.l_[0], r1 = a.l_[1], r2 = a.l_[2], r3 = a.l_[3], r4 = a.l_[4], r5 = a.l_[5];
    uint64_t t0, t1, t2, t3, t4, t5;
    asm("addq 0(%[b]), %[r0]\n\t"
        "adcq 8(%[b]), %[r1]\n\t"
        "adcq 16(%[b]), %[r2]\n\t"
        "adcq 24(%[b]), %[r3]\n\t"
        "adcq 32(%[b]), %[r4]\n\t"
        "adcq 40(%[b]), %[r5]\n\t"
        "movq %[r0], %[t0]\n\t"
        "movq %[r1], %[t1]\n\t"
        "movq %[r2], %[t2]\n\t"
        "movq %[r3], %[t3]\n\t"
        "movq %[r4], %[t4]\n\t"
        "movq %[r5], %[t5]\n\t"
        "subq 0+%[p], %[t0]\n\t"
        "sbbq 8+%[p], %[t1]\n\t"
        "sbbq 16+%[p], %[t2]\n\t"
        "sbbq 24+%[p], %[t3]\n\t"
        "sbbq 32+%[p], %[t4]\n\t"
        "sbbq 40+%[p], %[t5]\n\t"
        // No borrow: the sum was >= p, take the difference.
        "cmovncq %[t0], %[r0]\n\t"
        "cmovncq %[t1], %[r1]\n\t"
        "cmovncq %[t2], %[r2]\n\t"
        "cmovncq %[t3], %[r3]\n\t"
        "cmovncq %[t4], %[r4]\n\t"
        "cmovncq %[t5], %[r5]\n\t"
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4),
          [r5] "+&r"(r5), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3),
          [t4] "=&r"(t4), [t5] "=&r"(t5)
        : [b] "r"(b.l_.data()), [p] "m"(kModulus), "m"(b.l_)  // b.l_: the asm reads it
        : "cc");
    Fp r;
    r.l_ = {r0, r1, r2, r3, r4, r5};
    return r;
  }
  [[gnu::always_inline]] static Fp sub_x86(const Fp& a, const Fp& b) {
    uint64_t r0 = a.l_[0], r1 = a.l_[1], r2 = a.l_[2], r3 = a.l_[3], r4 = a.l_[4], r5 = a.l_[5];
    uint64_t t0, t1, t2, t3, t4, t5;
    asm("subq 0(%[b]), %[r0]\n\t"
        "sbbq 8(%[b]), %[r1]\n\t"
        "sbbq 16(%[b]), %[r2]\n\t"
        "sbbq 24(%[b]), %[r3]\n\t"
        "sbbq 32(%[b]), %[r4]\n\t"
        "sbbq 40(%[b]), %[r5]\n\t"
        // On borrow add p back: t = borrow ? p : 0 (MOV and CMOV leave the flags alone).
        "movq $0, %[t0]\n\t"
        "movq $0, %[t1]\n\t"
        "movq $0, %[t2]\n\t"
        "movq $0, %[t3]\n\t"
        "movq $0, %[t4]\n\t"
        "movq $0, %[t5]\n\t"
        "cmovcq 0+%[p], %[t0]\n\t"
        "cmovcq 8+%[p], %[t1]\n\t"
        "cmovcq 16+%[p], %[t2]\n\t"
        "cmovcq 24+%[p], %[t3]\n\t"
        "cmovcq 32+%[p], %[t4]\n\t"
        "cmovcq 40+%[p], %[t5]\n\t"
        "addq %[t0], %[r0]\n\t"
        "adcq %[t1], %[r1]\n\t"
        "adcq %[t2], %[r2]\n\t"
        "adcq %[t3], %[r3]\n\t"
        "adcq %[t4], %[r4]\n\t"
        "adcq %[t5], %[r5]\n\t"
        : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4),
          [r5] "+&r"(r5), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3),
          [t4] "=&r"(t4), [t5] "=&r"(t5)
        : [b] "r"(b.l_.data()), [p] "m"(kModulus), "m"(b.l_)  // b.l_: the asm reads it
        : "cc");
    Fp r;
    r.l_ = {r0, r1, r2, r3, r4, r5};
    return r;
  }
#endif

#if KLYN_BLS_ADX_ASM
  // CIOS with two interleaved carry chains (ADCX uses CF, ADOX uses OF); the seven t registers
  // rotate by one per row instead of shifting.
  static Fp mul_adx(const Fp& x, const Fp& y) {
    uint64_t r0, r1, r2, r3, r4, r5, r6, lo, hi, zero;
    asm("xorl %k[zero], %k[zero]\n\t"
        "xorl %k[r0], %k[r0]\n\t"
        "xorl %k[r1], %k[r1]\n\t"
        "xorl %k[r2], %k[r2]\n\t"
        "xorl %k[r3], %k[r3]\n\t"
        "xorl %k[r4], %k[r4]\n\t"
        "xorl %k[r5], %k[r5]\n\t"
        "movq 0(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 32(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r5]\n\t"
        "mulxq 40(%[a]), %[lo], %[r6]\n\t"
        "adoxq %[lo], %[r5]\n\t"
        "adcxq %[zero], %[r6]\n\t"
        "adoxq %[zero], %[r6]\n\t"
        "movq %[r0], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq 8+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq 16+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 24+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 32+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r5]\n\t"
        "mulxq 40+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r5]\n\t"
        "adoxq %[hi], %[r6]\n\t"
        "adcxq %[zero], %[r6]\n\t"
        "movq 8(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r5]\n\t"
        "mulxq 32(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r5]\n\t"
        "adcxq %[hi], %[r6]\n\t"
        "mulxq 40(%[a]), %[lo], %[r0]\n\t"
        "adoxq %[lo], %[r6]\n\t"
        "adcxq %[zero], %[r0]\n\t"
        "adoxq %[zero], %[r0]\n\t"
        "movq %[r1], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq 8+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 16+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 24+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r5]\n\t"
        "mulxq 32+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r5]\n\t"
        "adoxq %[hi], %[r6]\n\t"
        "mulxq 40+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r6]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "adcxq %[zero], %[r0]\n\t"
        "movq 16(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r5]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r5]\n\t"
        "adcxq %[hi], %[r6]\n\t"
        "mulxq 32(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r6]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq 40(%[a]), %[lo], %[r1]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[zero], %[r1]\n\t"
        "adoxq %[zero], %[r1]\n\t"
        "movq %[r2], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 8+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 16+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r5]\n\t"
        "mulxq 24+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r5]\n\t"
        "adoxq %[hi], %[r6]\n\t"
        "mulxq 32+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r6]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq 40+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "adcxq %[zero], %[r1]\n\t"
        "movq 24(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[hi], %[r4]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r5]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r5]\n\t"
        "adcxq %[hi], %[r6]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r6]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq 32(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq 40(%[a]), %[lo], %[r2]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[zero], %[r2]\n\t"
        "adoxq %[zero], %[r2]\n\t"
        "movq %[r3], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "mulxq 8+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r5]\n\t"
        "mulxq 16+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r5]\n\t"
        "adoxq %[hi], %[r6]\n\t"
        "mulxq 24+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r6]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq 32+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq 40+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "adcxq %[zero], %[r2]\n\t"
        "movq 32(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r4]\n\t"
        "adcxq %[hi], %[r5]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r5]\n\t"
        "adcxq %[hi], %[r6]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r6]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq 32(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq 40(%[a]), %[lo], %[r3]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[zero], %[r3]\n\t"
        "adoxq %[zero], %[r3]\n\t"
        "movq %[r4], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r4]\n\t"
        "adoxq %[hi], %[r5]\n\t"
        "mulxq 8+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r5]\n\t"
        "adoxq %[hi], %[r6]\n\t"
        "mulxq 16+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r6]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq 24+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq 32+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq 40+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "adcxq %[zero], %[r3]\n\t"
        "movq 40(%[b]), %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r5]\n\t"
        "adcxq %[hi], %[r6]\n\t"
        "mulxq 8(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r6]\n\t"
        "adcxq %[hi], %[r0]\n\t"
        "mulxq 16(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r0]\n\t"
        "adcxq %[hi], %[r1]\n\t"
        "mulxq 24(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r1]\n\t"
        "adcxq %[hi], %[r2]\n\t"
        "mulxq 32(%[a]), %[lo], %[hi]\n\t"
        "adoxq %[lo], %[r2]\n\t"
        "adcxq %[hi], %[r3]\n\t"
        "mulxq 40(%[a]), %[lo], %[r4]\n\t"
        "adoxq %[lo], %[r3]\n\t"
        "adcxq %[zero], %[r4]\n\t"
        "adoxq %[zero], %[r4]\n\t"
        "movq %[r5], %%rdx\n\t"
        "imulq %[inv], %%rdx\n\t"
        "xorl %k[lo], %k[lo]\n\t"
        "mulxq 0+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r5]\n\t"
        "adoxq %[hi], %[r6]\n\t"
        "mulxq 8+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r6]\n\t"
        "adoxq %[hi], %[r0]\n\t"
        "mulxq 16+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r0]\n\t"
        "adoxq %[hi], %[r1]\n\t"
        "mulxq 24+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r1]\n\t"
        "adoxq %[hi], %[r2]\n\t"
        "mulxq 32+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r2]\n\t"
        "adoxq %[hi], %[r3]\n\t"
        "mulxq 40+%[p], %[lo], %[hi]\n\t"
        "adcxq %[lo], %[r3]\n\t"
        "adoxq %[hi], %[r4]\n\t"
        "adcxq %[zero], %[r4]\n\t"
        : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
          [r5] "=&r"(r5), [r6] "=&r"(r6), [lo] "=&r"(lo), [hi] "=&r"(hi), [zero] "=&r"(zero)
        : [a] "r"(x.l_.data()), [b] "r"(y.l_.data()), [p] "m"(kModulus), [inv] "m"(kInv), "m"(x.l_),
          "m"(y.l_)  // the asm reads both operands through a and b
        : "rdx", "cc");
    Fp r;
    r.l_ = {r6, r0, r1, r2, r3, r4};
    r.reduce_once();
    return r;
  }
#endif

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
  [[gnu::always_inline]] constexpr void reduce_once() {
    uint64_t t0, t1, t2, t3, t4, t5, borrow;
    u128 d = u128(l_[0]) - kModulus[0];
    t0 = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
    d = u128(l_[1]) - kModulus[1] - borrow;
    t1 = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
    d = u128(l_[2]) - kModulus[2] - borrow;
    t2 = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
    d = u128(l_[3]) - kModulus[3] - borrow;
    t3 = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
    d = u128(l_[4]) - kModulus[4] - borrow;
    t4 = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
    d = u128(l_[5]) - kModulus[5] - borrow;
    t5 = uint64_t(d);
    borrow = uint64_t(d >> 64) & 1;
    // borrow == 1 means the value was already < p: keep it.
    const uint64_t keep = 0 - borrow;
    l_[0] = (l_[0] & keep) | (t0 & ~keep);
    l_[1] = (l_[1] & keep) | (t1 & ~keep);
    l_[2] = (l_[2] & keep) | (t2 & ~keep);
    l_[3] = (l_[3] & keep) | (t3 & ~keep);
    l_[4] = (l_[4] & keep) | (t4 & ~keep);
    l_[5] = (l_[5] & keep) | (t5 & ~keep);
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
