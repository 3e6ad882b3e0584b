#include "crypto/bls12_381/hash_to_curve.h"

#include <sodium.h>

#include <array>
#include <cstring>

#include "crypto/bls12_381/groups.h"

namespace klyn::bls {
namespace {

constexpr size_t kHashLen = 32;   // SHA-256 output
constexpr size_t kBlockLen = 64;  // SHA-256 input block
constexpr size_t kFieldLen = 64;  // L = ceil((381 + 128) / 8)

// ---- Constants of RFC 9380 section 8.8 and appendix E -------------------------------------

// E1': y^2 = x^3 + A' x + B', Z = 11.
const Fp kG1IsoA = Fp::from_hex(
    "0x144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d8e8981aefd881ac98936f8da0e0f97f5cf428082d58"
    "4c1d");
const Fp kG1IsoB = Fp::from_hex(
    "0x12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e"
    "172be0");
const Fp kG1Z = Fp::from_u64(11);

// The 11-isogeny E1' -> E1: k_(1,i) for x_num, k_(2,i) for x_den, k_(3,i) for y_num,
// k_(4,i) for y_den (x_den and y_den are monic).
const char* const kG1XNum[12] = {
    "0x11a05f2b1e833340b809101dd99815856b303e88a2d7005ff2627b56cdb4e2c85610c2d5f2e62d6eaeac16627346"
    "49b7",
    "0x17294ed3e943ab2f0588bab22147a81c7c17e75b2f6a8417f565e33c70d1e86b4838f2a6f318c356e834eef1b3cb"
    "83bb",
    "0x0d54005db97678ec1d1048c5d10a9a1bce032473295983e56878e501ec68e25c958c3e3d2a09729fe0179f9dac9e"
    "dcb0",
    "0x1778e7166fcc6db74e0609d307e55412d7f5e4656a8dbf25f1b33289f1b330835336e25ce3107193c5b388641d9b"
    "6861",
    "0x0e99726a3199f4436642b4b3e4118e5499db995a1257fb3f086eeb65982fac18985a286f301e77c451154ce9ac88"
    "95d9",
    "0x1630c3250d7313ff01d1201bf7a74ab5db3cb17dd952799b9ed3ab9097e68f90a0870d2dcae73d19cd13c1c66f65"
    "2983",
    "0x0d6ed6553fe44d296a3726c38ae652bfb11586264f0f8ce19008e218f9c86b2a8da25128c1052ecaddd7f225a139"
    "ed84",
    "0x17b81e7701abdbe2e8743884d1117e53356de5ab275b4db1a682c62ef0f2753339b7c8f8c8f475af9ccb5618e3f0"
    "c88e",
    "0x080d3cf1f9a78fc47b90b33563be990dc43b756ce79f5574a2c596c928c5d1de4fa295f296b74e956d71986a8497"
    "e317",
    "0x169b1f8e1bcfa7c42e0c37515d138f22dd2ecb803a0c5c99676314baf4bb1b7fa3190b2edc0327797f241067be39"
    "0c9e",
    "0x10321da079ce07e272d8ec09d2565b0dfa7dccdde6787f96d50af36003b14866f69b771f8c285decca67df3f1605"
    "fb7b",
    "0x06e08c248e260e70bd1e962381edee3d31d79d7e22c837bc23c0bf1bc24c6b68c24b1b80b64d391fa9c8ba2e8ba2"
    "d229",
};
const char* const kG1XDen[10] = {
    "0x08ca8d548cff19ae18b2e62f4bd3fa6f01d5ef4ba35b48ba9c9588617fc8ac62b558d681be343df8993cf9fa40d2"
    "1b1c",
    "0x12561a5deb559c4348b4711298e536367041e8ca0cf0800c0126c2588c48bf5713daa8846cb026e9e5c8276ec82b"
    "3bff",
    "0x0b2962fe57a3225e8137e629bff2991f6f89416f5a718cd1fca64e00b11aceacd6a3d0967c94fedcfcc239ba5cb8"
    "3e19",
    "0x03425581a58ae2fec83aafef7c40eb545b08243f16b1655154cca8abc28d6fd04976d5243eecf5c4130de8938dc6"
    "2cd8",
    "0x13a8e162022914a80a6f1d5f43e7a07dffdfc759a12062bb8d6b44e833b306da9bd29ba81f35781d539d395b3532"
    "a21e",
    "0x0e7355f8e4e667b955390f7f0506c6e9395735e9ce9cad4d0a43bcef24b8982f7400d24bc4228f11c02df9a29f63"
    "04a5",
    "0x0772caacf16936190f3e0c63e0596721570f5799af53a1894e2e073062aede9cea73b3538f0de06cec2574496ee8"
    "4a3a",
    "0x14a7ac2a9d64a8b230b3f5b074cf01996e7f63c21bca68a81996e1cdf9822c580fa5b9489d11e2d311f7d99bbdcc"
    "5a5e",
    "0x0a10ecf6ada54f825e920b3dafc7a3cce07f8d1d7161366b74100da67f39883503826692abba43704776ec3a79a1"
    "d641",
    "0x095fc13ab9e92ad4476d6e3eb3a56680f682b4ee96f7d03776df533978f31c1593174e4b4b7865002d6384d168ec"
    "dd0a",
};
const char* const kG1YNum[16] = {
    "0x090d97c81ba24ee0259d1f094980dcfa11ad138e48a869522b52af6c956543d3cd0c7aee9b3ba3c2be9845719707"
    "bb33",
    "0x134996a104ee5811d51036d776fb46831223e96c254f383d0f906343eb67ad34d6c56711962fa8bfe097e75a2e41"
    "c696",
    "0x00cc786baa966e66f4a384c86a3b49942552e2d658a31ce2c344be4b91400da7d26d521628b00523b8dfe240c72d"
    "e1f6",
    "0x01f86376e8981c217898751ad8746757d42aa7b90eeb791c09e4a3ec03251cf9de405aba9ec61deca6355c77b0e5"
    "f4cb",
    "0x08cc03fdefe0ff135caf4fe2a21529c4195536fbe3ce50b879833fd221351adc2ee7f8dc099040a841b6daecf2e8"
    "fedb",
    "0x16603fca40634b6a2211e11db8f0a6a074a7d0d4afadb7bd76505c3d3ad5544e203f6326c95a807299b23ab13633"
    "a5f0",
    "0x04ab0b9bcfac1bbcb2c977d027796b3ce75bb8ca2be184cb5231413c4d634f3747a87ac2460f415ec961f8855fe9"
    "d6f2",
    "0x0987c8d5333ab86fde9926bd2ca6c674170a05bfe3bdd81ffd038da6c26c842642f64550fedfe935a15e4ca31870"
    "fb29",
    "0x09fc4018bd96684be88c9e221e4da1bb8f3abd16679dc26c1e8b6e6a1f20cabe69d65201c78607a360370e577bdb"
    "a587",
    "0x0e1bba7a1186bdb5223abde7ada14a23c42a0ca7915af6fe06985e7ed1e4d43b9b3f7055dd4eba6f2bafaaebca73"
    "1c30",
    "0x19713e47937cd1be0dfd0b8f1d43fb93cd2fcbcb6caf493fd1183e416389e61031bf3a5cce3fbafce813711ad011"
    "c132",
    "0x18b46a908f36f6deb918c143fed2edcc523559b8aaf0c2462e6bfe7f911f643249d9cdf41b44d606ce07c8a4d007"
    "4d8e",
    "0x0b182cac101b9399d155096004f53f447aa7b12a3426b08ec02710e807b4633f06c851c1919211f20d4c04f00b97"
    "1ef8",
    "0x0245a394ad1eca9b72fc00ae7be315dc757b3b080d4c158013e6632d3c40659cc6cf90ad1c232a6442d9d3f5db98"
    "0133",
    "0x05c129645e44cf1102a159f748c4a3fc5e673d81d7e86568d9ab0f5d396a7ce46ba1049b6579afb7866b1e715475"
    "224b",
    "0x15e6be4e990f03ce4ea50b3b42df2eb5cb181d8f84965a3957add4fa95af01b2b665027efec01c7704b456be69c8"
    "b604",
};
const char* const kG1YDen[15] = {
    "0x16112c4c3a9c98b252181140fad0eae9601a6de578980be6eec3232b5be72e7a07f3688ef60c206d01479253b036"
    "63c1",
    "0x1962d75c2381201e1a0cbd6c43c348b885c84ff731c4d59ca4a10356f453e01f78a4260763529e3532f6102c2e49"
    "a03d",
    "0x058df3306640da276faaae7d6e8eb15778c4855551ae7f310c35a5dd279cd2eca6757cd636f96f891e2538b53dbf"
    "67f2",
    "0x16b7d288798e5395f20d23bf89edb4d1d115c5dbddbcd30e123da489e726af41727364f2c28297ada8d26d98445f"
    "5416",
    "0x0be0e079545f43e4b00cc912f8228ddcc6d19c9f0f69bbb0542eda0fc9dec916a20b15dc0fd2ededda39142311a5"
    "001d",
    "0x08d9e5297186db2d9fb266eaac783182b70152c65550d881c5ecd87b6f0f5a6449f38db9dfa9cce202c6477faaf9"
    "b7ac",
    "0x166007c08a99db2fc3ba8734ace9824b5eecfdfa8d0cf8ef5dd365bc400a0051d5fa9c01a58b1fb93d1a1399126a"
    "775c",
    "0x16a3ef08be3ea7ea03bcddfabba6ff6ee5a4375efa1f4fd7feb34fd206357132b920f5b00801dee460ee415a1581"
    "2ed9",
    "0x1866c8ed336c61231a1be54fd1d74cc4f9fb0ce4c6af5920abc5750c4bf39b4852cfe2f7bb9248836b233d9d5553"
    "5d4a",
    "0x167a55cda70a6e1cea820597d94a84903216f763e13d87bb5308592e7ea7d4fbc7385ea3d529b35e346ef48bb891"
    "3f55",
    "0x04d2f259eea405bd48f010a01ad2911d9c6dd039bb61a6290e591b36e636a5c871a5c29f4f83060400f8b49cba8f"
    "6aa8",
    "0x0accbb67481d033ff5852c1e48c50c477f94ff8aefce42d28c0f9a88cea7913516f968986f7ebbea9684b529e256"
    "1092",
    "0x0ad6b9514c767fe3c3613144b45f1496543346d98adf02267d5ceef9a00d9b8693000763e3b90ac11e99b1385733"
    "45cc",
    "0x02660400eb2e4f3b628bdd0d53cd76f2bf565b94e72927c1cb748df27942480e420517bd8714cc80d1fadc1326ed"
    "06f7",
    "0x0e0fa1d816ddc03e6b24255e0d7819c171c40f65e273b853324efcd6356caa205ca2f570f13497804415473a1d63"
    "4b8f",
};

// E2': y^2 = x^3 + A' x + B' with A' = 240 u, B' = 1012 (1 + u), Z = -(2 + u).
const Fp2 kG2IsoA{Fp::zero(), Fp::from_u64(240)};
const Fp2 kG2IsoB{Fp::from_u64(1012), Fp::from_u64(1012)};
const Fp2 kG2Z{-Fp::from_u64(2), -Fp::one()};

// The 3-isogeny E2' -> E2, as (c0, c1) pairs.
const char* const kG2XNum[4][2] = {
    {"0x05c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaa"
     "a97d6",
     "0x05c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaa"
     "a97d6"},
    {"0x0",
     "0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9fffffff"
     "fc71a"},
    {"0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9fffffff"
     "fc71e",
     "0x08ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354fffffff"
     "fe38d"},
    {"0x171d6541fa38ccfaed6dea691f5fb614cb14b4e7f4e810aa22d6108f142b85757098e38d0f671c7188e2aaaaaaa"
     "a5ed1",
     "0x0"},
};
const char* const kG2XDen[2][2] = {
    {"0x0",
     "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9fefffffff"
     "faa63"},
    {"0xc",
     "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9fefffffff"
     "faa9f"},
};
const char* const kG2YNum[4][2] = {
    {"0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c"
     "6d706",
     "0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c"
     "6d706"},
    {"0x0",
     "0x05c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaa"
     "a97be"},
    {"0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9fffffff"
     "fc71c",
     "0x08ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354fffffff"
     "fe38f"},
    {"0x124c9ad43b6cf79bfbf7043de3811ad0761b0f37a1e26286b0e977c69aa274524e79097a56dc4bd9e1b371c71c7"
     "18b10",
     "0x0"},
};
const char* const kG2YDen[3][2] = {
    {"0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9fefffffff"
     "fa8fb",
     "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9fefffffff"
     "fa8fb"},
    {"0x0",
     "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9fefffffff"
     "fa9d3"},
    {"0x12",
     "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9fefffffff"
     "faa99"},
};

template <size_t N>
std::array<Fp, N> parse_fp(const char* const (&hex)[N]) {
  std::array<Fp, N> out;
  for (size_t i = 0; i < N; i++) out[i] = Fp::from_hex(hex[i]);
  return out;
}

template <size_t N>
std::array<Fp2, N> parse_fp2(const char* const (&hex)[N][2]) {
  std::array<Fp2, N> out;
  for (size_t i = 0; i < N; i++) out[i] = Fp2::from_hex(hex[i][0], hex[i][1]);
  return out;
}

const auto kG1XNumC = parse_fp(kG1XNum);
const auto kG1XDenC = parse_fp(kG1XDen);
const auto kG1YNumC = parse_fp(kG1YNum);
const auto kG1YDenC = parse_fp(kG1YDen);
const auto kG2XNumC = parse_fp2(kG2XNum);
const auto kG2XDenC = parse_fp2(kG2XDen);
const auto kG2YNumC = parse_fp2(kG2YNum);
const auto kG2YDenC = parse_fp2(kG2YDen);

// Horner evaluation of sum c[i] x^i, optionally with an implicit leading 1 (monic).
template <typename F, size_t N>
F horner(const std::array<F, N>& c, const F& x, bool monic) {
  F acc = monic ? F::one() : c[N - 1];
  for (size_t i = monic ? N : N - 1; i-- > 0;) acc = acc * x + c[i];
  return acc;
}

// ---- Simplified SWU (RFC 9380 section 6.6.2, straight-line form of appendix F.2) ----------

// Steps 1-15 of the straight-line map: x1, x2 = Z u^2 x1, g(x1), g(x2).
template <typename F>
void swu_candidates(const F& u, const F& a, const F& b, const F& z, F* x1_out, F* x2_out,
                    F* gx1_out, F* gx2_out) {
  static const F c1 = -(b * a.inverse());
  static const F c2 = -(z.inverse());
  F tv1 = z * u.square();
  F tv2 = tv1.square();
  F x1 = (tv1 + tv2).inverse_vartime();
  bool e1 = x1.is_zero();
  x1 = x1 + F::one();
  if (e1) x1 = c2;
  x1 = x1 * c1;
  F gx1 = (x1.square() + a) * x1 + b;
  *x1_out = x1;
  *x2_out = tv1 * x1;
  *gx1_out = gx1;
  *gx2_out = gx1 * (tv1 * tv2);
}

void simple_swu(const Fp& u, const Fp& a, const Fp& b, const Fp& z, Fp* x_out, Fp* y_out) {
  Fp x1, x2, gx1, gx2, y;
  swu_candidates(u, a, b, z, &x1, &x2, &gx1, &gx2);
  if (gx1.sqrt(&y)) {
    *x_out = x1;
  } else {
    bool ok = gx2.sqrt(&y);  // one of g(x1), g(x2) is always a square
    (void)ok;
    *x_out = x2;
  }
  if (u.sgn0() != y.sgn0()) y = -y;
  *y_out = y;
}

// sqrt(-5) in Fp (5 = norm(Z) for G2's Z = -(2 + u); -5 is a square since -1 and 5 are not).
const Fp kSqrtMinus5 = Fp::from_hex(
    "0x186417302d5a65347a88b0f999ab2b504614aa5e2eebdeb1a014c40bceb7d2306c12a6d436befcf94d39c9db7b"
    "263cd4");

// Simplified SWU on E2' without inversions: returns x = xn / xd and the affine y. With
// x1 = xn / xd, g(x1) = G / xd^3 and sqrt(g(x1)) = sqrt(G xd) / xd^2; the division by
// xd^2 = xd^2 conj(xd)^2 / k^2 (k = norm(xd)) is folded into the Fp exponentiation of the Fp2
// square root: (t k^4)^((p-3)/4) = t^((p-3)/4) / k^2.
void simple_swu_g2(const Fp2& u, Fp2* xn_out, Fp2* xd_out, Fp2* y_out) {
  static const Fp2 c1 = -(kG2IsoB * kG2IsoA.inverse());
  static const Fp2 c2 = -(kG2Z.inverse());
  static const Fp2 kXnExceptional = c1 * c2;
  static const Fp::Limbs kPPlus1Div4 = {0xee7fbfffffffeaab, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
                                        0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6};
  static const Fp::Limbs kPMinus3Div4 = {0xee7fbfffffffeaaa, 0x07aaffffac54ffff,
                                         0xd9cc34a83dac3d89, 0xd91dd2e13ce144af,
                                         0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6};
  static const Fp kHalf = Fp::from_u64(2).inverse();
  Fp2 tv1 = kG2Z * u.square();
  Fp2 tv2 = tv1.square();
  Fp2 den = tv1 + tv2;
  Fp2 xn, xd;
  if (den.is_zero()) {
    xn = kXnExceptional;
    xd = Fp2::one();
  } else {
    xn = c1 * (den + Fp2::one());
    xd = den;
  }
  // G = xn^3 + A xn xd^2 + B xd^3, h = G xd (g(x1) = h / xd^4).
  Fp2 xd2 = xd.square();
  Fp2 g = (xn.square() + kG2IsoA * xd2) * xn + kG2IsoB * xd2 * xd;
  Fp2 h = g * xd;
  // One exponentiation decides which of g(x1), g(x2) is a square (as in the affine version:
  // h2 = h tv1^3 has norm n1 * 125 * N(u)^6, and -5 is a square in Fp).
  Fp n1 = h.norm();
  Fp s = n1.pow_vartime(kPPlus1Div4);
  Fp2 hh;
  if (s.square() == n1) {
    hh = h;
    *xn_out = xn;
  } else {
    Fp nu = u.norm();
    s = Fp::from_u64(5) * nu.square() * nu * kSqrtMinus5 * s;
    hh = h * (tv1 * tv2);
    *xn_out = tv1 * xn;
  }
  *xd_out = xd;
  Fp2 y;
  if (hh.c1.is_zero()) {
    // Rare: fall back to the generic root and one inversion.
    Fp2 r;
    bool ok = hh.sqrt(&r);
    (void)ok;
    y = r * xd2.inverse_vartime();
  } else {
    // sqrt(hh) / xd^2 without an inversion (see above).
    Fp k = xd.norm();
    Fp k2 = k.square();
    Fp k4 = k2.square();
    Fp t = (hh.c0 + s) * kHalf;
    if (t.is_zero()) t = (hh.c0 - s) * kHalf;
    Fp w = (t * k4).pow_vartime(kPMinus3Div4);  // t^((p-3)/4) / k^2
    Fp tw = t * w;
    Fp2 cand;
    if (tw * w * k4 == Fp::one()) {
      cand = {tw, hh.c1 * w * kHalf};
    } else {
      cand = {hh.c1 * w * kHalf, -tw};
    }
    Fp2 xdc = xd.conjugate();
    y = cand * xdc.square();  // sqrt(hh) / k^2 * conj(xd)^2 = sqrt(hh) / xd^2
  }
  if (u.sgn0() != y.sgn0()) y = -y;
  *y_out = y;
}

// sum c[i] x^i for x = xn / xd, times xd^deg (deg = N - 1, or N when monic): Horner with the
// coefficient of x^i scaled by xd^(deg - i).
template <size_t N>
Fp2 horner_homogeneous(const std::array<Fp2, N>& c, const Fp2& xn, const Fp2* xd_pow, bool monic) {
  const size_t deg = monic ? N : N - 1;
  Fp2 acc = monic ? Fp2::one() : c[N - 1];
  for (size_t i = deg; i-- > 0;) acc = acc * xn + c[i] * xd_pow[deg - i];
  return acc;
}

void sha256_blocks(crypto_hash_sha256_state* st, std::span<const uint8_t> data) {
  crypto_hash_sha256_update(st, data.data(), data.size());
}

}  // namespace

std::vector<uint8_t> expand_message_xmd(std::span<const uint8_t> msg, std::span<const uint8_t> dst,
                                        size_t len_in_bytes) {
  size_t ell = (len_in_bytes + kHashLen - 1) / kHashLen;
  if (len_in_bytes == 0 || ell > 255 || len_in_bytes > 65535) return {};
  // Oversized DSTs are replaced by H("H2C-OVERSIZE-DST-" || DST).
  std::array<uint8_t, kHashLen> short_dst;
  if (dst.size() > 255) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    sha256_blocks(&st, as_span("H2C-OVERSIZE-DST-"));
    sha256_blocks(&st, dst);
    crypto_hash_sha256_final(&st, short_dst.data());
    dst = short_dst;
  }
  const uint8_t dst_len = uint8_t(dst.size());
  static const uint8_t kZeroBlock[kBlockLen] = {0};
  const uint8_t len_bytes[2] = {uint8_t(len_in_bytes >> 8), uint8_t(len_in_bytes)};

