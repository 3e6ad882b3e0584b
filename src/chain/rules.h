#pragma once
// The rules of one event against the state (§4.3), written once. Block application
// (BlockApplier::apply) and admission (a workflow's checks before it answers "accepted") both
// call them, so an event is admitted only if the chain would apply it in the state admission
// read, and both give the same reasons. What each adds: application the nonce rule (next nonce,
// or C4's gap) and the effects; admission the nonce being unused, size limits and duplicates.
#include "chain/account.h"
#include "chain/event.h"
#include "chain/genesis.h"

namespace klyn::chain {

// What holds whatever the state: the event is for `symbiote` and pays at least the minimum fee.
// Errors: wrong_symbiote, fee_too_low.
Status check_envelope(const Event& e, const SymbioteId& symbiote, const Manifest& m);

// What the sender's account must cover: the payload decodes, amount + fee does not overflow, the
// balance covers what the event takes from it (the fee, plus the amount for TRANSFER and STAKE),
// UNSTAKE has that much stake. Returns what the event takes from the balance. Errors: the
// payload's (bad_payload), overflow, insufficient_balance, insufficient_stake,
// unsupported_type.
Result<Amount> check_spend(const Event& e, const Account& sender);

}  // namespace klyn::chain
