#include "crypto/bls12_381/groups.h"

#include <sodium.h>

#include <cstring>

#include "crypto/bls12_381/scalar.h"

namespace klyn::bls {
namespace {

// A primitive cube root of unity in Fp such that (beta x, y) = [-x^2](x, y) on G1
// (derived in tools/derive_constants.py).
const Fp kBeta = Fp::from_hex(
    "0x5f19672fdf76ce51ba69c6076a0f77eaddb3a93be6f89688de17d813620a00022e01fffffffefffe");
// psi constants: 1 / (1 + u)^((p - 1) / 3) and 1 / (1 + u)^((p - 1) / 2).
const Fp2 kPsiX = Fp2::from_hex(
    "0x0",
    "0x1a0111ea397fe699ec02408663d4de85aa0d857d89759ad4897d29650fb85f9b409427eb4f49fffd8bfd0000"
    "0000aaad");
const Fp2 kPsiY = Fp2::from_hex(
    "0x135203e60180a68ee2e9c448d77a2cd91c3dedd930b1cf60ef396489f61eb45e304466cf3e67fa0af1ee7b04"
    "121bdea2",
    "0x06af0e0437ff400b6831e36d6bd17ffe48395dabc2d3435e77f76e17009241c5ee67992f72ec05f4c81084fb"
    "ede3cc09");
// psi2 constant: 1 / 2^((p - 1) / 3).
const Fp kPsi2X = Fp::from_hex(
    "0x1a0111ea397fe699ec02408663d4de85aa0d857d89759ad4897d29650fb85f9b409427eb4f49fffd8bfd00000000"
    "aaac");

bool all_zero(const uint8_t* p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

}  // namespace

G1Projective g1_generator() {
  static const G1Projective g{
      Fp::from_hex("0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a"
                   "1aeffb3af00adb22c6bb"),
      Fp::from_hex("0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a288"
                   "8ae40caa232946c5e7e1"),
      Fp::one()};
  return g;
}

G2Projective g2_generator() {
  static const G2Projective g{
      Fp2::from_hex("0x024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a8"
                    "05bbefd48056c8c121bdb8",
                    "0x13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213"
                    "945d57e5ac7d055d042b7e"),
      Fp2::from_hex("0x0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3b"
                    "aca289e193548608b82801",
                    "0x0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275c"
                    "ec1da1aaa9075ff05f79be"),
      Fp2::one()};
  return g;
}

G1Projective g1_mul_by_x(const G1Projective& p) {
  return -p.mul_u64_vartime(kCurveXAbs);
}
G2Projective g2_mul_by_x(const G2Projective& p) {
  return -p.mul_u64_vartime(kCurveXAbs);
}

G2Projective g2_psi(const G2Projective& p) {
  return {p.x.conjugate() * kPsiX, p.y.conjugate() * kPsiY, p.z.conjugate()};
}

G2Projective g2_psi2(const G2Projective& p) {
  return {p.x * kPsi2X, -p.y, p.z};
}

bool g1_in_subgroup(const G1Projective& p) {
  G1Projective sigma{p.x * kBeta, p.y, p.z};
  G1Projective x2p = p.mul_u64_vartime(kCurveXAbs).mul_u64_vartime(kCurveXAbs);
  return sigma == -x2p;
}

bool g2_in_subgroup(const G2Projective& p) {
  return g2_psi(p) == g2_mul_by_x(p);
}

G1Projective g1_clear_cofactor(const G1Projective& p) {
  // h_eff = 1 - x = 0xd201000000010001.
  return p.mul_u64_vartime(kCurveXAbs + 1);
}

G2Projective g2_clear_cofactor(const G2Projective& p) {
  G2Projective t1 = g2_mul_by_x(p);
  G2Projective t2 = g2_psi(p);
  G2Projective t3 = g2_psi2(p.dbl());
  t3 = t3 + (-t2);
  t2 = t1 + t2;
  t2 = g2_mul_by_x(t2);
  t3 = t3 + t2;
  t3 = t3 + (-t1);
  return t3 + (-p);
}

namespace {

// q = floor(n / z), returns n mod z; bit-serial restoring division, no data-dependent branches
// or division instructions (the digits of a secret key are secret).
uint64_t divmod_by_curve_x(std::array<uint64_t, 4>* n) {
  u128 rem = 0;
  std::array<uint64_t, 4> q{};
  for (int i = 255; i >= 0; i--) {
    rem = (rem << 1) | (((*n)[i / 64] >> (i % 64)) & 1);
    u128 t = rem - kCurveXAbs;
    uint64_t ge = uint64_t(~(t >> 127)) & 1;  // rem >= z (rem < 2^65, so t's sign bit is exact)
    u128 mask = 0 - u128(ge);
    rem = (t & mask) | (rem & ~mask);
    q[i / 64] |= ge << (i % 64);
  }
  *n = q;
  return uint64_t(rem);
}

}  // namespace

G2Projective g2_mul_secret(const G2Projective& p, const std::array<uint64_t, 4>& k) {
  if (p.is_identity()) return p;  // P is public (a hash or a generator)
  // The recoding below needs an odd low digit d0 = k mod z, whose parity is that of k (z is
  // even). For an even k use r - k (odd, r is odd) and negate the result: [k] P = -[r - k] P.
  const uint64_t even = (k[0] & 1) ^ 1;
  std::array<uint64_t, 4> n;
  {
    std::array<uint64_t, 4> minus;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
      u128 t = u128(kGroupOrder[i]) - k[i] - borrow;
      minus[i] = uint64_t(t);
      borrow = uint64_t(t >> 64) & 1;
    }
    const uint64_t mask = 0 - even;
    for (int i = 0; i < 4; i++) n[i] = k[i] ^ ((k[i] ^ minus[i]) & mask);
    sodium_memzero(minus.data(), sizeof(minus));
  }
  uint64_t d[4];
  for (int i = 0; i < 4; i++) d[i] = divmod_by_curve_x(&n);
  // Sign-aligned signed recoding (GLV-SAC): the odd d0 = sum s_i 2^i with s_i = +-1 over 65
  // positions, and every other digit is written with digits in {0, s_i}, so each step adds
  // +-T[idx] with an 8-entry table T[idx] = P0 + idx_1 P1 + idx_2 P2 + idx_3 P3. All digits are
  // < z < 2^64.
  constexpr int kLen = 65;
  uint8_t neg[kLen], idx[kLen];
  for (int i = 0; i < kLen; i++) {
    // s_i = 2 * bit_(i+1)(d0) - 1 for i < 64, s_64 = +1; neg = 1 for s_i = -1.
    uint64_t next_bit = (i + 1 < 64) ? (d[0] >> (i + 1)) & 1 : 0;
    uint64_t s = (i < kLen - 1) ? (next_bit ^ 1) : 0;
    uint64_t v = 0;
    for (int j = 1; j < 4; j++) {
      uint64_t bit = d[j] & 1;
      v |= bit << (j - 1);
      d[j] = (d[j] >> 1) + (bit & s);  // a_j = floor(a_j / 2) - floor(s_i bit / 2)
    }
    neg[i] = uint8_t(s);
    idx[i] = uint8_t(v);
  }
  G2Projective base[4];
  base[0] = p;
  base[1] = -g2_psi(p);        // [z] P
  base[2] = g2_psi2(p);        // [z^2] P
  base[3] = -g2_psi(base[2]);  // [z^3] P
  G2Projective table[8];
  table[0] = base[0];
  for (int m = 1; m < 8; m++) {
    int low = m & -m;
    int i = __builtin_ctz(unsigned(m)) + 1;
    table[m] = table[m - low] + base[i];
  }
  // The table (public: it depends on P only) in Jacobian coordinates with one common Z = w, so
  // that its points are affine points (X_m, Y_m) of the isomorphic curve y^2 = x^3 + b w^6, and
  // the loop can use the cheaper Jacobian doubling and mixed addition; no inversion is needed.
  // w = Z_0 ... Z_7 and lambda_m = w / Z_m (the product of the other Z's), so that
  // (X_m / Z_m, Y_m / Z_m) = (X_m lambda_m w / w^2, Y_m lambda_m w^2 / w^3).
  Fp2 prefix[8], suffix[8];
  prefix[0] = table[0].z;
  for (int m = 1; m < 8; m++) prefix[m] = prefix[m - 1] * table[m].z;
  suffix[7] = table[7].z;
  for (int m = 6; m >= 0; m--) suffix[m] = suffix[m + 1] * table[m].z;
  const Fp2 w = prefix[7];
  Fp2 tx[8], ty[8];
  for (int m = 0; m < 8; m++) {
    Fp2 lambda = m == 0 ? suffix[1] : m == 7 ? prefix[6] : prefix[m - 1] * suffix[m + 1];
    Fp2 lw = lambda * w;
    tx[m] = table[m].x * lw;
    ty[m] = table[m].y * (lw * w);
  }
  using Jac = Jacobian<Fp2>;
  auto lookup = [&](unsigned id, uint64_t negate, Fp2* x, Fp2* y) {
    *x = tx[0];
    *y = ty[0];
    for (unsigned j = 1; j < 8; j++) {
      const uint64_t hit = uint64_t(j == id);
      *x = Fp2::select(*x, tx[j], hit);
      *y = Fp2::select(*y, ty[j], hit);
    }
    *y = Fp2::select(*y, -*y, negate);
  };
  Fp2 qx, qy;
  lookup(idx[kLen - 1], neg[kLen - 1], &qx, &qy);
  Jac acc{qx, qy, Fp2::one()};
  for (int i = kLen - 2; i >= 0; i--) {
    acc = acc.dbl();
    lookup(idx[i], neg[i], &qx, &qy);
    acc = acc.add_affine_ct(qx, qy);
  }
  // [k] P = -[r - k] P for an even k.
  acc.y = Fp2::select(acc.y, -acc.y, even);
  // Back to the curve itself: (X, Y, Z) on the isomorphic curve is (X, Y, Z w) on E2.
  acc.z = acc.z * w;
  G2Projective result = acc.to_projective();
  sodium_memzero(&qx, sizeof(qx));
  sodium_memzero(&qy, sizeof(qy));
  sodium_memzero(d, sizeof(d));
  sodium_memzero(n.data(), sizeof(n));
  sodium_memzero(neg, sizeof(neg));
  sodium_memzero(idx, sizeof(idx));
  return result;
}

std::array<uint8_t, 48> g1_compress(const G1Affine& a) {
  std::array<uint8_t, 48> out{};
  if (a.infinity) {
    out[0] = 0xc0;
    return out;
  }
  a.x.to_bytes_be(out.data());
  out[0] |= 0x80;
  if (a.y.is_lexicographically_largest()) out[0] |= 0x20;
  return out;
}

std::array<uint8_t, 96> g2_compress(const G2Affine& a) {
  std::array<uint8_t, 96> out{};
  if (a.infinity) {
    out[0] = 0xc0;
    return out;
  }
  a.x.c1.to_bytes_be(out.data());
  a.x.c0.to_bytes_be(out.data() + 48);
  out[0] |= 0x80;
  if (a.y.is_lexicographically_largest()) out[0] |= 0x20;
  return out;
}

std::array<uint8_t, 48> g1_compress(const G1Projective& p) {
  if (p.is_identity()) return g1_compress(G1Affine{});
  return g1_compress(p.to_affine());
}

std::array<uint8_t, 96> g2_compress(const G2Projective& p) {
  if (p.is_identity()) return g2_compress(G2Affine{});
  return g2_compress(p.to_affine());
}

namespace {

// Shared flag handling. Returns false on a malformed header; sets *infinity for the canonical
// encoding of the identity and copies the first coordinate bytes (flags cleared) into x_bytes.
bool parse_header(std::span<const uint8_t> in, size_t len, bool* infinity, bool* sign,
                  uint8_t* x_bytes) {
  if (in.size() != len) return false;
  uint8_t flags = in[0] & 0xe0;
  if (!(flags & 0x80)) return false;  // uncompressed forms are not accepted
  *infinity = flags & 0x40;
  *sign = flags & 0x20;
  std::memcpy(x_bytes, in.data(), len);
  x_bytes[0] &= 0x1f;
  if (*infinity) return !*sign && all_zero(x_bytes, len);
  return true;
}

}  // namespace

std::optional<G1Affine> g1_decompress(std::span<const uint8_t> in) {
  bool infinity, sign;
  uint8_t buf[48];
  if (!parse_header(in, 48, &infinity, &sign, buf)) return std::nullopt;
  if (infinity) return G1Affine{Fp::zero(), Fp::zero(), true};
  Fp x;
  if (!Fp::from_bytes_be(buf, &x)) return std::nullopt;
  Fp y;
  if (!(x.square() * x + Fp::from_u64(4)).sqrt(&y)) return std::nullopt;
  if (y.is_lexicographically_largest() != sign) y = -y;
  G1Affine a{x, y, false};
  if (!g1_in_subgroup(G1Projective::from_affine(a))) return std::nullopt;
  return a;
}

std::optional<G2Affine> g2_decompress(std::span<const uint8_t> in) {
  bool infinity, sign;
  uint8_t buf[96];
  if (!parse_header(in, 96, &infinity, &sign, buf)) return std::nullopt;
  if (infinity) return G2Affine{Fp2::zero(), Fp2::zero(), true};
  Fp2 x;
  if (!Fp::from_bytes_be(buf, &x.c1) || !Fp::from_bytes_be(buf + 48, &x.c0)) return std::nullopt;
  Fp2 y;
  Fp2 b{Fp::from_u64(4), Fp::from_u64(4)};
  if (!(x.square() * x + b).sqrt(&y)) return std::nullopt;
  if (y.is_lexicographically_largest() != sign) y = -y;
  G2Affine a{x, y, false};
  if (!g2_in_subgroup(G2Projective::from_affine(a))) return std::nullopt;
  return a;
}

}  // namespace klyn::bls
