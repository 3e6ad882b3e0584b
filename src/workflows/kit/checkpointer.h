#pragma once
// Checkpoints of a symbiote's history on its hostchains (§4.4, §4.6), for any workflow: what it
// commits is a block it calls final (one that orders with a single key: applied; a BFT workflow:
// committed), and who commits is one key the workflow names.
//
// * The committer commits (index, hash) of block `index` to every hostchain of the manifest that
//   this node has a connector for and that is not stopped, whenever the final height reaches the
//   next multiple of the manifest's checkpoint_every. At most one unconfirmed commit per
//   hostchain at a time; the commit record is stored before the next step, so a restart
//   continues where it was (no second commit of an index that was already sent).
// * Once a commit has the hostchain's required confirmations, the committer signs a **proof**
//   (symbiote, hostchain, index, hash, hostchain transaction) and gossips it.
// * Every node **audits**: it reads the symbiote's commits back from each hostchain it has a
//   connector for (trusting nobody) and compares each sufficiently deep one with its own block
//   at that index. Equal → finality on that hostchain advances. Different and the commit is the
//   one a committer-signed proof names → an alarm (kind "hostchain_mismatch", the workflow
//   decides that it halts) with the proof and the hostchain transaction as evidence. Different
//   and nobody signed it → counted as a foreign commit and logged: anyone can write bytes to a
//   public hostchain, so an unsigned commit proves nothing about the committer.
//
// Invariants (tests: Checkpointer.*, integration Hostchains.* and HostchainsTwoKinds.*):
// * K1  checkpoint_target(final, every) is the largest multiple of `every` ≤ final; a commit is
//       only made for an index above the last committed one, of a block this node holds final.
// * K2  Never two unconfirmed commits on one hostchain; a commit record is durable before the
//       connector is asked to do anything else on that hostchain.
// * K4  A commit record is stored as an *intent* (tx "") before the connector is asked to send
//       it, so a crash between sending and storing the transaction id cannot lose the fact that
//       something may have been sent; a re-send of a dropped transaction goes through an intent
//       too. After a restart such an intent is resolved by reading the hostchain back: a commit
//       of that (index, hash) found → adopted, no second commit; sent again only after
//       kUnseenChecksBeforeResend checks and 10 minutes without finding it. (Left open: a
//       transaction still in the hostchain's mempool after that, a read-back that has not
//       scanned up to the tip by then — set the bitcoin start_height near the deployment — and
//       an in-process send that timed out after reaching the hostchain are sent twice.)
// * K5  A confirmed commit always gets its proof: the proof is stored before the record says
//       "confirmed", and a confirmed record found without its proof gets one made in the next
//       round (CheckpointerLogic.AConfirmedCommitWithoutAStoredProofGetsItsProofAfterARestart).
// * K3  A proof verifies only under the committer's key and the workflow's proof domain; an
//       alarm needs both a valid proof and the hostchain's own read-back showing that commit at
//       the required depth.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chain/store.h"
#include "hostchains/connector.h"
#include "workflows/kit/alarm_book.h"

namespace klyn::kit {

struct CheckpointProof {
  chain::SymbioteId symbiote{};
  chain::HostchainRef hostchain;
  uint64_t index = 0;
  Hash32 hash{};
  std::string tx;
  crypto::Signature signature{};

