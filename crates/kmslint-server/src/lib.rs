//! `kmslint server`: the language server, over stdio (docs/integrations/editors.md).
//!
//! One thread serves one client, a batch at a time: every message already queued (the
//! transport reads ahead while the server lints, [`transport::READ_AHEAD`]) is handled in
//! order, and linting waits for the end of the batch. So a burst of `didChange`s is linted
//! once, at its last version (the debounce):
//! - changes apply in order (full sync: the last text wins); a change whose version is
//!   below the document's is stale and dropped (LSP: versions increase after each change;
//!   an equal one is taken, for clients that do not count);
//! - `didClose` drops the document and publishes its empty diagnostics at once; nothing of
//!   it is published after, even for changes earlier in the batch;
//! - a request sees every change before it in the batch: a code action lints the current
//!   text first (the lint is kept, so the batch's end does not lint it again), a hover
//!   reads the current text;
//! - at the batch's end (or before answering `shutdown`), each document that changed gets
//!   one `publishDiagnostics`, for its latest version.
//!
//! The first message of a burst may arrive alone and be linted before the rest are read:
//! a burst costs at most a lint or two, not one per change.
//! A lint that panics publishes nothing for the document and tells the user, and the server
//! keeps serving.
//!
//! While a document does not parse (its lint has a syntax problem: KMS001), the diagnostics
//! stay those of the last text that did ([`last_good`]; issue 23 §3): its KMS001 findings,
//! the findings of the loader's recovered reading on the lines changed since that text, and
//! that text's findings on the lines left alone, moved with them (a finding touching a
//! changed line is dropped). The kept findings carry no fix and get no code action. A
//! document opened broken, or whose settings (its `.kmslint.toml`, the client's) changed
//! since its last good text, shows its own lint as is. When the text parses again, its lint
//! replaces all of it. For this, a document that does not parse holds one more text and its
//! findings; `didClose` drops them.
//!
//! A document that is the template of a stack is linted with the stack's Region, account and
//! parameter values over its settings, and with the links between the stacks of its
//! deployment, as `kmslint check` lints it ([`deployments`]; docs/deployments.md, "In the
//! editor"): the stack of a CDK cloud assembly the file is in (each assembly read once,
//! again when its `manifest.json` changes), else of its configuration's `[[stacks]]` table.
//! The links read the deployment's open templates from their buffers (one that does not
//! parse: its last good text, as its findings are that text's), the others from disk.
//! When a lint makes its deployment's links again (a template of it was edited, opened, or
//! changed on disk), the other open documents of that deployment are linted again at the
//! same batch's end; closing one of them lints the others again too (its file is read in
//! place of its buffer). A finding's related place in another template (a linked key's
//! policy) is published with that file's URI.
//!
//! [`transport`] is the bounded stdio transport that `kmslint server` serves over.

mod actions;
mod convert;
mod deployments;
mod documents;
mod last_good;
pub mod transport;

use std::collections::HashMap;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeConfiguration, DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument,
    DidOpenTextDocument, Notification as _, PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams, Hover,
    HoverContents, HoverParams, HoverProviderCapability, MarkupContent, MarkupKind, MessageType,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind,
};
use serde_json::Value as Json;

use convert::{Elsewhere, Text};
use deployments::{Buffer, Buffers};
use documents::{ClientSettings, Document, Lint};
use kmslint_core::source::{ColumnUnit, Span};

/// Why the server stopped with an error; its text follows "language server: " on stderr.
#[derive(Debug)]
pub enum ServerError {
    /// The client broke the protocol while initializing.
    Protocol(lsp_server::ProtocolError),
    /// The connection closed before `exit`.
    ClosedWithoutExit,
    /// `exit` came before `shutdown` (LSP then wants exit status 1).
    ExitWithoutShutdown,
    /// The input stopped being LSP messages (see [`transport::FramingError`]).
    Framing(transport::FramingError),
    /// Writing to the client failed.
    Write(std::io::Error),
    /// The thread writing to the client panicked.
    WriterPanicked,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Protocol(e) => write!(f, "{e}"),
            ServerError::ClosedWithoutExit => {
                f.write_str("the client closed the connection without `exit`")
            }
            ServerError::ExitWithoutShutdown => f.write_str("`exit` without `shutdown`"),
            ServerError::Framing(e) => write!(f, "{e}"),
            ServerError::Write(e) => write!(f, "cannot write to the client: {e}"),
            ServerError::WriterPanicked => f.write_str("the writer thread panicked"),
        }
    }
}

impl std::error::Error for ServerError {}

