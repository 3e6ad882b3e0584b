#pragma once
// Admission (dev_controller D5, D12): what a node of any workflow checks before it answers
// "accepted", in the node and in the simulations alike. The rules that depend on the state are
// chain's (chain/rules.h), so an event is admitted only if the chain would apply it in the
// committed state admission read; admission adds what only it knows: size, structure, the nonce
// not yet used. Signatures and the mempool's own checks (duplicate, nonce window, room) come
// after these.

#include <functional>

#include "chain/account.h"
#include "chain/event.h"
#include "chain/genesis.h"
#include "workflows/kit/mempool.h"

namespace klyn::kit {

// Whatever the state: symbiote, size (manifest limit), payload structure, minimum fee.
// Errors: wrong_symbiote, too_large, the payload's, fee_too_low.
Status check_event_alone(const chain::Event& e, const chain::SymbioteId& symbiote,
                         const chain::Manifest& m);
// Against the sender's committed account: the nonce is unused, and chain::check_spend. Errors:
// nonce_used, overflow, insufficient_balance, insufficient_stake, ...
Status check_event_against(const chain::Event& e, const chain::Account& sender);

// Admission's checks in their order, as every node and the simulation run them: the event alone,
// not already pending here ("duplicate"), then against the sender's committed account (`account`
// reads it; its error is returned). Pending events of the sender are not counted: the verifier
// has the final word. The event's hash on success; the signature is the caller's next check
// (batched), then Mempool::add.
Result<Hash32> check_admission(
    const chain::Event& e, const chain::SymbioteId& symbiote, const chain::Manifest& m,
    const Mempool& mempool,
    const std::function<Result<chain::Account>(const chain::AccountId&)>& account);

}  // namespace klyn::kit
