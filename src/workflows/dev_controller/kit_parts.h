#pragma once
// The workflow kit's parts (src/workflows/kit/) dev_controller uses, by their short names here.
#include "workflows/kit/admission_journal.h"
#include "workflows/kit/alarm_book.h"
#include "workflows/kit/checkpointer.h"
#include "workflows/kit/event_forwarder.h"
#include "workflows/kit/gossip.h"
#include "workflows/kit/mempool.h"
#include "workflows/kit/peer_scores.h"
#include "workflows/kit/peers.h"
#include "workflows/kit/recent_refusals.h"

namespace klyn::dev_controller {
using kit::AdmissionJournal;
using kit::Checkpointer;
using kit::CheckpointProof;
using kit::decode_checkpoint_proof;
using kit::EventForwarder;
using kit::ForwardAnswers;
using kit::Gossip;
using kit::Lease;
using kit::Mempool;
using kit::MempoolLimits;
using kit::PeerScores;
using kit::PendingEvent;
using kit::RecentRefusals;
// dev_controller's checkpoint proofs are signed by the controller under this domain.
inline constexpr std::string_view kCheckpointProofDomain = "KLY-DC-CHECKPOINT-PROOF-v1";
}  // namespace klyn::dev_controller
