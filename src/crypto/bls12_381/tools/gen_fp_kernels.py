#!/usr/bin/env python3
"""Generates the straight-line bodies of the Fp multiplication kernels in fp_kernels.h.

  python3 gen_fp_kernels.py portable   # FIPS product-scanning Montgomery multiplication (C++)
  python3 gen_fp_kernels.py adx        # MULX/ADCX/ADOX CIOS rows (GCC inline-asm strings)
  python3 gen_fp_kernels.py wide       # MULX/ADCX/ADOX 384x384 -> 768-bit product, no reduction
  python3 gen_fp_kernels.py redc       # MULX/ADCX/ADOX Montgomery reduction of a 768-bit value

The output is pasted into fp_kernels.h (then clang-formatted); kept here so the unrolled code
can be regenerated or reviewed as the short loops below instead of ~600 lines.
"""
import sys


def portable():
    out = []

    def mac(u, v):
        out.append(f"  prod = u128({u}) * {v};")
        out.append("  acc += prod;")
        out.append("  hi += acc < prod;")

    for i in range(6):  # columns 0..5: also choose m[i] so that column i vanishes
        for j in range(i):
            mac(f"a[{j}]", f"b[{i - j}]")
            mac(f"m[{j}]", f"kModulus[{i - j}]")
        mac(f"a[{i}]", "b[0]")
        out.append(f"  m[{i}] = uint64_t(acc) * kInv;")
        mac(f"m[{i}]", "kModulus[0]")
        out.append("  acc = (acc >> 64) | (u128(hi) << 64);")
        out.append("  hi = 0;")
    for i in range(6, 11):  # columns 6..10 give the result limbs
        for j in range(i - 5, 6):
            mac(f"a[{j}]", f"b[{i - j}]")
            mac(f"m[{j}]", f"kModulus[{i - j}]")
        out.append(f"  out[{i - 6}] = uint64_t(acc);")
        out.append("  acc = (acc >> 64) | (u128(hi) << 64);")
        out.append("  hi = 0;")
    out.append("  out[5] = uint64_t(acc);")
    return out


def adx():
    regs = [f"%[r{k}]" for k in range(7)]
    out = ['"xorl %k[zero], %k[zero]\\n\\t"']
    out += [f'"xorl %k[r{k}], %k[r{k}]\\n\\t"' for k in range(6)]
    for i in range(6):
        t = [regs[(i + k) % 7] for k in range(7)]  # the window rotates instead of shifting
        out.append(f'"movq {8 * i}(%[b]), %%rdx\\n\\t"')
        out.append('"xorl %k[lo], %k[lo]\\n\\t"')  # clears CF and OF
        for j in range(6):  # t += a * b[i]: low halves on the OF chain, high halves on CF
            if j < 5:
                out.append(f'"mulxq {8 * j}(%[a]), %[lo], %[hi]\\n\\t"')
                out.append(f'"adoxq %[lo], {t[j]}\\n\\t"')
                out.append(f'"adcxq %[hi], {t[j + 1]}\\n\\t"')
            else:
                out.append(f'"mulxq {8 * j}(%[a]), %[lo], {t[6]}\\n\\t"')
                out.append(f'"adoxq %[lo], {t[5]}\\n\\t"')
        out.append(f'"adcxq %[zero], {t[6]}\\n\\t"')
        out.append(f'"adoxq %[zero], {t[6]}\\n\\t"')
        out.append(f'"movq {t[0]}, %%rdx\\n\\t"')  # m = t0 * (-p^-1) mod 2^64
        out.append('"imulq %[inv], %%rdx\\n\\t"')
        out.append('"xorl %k[lo], %k[lo]\\n\\t"')
        for j in range(6):  # t += m * p (t0 becomes 0 and drops out of the window)
            out.append(f'"mulxq {8 * j}+%[p], %[lo], %[hi]\\n\\t"')
            out.append(f'"adcxq %[lo], {t[j]}\\n\\t"')
            out.append(f'"adoxq %[hi], {t[j + 1]}\\n\\t"')
        out.append(f'"adcxq %[zero], {t[6]}\\n\\t"')
    # Result limbs: r6, r0, r1, r2, r3, r4 (< 2p). Subtract p once into the now-free registers
    # r5, lo, hi, zero, rdx and the a pointer (an in-out operand), keeping the difference when
    # there is no borrow.
    res = ["%[r6]", "%[r0]", "%[r1]", "%[r2]", "%[r3]", "%[r4]"]
    tmp = ["%[r5]", "%[lo]", "%[hi]", "%[zero]", "%%rdx", "%[a]"]
    out += [f'"movq {r}, {t}\\n\\t"' for r, t in zip(res, tmp)]
    out += [f'"{"subq" if j == 0 else "sbbq"} {8 * j}+%[p], {tmp[j]}\\n\\t"' for j in range(6)]
    out += [f'"cmovncq {t}, {r}\\n\\t"' for r, t in zip(res, tmp)]
    return out