  // b_0 = H(Z_pad || msg || l_i_b_str || 0 || DST_prime)
  uint8_t b0[kHashLen];
  {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, kZeroBlock, kBlockLen);
    sha256_blocks(&st, msg);
    crypto_hash_sha256_update(&st, len_bytes, 2);
    const uint8_t zero = 0;
    crypto_hash_sha256_update(&st, &zero, 1);
    sha256_blocks(&st, dst);
    crypto_hash_sha256_update(&st, &dst_len, 1);
    crypto_hash_sha256_final(&st, b0);
  }
  std::vector<uint8_t> out(len_in_bytes);
  uint8_t prev[kHashLen];
  for (size_t i = 1; i <= ell; i++) {
    // b_1 = H(b_0 || 1 || DST_prime); b_i = H((b_0 xor b_(i-1)) || i || DST_prime)
    uint8_t in[kHashLen];
    for (size_t k = 0; k < kHashLen; k++) in[k] = (i == 1) ? b0[k] : uint8_t(b0[k] ^ prev[k]);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, in, kHashLen);
    const uint8_t idx = uint8_t(i);
    crypto_hash_sha256_update(&st, &idx, 1);
    sha256_blocks(&st, dst);
    crypto_hash_sha256_update(&st, &dst_len, 1);
    crypto_hash_sha256_final(&st, prev);
    size_t off = (i - 1) * kHashLen;
    std::memcpy(out.data() + off, prev, std::min(kHashLen, len_in_bytes - off));
  }
  return out;
}

