#pragma once
// Low-level Fp kernels on raw Montgomery limbs: the portable product-scanning multiplication and,
// on x86-64 with GCC, assembly for add/sub (baseline ISA) and a MULX/ADCX/ADOX multiplication.
// All results are fully reduced (< p).
// Only fp.h should include this file.

#include <array>
#include <cstdint>

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

namespace fp_kernels {

using Limbs = std::array<uint64_t, 6>;

inline constexpr Limbs kModulus = {0xb9feffffffffaaab, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
                                   0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a};
// -p^-1 mod 2^64.
inline constexpr uint64_t kInv = 0x89f3fffcfffcfffd;

// Subtract p once if the value is >= p (branch-free).
[[gnu::always_inline]] constexpr void reduce_once(Limbs& l) {
  uint64_t t0, t1, t2, t3, t4, t5, borrow;
  u128 d = u128(l[0]) - kModulus[0];
  t0 = uint64_t(d);
  borrow = uint64_t(d >> 64) & 1;
  d = u128(l[1]) - kModulus[1] - borrow;
  t1 = uint64_t(d);
  borrow = uint64_t(d >> 64) & 1;
  d = u128(l[2]) - kModulus[2] - borrow;
  t2 = uint64_t(d);
  borrow = uint64_t(d >> 64) & 1;
  d = u128(l[3]) - kModulus[3] - borrow;
  t3 = uint64_t(d);
  borrow = uint64_t(d >> 64) & 1;
  d = u128(l[4]) - kModulus[4] - borrow;
  t4 = uint64_t(d);
  borrow = uint64_t(d >> 64) & 1;
  d = u128(l[5]) - kModulus[5] - borrow;
  t5 = uint64_t(d);
  borrow = uint64_t(d >> 64) & 1;
  // borrow == 1 means the value was already < p: keep it.
  const uint64_t keep = 0 - borrow;
  l[0] = (l[0] & keep) | (t0 & ~keep);
  l[1] = (l[1] & keep) | (t1 & ~keep);
  l[2] = (l[2] & keep) | (t2 & ~keep);
  l[3] = (l[3] & keep) | (t3 & ~keep);
  l[4] = (l[4] & keep) | (t4 & ~keep);
  l[5] = (l[5] & keep) | (t5 & ~keep);
}
#if KLYN_BLS_X86_ASM || KLYN_BLS_ADX_ASM
// Copies with internal linkage for the assembly's memory operands: they are addressed
// RIP-relative even in position-independent code, so "8+%[p]" stays a plain displacement and
// no register is spent on a GOT load.
static constexpr Limbs kModulusAsm = kModulus;
static constexpr uint64_t kInvAsm = kInv;
#endif

#if KLYN_BLS_ADX_ASM
// True when the CPU supports BMI2 and ADX (set during static initialisation; false before).
extern const bool cpu_has_adx;
#endif

// Montgomery multiplication by product scanning (FIPS method), fully unrolled: a 192-bit
// accumulator (u128 + high word) absorbs the a*b and m*p column products.
constexpr void mul_portable(Limbs& out, const Limbs& a, const Limbs& b) {
  uint64_t m[6];
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
  out[0] = uint64_t(acc);
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
  out[1] = uint64_t(acc);
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
  out[2] = uint64_t(acc);
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
  out[3] = uint64_t(acc);
  acc = (acc >> 64) | (u128(hi) << 64);
  hi = 0;
  prod = u128(a[5]) * b[5];
  acc += prod;
  hi += acc < prod;
  prod = u128(m[5]) * kModulus[5];
  acc += prod;
  hi += acc < prod;
  out[4] = uint64_t(acc);
  acc = (acc >> 64) | (u128(hi) << 64);
  hi = 0;
  out[5] = uint64_t(acc);
  reduce_once(out);
}

// ---- Lazy reduction (Fp2 multiplication on x86-64 with ADX) -------------------------------

// Integers below 2^768: products of two values below 2^384.
using Wide = std::array<uint64_t, 12>;

#if KLYN_BLS_X86_ASM
// Add/sub as straight-line ADC/SBB chains with CMOV selection (baseline x86-64).
[[gnu::always_inline]] inline Limbs add_x86(const Limbs& a, const Limbs& b) {
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5];
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
      : [b] "r"(b.data()), [p] "m"(kModulusAsm), "m"(b)  // the asm reads b through a pointer
      : "cc");
  return {r0, r1, r2, r3, r4, r5};
}
[[gnu::always_inline]] inline Limbs sub_x86(const Limbs& a, const Limbs& b) {
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5];
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
      : [b] "r"(b.data()), [p] "m"(kModulusAsm), "m"(b)  // the asm reads b through a pointer
      : "cc");
  return {r0, r1, r2, r3, r4, r5};
}