/// Serves one client on `connection` until it sends `exit`. `Err` when the connection closed
/// or broke the protocol, or when `exit` came without `shutdown` (the exit status is then 1).
pub fn run(connection: Connection) -> Result<(), ServerError> {
    let (id, params) = connection
        .initialize_start()
        .map_err(ServerError::Protocol)?;
    // Read from the JSON as sent, part by part, so that one value of the wrong type is
    // reported and the rest still applies.
    let (unit, problems) = convert::negotiate(&params);
    let capabilities = ServerCapabilities {
        position_encoding: Some(convert::encoding_kind(unit)),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(actions::FIX_ALL),
            ]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "kmslint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        },
    });
    connection
        .initialize_finish(id, result)
        .map_err(ServerError::Protocol)?;
    let mut server = Server {
        connection: &connection,
        unit,
        client: ClientSettings::default(),
        documents: HashMap::new(),
        deployments: deployments::Deployments::default(),
        edits: 0,
        shutdown: false,
    };
    for problem in problems {
        server.show(
            MessageType::WARNING,
            format!("kmslint: ignoring a client capability: {problem}"),
        );
    }
    if let Some(options) = params.get("initializationOptions") {
        server.configure(options);
    }
    loop {
        let Ok(first) = connection.receiver.recv() else {
            return Err(ServerError::ClosedWithoutExit);
        };
        let batch: Vec<Message> = std::iter::once(first)
            .chain(connection.receiver.try_iter())
            .collect();
        for message in batch {
            match message {
                Message::Request(request) => server.request(request),
                Message::Notification(n) if n.method == "exit" => {
                    return if server.shutdown {
                        Ok(())
                    } else {
                        Err(ServerError::ExitWithoutShutdown)
                    };
                }
                Message::Notification(n) => server.notification(n),
                Message::Response(_) => {}
            }
        }
        server.publish_changed();
    }
}

struct Server<'c> {
    connection: &'c Connection,
    unit: ColumnUnit,
    client: ClientSettings,
    /// By URI.
    documents: HashMap<String, Document>,
    /// The CDK cloud assemblies read and the links made, kept while unchanged
    /// ([`deployments`]).
    deployments: deployments::Deployments,
    /// Edits of documents so far: each text set is given the next count
    /// ([`Document::edit`]).
    edits: u64,
    shutdown: bool,
}

