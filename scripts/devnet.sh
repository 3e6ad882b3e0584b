#!/usr/bin/env bash
# make run: create a local devnet in $1 (default ./devnet) if missing, then run the node in the
# foreground on 127.0.0.1:7777. Ctrl-C stops it gracefully (a second Ctrl-C exits at once).
set -euo pipefail
DIR=${1:-devnet}
BIN=build/bin/klyn74r
if [ ! -f "$DIR/CONFIGS/node.toml" ]; then
  "$BIN" init --dir "$DIR" --devnet --port 7777
fi
ALICE=$("$BIN" keys list --dir "$DIR" --json | python3 -c 'import json,sys; print([k["address"] for k in json.load(sys.stdin) if k["name"]=="alice"][0])')
BOB=$("$BIN" keys list --dir "$DIR" --json | python3 -c 'import json,sys; print([k["address"] for k in json.load(sys.stdin) if k["name"]=="bob"][0])')
cat <<MSG

  Devnet in $DIR: symbiotes alpha and beta (dev_controller), this node their controller, and
  gamma (dev_symbiland: BFT with BLS12-381 certificates), this node its one validator.
  Funded UNENCRYPTED test keys: alice $ALICE, bob $BOB

  In another terminal, send 100 from alice to bob on alpha and wait until it is applied:
    $BIN tx transfer --dir $DIR --key alice --symbiote alpha --to $BOB --amount 100 --wait
    $BIN query account --symbiote alpha $BOB

  The same on gamma, and the block with its quorum certificate:
    $BIN tx transfer --dir $DIR --key alice --symbiote gamma --to $BOB --amount 100 --wait
    curl -s http://127.0.0.1:7777/s/gamma/block/1

  alpha and beta checkpoint into each other every 10 blocks (CHECKPOINT events paid by the
  checkpointer key). After a few transfers on both, see beta-hosted commits of alpha become final:
    $BIN query finality -s alpha

MSG
exec "$BIN" run --dir "$DIR"
