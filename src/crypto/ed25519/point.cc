#include "crypto/ed25519/point.h"

#include <vector>

namespace klyn::crypto::ed25519 {
namespace {

// A completed point ((X : Z), (Y : T)): x = X/Z, y = Y/T. What additions and doublings produce.
struct Completed {
  Fe X, Y, Z, T;
};

Point to_point(const Completed& c) {
  return Point{fe_mul(c.X, c.T), fe_mul(c.Y, c.Z), fe_mul(c.Z, c.T), fe_mul(c.X, c.Y)};
}

// p + q (q affine), or p − q when `subtract`: the unified formula with Z2 = 1.
Completed mixed_add(const Point& p, const Niels& q, bool subtract) {
  const Fe ypx = fe_add(p.Y, p.X);
  const Fe ymx = fe_sub(p.Y, p.X);
  const Fe a = fe_mul(ypx, subtract ? q.y_minus_x : q.y_plus_x);
  const Fe b = fe_mul(ymx, subtract ? q.y_plus_x : q.y_minus_x);
  const Fe c = fe_mul(q.xy2d, p.T);
  const Fe d = fe_add(p.Z, p.Z);
  Completed r;
  r.X = fe_sub(a, b);
  r.Y = fe_add(a, b);
  r.Z = subtract ? fe_sub(d, c) : fe_add(d, c);
  r.T = subtract ? fe_add(d, c) : fe_sub(d, c);
  return r;
}

template <size_t N>
Point add_digit(const Point& h, const std::array<Niels, N>& row, int8_t e) {
  if (e > 0) return to_point(mixed_add(h, row[e - 1], false));
  if (e < 0) return to_point(mixed_add(h, row[-e - 1], true));
  return h;
}

Fe compute_sqrt_m1() {
  // 2 is not a square mod p (p ≡ 5 mod 8), so 2^((p−1)/4) squares to −1; (p−1)/4 = 2·(p−5)/8 + 1.
  const Fe two = fe_small(2);
  return fe_mul(fe_sq(fe_pow22523(two)), two);
}

std::optional<Point> decode_with(const Constants& k, const uint8_t in[32]) {
  const Fe y = fe_frombytes(in);
  const Fe yy = fe_sq(y);
  const Fe u = fe_sub(yy, fe_one());               // y² − 1
  const Fe v = fe_add(fe_mul(k.d, yy), fe_one());  // d·y² + 1
  // x = u·v³·(u·v⁷)^((p−5)/8) is a root of u/v if one exists (up to a factor sqrt(−1)).
  const Fe v3 = fe_mul(fe_sq(v), v);
  Fe x = fe_mul(fe_mul(fe_sq(v3), v), u);
  x = fe_mul(fe_mul(fe_pow22523(x), v3), u);
  const Fe vxx = fe_mul(fe_sq(x), v);
  if (!fe_is_zero(fe_sub(vxx, u))) {
    if (!fe_is_zero(fe_add(vxx, u))) return std::nullopt;
    x = fe_mul(x, k.sqrt_m1);
  }
  if (fe_is_negative(x) != ((in[31] >> 7) != 0)) x = fe_neg(x);
  return Point{x, y, fe_one(), fe_mul(x, y)};
}

Constants make_constants() {
  Constants k;
  k.d = fe_mul(fe_neg(fe_small(121665)), fe_invert(fe_small(121666)));
  k.d2 = fe_carry(fe_add(k.d, k.d));
  k.sqrt_m1 = compute_sqrt_m1();
  // B = (x, 4/5) with x even: its encoding is y = 4/5 with the sign bit clear.
  uint8_t enc[32];
  fe_tobytes(enc, fe_mul(fe_small(4), fe_invert(fe_small(5))));
  k.base = *decode_with(k, enc);
  return k;
}

}  // namespace

const Constants& constants() {
  static const Constants k = make_constants();
  return k;
}

Point identity() {
  return Point{fe_zero(), fe_one(), fe_one(), fe_zero()};
}

Point add(const Point& p, const Point& q) {
  const Fe a = fe_mul(fe_sub(p.Y, p.X), fe_sub(q.Y, q.X));
  const Fe b = fe_mul(fe_add(p.Y, p.X), fe_add(q.Y, q.X));
  const Fe c = fe_mul(fe_mul(p.T, q.T), constants().d2);
  const Fe zz = fe_mul(p.Z, q.Z);
  const Fe d = fe_add(zz, zz);
  return to_point(Completed{fe_sub(b, a), fe_add(b, a), fe_add(d, c), fe_sub(d, c)});
}

Point dbl(const Point& p) {
  const Fe xx = fe_sq(p.X);
  const Fe yy = fe_sq(p.Y);
  const Fe zz = fe_sq(p.Z);
  const Fe zz2 = fe_add(zz, zz);
  const Fe s = fe_sq(fe_add(p.X, p.Y));
  const Fe yy_plus_xx = fe_add(yy, xx);
  const Fe yy_minus_xx = fe_sub(yy, xx);
  // x3 = 2xy / (y² − x²), y3 = (y² + x²) / (2 − y² + x²), projectively.
  return to_point(
      Completed{fe_sub(s, yy_plus_xx), yy_plus_xx, yy_minus_xx, fe_sub(zz2, yy_minus_xx)});
}

Point negate(const Point& p) {
  return Point{fe_neg(p.X), p.Y, p.Z, fe_neg(p.T)};
}

bool equal(const Point& p, const Point& q) {
  return fe_equal(fe_mul(p.X, q.Z), fe_mul(q.X, p.Z)) &&
         fe_equal(fe_mul(p.Y, q.Z), fe_mul(q.Y, p.Z));
}

std::optional<Point> decode(const uint8_t in[32]) {
  return decode_with(constants(), in);
}

void encode(uint8_t out[32], const Point& p) {
  const Fe zi = fe_invert(p.Z);
  const Fe x = fe_mul(p.X, zi);
  const Fe y = fe_mul(p.Y, zi);
  fe_tobytes(out, y);
  out[31] |= static_cast<uint8_t>(fe_is_negative(x) ? 0x80 : 0);
}

void encode_batch(std::span<const Point> points, std::array<uint8_t, 32>* out) {
  const size_t n = points.size();
  if (n == 0) return;
  std::vector<Fe> prefix(n);
  prefix[0] = points[0].Z;
  for (size_t i = 1; i < n; ++i) prefix[i] = fe_mul(prefix[i - 1], points[i].Z);
  Fe inv = fe_invert(prefix[n - 1]);  // Z is never 0 (complete formulas)
  for (size_t i = n; i-- > 0;) {
    const Fe zi = i > 0 ? fe_mul(inv, prefix[i - 1]) : inv;
    if (i > 0) inv = fe_mul(inv, points[i].Z);
    fe_tobytes(out[i].data(), fe_mul(points[i].Y, zi));
    out[i][31] |= static_cast<uint8_t>(fe_is_negative(fe_mul(points[i].X, zi)) ? 0x80 : 0);
  }
}

namespace {

// Affine Niels forms of `pts`, with one inversion for all of them (Montgomery's trick); Z is
// never 0 (complete formulas).
void normalize_into(const std::vector<Point>& pts, Niels* out) {
  const size_t n = pts.size();
  std::vector<Fe> prefix(n);
  prefix[0] = pts[0].Z;
  for (size_t i = 1; i < n; ++i) prefix[i] = fe_mul(prefix[i - 1], pts[i].Z);
  Fe inv = fe_invert(prefix[n - 1]);
  const Fe& d2 = constants().d2;
  for (size_t i = n; i-- > 0;) {
    const Fe zi = i > 0 ? fe_mul(inv, prefix[i - 1]) : inv;
    if (i > 0) inv = fe_mul(inv, pts[i].Z);
    const Fe x = fe_mul(pts[i].X, zi);
    const Fe y = fe_mul(pts[i].Y, zi);
    out[i].y_plus_x = fe_carry(fe_add(y, x));
    out[i].y_minus_x = fe_sub(y, x);
    out[i].xy2d = fe_mul(fe_mul(x, y), d2);
  }
}

// B's own, wider table: entry [j][k] = (k + 1) · 64^j · B for 43 rows of 32 (161 KiB, one per
// process), so [S]B takes 43 additions of signed radix-64 digits and no doubling.
struct BaseTable {
  std::array<std::array<Niels, 32>, 43> rows;
};

const BaseTable& base_table() {
  static const BaseTable* table = [] {
    auto* t = new BaseTable;
    std::vector<Point> pts(43 * 32);
    Point base = constants().base;
    for (size_t j = 0; j < 43; ++j) {
      Point* m = &pts[j * 32];
      m[0] = base;
      m[1] = dbl(base);
      for (size_t k = 2; k < 32; ++k) m[k] = add(m[k - 1], base);
      base = dbl(m[31]);  // 2 · 32 · 64^j · B = 64^(j+1) · B
    }
    normalize_into(pts, &t->rows[0][0]);
    return t;
  }();
  return *table;
}

template <size_t N>
void prefetch_row_digits(const std::array<Niels, N>* rows, const int8_t* e, int count, int step) {
  for (int i = 0; i < count; ++i) {
    const int d = e[i];
    if (d == 0) continue;
    const char* c = reinterpret_cast<const char*>(&rows[i / step][(d > 0 ? d : -d) - 1]);
    __builtin_prefetch(c);
    __builtin_prefetch(c + 64);
    __builtin_prefetch(c + sizeof(Niels) - 1);
  }
}

}  // namespace

void build_comb(CombTable& table, const Point& p) {
  std::vector<Point> pts(32 * 8);
  Point base = p;
  for (size_t j = 0; j < 32; ++j) {
    Point* m = &pts[j * 8];
    m[0] = base;
    m[1] = dbl(base);
    for (size_t k = 2; k < 8; ++k) m[k] = add(m[k - 1], base);
    if (j + 1 < 32) {
      base = m[7];                                   // 8 · 256^j · P
      for (int i = 0; i < 5; ++i) base = dbl(base);  // · 32 = 256^(j+1) · P
    }
  }
  normalize_into(pts, &table.rows[0][0]);
}

void signed_digits(int8_t* e, int count, int w, const uint8_t scalar[32]) {
  const int mask = (1 << w) - 1, half = 1 << (w - 1);
  for (int i = 0; i < count; ++i) {
    const int bit = w * i;
    unsigned v = bit / 8 < 32 ? scalar[bit / 8] >> (bit % 8) : 0;
    if (bit / 8 + 1 < 32) v |= static_cast<unsigned>(scalar[bit / 8 + 1]) << (8 - bit % 8);
    e[i] = static_cast<int8_t>(v & mask);
  }
  // Each digit in [0, 2^w) → [−2^(w−1), 2^(w−1)) with a carry into the next.
  int carry = 0;
  for (int i = 0; i + 1 < count; ++i) {
    const int v = e[i] + carry;
    carry = (v + half) >> w;
    e[i] = static_cast<int8_t>(v - (carry << w));
  }
  e[count - 1] = static_cast<int8_t>(e[count - 1] + carry);
}

Point double_comb(const CombTable& p, const uint8_t a[32], const uint8_t b[32]) {
  int8_t ea[64], eb[43];
  signed_digits(ea, 64, 4, a);
  signed_digits(eb, 43, 6, b);
  // A key's table is usually cold (one of many hot keys, 30 KiB each): ask for every entry the
  // digits need now, so the misses overlap instead of stalling one by one in the loop.
  prefetch_row_digits(p.rows.data(), ea, 64, 2);
  prefetch_row_digits(base_table().rows.data(), eb, 43, 1);
  // [a]P: odd digits first (their rows hold 256^j multiples; the digit weighs 16 · 256^j),
  // times 16, then the even digits. Then [b]B, one row per digit.
  Point h = identity();
  for (int i = 1; i < 64; i += 2) h = add_digit(h, p.rows[i / 2], ea[i]);
  for (int i = 0; i < 4; ++i) h = dbl(h);
  for (int i = 0; i < 64; i += 2) h = add_digit(h, p.rows[i / 2], ea[i]);
  const BaseTable& bt = base_table();
  for (int j = 0; j < 43; ++j) h = add_digit(h, bt.rows[j], eb[j]);
  return h;
}

Point scalar_mul_slow(const Point& p, const uint8_t a[32]) {
  Point r = identity();
  for (int bit = 255; bit >= 0; --bit) {
    r = dbl(r);
    if ((a[bit / 8] >> (bit % 8)) & 1) r = add(r, p);
  }
  return r;
}

}  // namespace klyn::crypto::ed25519