impl Server<'_> {
    fn send(&self, message: impl Into<Message>) {
        // A closed connection ends the loop at the next receive.
        let _ = self.connection.sender.send(message.into());
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_owned(), params));
    }

    fn show(&self, typ: MessageType, message: String) {
        self.notify::<ShowMessage>(ShowMessageParams { typ, message });
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shutdown {
            return self.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            ));
        }
        match request.method.as_str() {
            "shutdown" => {
                // The batch's changes are published first: `exit` may follow in the same
                // batch, and the client's last view is then of its last text.
                self.publish_changed();
                self.shutdown = true;
                self.send(Response::new_ok(id, ()));
            }
            CodeActionRequest::METHOD => {
                self.respond(id, request.params, |s, p: CodeActionParams| {
                    s.code_actions(p)
                });
            }
            HoverRequest::METHOD => {
                self.respond(id, request.params, |s, p: HoverParams| s.hover(p));
            }
            _ => self.send(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("kmslint does not handle `{}`", request.method),
            )),
        }
    }

    fn respond<P: serde::de::DeserializeOwned, R: serde::Serialize>(
        &mut self,
        id: RequestId,
        params: Json,
        handle: impl FnOnce(&mut Self, P) -> R,
    ) {
        match serde_json::from_value(params) {
            Ok(params) => {
                let result = handle(self, params);
                self.send(Response::new_ok(id, result));
            }
            Err(e) => self.send(Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                e.to_string(),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    let key = doc.uri.as_str().to_owned();
                    self.edits += 1;
                    let document = Document::new(doc.uri, doc.version, doc.text, self.edits);
                    self.documents.insert(key, document);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    self.change(p);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    let closed = self.documents.remove(p.text_document.uri.as_str());
                    // The links read its file now, not its buffer.
                    if let Some(deployment) = closed.and_then(|d| d.deployment) {
                        self.relint_deployment(&deployment, None);
                    }
                    self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(
                        p.text_document.uri,
                        Vec::new(),
                        None,
                    ));
                }
            }
            DidChangeConfiguration::METHOD => {
                if let Some(settings) = n.params.get("settings") {
                    self.configure(settings);
                    self.relint_all();
                }
            }
            // A configuration file or a template changed (when the client watches them):
            // configurations are read at every lint, and the links are made again from the
            // files as they are now.
            DidChangeWatchedFiles::METHOD => {
                self.deployments.forget_links();
                self.relint_all();
            }
            _ => {}
        }
    }

    fn configure(&mut self, value: &Json) {
        let (client, problems) = ClientSettings::from_json(value);
        self.client = client;
        for problem in problems {
            self.show(
                MessageType::WARNING,
                format!("kmslint: ignoring a setting: {problem}"),
            );
        }
    }

    fn relint_all(&mut self) {
        for doc in self.documents.values_mut() {
            doc.lint = None;
            doc.dirty = true;
        }
    }

    /// Lints again the open documents of `deployment` but `except`: what they reach of the
    /// other stacks may have changed.
    fn relint_deployment(&mut self, deployment: &deployments::Source, except: Option<&str>) {
        for (key, doc) in &mut self.documents {
            if doc.deployment.as_ref() == Some(deployment) && Some(key.as_str()) != except {
                doc.lint = None;
                doc.dirty = true;
            }
        }
    }

    fn change(&mut self, p: DidChangeTextDocumentParams) {
        let unit = self.unit;
        let Some(doc) = self.documents.get_mut(p.text_document.uri.as_str()) else {
            return;
        };
        if p.text_document.version < doc.version {
            return;
        }
        // The document's text stays as it was until `set_text`, which may keep it as the
        // last good one: a ranged change edits a copy.
        let mut new: Option<String> = None;
        for change in p.content_changes {
            match change.range {
                None => new = Some(change.text),
                // Full sync is advertised; a ranged change is applied all the same.
                Some(range) => {
                    let text = new.get_or_insert_with(|| doc.text.clone());
                    let lines = kmslint_core::source::LineIndex::new(text);
                    let t = Text {
                        text: text.as_str(),
                        lines: &lines,
                        unit,
                    };
                    let (start, end) = (t.offset(range.start), t.offset(range.end));
                    let end = end.max(start);
                    text.replace_range(start..end, &change.text);
                }
            }
        }
        let text = new.unwrap_or_else(|| doc.text.clone());
        self.edits += 1;
        doc.set_text(p.text_document.version, text, self.edits);
    }

    /// Lints `key`'s document unless its lint is current, showing configuration problems
    /// and panics.
    fn ensure_linted(&mut self, key: &str) {
        let client = self.client.clone();
        let Some(doc) = self.documents.get(key) else {
            return;
        };
        if doc.lint.is_some() {
            return;
        }
        // The open templates, which the links read in place of their files.
        let buffers: Buffers<'_> = self
            .documents
            .values()
            .filter_map(|d| {
                let (edit, text) = d.buffer();
                Some((d.path.as_deref()?, Buffer { edit, text }))
            })
            .collect();
        let found = documents::settings(&doc.uri, &client, &mut self.deployments, &buffers);
        drop(buffers);
        if found.relinked
            && let Some(deployment) = &found.deployment
        {
            self.relint_deployment(deployment, Some(key));
        }
        let (settings, problem) = (found.settings, found.problem);
        let Some(doc) = self.documents.get_mut(key) else {
            return;
        };
        doc.deployment = found.deployment;
        let mut messages = Vec::new();
        if problem != doc.shown_problem {
            if let Some(problem) = &problem {
                messages.push(format!(
                    "kmslint: configuration error, linting {} with the defaults: {problem}",
                    doc.name()
                ));
            }
            doc.shown_problem = problem;
        }
        let name = doc.name();
        let mut report = documents::lint(&name, &doc.text, &settings);
        let (mut broken, mut kept) = (false, Vec::new());
        match &mut report {
            Some(report) => {
                broken = last_good::has_syntax_problem(&name, &doc.text, report);
                if !broken
                    || doc
                        .last_good
                        .as_ref()
                        .is_some_and(|g| !documents::same_settings(&g.settings, &settings))
                {
                    // A text that parses is the last good analysis now (moved there when
                    // replaced); one made under other settings may show what they turn off.
                    doc.last_good = None;
                } else if let Some(good) = &doc.last_good {
                    kept = last_good::keep(good, &doc.text, &mut report.diagnostics);
                }
            }
            None => messages.push(format!(
                "kmslint crashed while linting {name}; no diagnostics are shown for it. Please report this bug."
            )),
        }
        // The text the links read of it changes: between the current text and the last good
        // one when it stops or starts parsing. The deployment's other documents are linted
        // again with links read from it; when it parses again, itself too, at once (its own
        // links were made from the last good text; the second lint flips nothing).
        let links_last_good = broken && doc.last_good.is_some();
        let flipped = (links_last_good != doc.links_last_good)
            .then(|| doc.deployment.clone())
            .flatten();
        doc.links_last_good = links_last_good;
        doc.lint = (flipped.is_none() || links_last_good).then_some(Lint {
            report,
            settings,
            broken,
            kept,
        });
        for message in messages {
            self.show(MessageType::ERROR, message);
        }
        if let Some(deployment) = flipped {
            self.relint_deployment(&deployment, Some(key));
            if !links_last_good {
                self.ensure_linted(key);
            }
        }
    }

    /// Lints and publishes each document that changed. A lint that made its deployment's
    /// links again marks the deployment's other documents changed: they are published in a
    /// second round, whose lints use those links (a third is only for a file changed on disk
    /// meanwhile; past it, what is left waits for the next batch).
    fn publish_changed(&mut self) {
        for _round in 0..3 {
            let changed: Vec<String> = self
                .documents
                .iter()
                .filter(|(_, d)| d.dirty)
                .map(|(k, _)| k.clone())
                .collect();
            if changed.is_empty() {
                return;
            }
            for key in &changed {
                self.ensure_linted(key);
            }
            // Linted first, then published: a related place in another open document is
            // placed in its text as linted.
            let mut elsewhere = Elsewhere::new(
                self.unit,
                self.documents.values().filter_map(|d| {
                    let (_, text) = d.buffer();
                    let lines = std::ptr::eq(text, d.text.as_str()).then_some(&d.lines);
                    Some((d.path.as_deref()?, (&d.uri, text, lines)))
                }),
            );
            let mut published = Vec::new();
            for key in &changed {
                let Some(doc) = self.documents.get(key) else {
                    continue;
                };
                // Linted again after this round's lint (another's links changed): the next
                // round publishes it.
                if doc.lint.is_none() {
                    continue;
                }
                let text = Text {
                    text: &doc.text,
                    lines: &doc.lines,
                    unit: self.unit,
                };
                let diagnostics = doc
                    .lint
                    .iter()
                    .flat_map(Lint::shown)
                    .map(|d| text.diagnostic(&doc.uri, d, &mut elsewhere))
                    .collect();
                let params =
                    PublishDiagnosticsParams::new(doc.uri.clone(), diagnostics, Some(doc.version));
                published.push((key, params));
            }
            drop(elsewhere);
            for (key, params) in published {
                if let Some(doc) = self.documents.get_mut(key) {
                    doc.dirty = false;
                }
                self.notify::<PublishDiagnostics>(params);
            }
        }
    }

    fn code_actions(&mut self, p: CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let key = p.text_document.uri.as_str();
        self.ensure_linted(key);
        let Some(doc) = self.documents.get(key) else {
            return Vec::new();
        };
        let text = Text {
            text: &doc.text,
            lines: &doc.lines,
            unit: self.unit,
        };
        actions::actions(doc, &text, p.range, p.context.only.as_deref())
    }

    /// The documentation of the rule whose code (`KMS204`) is under the cursor, anywhere in
    /// the document (a suppression comment, a metadata list, a message pasted in a comment).
    fn hover(&mut self, p: HoverParams) -> Option<Hover> {
        let at = p.text_document_position_params;
        let doc = self.documents.get(at.text_document.uri.as_str())?;
        let text = Text {
            text: &doc.text,
            lines: &doc.lines,
            unit: self.unit,
        };
        let offset = text.offset(at.position);
        let (span, code) = code_at(&doc.text, offset)?;
        let rule = kmslint_core::rules::find(code)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: visible_lines(rule.meta().body),
            }),
            range: Some(text.range(span)),
        })
    }
}

/// The `KMSnnn` token around `offset`: its span and text.
fn code_at(text: &str, offset: usize) -> Option<(Span, &str)> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = offset.min(bytes.len());
    while start > 0 && word(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset.min(bytes.len());
    while end < bytes.len() && word(bytes[end]) {
        end += 1;
    }
    let token = &text[start..end];
    let is_code = token.len() == 6
        && token.starts_with("KMS")
        && token[3..].bytes().all(|b| b.is_ascii_digit());
    is_code.then(|| (Span::new(start, end), token))
}

/// `text` with the control characters of each line escaped as in diagnostics, its line
/// breaks kept (a rule's documentation is Markdown of many lines).
fn visible_lines(text: &str) -> String {
    text.split('\n')
        .map(kmslint_core::render::visible)
        .collect::<Vec<_>>()
        .join("\n")
}
