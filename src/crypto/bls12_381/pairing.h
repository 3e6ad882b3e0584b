#pragma once
// The optimal ate pairing e: G1 x G2 -> GT (a subgroup of Fp12*), with a multi-pairing that
// shares one Miller loop and one final exponentiation across many pairs.
//
// e(P, Q) = f_{|x|,Q}(P)^(-(p^12 - 1) / r), the standard reduced pairing value. Pairs with an
// identity point contribute 1. Variable time (inputs are public in all uses).

#include <span>

#include "crypto/bls12_381/fp12.h"
#include "crypto/bls12_381/point.h"

namespace klyn::bls {

struct PairingInput {
  G1Affine p;
  G2Affine q;
};

// Product of the Miller functions of all pairs (not yet exponentiated).
Fp12 miller_loop(std::span<const PairingInput> pairs);
// f^((p^12 - 1) / r) exactly (not a power of it).
Fp12 final_exponentiation(const Fp12& f);

Fp12 pairing(const G1Affine& p, const G2Affine& q);
// True iff prod e(p_i, q_i) == 1.
bool pairing_product_is_one(std::span<const PairingInput> pairs);

}  // namespace klyn::bls
