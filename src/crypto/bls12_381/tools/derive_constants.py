#!/usr/bin/env python3
"""Derives the BLS12-381 constants used by the C++ code from the curve definition.

Run: python3 derive_constants.py  (prints hex values that are pasted into the sources).
Everything here is computed from p, r, x, the tower and the generators; nothing is copied.
"""

p = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab
r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001
X = -0xd201000000010000
assert (X - 1) ** 2 * (X**4 - X**2 + 1) // 3 + X == p
assert X**4 - X**2 + 1 == r


class F2:
    """c0 + c1*u with u^2 = -1."""

    def __init__(self, a, b=0):
        self.a, self.b = a % p, b % p

    def __add__(s, o): return F2(s.a + o.a, s.b + o.b)
    def __sub__(s, o): return F2(s.a - o.a, s.b - o.b)
    def __neg__(s): return F2(-s.a, -s.b)
    def __mul__(s, o):
        if isinstance(o, int): o = F2(o)
        return F2(s.a * o.a - s.b * o.b, s.a * o.b + s.b * o.a)
    def __eq__(s, o): return s.a == o.a and s.b == o.b
    def conj(s): return F2(s.a, -s.b)
    def inv(s):
        n = pow(s.a * s.a + s.b * s.b, p - 2, p)
        return F2(s.a * n, -s.b * n)
    def __pow__(s, e):
        res, base = F2(1), s
        while e:
            if e & 1: res = res * base
            base = base * base
            e >>= 1
        return res
    def hx(s): return "0x%096x,0x%096x" % (s.a, s.b)


def hx(v): return "0x%096x" % (v % p)


xi = F2(1, 1)
print("R = 2^384 mod p:", hx(2**384))
print("R2:", hx(2**768))
print("pinv (-p^-1 mod 2^64): 0x%016x" % ((-pow(p, -1, 2**64)) % 2**64))
for k in range(6):
    print("frob gamma[%d] = xi^(%d(p-1)/6):" % (k, k), (xi ** (k * (p - 1) // 6)).hx())
print("psi c1 = 1/(1+u)^((p-1)/3):", (xi ** ((p - 1) // 3)).inv().hx())
print("psi c2 = 1/(1+u)^((p-1)/2):", (xi ** ((p - 1) // 2)).inv().hx())
print("psi2 c = 1/2^((p-1)/3):", (F2(2) ** ((p - 1) // 3)).inv().hx())


# G1 affine arithmetic to pick the cube root of unity beta with (beta*x, y) = [-x^2](x, y).
def add(P, Q):
    if P is None: return Q
    if Q is None: return P
    (x1, y1), (x2, y2) = P, Q
    if x1 == x2 and (y1 + y2) % p == 0: return None
    if P == Q: l = 3 * x1 * x1 * pow(2 * y1, p - 2, p) % p
    else: l = (y2 - y1) * pow(x2 - x1, p - 2, p) % p
    x3 = (l * l - x1 - x2) % p
    return (x3, (l * (x1 - x3) - y1) % p)


def mul(k, P):
    neg = k < 0
    k = abs(k)
    R = None
    while k:
        if k & 1: R = add(R, P)
        P = add(P, P)
        k >>= 1
    if neg and R: R = (R[0], -R[1] % p)
    return R


gx = 0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb
gy = pow(gx**3 + 4, (p + 1) // 4, p)
if gy > p - gy: gy = p - gy  # the generator's y is the smaller root (flag bit clear)
G = (gx, gy)
assert mul(r, G) is None
w = pow(2, (p - 1) // 3, p)  # a primitive cube root of unity (2 is a non-cube)
assert w != 1 and pow(w, 3, p) == 1
target = mul(-X * X, G)
for beta in (w, w * w % p):
    if (beta * gx % p, gy) == target:
        print("G1 beta with (beta x, y) = [-x^2]P:", hx(beta))
print("G1 y:", hx(gy))
print("sqrt(-5) in Fp (for SWU on G2):", hx(pow(-5 % p, (p + 1) // 4, p)), pow(-5 % p, (p+1)//4, p)**2 % p == (-5) % p)