// a + b and a - b + p without reduction (both < 2p for a, b < p): multiplication operands.
[[gnu::always_inline]] inline Limbs add_nr_x86(const Limbs& a, const Limbs& b) {
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5];
  asm("addq 0(%[b]), %[r0]\n\t"
      "adcq 8(%[b]), %[r1]\n\t"
      "adcq 16(%[b]), %[r2]\n\t"
      "adcq 24(%[b]), %[r3]\n\t"
      "adcq 32(%[b]), %[r4]\n\t"
      "adcq 40(%[b]), %[r5]\n\t"
      :
      [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4), [r5] "+&r"(r5)
      : [b] "r"(b.data()), "m"(b)
      : "cc");
  return {r0, r1, r2, r3, r4, r5};
}
[[gnu::always_inline]] inline Limbs sub_plus_p_x86(const Limbs& a, const Limbs& b) {
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5];
  // (a - b) mod 2^384, then + p mod 2^384: the true value a - b + p lies in [0, 2p).
  asm("subq 0(%[b]), %[r0]\n\t"
      "sbbq 8(%[b]), %[r1]\n\t"
      "sbbq 16(%[b]), %[r2]\n\t"
      "sbbq 24(%[b]), %[r3]\n\t"
      "sbbq 32(%[b]), %[r4]\n\t"
      "sbbq 40(%[b]), %[r5]\n\t"
      "addq 0+%[p], %[r0]\n\t"
      "adcq 8+%[p], %[r1]\n\t"
      "adcq 16+%[p], %[r2]\n\t"
      "adcq 24+%[p], %[r3]\n\t"
      "adcq 32+%[p], %[r4]\n\t"
      "adcq 40+%[p], %[r5]\n\t"
      :
      [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+&r"(r3), [r4] "+&r"(r4), [r5] "+&r"(r5)
      : [b] "r"(b.data()), [p] "m"(kModulusAsm), "m"(b)
      : "cc");
  return {r0, r1, r2, r3, r4, r5};
}
#endif

#if KLYN_BLS_ADX_ASM
// CIOS with two interleaved carry chains (ADCX uses CF, ADOX uses OF); the seven t registers
// rotate by one per row instead of shifting.
[[gnu::always_inline]] inline Limbs mul_adx(const Limbs& x, const Limbs& y) {
  uint64_t r0, r1, r2, r3, r4, r5, r6, lo, hi, zero;
  const uint64_t* pa = x.data();  // register reused by the final subtraction
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
      // Final conditional subtraction of p into the registers that are free now.
      "movq %[r6], %[r5]\n\t"
      "movq %[r0], %[lo]\n\t"
      "movq %[r1], %[hi]\n\t"
      "movq %[r2], %[zero]\n\t"
      "movq %[r3], %%rdx\n\t"
      "movq %[r4], %[a]\n\t"
      "subq 0+%[p], %[r5]\n\t"
      "sbbq 8+%[p], %[lo]\n\t"
      "sbbq 16+%[p], %[hi]\n\t"
      "sbbq 24+%[p], %[zero]\n\t"
      "sbbq 32+%[p], %%rdx\n\t"
      "sbbq 40+%[p], %[a]\n\t"
      // No borrow: the value was >= p, keep the difference.
      "cmovncq %[r5], %[r6]\n\t"
      "cmovncq %[lo], %[r0]\n\t"
      "cmovncq %[hi], %[r1]\n\t"
      "cmovncq %[zero], %[r2]\n\t"
      "cmovncq %%rdx, %[r3]\n\t"
      "cmovncq %[a], %[r4]\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
        [r5] "=&r"(r5), [r6] "=&r"(r6), [lo] "=&r"(lo), [hi] "=&r"(hi), [zero] "=&r"(zero),
        [a] "+&r"(pa)
      // The asm reads x and y through pointers: the "m" operands order it after their stores.
      : [b] "r"(y.data()), [p] "m"(kModulusAsm), [inv] "m"(kInvAsm), "m"(x), "m"(y)
      : "rdx", "cc");
  return {r6, r0, r1, r2, r3, r4};
}
#endif

