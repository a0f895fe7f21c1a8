#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the kinds
of input the test suites send: request bodies, HTTP requests, transfers, events (valid
and extreme), damaged-journal scripts, souk-node and soukctl command lines.

usage: tests/fuzz/make_seeds.py   (needs protoc and python3-protobuf, like
persistence/read_session.py; rerun after a schema change)"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def protos():
    out = tempfile.mkdtemp()
    schemas = os.path.join(ROOT, "schemas")
    files = [os.path.join("souk/v1", f) for f in os.listdir(os.path.join(schemas, "souk/v1"))
             if f.endswith(".proto")]
    subprocess.run(["protoc", f"-I{schemas}", f"--python_out={out}", *files], check=True)
    sys.path.insert(0, out)
    from souk.v1 import events_pb2, transfer_pb2  # noqa: E402
    return events_pb2, transfer_pb2


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


BODIES = {  # message index (json_reader_fuzz's first byte) -> bodies
    0: [
        '{"startSession":{"customerId":"cust-1","channel":"chat"}}',
        '{"addToCart":{"sku":"SKU-123","variantId":"blue-m","quantity":"2"}}',
        '{"expectedVersion":"3","applyDiscount":{"code":"MARCH10"}}',
        '{"recordDecision":{"kind":"recommend","confidence":0.85,"fallbacksTried":["a","b"]}}',
        '{"recordCustomerMessage":{"channel":"chat","text":"is it waterproof? \\u00e9\\ud83d\\ude00"}}',
        '{"setShippingAddress":{"address":{"name":"Ada","lines":["12 Road"],"city":"London","country":"GB"}}}',
        '{"recordAttribute":{"name":"prime","value":"yes","source":"crm","ttlSeconds":"86400"}}',
        '{"selectShippingMethod":{"method":"express","price":{"minorUnits":"900","currency":"USD"}}}',
        '{"command_id":"c-1","add_to_cart":{"sku":"SKU-900","quantity":1}}',
        '{"recordPaymentResult":{"attemptId":"s1-pay-7","authorized":true,"providerReference":"p"}}',
    ],
    1: ['{"sku":"SKU-123","variantId":"blue-m","available":"3","asOf":"2026-11-27T10:00:00.5Z"}'],
    2: ['{"code":"SPRING5","percentOffBp":500,"expiresAt":"2026-12-31T00:00:00+01:00","active":true}'],
    3: ['{"customerId":"cust-1","loyaltyTier":"gold","attributes":{"prime":"true"}}'],
    4: ['{"toAgentId":"email-agent","reason":"customer left","channel":"email"}'],
    6: ['{"stock":{"sku":"SKU-123","variantId":"blue-m","available":"5"}}',
        '{"product":{"sku":"SKU-1","name":"Hat","price":{"minorUnits":"900","currency":"USD"},'
        '"variants":[{"variantId":"red","color":"red"}]}}'],
}

KEYS = {"chat": "chat-agent-key", "support": "support-key", "inventory": "inventory-key",
        "payments": "payment-key", "crm": "crm-key", "ops": "ops-key"}


def request(method, target, key=None, body=None, headers=()):
    lines = [f"{method} {target} HTTP/1.1", "Host: souk"]
    if key:
        lines.append(f"Authorization: Bearer {KEYS[key]}")
    lines.extend(headers)
    if body is not None:
        lines.append(f"Content-Length: {len(body.encode())}")
    return "\r\n".join(lines) + "\r\n\r\n" + (body or "")


