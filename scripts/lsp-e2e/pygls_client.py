#!/usr/bin/env python3
"""`kmslint server` end to end through pygls, with UTF-16 positions after non-ASCII text.

    python scripts/lsp-e2e/pygls_client.py --kmslint target/debug/kmslint

Needs `pygls` (1.x or 2.x) and `lsprotocol` from PyPI. Starts `KMSLINT server` over stdio,
initializes with UTF-16 as the only position encoding, opens a template whose KMS206 finding
(`Effect: allow`) sits after an emoji (two UTF-16 code units, four UTF-8 bytes) and a curly
quote (one code unit, three bytes) on the same line, and checks:

- the diagnostic's start character is the UTF-16 column computed here, not the byte or the
  code point column;
- `textDocument/codeAction` offers a quickfix for it whose edit, applied here to the text,
  writes `Allow`;
- after `didChange` with that text, the KMS206 diagnostic is gone;
- `shutdown` and `exit` end the server.

Exits 0 when all of this holds, 1 with a message otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient

TIMEOUT = 20.0

# The emoji and the right single quotation mark come before `allow` on the statement's line.
# (The quotation mark gets KMS201 findings of its own: this client looks only at KMS206.)
TEMPLATE = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - {Sid: "\U0001f511 Admins\u2019 access", Effect: allow, Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}, Action: 'kms:*', Resource: '*'}
"""
LINE = 10  # 0-based line of `allow`
CODE = "KMS206"