#if KLYN_BLS_ADX_ASM
// a * b as plain integers (any a, b < 2^384): the CIOS rows without the reduction half.
[[gnu::always_inline]] inline void mul_wide_adx(Wide& out, const Limbs& x, const Limbs& y) {
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
      "movq %[r0], 0(%[out])\n\t"
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
      "movq %[r1], 8(%[out])\n\t"
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
      "movq %[r2], 16(%[out])\n\t"
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
      "movq %[r3], 24(%[out])\n\t"
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
      "movq %[r4], 32(%[out])\n\t"
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
      "movq %[r5], 40(%[out])\n\t"
      "movq %[r6], 48(%[out])\n\t"
      "movq %[r0], 56(%[out])\n\t"
      "movq %[r1], 64(%[out])\n\t"
      "movq %[r2], 72(%[out])\n\t"
      "movq %[r3], 80(%[out])\n\t"
      "movq %[r4], 88(%[out])\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
        [r5] "=&r"(r5), [r6] "=&r"(r6), [lo] "=&r"(lo), [hi] "=&r"(hi), [zero] "=&r"(zero),
        "=m"(out)
      : [a] "r"(x.data()), [b] "r"(y.data()), [out] "r"(out.data()), "m"(x), "m"(y)
      : "rdx", "cc");
}

// t * 2^-384 mod p, fully reduced, for t < p * 2^384: reduction rows on the low half give a value
// <= p, the high half is < p, and one conditional subtraction of p finishes.
[[gnu::always_inline]] inline Limbs redc_adx(const Wide& t) {
  uint64_t r0, r1, r2, r3, r4, r5, r6, lo, hi, zero;
  const uint64_t* pt = t.data();  // register reused by the final subtraction
  asm("movq 0(%[t]), %[r0]\n\t"
      "movq 8(%[t]), %[r1]\n\t"
      "movq 16(%[t]), %[r2]\n\t"
      "movq 24(%[t]), %[r3]\n\t"
      "movq 32(%[t]), %[r4]\n\t"
      "movq 40(%[t]), %[r5]\n\t"
      "xorl %k[zero], %k[zero]\n\t"
      "xorl %k[r6], %k[r6]\n\t"
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
      "adoxq %[zero], %[r6]\n\t"
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
      "adoxq %[zero], %[r0]\n\t"
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
      "adoxq %[zero], %[r1]\n\t"
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
      "adoxq %[zero], %[r2]\n\t"
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
      "adoxq %[zero], %[r3]\n\t"
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
      "adoxq %[zero], %[r4]\n\t"
      "addq 48(%[t]), %[r6]\n\t"
      "adcq 56(%[t]), %[r0]\n\t"
      "adcq 64(%[t]), %[r1]\n\t"
      "adcq 72(%[t]), %[r2]\n\t"
      "adcq 80(%[t]), %[r3]\n\t"
      "adcq 88(%[t]), %[r4]\n\t"
      "movq %[r6], %[r5]\n\t"
      "movq %[r0], %[lo]\n\t"
      "movq %[r1], %[hi]\n\t"
      "movq %[r2], %[zero]\n\t"
      "movq %[r3], %%rdx\n\t"
      "movq %[r4], %[t]\n\t"
      "subq 0+%[p], %[r5]\n\t"
      "sbbq 8+%[p], %[lo]\n\t"
      "sbbq 16+%[p], %[hi]\n\t"
      "sbbq 24+%[p], %[zero]\n\t"
      "sbbq 32+%[p], %%rdx\n\t"
      "sbbq 40+%[p], %[t]\n\t"
      "cmovncq %[r5], %[r6]\n\t"
      "cmovncq %[lo], %[r0]\n\t"
      "cmovncq %[hi], %[r1]\n\t"
      "cmovncq %[zero], %[r2]\n\t"
      "cmovncq %%rdx, %[r3]\n\t"
      "cmovncq %[t], %[r4]\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
        [r5] "=&r"(r5), [r6] "=&r"(r6), [lo] "=&r"(lo), [hi] "=&r"(hi), [zero] "=&r"(zero),
        [t] "+&r"(pt)
      : [p] "m"(kModulusAsm), [inv] "m"(kInvAsm), "m"(t)
      : "rdx", "cc");
  return {r6, r0, r1, r2, r3, r4};
}
#endif