namespace {

// A 64-byte big-endian integer reduced mod p: hi * 2^256 + lo with hi, lo < 2^256 < p.
Fp fp_from_64_bytes(const uint8_t* b) {
  auto limbs_of = [](const uint8_t* p32) {
    Fp::Limbs v{};
    for (int i = 0; i < 32; i++) v[(31 - i) / 8] |= uint64_t(p32[i]) << (8 * ((31 - i) % 8));
    return v;
  };
  static const Fp k2to256 = Fp::from_canonical({0, 0, 0, 0, 1, 0});
  return Fp::from_canonical(limbs_of(b)) * k2to256 + Fp::from_canonical(limbs_of(b + 32));
}

}  // namespace

std::vector<Fp> hash_to_field_fp(std::span<const uint8_t> msg, std::span<const uint8_t> dst,
                                 size_t count) {
  std::vector<uint8_t> bytes = expand_message_xmd(msg, dst, count * kFieldLen);
  std::vector<Fp> out;
  for (size_t i = 0; i < count; i++) out.push_back(fp_from_64_bytes(bytes.data() + i * kFieldLen));
  return out;
}

std::vector<Fp2> hash_to_field_fp2(std::span<const uint8_t> msg, std::span<const uint8_t> dst,
                                   size_t count) {
  std::vector<uint8_t> bytes = expand_message_xmd(msg, dst, count * 2 * kFieldLen);
  std::vector<Fp2> out;
  for (size_t i = 0; i < count; i++) {
    const uint8_t* e = bytes.data() + i * 2 * kFieldLen;
    out.push_back({fp_from_64_bytes(e), fp_from_64_bytes(e + kFieldLen)});
  }
  return out;
}