def main():
    events_pb2, transfer_pb2 = protos()
    n = 0
    for index, bodies in BODIES.items():
        for body in bodies:
            n += 1
            write("json_reader", f"body-{n:02d}", bytes([index]) + body.encode())

    start = BODIES[0][0]
    http = [
        request("POST", "/v1/sessions/s1/commands", "chat", start),
        request("POST", "/v1/sessions/s1/commands", "chat", BODIES[0][1], ['If-Match: "1"']),
        request("POST", "/v1/sessions/s1/commands", "ops", BODIES[0][2]),
        request("GET", "/v1/sessions/s1", "support"),
        request("GET", "/v1/sessions/s1?version=2", "support"),
        request("GET", "/v1/sessions/s1?at=-5m", "support"),
        request("HEAD", "/v1/sessions/s1", "support"),
        request("GET", "/v1/sessions/s1/events?after=1&limit=5", "support"),
        request("GET", "/v1/sessions/s1/events", "support", None,
                ["Accept: text/event-stream", "Last-Event-ID: 1"]),
        request("GET", "/v1/sessions/s1/diff?from=1&to=2", "support"),
        request("GET", "/v1/sessions/s1/transfer?to=email-agent&reason=r", "support"),
        request("POST", "/v1/sessions/s1/handoff", "chat", BODIES[4][0]),
        request("GET", "/v1/sessions?customer=cust-1&q=s&limit=5", "support"),
        request("POST", "/v1/inventory", "inventory", BODIES[1][0]),
        request("POST", "/v1/discounts", "inventory", BODIES[2][0]),
        request("POST", "/v1/customers/cust-1", "crm", BODIES[3][0]),
        request("POST", "/v1/transfers", "ops", '{"contractVersion":2,"payload":{"sessionId":"s1"}}'),
        request("GET", "/healthz"),
        request("GET", "/metrics"),
        request("GET", "/nowhere", "support"),
    ]
    for i, r in enumerate(http):
        write("http_gateway", f"request-{i:02d}", r)

    # Events: a journey's, and the extremes that once broke the node.
    def event(seq, **body):
        e = events_pb2.Event(event_id=f"e{seq}", session_id="s1", seq=seq, agent_id="chat-agent",
                             causation_id=f"c{seq}", schema_version=2)
        e.at.seconds = 1774000000 + seq
        kind, fields = next(iter(body.items()))
        getattr(e, kind).CopyFrom(fields)
        return e
    E = events_pb2
    samples = [
        event(1, session_started=E.SessionStarted(customer_id="cust-1", channel="chat")),
        event(8, cart_item_added=E.CartItemAdded(sku="SKU-123", variant_id="blue-m", quantity=2)),
        event(8, cart_item_added=E.CartItemAdded(sku="SKU-123", variant_id="blue-m",
                                                 quantity=9223372036854775807)),
        event(8, attribute_fetched=E.AttributeFetched(name="prime", ttl_seconds=9223372036854775807)),
        event(8, attribute_fetched=E.AttributeFetched(name="prime", ttl_seconds=-1)),
        event(8, cart_line_adjusted=E.CartLineAdjusted(sku="SKU-123", variant_id="blue-m",
                                                      to_quantity=-9223372036854775807)),
        event(8, discount_applied=E.DiscountApplied(code="X", percent_off_bp=2147483647)),
        event(8, payment_initiated=E.PaymentInitiated(attempt_id="a")),
        event(8, rolled_back_to_committed=E.RolledBackToCommitted(to_version=3)),
        event(8, transcript_summarized=E.TranscriptSummarized(summary="\xff" * 10)),
    ]
    samples[3].at.seconds = 253402300799
    for i, e in enumerate(samples):
        write("event_apply", f"event-{i:02d}", e.SerializeToString())

    # A transfer in JSON (first byte: 1 = JSON, 2 = seal anew with the receiver's key).
    t = transfer_pb2.StateTransfer(contract_version=2)
    p = t.payload
    p.transfer_id, p.session_id, p.to_agent_id, p.from_agent_id = "tr-1", "s1", "email-agent", "chat-agent"
    p.state.session_id, p.state.version, p.state.schema_version = "s1", 3, 2
    p.state.customer.customer_id = "cust-1"
    line = p.state.cart.lines.add(sku="SKU-123", variant_id="blue-m", quantity=2)
    line.unit_price.minor_units, line.unit_price.currency = 12900, "USD"
    from google.protobuf import json_format
    as_json = json_format.MessageToJson(t, indent=None)
    write("transfer", "transfer-json-sealed", bytes([3]) + as_json.encode())
    write("transfer", "transfer-binary-sealed", bytes([2]) + t.SerializeToString())
    write("transfer", "transfer-json-recorded", bytes([7]) + as_json.encode())

    # decide: a few bytes is all a structured fuzzer needs to begin.
    for i, seed in enumerate([b"\x00" * 8, bytes(range(64)), b"\x01" + b"\xff" * 40, b"decide"]):
        write("decide", f"seed-{i}", seed)
    for i, seed in enumerate([b"\x00\x01\x02\x03", b"\x04" * 32, b"\x06\x00\x05" + b"x" * 40]):
        write("journal_recovery", f"seed-{i}", seed)
    for i, seed in enumerate([b"--http=127.0.0.1:8080", b"\x03--idle-timeout=5min",
                              b"[gateway]\nverify-interval=60s\napi-keys=[]\n"]):
        write("node_config", f"seed-{i}", seed)
    for i, seed in enumerate([b"\x01\x01ana", b"\x00\x02\x03--at\x00-5m", b"state ana --version 3"]):
        write("soukctl", f"seed-{i}", seed)
    print("seeds written to", CORPUS)


if __name__ == "__main__":
    main()