#if KLYN_BLS_X86_ASM
// a -= b on 768-bit integers (a >= b), in two halves of six registers (MOV keeps the borrow).
[[gnu::always_inline]] inline void sub_wide_x86(Wide& a, const Wide& b) {
  uint64_t r0, r1, r2, r3, r4, r5;
  asm("movq 0(%[a]), %[r0]\n\t"
      "movq 8(%[a]), %[r1]\n\t"
      "movq 16(%[a]), %[r2]\n\t"
      "movq 24(%[a]), %[r3]\n\t"
      "movq 32(%[a]), %[r4]\n\t"
      "movq 40(%[a]), %[r5]\n\t"
      "subq 0(%[b]), %[r0]\n\t"
      "sbbq 8(%[b]), %[r1]\n\t"
      "sbbq 16(%[b]), %[r2]\n\t"
      "sbbq 24(%[b]), %[r3]\n\t"
      "sbbq 32(%[b]), %[r4]\n\t"
      "sbbq 40(%[b]), %[r5]\n\t"
      "movq %[r0], 0(%[a])\n\t"
      "movq %[r1], 8(%[a])\n\t"
      "movq %[r2], 16(%[a])\n\t"
      "movq %[r3], 24(%[a])\n\t"
      "movq %[r4], 32(%[a])\n\t"
      "movq %[r5], 40(%[a])\n\t"
      "movq 48(%[a]), %[r0]\n\t"
      "movq 56(%[a]), %[r1]\n\t"
      "movq 64(%[a]), %[r2]\n\t"
      "movq 72(%[a]), %[r3]\n\t"
      "movq 80(%[a]), %[r4]\n\t"
      "movq 88(%[a]), %[r5]\n\t"
      "sbbq 48(%[b]), %[r0]\n\t"
      "sbbq 56(%[b]), %[r1]\n\t"
      "sbbq 64(%[b]), %[r2]\n\t"
      "sbbq 72(%[b]), %[r3]\n\t"
      "sbbq 80(%[b]), %[r4]\n\t"
      "sbbq 88(%[b]), %[r5]\n\t"
      "movq %[r0], 48(%[a])\n\t"
      "movq %[r1], 56(%[a])\n\t"
      "movq %[r2], 64(%[a])\n\t"
      "movq %[r3], 72(%[a])\n\t"
      "movq %[r4], 80(%[a])\n\t"
      "movq %[r5], 88(%[a])\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
        [r5] "=&r"(r5), "+m"(a)
      : [a] "r"(a.data()), [b] "r"(b.data()), "m"(b)
      : "cc");
}
// a = a - b, plus p * 2^384 if that borrowed (a, b < p * 2^384): the result is < p * 2^384.
[[gnu::always_inline]] inline void sub_wide_mod_x86(Wide& a, const Wide& b) {
  uint64_t r0, r1, r2, r3, r4, r5, t0, t1, t2, t3, t4, t5;
  asm("movq 0(%[a]), %[r0]\n\t"
      "movq 8(%[a]), %[r1]\n\t"
      "movq 16(%[a]), %[r2]\n\t"
      "movq 24(%[a]), %[r3]\n\t"
      "movq 32(%[a]), %[r4]\n\t"
      "movq 40(%[a]), %[r5]\n\t"
      "subq 0(%[b]), %[r0]\n\t"
      "sbbq 8(%[b]), %[r1]\n\t"
      "sbbq 16(%[b]), %[r2]\n\t"
      "sbbq 24(%[b]), %[r3]\n\t"
      "sbbq 32(%[b]), %[r4]\n\t"
      "sbbq 40(%[b]), %[r5]\n\t"
      "movq %[r0], 0(%[a])\n\t"
      "movq %[r1], 8(%[a])\n\t"
      "movq %[r2], 16(%[a])\n\t"
      "movq %[r3], 24(%[a])\n\t"
      "movq %[r4], 32(%[a])\n\t"
      "movq %[r5], 40(%[a])\n\t"
      "movq 48(%[a]), %[r0]\n\t"
      "movq 56(%[a]), %[r1]\n\t"
      "movq 64(%[a]), %[r2]\n\t"
      "movq 72(%[a]), %[r3]\n\t"
      "movq 80(%[a]), %[r4]\n\t"
      "movq 88(%[a]), %[r5]\n\t"
      "sbbq 48(%[b]), %[r0]\n\t"
      "sbbq 56(%[b]), %[r1]\n\t"
      "sbbq 64(%[b]), %[r2]\n\t"
      "sbbq 72(%[b]), %[r3]\n\t"
      "sbbq 80(%[b]), %[r4]\n\t"
      "sbbq 88(%[b]), %[r5]\n\t"
      // On borrow add p to the high half: t = borrow ? p : 0 (MOV and CMOV keep the flags).
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
      "movq %[r0], 48(%[a])\n\t"
      "movq %[r1], 56(%[a])\n\t"
      "movq %[r2], 64(%[a])\n\t"
      "movq %[r3], 72(%[a])\n\t"
      "movq %[r4], 80(%[a])\n\t"
      "movq %[r5], 88(%[a])\n\t"
      : [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4),
        [r5] "=&r"(r5), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3),
        [t4] "=&r"(t4), [t5] "=&r"(t5), "+m"(a)
      : [a] "r"(a.data()), [b] "r"(b.data()), [p] "m"(kModulusAsm), "m"(b)
      : "cc");
}
#endif

}  // namespace fp_kernels
}  // namespace klyn::bls