G1Projective map_to_curve_g1(const Fp& u) {
  Fp x, y;
  simple_swu(u, kG1IsoA, kG1IsoB, kG1Z, &x, &y);
  Fp xn = horner(kG1XNumC, x, false);
  Fp xd = horner(kG1XDenC, x, true);
  Fp yn = horner(kG1YNumC, x, false);
  Fp yd = horner(kG1YDenC, x, true);
  // (xn / xd, y yn / yd) in homogeneous coordinates.
  return {xn * yd, y * yn * xd, xd * yd};
}

G2Projective map_to_curve_g2(const Fp2& u) {
  Fp2 xn, xd, y;
  simple_swu_g2(u, &xn, &xd, &y);
  Fp2 xd_pow[4];
  xd_pow[0] = Fp2::one();
  xd_pow[1] = xd;
  xd_pow[2] = xd.square();
  xd_pow[3] = xd_pow[2] * xd;
  Fp2 num_x = horner_homogeneous(kG2XNumC, xn, xd_pow, false);  // x_num * xd^3
  Fp2 den_x = horner_homogeneous(kG2XDenC, xn, xd_pow, true);   // x_den * xd^2
  Fp2 num_y = horner_homogeneous(kG2YNumC, xn, xd_pow, false);  // y_num * xd^3
  Fp2 den_y = horner_homogeneous(kG2YDenC, xn, xd_pow, true);   // y_den * xd^3
  // x = num_x / (den_x xd), y' = y num_y / den_y, in homogeneous coordinates.
  Fp2 dx = den_x * xd;
  return {num_x * den_y, y * num_y * dx, dx * den_y};
}

G1Projective hash_to_g1(std::span<const uint8_t> msg, std::span<const uint8_t> dst) {
  auto u = hash_to_field_fp(msg, dst, 2);
  return g1_clear_cofactor(map_to_curve_g1(u[0]) + map_to_curve_g1(u[1]));
}

G1Projective encode_to_g1(std::span<const uint8_t> msg, std::span<const uint8_t> dst) {
  auto u = hash_to_field_fp(msg, dst, 1);
  return g1_clear_cofactor(map_to_curve_g1(u[0]));
}

G2Projective hash_to_g2(std::span<const uint8_t> msg, std::span<const uint8_t> dst) {
  auto u = hash_to_field_fp2(msg, dst, 2);
  return g2_clear_cofactor(map_to_curve_g2(u[0]) + map_to_curve_g2(u[1]));
}

G2Projective encode_to_g2(std::span<const uint8_t> msg, std::span<const uint8_t> dst) {
  auto u = hash_to_field_fp2(msg, dst, 1);
  return g2_clear_cofactor(map_to_curve_g2(u[0]));
}

}  // namespace klyn::bls