def wide():
    """Rows of MULX with two carry chains, no reduction: the 12-limb product goes to memory."""
    regs = [f"%[r{k}]" for k in range(7)]
    out = ['"xorl %k[zero], %k[zero]\\n\\t"']
    out += [f'"xorl %k[r{k}], %k[r{k}]\\n\\t"' for k in range(6)]
    for i in range(6):
        t = [regs[(i + k) % 7] for k in range(7)]  # limb i is final after row i
        out.append(f'"movq {8 * i}(%[b]), %%rdx\\n\\t"')
        out.append('"xorl %k[lo], %k[lo]\\n\\t"')
        for j in range(6):
            if j < 5:
                out.append(f'"mulxq {8 * j}(%[a]), %[lo], %[hi]\\n\\t"')
                out.append(f'"adoxq %[lo], {t[j]}\\n\\t"')
                out.append(f'"adcxq %[hi], {t[j + 1]}\\n\\t"')
            else:
                out.append(f'"mulxq {8 * j}(%[a]), %[lo], {t[6]}\\n\\t"')
                out.append(f'"adoxq %[lo], {t[5]}\\n\\t"')
        out.append(f'"adcxq %[zero], {t[6]}\\n\\t"')
        out.append(f'"adoxq %[zero], {t[6]}\\n\\t"')
        out.append(f'"movq {t[0]}, {8 * i}(%[out])\\n\\t"')
    out += [f'"movq {regs[(6 + k) % 7]}, {8 * (6 + k)}(%[out])\\n\\t"' for k in range(6)]
    return out


def redc():
    """Montgomery reduction of a 12-limb t < p * 2^384 (in memory): six reduction rows on the low
    half (result <= p), plus the high half (< p), minus p once. Result limbs: r6, r0, ..., r4."""
    regs = [f"%[r{k}]" for k in range(7)]
    out = [f'"movq {8 * k}(%[t]), %[r{k}]\\n\\t"' for k in range(6)]
    out.append('"xorl %k[zero], %k[zero]\\n\\t"')
    out.append('"xorl %k[r6], %k[r6]\\n\\t"')
    for i in range(6):
        t = [regs[(i + k) % 7] for k in range(7)]
        out.append(f'"movq {t[0]}, %%rdx\\n\\t"')
        out.append('"imulq %[inv], %%rdx\\n\\t"')
        out.append('"xorl %k[lo], %k[lo]\\n\\t"')
        for j in range(6):
            out.append(f'"mulxq {8 * j}+%[p], %[lo], %[hi]\\n\\t"')
            out.append(f'"adcxq %[lo], {t[j]}\\n\\t"')
            out.append(f'"adoxq %[hi], {t[j + 1]}\\n\\t"')
        out.append(f'"adcxq %[zero], {t[6]}\\n\\t"')
        out.append(f'"adoxq %[zero], {t[6]}\\n\\t"')
    res = [regs[(6 + k) % 7] for k in range(6)]
    out.append(f'"addq 48(%[t]), {res[0]}\\n\\t"')
    out += [f'"adcq {8 * (6 + k)}(%[t]), {res[k]}\\n\\t"' for k in range(1, 6)]
    free = ["%[r5]", "%[lo]", "%[hi]", "%[zero]", "%%rdx", "%[t]"]
    out += [f'"movq {r}, {f}\\n\\t"' for r, f in zip(res, free)]
    out += [f'"{"subq" if j == 0 else "sbbq"} {8 * j}+%[p], {free[j]}\\n\\t"' for j in range(6)]
    out += [f'"cmovncq {f}, {r}\\n\\t"' for r, f in zip(res, free)]
    return out


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "adx"
    gens = {"portable": portable, "adx": adx, "wide": wide, "redc": redc}
    print("\n".join(gens[which]()))
