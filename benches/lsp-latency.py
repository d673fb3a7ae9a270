#!/usr/bin/env python3
"""Latency of `kmslint server`: from a didChange to the publishDiagnostics that answers it.

    python3 benches/lsp-latency.py [--kmslint target/release/kmslint] [--runs 30] [--template FILE]...

Python standard library only: speaks JSON-RPC with Content-Length framing over the server's
stdin and stdout. For each template (by default two generated ones, about 100 kB and about
1 MB of YAML, dense with keys and policies, like examples/generate_templates.rs), it sends
didOpen and waits for the first diagnostics (the "open" column), then RUNS times sends a small
edit (a 10-character counter in one key's Description, in the middle of the file) and measures
the time until the publishDiagnostics for that version arrives (or, if the server does not
give versions, the next one for the document). The edit goes as a ranged change when the
server asks for incremental sync, as the whole text when it asks for full sync.

Prints the median, p90, min and max per template, and the issue's goals (under 20 ms at
100 kB, under 100 ms at 1 MB). `--check` exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GOALS_MS = {"100 kB": 20.0, "1 MB": 100.0}


def key(i: int, counter: str | None = None) -> str:
    description = f"Key number {i} for the benchmark" + (f", edit {counter}" if counter else "")
    rotation = "false" if i % 4 == 0 else "true"
    return f"""\
  Key{i}:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      Description: {description}
      EnableKeyRotation: {rotation}
      MultiRegion: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Enable IAM User Permissions
            Effect: Allow
            Principal:
              AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'
            Action: 'kms:*'
            Resource: '*'
          - Sid: Allow use of the key
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:role/App{i}
            Action: [kms:Encrypt, kms:Decrypt, 'kms:ReEncrypt*', 'kms:GenerateDataKey*', kms:DescribeKey]
            Resource: '*'
            Condition:
              StringEquals:
                kms:ViaService: !Sub 's3.${{AWS::Region}}.amazonaws.com'
                kms:CallerAccount: !Ref AWS::AccountId
      Tags:
        - Key: team
          Value: team-{i % 20}
  Alias{i}:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/bench/key-{i}
      TargetKeyId: !Ref Key{i}
"""


def other(i: int) -> str:
    if i % 2:
        return f"""\
  Bucket{i}:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'bench-${{AWS::AccountId}}-{i}'
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt Key{i - i % 3}.Arn
"""
    return f"""\
  Queue{i}:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      KmsMasterKeyId: !Ref Key{i - i % 3}
"""


def generate(target_bytes: int) -> tuple[str, str]:
    """A template of about target_bytes, and the counter (10 characters) that the edits change,
    in the Description of the key in the middle."""
    header = "AWSTemplateFormatVersion: '2010-09-09'\nDescription: generated for kmslint's LSP latency benchmark\nResources:\n"
    per_three = len(key(0)) + len(other(1)) + len(other(2))
    n = max(3, 3 * (target_bytes - len(header)) // per_three)
    middle = (n // 2) - (n // 2) % 3
    parts = [header]
    for i in range(n):
        if i % 3 == 0:
            parts.append(key(i, "0000000000" if i == middle else None))
        else:
            parts.append(other(i))
    return "".join(parts), "0000000000"


class Server:
    def __init__(self, cmd: list[str], stderr) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put((time.perf_counter(), None))
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = out.read(length)
            self.inbox.put((time.perf_counter(), json.loads(body)))

    def send(self, msg: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **msg}, ensure_ascii=False).encode()
        t = time.perf_counter()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return t

    def notify(self, method: str, params) -> float:
        return self.send({"method": method, "params": params})

    def wait(self, pred, what: str, timeout: float):
        """The first message that pred accepts, and when it arrived; answers the server's requests."""
        deadline = time.perf_counter() + timeout
        while True:
            try:
                t, msg = self.inbox.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}") from None
            if msg is None:
                raise SystemExit(f"the server exited (status {self.proc.wait()}) while we waited for {what}")
            if "method" in msg and "id" in msg:  # a request from the server
                items = (msg.get("params") or {}).get("items")
                result = [None] * len(items) if msg["method"] == "workspace/configuration" and items else None
                self.send({"id": msg["id"], "result": result})
                continue
            if pred(msg):
                return t, msg

    def request(self, method: str, params, timeout: float):
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        _, msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, method, timeout)
        if "error" in msg:
            raise SystemExit(f"{method}: {msg['error']}")
        return msg.get("result")


