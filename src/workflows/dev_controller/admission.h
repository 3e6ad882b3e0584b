#pragma once
// Admission (D5, D12): what a node checks before it answers "accepted", on every node and in the
// simulation alike. The rules that depend on the state are chain's (chain/rules.h), so an event
// is admitted only if the chain would apply it in the committed state admission read; admission
// adds what only it knows: size, structure, the nonce not yet used. Signatures and the mempool's
// own checks (duplicate, nonce window, room) come after these.

#include "chain/account.h"
#include "chain/event.h"
#include "chain/genesis.h"

namespace klyn::dev_controller {

// Whatever the state: symbiote, size (manifest limit), payload structure, minimum fee.
// Errors: wrong_symbiote, too_large, the payload's, fee_too_low.
Status check_event_alone(const chain::Event& e, const chain::SymbioteId& symbiote,
                         const chain::Manifest& m);
// Against the sender's committed account: the nonce is unused, and chain::check_spend. Errors:
// nonce_used, overflow, insufficient_balance, insufficient_stake, ...
Status check_event_against(const chain::Event& e, const chain::Account& sender);

}  // namespace klyn::dev_controller