class Failure(Exception):
    pass


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def offset_of(text: str, pos: types.Position) -> int:
    """Index in `text` of an LSP position counted in UTF-16 code units."""
    lines = text.split("\n")
    if pos.line >= len(lines):
        return len(text)
    start = sum(len(line) + 1 for line in lines[: pos.line])
    line, units = lines[pos.line], 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return start + i
        units += utf16_len(ch)
    return start + len(line)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Applies TextEdits (ranges of the original text, not overlapping) from the last to the first."""
    spans = sorted(
        ((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


def code_of(d: types.Diagnostic) -> str | None:
    return None if d.code is None else str(d.code)


def make_client() -> BaseLanguageClient:
    try:
        return BaseLanguageClient("kmslint-lsp-e2e", "1")
    except TypeError:
        return BaseLanguageClient()  # type: ignore[call-arg]


async def run(kmslint: str, workdir: Path) -> None:
    path = workdir / "unicode.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    uri = path.resolve().as_uri()
    text = TEMPLATE
    line = text.split("\n")[LINE]
    col = utf16_len(line[: line.index("allow")])
    # The whole point: UTF-16, code points and bytes all differ here.
    assert col != line.index("allow") != len(line[: line.index("allow")].encode())

    client = make_client()
    published: dict[int | None, list[types.Diagnostic]] = {}
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(*args):
        params = args[-1]  # pygls 1.x passes (client, params), 2.x (params)
        if params.uri == uri:
            published[params.version] = list(params.diagnostics)
            published["last"] = list(params.diagnostics)  # type: ignore[index]
            arrived.set()

    async def wait_for(pred, what: str) -> list[types.Diagnostic]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            last = published.get("last")  # type: ignore[call-overload]
            if last is not None and pred(last):
                return last
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise Failure(f"timed out after {TIMEOUT:.0f} s waiting for {what}; last diagnostics: {last}")
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    await client.start_io(kmslint, "server")
    # pygls pipes the server's stderr and leaves it unread: drain it, so that a chatty server
    # cannot fill the pipe and block, and show its tail when something fails.
    stderr = bytearray()

    async def drain(stream):
        while chunk := await stream.read(65536):
            stderr.extend(chunk)
            del stderr[:-8192]

    drainer = asyncio.create_task(drain(client._server.stderr))
    asked_to_exit = False
    succeeded = False
    try:
        result = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=workdir.resolve().as_uri(),
                    capabilities=types.ClientCapabilities(
                        general=types.GeneralClientCapabilities(
                            position_encodings=[types.PositionEncodingKind.Utf16]
                        ),
                        text_document=types.TextDocumentClientCapabilities(
                            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                                version_support=True
                            ),
                            code_action=types.CodeActionClientCapabilities(
                                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                                    code_action_kind=types.ClientCodeActionKindOptions(
                                        value_set=[types.CodeActionKind.QuickFix]
                                    )
                                )
                            ),
                        ),
                    ),
                    client_info=types.ClientInfo(name="kmslint-lsp-e2e (pygls)"),
                )
            ),
            TIMEOUT,
        )
        caps = result.capabilities
        encoding = caps.position_encoding
        if encoding not in (None, types.PositionEncodingKind.Utf16, "utf-16"):
            raise Failure(f"asked for UTF-16 only, the server chose {encoding!r}")
        sync = caps.text_document_sync
        change_kind = sync if isinstance(sync, types.TextDocumentSyncKind) else getattr(sync, "change", None)
        print(f"pygls: server {getattr(result.server_info, 'name', '?')}, text sync {change_kind!r}")
        client.initialized(types.InitializedParams())

        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
            )
        )

        def kms206(diags):
            return [d for d in diags if code_of(d) == CODE]

        diags = await wait_for(lambda ds: kms206(ds), f"a {CODE} diagnostic")
        found = kms206(diags)
        d = found[0]
        if (d.range.start.line, d.range.start.character) != (LINE, col):
            raise Failure(
                f"{CODE} starts at {d.range.start.line}:{d.range.start.character}, expected {LINE}:{col} "
                f"(UTF-16; code points give {line.index('allow')}, bytes {len(line[: line.index('allow')].encode())})"
            )
        if d.range.end.character - d.range.start.character != len("allow"):
            raise Failure(f"{CODE} range {d.range} does not cover `allow`")
        print(f"pygls: {CODE} at {LINE}:{col} (UTF-16), as expected")

        actions = await asyncio.wait_for(
            client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=d.range,
                    context=types.CodeActionContext(
                        diagnostics=[d], only=[types.CodeActionKind.QuickFix]
                    ),
                )
            ),
            TIMEOUT,
        )
        quickfixes = [
            a for a in actions or []
            if isinstance(a, types.CodeAction)
            and (a.kind is None or str(a.kind).startswith("quickfix"))
        ]
        if not quickfixes:
            raise Failure(f"no quickfix code action for {CODE}; got {actions}")
        action = next((a for a in quickfixes if a.edit is not None), quickfixes[0])
        if action.edit is None:
            action = await asyncio.wait_for(client.code_action_resolve_async(action), TIMEOUT)
        if action.edit is None:
            raise Failure(f"the quickfix {action.title!r} has no edit, even resolved")
        edits: list[types.TextEdit] = []
        if action.edit.changes:
            edits = list(action.edit.changes.get(uri, []))
        for change in action.edit.document_changes or []:
            if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
                edits.extend(e for e in change.edits if isinstance(e, types.TextEdit))
        if not edits:
            raise Failure(f"the quickfix {action.title!r} edits nothing in {uri}: {action.edit}")
        new_text = apply_edits(text, edits)
        new_line = new_text.split("\n")[LINE]
        if "Effect: Allow" not in new_line or "\U0001f511 Admins\u2019" not in new_line:
            raise Failure(f"the quickfix {action.title!r} gave line {LINE + 1}: {new_line!r}")
        print(f"pygls: quickfix {action.title!r} applied")

        if change_kind == types.TextDocumentSyncKind.Incremental:
            changes = [
                types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
            ]
        else:
            changes = [types.TextDocumentContentChangeWholeDocument(text=new_text)]
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=changes,
            )
        )
        await wait_for(lambda ds: not kms206(ds), f"the {CODE} diagnostic to go")
        if published.get(2) is not None and kms206(published[2]):
            raise Failure(f"diagnostics of version 2 still have {CODE}")
        print(f"pygls: {CODE} gone after didChange")

        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        asked_to_exit = True
        succeeded = True
    finally:
        server = client._server
        if server is not None and server.returncode is None:
            try:
                await asyncio.wait_for(server.wait(), 5 if asked_to_exit else 0.1)
            except asyncio.TimeoutError:
                server.kill()
                await server.wait()
                if asked_to_exit:
                    raise Failure("the server did not exit after shutdown and exit") from None
        await client.stop()
        await asyncio.wait([drainer], timeout=1)
        if not succeeded and stderr.strip():
            print("pygls client: the server's stderr ends with:\n" + stderr.decode(errors="replace"), file=sys.stderr)
    if server is not None and server.returncode != 0:
        raise Failure(f"the server exited with status {server.returncode} after shutdown and exit")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kmslint", default=os.environ.get("KMSLINT", "target/debug/kmslint"))
    args = ap.parse_args()
    kmslint = str(Path(args.kmslint).resolve()) if os.sep in args.kmslint else args.kmslint
    with tempfile.TemporaryDirectory(prefix="kmslint-lsp-e2e-") as tmp:
        try:
            asyncio.run(run(kmslint, Path(tmp)))
        except Failure as e:
            print(f"pygls client: FAIL: {e}", file=sys.stderr)
            return 1
        except Exception as e:  # noqa: BLE001 - a crash of the client or server is a failure too
            print(f"pygls client: FAIL: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    print("pygls client: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
