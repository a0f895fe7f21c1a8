#!/usr/bin/python3
"""Reads one session's events and snapshots from a souk data directory without souk's
code: python3-lmdb, python3-protobuf and the .proto files in schemas/ are enough.
persistence/README.md describes the layout this follows.

usage: read_session.py DATA_DIR SESSION_ID [--schemas DIR]
Prints one line per event (seq, type, time, agent) and per snapshot (version, cart).
Exits 1 if a record fails its CRC-32C or does not decode.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

import lmdb


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def unseal(value: bytes, where: str) -> bytes:
    """A stored value is a big-endian CRC-32C of the payload, then the payload."""
    if len(value) < 4 or struct.unpack(">I", value[:4])[0] != crc32c(value[4:]):
        sys.exit(f"corrupt: {where} fails its checksum")
    return value[4:]


def load_messages(schemas: str):
    """Generates Python modules from the shipped .proto files and imports them."""
    out = tempfile.mkdtemp(prefix="souk-py-")
    protos = [os.path.join("souk/v1", f) for f in os.listdir(os.path.join(schemas, "souk/v1"))
              if f.endswith(".proto")]
    subprocess.run(["protoc", f"-I{schemas}", f"--python_out={out}", *protos],
                   check=True)
    sys.path.insert(0, out)
    from souk.v1 import events_pb2, state_pb2, storage_pb2
    return events_pb2, state_pb2, storage_pb2


def session_key(session: str, seq: int) -> bytes:
    return session.encode() + b"\0" + struct.pack(">Q", seq)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("session")
    parser.add_argument("--schemas", default=os.path.join(here, "..", "schemas"))
    args = parser.parse_args()
    events_pb2, state_pb2, storage_pb2 = load_messages(args.schemas)

    journal = lmdb.open(os.path.join(args.data_dir, "journal"), readonly=True, max_dbs=16)
    archive = lmdb.open(os.path.join(args.data_dir, "archive"), readonly=True, max_dbs=4)
    prefix = args.session.encode() + b"\0"
    events = []

    def decode_event(value, where):
        event = events_pb2.Event()
        event.ParseFromString(unseal(value, where))
        return event

    with journal.begin() as txn:
        db = {name: journal.open_db(name.encode(), txn=txn) for name in
              ("log", "chunks", "snapshots", "sessions", "meta")}
        record = storage_pb2.SessionRecord()
        stored = txn.get(args.session.encode(), db=db["sessions"])
        if stored:
            record.ParseFromString(unseal(stored, "session record"))
        # 1. Archived events: (session, seq) keys in the archive's "events" DB.
        if record.archived_through_seq:
            with archive.begin() as atxn:
                cursor = atxn.cursor(archive.open_db(b"events", txn=atxn))
                if cursor.set_range(session_key(args.session, 1)):
                    for key, value in cursor:
                        if not key.startswith(prefix):
                            break
                        events.append(decode_event(value, f"archived {key!r}"))
        # 2. Indexed events: each chunk holds consecutive events of the session from the
        #    seq in its key on, each as a 4-byte big-endian length n and then a sealed
        #    Event (4-byte CRC-32C + n bytes). The chunk itself has no outer checksum.
        cursor = txn.cursor(db["chunks"])
        if cursor.set_range(prefix):
            for key, value in cursor:
                if not key.startswith(prefix) or len(key) != len(prefix) + 8:
                    break
                seq = struct.unpack(">Q", key[-8:])[0]
                at = 0
                while at < len(value):
                    (length,) = struct.unpack(">I", value[at:at + 4])
                    if not events or seq > events[-1].seq:
                        events.append(decode_event(value[at + 4:at + 8 + length],
                                                   f"event {args.session}#{seq}"))
                    at += 8 + length
                    seq += 1
        # 3. The newest events the index does not hold yet: scan the log from the first
        #    position it has not covered.
        through = struct.unpack(">Q", txn.get(b"indexed_through", db=db["meta"]) or bytes(8))[0]
        cursor = txn.cursor(db["log"])
        if cursor.set_range(struct.pack(">Q", through + 1)):
            for key, value in cursor:
                event = decode_event(value, f"log position {struct.unpack('>Q', key)[0]}")
                if event.session_id == args.session and (not events or event.seq > events[-1].seq):
                    events.append(event)
        for event in events:
            print(f"event {event.seq:6d} {event.WhichOneof('body'):28s} "
                  f"{event.at.ToJsonString()} {event.agent_id}")
        # Snapshots: (session, version) keys, values are sealed SessionState.
        cursor = txn.cursor(db["snapshots"])
        if cursor.set_range(prefix):
            for key, value in cursor:
                if not key.startswith(prefix):
                    break
                state = state_pb2.SessionState()
                state.ParseFromString(unseal(value, f"snapshot {key!r}"))
                cart = ", ".join(f"{l.quantity}x{l.sku}/{l.variant_id}" for l in state.cart.lines)
                print(f"snapshot {state.version:6d} updated {state.updated_at.ToJsonString()} "
                      f"cart [{cart}]")
    expected = list(range(1, len(events) + 1))
    if [e.seq for e in events] != expected:
        sys.exit("seqs are not contiguous")


if __name__ == "__main__":
    main()