  // domain (the workflow's own) | symbiote | type | network |
  // address | index | hash | tx
  Bytes signing_bytes(std::string_view domain) const;
  Bytes encode(std::string_view domain) const;  // signing bytes | signature
  void sign(std::string_view domain, const crypto::KeyPair& committer);
  bool verify(std::string_view domain, const crypto::PublicKey& committer) const;
  nlohmann::json to_json() const;
};
Result<CheckpointProof> decode_checkpoint_proof(ByteSpan bytes, std::string_view domain);

// K1.
inline uint64_t checkpoint_target(uint64_t applied, uint64_t every) {
  return every == 0 ? 0 : applied - applied % every;
}

// The committer's last commit on one hostchain (stored under <key_prefix>ckpt:<name>).
struct CommitRecord {
  uint64_t index = 0;
  Hash32 hash{};
  std::string tx;
  bool confirmed = false;
  uint32_t unseen_checks = 0;  // checks that found the transaction unknown to the hostchain
  bool intent() const { return tx.empty(); }  // K4: stored before sending, no tx id yet
  Bytes encode() const;
};
Result<CommitRecord> decode_commit_record(ByteSpan bytes);

class Checkpointer {
 public:
  struct Options {
    chain::SymbioteId symbiote{};
    crypto::PublicKey committer{};               // whose proofs count (K3)
    std::shared_ptr<const crypto::KeyPair> key;  // set on the committer's node: it commits
    std::string proof_domain;                    // the workflow's domain of its proofs
    std::string mismatch_domain;  // hashed with the evidence into a mismatch alarm's id
    std::string key_prefix;       // the workflow's storage prefix: <prefix>ckpt:, <prefix>proof:
    uint64_t every = 0;           // manifest.checkpoint_every (0 = no commits)
    std::chrono::milliseconds interval{1000};  // one round of commit + audit steps
    // The highest height this workflow calls final on this node (K1).
    std::function<uint64_t()> final_height;
    std::function<std::optional<Hash32>(uint64_t)> block_hash;  // stored block hash, if any
    std::function<void(const CheckpointProof&)> on_proof;       // a new proof (made or received)
    std::function<void(Alarm)> on_mismatch;                     // a checked hostchain mismatch
    std::shared_ptr<spdlog::logger> log;
    // Fault injection for tests: called right after a connector returned from commit(), before
    // anything is stored (the crash window K4 covers).
    std::function<void()> after_commit_sent;
  };
  // `links` are owned by the checkpointer from here on (its thread is their only user).
  Checkpointer(chain::ChainStore& store, std::vector<hostchains::HostchainLink> links,
               Options options);
  ~Checkpointer();
  Status load();  // stored commit records and proofs
  void start();
  void stop();
  void wake();  // e.g. after a block was applied

  // A proof from a peer: verified (K3), stored, and audited in the next round. Returns whether
  // it was new; "bad_proof" when it does not verify.
  Result<bool> receive_proof(const CheckpointProof& proof);
  nlohmann::json finality() const;
  std::vector<CheckpointProof> proofs() const;

 private:
  struct LinkState {
    std::optional<CommitRecord> last;  // committer: last commit
    bool uncertain_intent = false;     // K4: an intent found at start-up, maybe sent before
    std::chrono::steady_clock::time_point intent_found_at{};
    std::string status = "ok";  // ok | retrying | stopped | not_configured
    std::string last_error;
    std::chrono::steady_clock::time_point retry_at{};
    int failures = 0;
    // Audit results.
    uint64_t final_index = 0;
    Hash32 final_hash{};
    std::string final_tx;
    uint64_t final_confirmations = 0;
    std::set<std::string> foreign_txs;  // commits differing from local, not under a proof
    uint64_t highest_seen = 0;          // highest index read back (any hash)
    bool mismatch = false;
    // The first check of the current commit that found its transaction unknown (this run).
    std::chrono::steady_clock::time_point first_unseen_at{};
  };
  void loop();
  void commit_step(hostchains::HostchainLink& link, LinkState& st);
  void store_intent_and_send(hostchains::HostchainLink& link, LinkState& st);
  void send_intent(hostchains::HostchainLink& link, LinkState& st);
  void resolve_intent(hostchains::HostchainLink& link, LinkState& st);
  void audit_step(hostchains::HostchainLink& link, LinkState& st);
  void failed(LinkState& st, const Error& e);
  Status make_proof(const hostchains::HostchainLink& link, const LinkState& st);  // signs, stores
  Status store_record(const std::string& name, const CommitRecord& r);
  Status store_proof(const CheckpointProof& p);
  std::string record_prefix() const { return o_.key_prefix + "ckpt:"; }
  std::string proof_prefix() const { return o_.key_prefix + "proof:"; }

  chain::ChainStore& store_;
  std::vector<hostchains::HostchainLink> links_;
  Options o_;
  mutable std::mutex mu_;  // guards states_, proofs_
  std::map<std::string, LinkState> states_;
  std::map<std::string, CheckpointProof> proofs_;  // by tx
  std::condition_variable cv_;
  bool stop_ = false, woken_ = false;
  bool audit_due_ = false;  // a proof arrived: audit in the next round
  std::thread thread_;
};

}  // namespace klyn::kit
