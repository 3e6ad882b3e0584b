#!/usr/bin/env python3
"""Checks docs/vectors/*.json with an implementation of its own (docs/api.md), not the node's:
Python's hashlib for BLAKE2b, the OpenSSL command line for Ed25519, and a decoder of the canonical
encoding written from docs/api.md. Run by `make test` (CTest `docs.vectors`); usage:
check_vectors.py [DIR]. Exit status 0 when every check holds."""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
TYPES = {1: "TRANSFER", 2: "STAKE", 3: "UNSTAKE", 4: "DELEGATE", 5: "OFFSPRING", 6: "CHECKPOINT"}


def b58(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def blake2b256(domain: bytes, data: bytes) -> str:
    return hashlib.blake2b(domain + data, digest_size=32).hexdigest()


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u(self, n: int) -> int:  # big-endian unsigned
        return int.from_bytes(self.take(n), "big")

    def varint(self) -> int:  # LEB128: 7 bits per byte, low groups first, high bit = more
        v, shift = 0, 0
        while True:
            b = self.take(1)[0]
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7


def read_event(r: Reader) -> dict:
    e = {"symbiote": r.take(32).hex(), "type": r.u(2), "creator": r.take(32), "nonce": r.u(8),
         "fee": r.u(8)}
    e["payload"] = r.take(r.varint())
    e["signature"] = r.take(64)
    return e


def ed25519(seed: bytes, message: bytes):
    """(public key, signature) from OpenSSL, given the 32-byte seed."""
    der = bytes.fromhex("302e020100300506032b657004220420") + seed  # PKCS#8 Ed25519
    with tempfile.TemporaryDirectory() as d:
        key, msg, sig = (os.path.join(d, n) for n in ("k.der", "m", "s"))
        open(key, "wb").write(der)
        open(msg, "wb").write(message)
        pub = subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", key, "-pubout",
                              "-outform", "DER"], check=True, capture_output=True).stdout[-32:]
        subprocess.run(["openssl", "pkeyutl", "-sign", "-keyform", "DER", "-inkey", key,
                        "-rawin", "-in", msg, "-out", sig], check=True)
        return pub, open(sig, "rb").read()


def main() -> int:
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append(f"{what}: got {got!r}, want {want!r}")

    gen = json.load(open(os.path.join(here, "genesis.json")))
    check("symbiote id", blake2b256(b"KLY-SYMBIOTE-ID-v1", bytes.fromhex(gen["encoding"])),
          gen["symbiote_id"])
    vec = json.load(open(os.path.join(here, "events.json")))
    check("events' symbiote", vec["symbiote"], gen["symbiote_id"])
    for v in vec["events"]:
        name = v["name"]
        enc = bytes.fromhex(v["encoding"])
        r = Reader(enc)
        e = read_event(r)
        check(f"{name}: trailing bytes", r.pos, len(enc))
        pub, sig = ed25519(bytes.fromhex(v["seed"]), bytes.fromhex(v["signing_bytes"]))
        check(f"{name}: public key", pub.hex(), v["public_key"])
        check(f"{name}: address", b58(pub), v["address"])
        check(f"{name}: creator", e["creator"], pub)
        check(f"{name}: signature (OpenSSL, deterministic)", sig.hex(), v["signature"])
        check(f"{name}: signature in the encoding", e["signature"].hex(), v["signature"])
        check(f"{name}: signing bytes", bytes.fromhex(v["signing_bytes"]),
              b"KLY-EVENT-v1" + enc[:-64])
        check(f"{name}: hash", blake2b256(b"KLY-EVENT-HASH-v1", enc), v["hash"])
        check(f"{name}: payload", e["payload"].hex(), v["payload"])
        f = v["fields"]
        check(f"{name}: type", TYPES.get(e["type"]), f["type"])
        check(f"{name}: nonce", e["nonce"], f["nonce"])
        check(f"{name}: fee", e["fee"], f["fee"])
        check(f"{name}: fields.symbiote", e["symbiote"], f["symbiote"])
        check(f"{name}: fields.creator", b58(e["creator"]), f["creator"])
        p = Reader(e["payload"])
        if f["type"] == "TRANSFER":
            check(f"{name}: to", b58(p.take(32)), f["payload"]["to"])
            check(f"{name}: amount", p.u(8), f["payload"]["amount"])
        elif f["type"] in ("STAKE", "UNSTAKE"):
            check(f"{name}: amount", p.u(8), f["payload"]["amount"])
        elif f["type"] == "DELEGATE":
            flag = p.u(1)
            check(f"{name}: delegate", b58(p.take(32)) if flag else None,
                  f["payload"]["delegate"])
        elif f["type"] == "CHECKPOINT":
            check(f"{name}: source", p.take(32).hex(), f["payload"]["source"])
            check(f"{name}: index", p.u(8), f["payload"]["index"])
            check(f"{name}: block hash", p.take(32).hex(), f["payload"]["hash"])
        check(f"{name}: payload length", p.pos, len(e["payload"]))
    batch = Reader(bytes.fromhex(vec["batch"]["encoding"]))
    n = batch.varint()
    check("batch count", n, len(vec["events"]))
    for v in vec["events"]:
        start = batch.pos
        read_event(batch)
        check(f"batch: {v['name']}", batch.data[start:batch.pos].hex(), v["encoding"])
    check("batch: trailing bytes", batch.pos, len(batch.data))
    for f in failures:
        print("FAIL", f)
    print(f"{len(vec['events'])} event vectors, a batch and a genesis: "
          f"{'all checks hold' if not failures else str(len(failures)) + ' failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