def position(text: str, index: int) -> dict:
    line = text.count("\n", 0, index)
    start = text.rfind("\n", 0, index) + 1
    return {"line": line, "character": len(text[start:index].encode("utf-16-le")) // 2}


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[max(0, math.ceil(p * len(s)) - 1)]


def bench(server: Server, sync: int, label: str, path: Path, text: str, counter: str, runs: int, timeout: float):
    uri = path.resolve().as_uri()

    def published(version):
        def pred(m):
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            v = m["params"].get("version")
            return v is None or v == version
        return pred

    t0 = server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "json" if path.suffix == ".json" else "yaml", "version": 1, "text": text}})
    t1, msg = server.wait(published(1), f"diagnostics of {label} after didOpen", timeout)
    open_ms = (t1 - t0) * 1000
    count = len(msg["params"]["diagnostics"])
    at = text.rindex(counter)
    times = []
    for run in range(1, runs + 1):
        new = f"{run:010d}" if counter.strip() else f"{run:010b}".replace("0", " ").replace("1", "\t")
        version = run + 1
        if sync == 2:
            change = {"range": {"start": position(text, at), "end": position(text, at + len(counter))}, "text": new}
        text = text[:at] + new + text[at + len(counter):]
        if sync != 2:
            change = {"text": text}
        counter = new
        t0 = server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        t1, msg = server.wait(published(version), f"diagnostics of {label} after didChange {run}", timeout)
        times.append((t1 - t0) * 1000)
        if len(msg["params"]["diagnostics"]) != count:
            print(f"note: {label}: {len(msg['params']['diagnostics'])} diagnostics after edit {run}, {count} after opening", file=sys.stderr)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return open_ms, count, times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kmslint", default=os.environ.get("KMSLINT", "target/release/kmslint"))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--template", action="append", default=[], type=Path,
                    help="benchmark this template too (a copy, with a marker at the end that the edits change)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer")
    ap.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="kmslint-lsp-latency-") as tmp:
        work = Path(tmp)
        inputs = []
        for label, size in (("100 kB", 100_000), ("1 MB", 1_000_000)):
            text, counter = generate(size)
            path = work / f"bench-{size}.yaml"
            path.write_text(text, encoding="utf-8")
            inputs.append((label, path, text, counter))
        for path in args.template:
            # The edits change a marker added at the end: a comment in YAML, trailing
            # whitespace (spaces and tabs) after the value in JSON.
            text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
            counter = " " * 10 if path.suffix == ".json" else "0000000000"
            text += counter if path.suffix == ".json" else "# kmslint-bench 0000000000\n"
            copy = work / path.name
            copy.write_text(text, encoding="utf-8")
            inputs.append((path.name, copy, text, counter))

        stderr_path = work / "server.stderr"
        with open(stderr_path, "wb") as stderr:
            server = Server([args.kmslint, "server"], stderr)
            try:
                result = server.request("initialize", {
                    "processId": os.getpid(),
                    "rootUri": work.resolve().as_uri(),
                    "capabilities": {
                        "general": {"positionEncodings": ["utf-16"]},
                        "textDocument": {"publishDiagnostics": {"versionSupport": True},
                                         "synchronization": {"didSave": False}},
                    },
                    "clientInfo": {"name": "kmslint lsp-latency"},
                }, args.timeout)
                sync = result["capabilities"].get("textDocumentSync", 0)
                sync = sync.get("change", 0) if isinstance(sync, dict) else sync
                if sync not in (1, 2):
                    raise SystemExit(f"the server takes no document changes (textDocumentSync {sync!r})")
                server.notify("initialized", {})
                rows = []
                for label, path, text, counter in inputs:
                    open_ms, count, times = bench(server, sync, label, path, text, counter, args.runs, args.timeout)
                    rows.append((label, len(text.encode()), count, open_ms, times))
                server.request("shutdown", None, args.timeout)
                server.notify("exit", None)
                server.proc.wait(timeout=10)
            except BaseException:
                if server.proc.poll() is None:
                    server.proc.kill()
                tail = stderr_path.read_bytes()[-4000:].decode(errors="replace").strip()
                if tail:
                    print(f"the server's stderr ends with:\n{tail}", file=sys.stderr)
                raise

    missed = False
    print(f"kmslint server, {'incremental' if sync == 2 else 'full'} sync, {args.runs} edits per template "
          f"(time from didChange sent to publishDiagnostics received)")
    width = max(12, *(len(r[0]) for r in rows))
    print(f"{'template':<{width}} {'size':>10} {'diags':>6} {'open':>9} {'median':>9} {'p90':>9} {'min':>9} {'max':>9}  goal")
    for label, size, count, open_ms, times in rows:
        med, p90 = statistics.median(times), pct(times, 0.9)
        goal = GOALS_MS.get(label)
        verdict = ""
        if goal is not None:
            ok = med < goal
            missed |= not ok
            verdict = f"median < {goal:.0f} ms: {'yes' if ok else 'NO'}"
        print(f"{label:<{width}} {size:>10,} {count:>6} {open_ms:>7.1f}ms {med:>7.1f}ms {p90:>7.1f}ms "
              f"{min(times):>7.1f}ms {max(times):>7.1f}ms  {verdict}")
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
