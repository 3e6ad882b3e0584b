#pragma once
// The workflow kit's parts (src/workflows/kit/) dev_controller uses, by their short names here.
#include "workflows/kit/admission_journal.h"
#include "workflows/kit/event_forwarder.h"
#include "workflows/kit/gossip.h"
#include "workflows/kit/mempool.h"
#include "workflows/kit/peer_scores.h"
#include "workflows/kit/peers.h"

namespace klyn::dev_controller {
using kit::AdmissionJournal;
using kit::EventForwarder;
using kit::ForwardAnswers;
using kit::Gossip;
using kit::Lease;
using kit::Mempool;
using kit::MempoolLimits;
using kit::PeerScores;
using kit::PendingEvent;
}  // namespace klyn::dev_controller
