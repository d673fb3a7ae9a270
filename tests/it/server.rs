//! `kmslint server` driven in-process over `lsp_server::Connection::memory()`: the whole life
//! cycle, positions in each negotiated encoding, code actions applied and linted again, the
//! nearest configuration and its errors, settings of the wrong type, template text with
//! control characters. Then the binary over stdio, with hostile framing: huge
//! `Content-Length`s, bad headers, invalid JSON.

use crate::common;

use std::collections::VecDeque;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use kmslint_server::ServerError;
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

const TEMPLATE: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: "🔑 “main” key"
      EnableKeyRotation: yes
      KeyPolicy: |
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Sid": "🔑“x”", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}
"#;

struct Client {
    conn: Connection,
    server: Option<JoinHandle<Result<(), ServerError>>>,
    next: i32,
    /// Notifications received while waiting for a response.
    queued: VecDeque<Notification>,
    utf8: bool,
}

impl Client {
    fn start(capabilities: Value, options: Value) -> (Client, Value) {
        let (server, conn) = Connection::memory();
        let handle = std::thread::spawn(move || kmslint_server::run(server));
        let utf8 = capabilities.pointer("/general/positionEncodings/0") == Some(&json!("utf-8"));
        let mut client = Client {
            conn,
            server: Some(handle),
            next: 0,
            queued: VecDeque::new(),
            utf8,
        };
        let result = client.request(
            "initialize",
            json!({"capabilities": capabilities, "initializationOptions": options}),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.conn
            .sender
            .send(Request::new(id.clone(), method.to_owned(), params).into())
            .unwrap();
        loop {
            match self.recv() {
                Message::Response(r) if r.id == id => {
                    return r
                        .response_result
                        .unwrap_or_else(|e| panic!("{method}: {e:?}"));
                }
                Message::Notification(n) => self.queued.push_back(n),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Notification::new(method.to_owned(), params).into())
            .unwrap();
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers")
    }

    /// The next notification of `method`, skipping others.
    fn wait(&mut self, method: &str) -> Value {
        loop {
            let n = match self.queued.pop_front() {
                Some(n) => n,
                None => match self.recv() {
                    Message::Notification(n) => n,
                    other => panic!("unexpected {other:?}"),
                },
            };
            if n.method == method {
                return n.params;
            }
        }
    }

    fn diagnostics(&mut self) -> Vec<Value> {
        let params = self.wait("textDocument/publishDiagnostics");
        params["diagnostics"].as_array().unwrap().clone()
    }

    /// The next diagnostics published for `uri`, skipping those of other documents.
    fn diagnostics_of(&mut self, uri: &str) -> Vec<Value> {
        self.published(uri, None)["diagnostics"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The next `publishDiagnostics` of `uri` (for `version`, when given), skipping others.
    fn published(&mut self, uri: &str, version: Option<i32>) -> Value {
        loop {
            let params = self.wait("textDocument/publishDiagnostics");
            if params["uri"] == uri && version.is_none_or(|v| params["version"] == v) {
                return params;
            }
        }
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    fn change(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    fn actions(&mut self, uri: &str, range: Value, only: Option<&str>) -> Vec<Value> {
        let mut context = json!({"diagnostics": []});
        if let Some(only) = only {
            context["only"] = json!([only]);
        }
        let result = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": context}),
        );
        result.as_array().unwrap().clone()
    }

    fn finish(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        let result = self.server.take().unwrap().join().unwrap();
        assert!(result.is_ok(), "{result:?}");
    }

    /// Byte offset of an LSP position in `text`, counted as the client negotiated.
    fn offset(&self, text: &str, position: &Value) -> usize {
        let line = position["line"].as_u64().unwrap() as usize;
        let character = position["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (at, c) in text[start..].char_indices() {
            if units >= character || c == '\n' {
                return start + at;
            }
            units += if self.utf8 {
                c.len_utf8()
            } else {
                c.len_utf16()
            };
        }
        text.len()
    }

    /// The edits of a code action applied to `text`.
    fn apply(&self, text: &str, action: &Value, uri: &str) -> String {
        let mut edits: Vec<(usize, usize, String)> = action["edit"]["changes"][uri]
            .as_array()
            .expect("edits for the document")
            .iter()
            .map(|e| {
                (
                    self.offset(text, &e["range"]["start"]),
                    self.offset(text, &e["range"]["end"]),
                    e["newText"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut out = text.to_owned();
        for (start, end, new) in edits {
            out.replace_range(start..end, &new);
        }
        out
    }
}

/// A directory that is its own repository, so that no configuration above it applies.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn find<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

/// The starts of the findings of `code`.
fn starts(diagnostics: &[Value], code: &str) -> Vec<Value> {
    diagnostics
        .iter()
        .filter(|d| d["code"] == code)
        .map(|d| d["range"]["start"].clone())
        .collect()
}

fn titled<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains(title))
        .unwrap_or_else(|| panic!("no action `{title}` in {actions:#?}"))
}

/// The LSP position of byte `offset`, counting UTF-16 units or bytes.
fn expected(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let character = if utf8 {
        prefix.len()
    } else {
        prefix.encode_utf16().count()
    };
    json!({"line": line, "character": character})
}

// One test on purpose (126 lines): one editor session, each step (findings, quick fixes, a
// suppression, hover, close) on the document the steps before opened.
#[test]
fn the_whole_life_cycle_in_utf16() {
    let dir = workspace();
    // The rules TEMPLATE has findings of (and the suppression rules): the findings left after
    // each step are asserted exactly, which a new rule would change.
    std::fs::write(
        dir.path().join(".kmslint.toml"),
        "select = [\"KMS005\", \"KMS006\", \"KMS007\", \"KMS105\", \"KMS201\", \"KMS210\"]\n",
    )
    .unwrap();
    let path = dir.path().join("template.yaml");
    let uri = uri_of(&path);
    let (mut client, init) = Client::start(json!({}), Value::Null);
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(caps["textDocumentSync"], 1);
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "source.fixAll.kmslint"])
    );
    assert_eq!(init["serverInfo"]["name"], "kmslint");

    client.open(&uri, TEMPLATE);
    let diagnostics = client.diagnostics();
    let found = codes(&diagnostics);
    for code in ["KMS005", "KMS105", "KMS201", "KMS210"] {
        assert!(found.contains(&code), "{code} in {found:?}");
    }
    // After an emoji and curly quotes, inside `KeyPolicy: |`: UTF-16 units.
    let quote = TEMPLATE.find("“x").unwrap();
    let charset = find(&diagnostics, "KMS201");
    let found = starts(&diagnostics, "KMS201");
    assert!(
        found.contains(&expected(TEMPLATE, quote, false)),
        "{found:?}"
    );
    assert_eq!(charset["severity"], 1);
    assert_eq!(charset["source"], "kmslint");
    assert!(
        charset["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("rules/KMS201.md")
    );
    let public = find(&diagnostics, "KMS210");
    assert_eq!(
        public["range"]["start"],
        expected(
            TEMPLATE,
            TEMPLATE.find(r#""*", "Action": "kms:D"#).unwrap(),
            false
        )
    );

    // The fix of one finding, preferred because it is safe.
    let boolean = find(&diagnostics, "KMS005").clone();
    let actions = client.actions(&uri, boolean["range"].clone(), None);
    let fix = titled(&actions, "KMS005:");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "KMS005");
    let fixed = client.apply(TEMPLATE, fix, &uri);
    assert!(fixed.contains("EnableKeyRotation: true"), "{fixed}");
    let ignore = titled(&actions, "Ignore KMS005 on this line");
    assert!(
        client
            .apply(TEMPLATE, ignore, &uri)
            .contains("EnableKeyRotation: yes  # kmslint: ignore KMS005\n")
    );
    client.change(&uri, 2, &fixed);
    assert!(!codes(&client.diagnostics()).contains(&"KMS005"));

    // Every safe fix at once.
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let all = client.actions(&uri, whole.clone(), Some("source.fixAll"));
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["kind"], "source.fixAll.kmslint");
    let fixed = client.apply(&fixed, &all[0], &uri);
    client.change(&uri, 3, &fixed);
    let left = client.diagnostics();
    // The emoji in the policy has no safe fix.
    assert_eq!(codes(&left), ["KMS201", "KMS210"], "{fixed}");
    let left = [find(&left, "KMS210").clone()];

    // A finding inside the block scalar cannot be ignored on its line, but for its resource.
    let actions = client.actions(&uri, left[0]["range"].clone(), Some("quickfix"));
    assert!(
        actions
            .iter()
            .all(|a| !a["title"].as_str().unwrap().contains("on this line"))
    );
    let ignore = titled(&actions, "Ignore KMS210 for resource Key");
    let ignored = client.apply(&fixed, ignore, &uri);
    assert!(
        ignored.contains("Resources:\n  # kmslint: ignore KMS210\n  Key:\n"),
        "{ignored}"
    );
    client.change(&uri, 4, &ignored);
    assert_eq!(codes(&client.diagnostics()), ["KMS201"]);

    // Hover on the code in the suppression comment.
    let at = ignored.find("KMS210").unwrap() + 2;
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": expected(&ignored, at, false)}),
    );
    assert_eq!(hover["contents"]["kind"], "markdown");
    let doc = hover["contents"]["value"].as_str().unwrap();
    assert!(doc.starts_with("## What it does"), "{doc}");
    let start = ignored.find("KMS210").unwrap();
    assert_eq!(hover["range"]["start"], expected(&ignored, start, false));
    let nothing = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
    );
    assert_eq!(nothing, Value::Null);

    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let closed = client.wait("textDocument/publishDiagnostics");
    assert_eq!(closed["uri"], uri);
    assert_eq!(closed["diagnostics"], json!([]));
    client.finish();
}

#[test]
fn positions_in_utf8_when_the_client_prefers_it() {
    let dir = workspace();
    let uri = uri_of(&dir.path().join("t.yaml"));
    let capabilities = json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}});
    let (mut client, init) = Client::start(capabilities, Value::Null);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    client.open(&uri, TEMPLATE);
    let diagnostics = client.diagnostics();
    let quote = TEMPLATE.find("“x").unwrap();
    let charset = find(&diagnostics, "KMS201");
    let found = starts(&diagnostics, "KMS201");
    assert!(
        found.contains(&expected(TEMPLATE, quote, true)),
        "{found:?}"
    );
    let _ = charset;
    let quoted = diagnostics
        .iter()
        .find(|d| d["range"]["start"] == expected(TEMPLATE, quote, true))
        .unwrap();
    let range = quoted["range"].clone();
    let actions = client.actions(&uri, range, Some("quickfix"));
    let fixed = client.apply(TEMPLATE, titled(&actions, "KMS201:"), &uri);
    assert!(fixed.contains(r#""Sid": "🔑\"x”""#), "{fixed}");
    client.finish();
}

#[test]
fn the_nearest_configuration_applies_and_its_errors_are_shown() {
    let dir = workspace();
    let sub = dir.path().join("stacks");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(dir.path().join(".kmslint.toml"), "ignore = [\"KMS005\"]\n").unwrap();
    let uri = uri_of(&sub.join("t.yaml"));
    let (mut client, _) = Client::start(json!({}), json!({"kmslint": {"region": "eu-west-1"}}));
    client.open(&uri, TEMPLATE);
    let found = client.diagnostics();
    assert!(!codes(&found).contains(&"KMS005"), "{found:#?}");

    // A broken configuration: shown, and the file linted with the defaults.
    std::fs::write(dir.path().join(".kmslint.toml"), "ignore = 3\n").unwrap();
    client.change(&uri, 2, TEMPLATE);
    let message = client.wait("window/showMessage");
    assert_eq!(message["type"], 1);
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains(".kmslint.toml"),
        "{message}"
    );
    assert!(codes(&client.diagnostics()).contains(&"KMS005"));

    // A bad client setting is shown too, and the rest applies.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kmslint": {"region": "mars-1"}}}),
    );
    let message = client.wait("window/showMessage");
    assert!(message["message"].as_str().unwrap().contains("region"));
    client.finish();
}

/// A key that KMS offers in the China Regions only: KMS102 wherever the Region is known to be
/// another.
const SM2_KEY: &str = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeySpec: SM2\n      KeyUsage: SIGN_VERIFY\n";

/// Opens `path` (its text as on disk, or `text`) and returns its diagnostics' codes.
fn codes_of_opened(client: &mut Client, path: &Path, text: Option<&str>) -> Vec<String> {
    let text = text.map_or_else(|| std::fs::read_to_string(path).unwrap(), str::to_owned);
    client.open(&uri_of(path), &text);
    let found = client.diagnostics();
    codes(&found).into_iter().map(str::to_owned).collect()
}

/// A template that the configuration's `[[stacks]]` declares is linted with its stack's
/// Region, over the editor's, as `kmslint check` lints it (docs/deployments.md); the
/// configuration is read at each lint, so a stack declared while the file is open applies at
/// its next change. A template in no stack keeps the editor's Region.
#[test]
fn an_open_template_declared_in_the_table_is_linted_with_its_stacks_region() {
    let dir = workspace();
    let infra = dir.path().join("infra");
    std::fs::create_dir(&infra).unwrap();
    for name in ["keys.yaml", "loose.yaml", "later.yaml"] {
        std::fs::write(infra.join(name), SM2_KEY).unwrap();
    }
    let table =
        "[[stacks]]\nname = \"keys\"\ntemplate = \"infra/keys.yaml\"\nregion = \"eu-west-1\"\n";
    std::fs::write(dir.path().join(".kmslint.toml"), table).unwrap();
    // SM2 keys exist in cn-north-1: the editor's Region alone gives no KMS102.
    let (mut client, _) = Client::start(json!({}), json!({"kmslint": {"region": "cn-north-1"}}));
    // Opened by another spelling of its path: matched by the file itself.
    let spelled = infra.join("..").join("infra").join("keys.yaml");
    assert!(codes_of_opened(&mut client, &spelled, None).contains(&"KMS102".to_owned()));
    assert!(
        !codes_of_opened(&mut client, &infra.join("loose.yaml"), None)
            .contains(&"KMS102".to_owned())
    );

    let later = infra.join("later.yaml");
    assert!(!codes_of_opened(&mut client, &later, None).contains(&"KMS102".to_owned()));
    let table = format!(
        "{table}\n[[stacks]]\nname = \"later\"\ntemplate = \"infra/later.yaml\"\nregion = \"us-east-1\"\n"
    );
    std::fs::write(dir.path().join(".kmslint.toml"), table).unwrap();
    client.change(&uri_of(&later), 2, SM2_KEY);
    assert!(codes(&client.diagnostics()).contains(&"KMS102"));
    client.finish();
}

/// A template of a CDK cloud assembly (tests/deployments/cdk/README.md) is linted with its
/// stack's environment: the Dr stage's key, whose Logs statement is written for eu-west-1,
/// is in us-east-2 (KMS605, as `kmslint check` gives), whatever the editor's Region; the
/// Prod stage's, in eu-west-1, is right. A template copied out of the assembly is a loose
/// file again.
#[test]
fn an_open_template_of_a_cloud_assembly_is_linted_with_its_stacks_environment() {
    let assembly = common::root().join("tests/deployments/cdk/out/stage-two-envs");
    let dr = assembly.join("assembly-Dr/DrKeysC8FA8E01.template.json");
    let prod = assembly.join("assembly-Prod/ProdKeys76E19F6C.template.json");
    let (mut client, _) = Client::start(json!({}), json!({"kmslint": {"region": "eu-west-1"}}));
    assert!(codes_of_opened(&mut client, &dr, None).contains(&"KMS605".to_owned()));
    // A keystroke: the assembly is not read again, the stack still applies.
    let text = std::fs::read_to_string(&dr).unwrap();
    client.change(&uri_of(&dr), 2, &format!("{text}\n"));
    assert!(codes(&client.diagnostics()).contains(&"KMS605"));
    assert!(!codes_of_opened(&mut client, &prod, None).contains(&"KMS605".to_owned()));

    let dir = workspace();
    let copy = dir.path().join("DrKeys.template.json");
    std::fs::write(&copy, &text).unwrap();
    assert!(!codes_of_opened(&mut client, &copy, None).contains(&"KMS605".to_owned()));
    client.finish();
}

/// The files of the directory `from` (of this repository) copied into `to`.
fn copy_files(from: &str, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(common::root().join(from)).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The related places of the findings of `code`: (URI, start line, message).
fn related_of(diagnostics: &[Value], code: &str) -> Vec<(String, u64, String)> {
    diagnostics
        .iter()
        .filter(|d| d["code"] == code)
        .flat_map(|d| {
            d["relatedInformation"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|r| {
            (
                r["location"]["uri"].as_str().unwrap().to_owned(),
                r["location"]["range"]["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The statement that lets CloudWatch Logs use `PlainKey` (tests/deployments/table/imports,
/// whose `LogsKey` has it).
const LOGS_STATEMENT: &str = "          - Sid: Allow CloudWatch Logs
            Effect: Allow
            Principal:
              Service: !Sub logs.${AWS::Region}.amazonaws.com
            Action:
              - kms:Encrypt*
              - kms:Decrypt*
              - kms:ReEncrypt*
              - kms:GenerateDataKey*
              - kms:Describe*
            Resource: \"*\"
";

/// The links of a `[[stacks]]` table's deployment (tests/deployments/table/imports): the
/// log group of app.yaml imports `PlainKey` of keys.yaml, whose policy does not let
/// CloudWatch Logs in (KMS601, with the policy in keys.yaml as related place). keys.yaml's
/// buffer, once open, is what the links read: adding the statement there, unsaved, clears
/// app.yaml's finding without a change of app.yaml; while keys.yaml is half-typed (does not
/// parse), its last good text is what the links read; closing it reads its file again.
#[test]
fn an_open_template_is_linted_with_the_links_of_its_table_and_its_dependents_follow_edits() {
    let dir = workspace();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    copy_files("tests/deployments/table/imports", &root);
    std::fs::copy(
        common::root().join("tests/deployments/table/imports/.kmslint.toml"),
        root.join(".kmslint.toml"),
    )
    .unwrap();
    let (app, keys) = (root.join("app.yaml"), root.join("keys.yaml"));
    let (app_uri, keys_uri) = (uri_of(&app), uri_of(&keys));
    let keys_text = std::fs::read_to_string(&keys).unwrap();
    // The editor's Region is not the stacks'; the table's applies.
    let (mut client, _) = Client::start(json!({}), json!({"kmslint": {"region": "us-east-1"}}));
    client.open(&app_uri, &std::fs::read_to_string(&app).unwrap());
    let found = client.diagnostics_of(&app_uri);
    assert_eq!(
        starts(&found, "KMS601"),
        [json!({"line": 7, "character": 16})]
    );
    let related = related_of(&found, "KMS601");
    // keys.yaml:42:9, the key policy of `PlainKey`, in the file (keys.yaml is not open).
    assert_eq!(related.len(), 1, "{found:#?}");
    assert_eq!(
        (related[0].0.as_str(), related[0].1),
        (keys_uri.as_str(), 41)
    );
    assert!(related[0].2.contains("PlainKey"), "{related:?}");

    // Opened: its buffer is what the links read, and app.yaml is linted again.
    client.open(&keys_uri, &keys_text);
    client.diagnostics_of(&keys_uri);
    assert_eq!(codes(&client.diagnostics_of(&app_uri)), ["KMS601"]);

    // Half-typed: keys.yaml does not parse, and its last good text is what the links read;
    // app.yaml is linted again once (the links read another text), with the same finding.
    let half = format!("{keys_text}  Half: [\n");
    client.change(&keys_uri, 2, &half);
    assert!(codes(&client.diagnostics_of(&keys_uri)).contains(&"KMS001"));
    assert_eq!(codes(&client.diagnostics_of(&app_uri)), ["KMS601"]);
    // A keystroke more makes no links and does not lint app.yaml: its next diagnostics are
    // those of the statement added.
    client.change(&keys_uri, 3, &format!("{half}x"));
    client.published(&keys_uri, Some(3));
    let granted = keys_text.replacen("Outputs:\n", &format!("{LOGS_STATEMENT}Outputs:\n"), 1);
    assert_ne!(granted, keys_text);
    client.change(&keys_uri, 4, &granted);
    client.published(&keys_uri, Some(4));
    let found = client.diagnostics_of(&app_uri);
    assert!(!codes(&found).contains(&"KMS601"), "{found:#?}");

    // Closed unsaved: the file, without the statement, is linked again.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": keys_uri}}),
    );
    assert_eq!(codes(&client.diagnostics_of(&app_uri)), ["KMS601"]);
    // An edit of a document in no deployment makes no links and lints no other document.
    let loose = uri_of(&root.join("loose.yaml"));
    client.open(&loose, SM2_KEY);
    client.diagnostics_of(&loose);
    client.change(&loose, 2, SM2_KEY);
    client.diagnostics_of(&loose);
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let others: Vec<&Notification> = client
        .queued
        .iter()
        .filter(|n| n.method == "textDocument/publishDiagnostics")
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    client.notify("exit", Value::Null);
    let result = client.server.take().unwrap().join().unwrap();
    assert!(result.is_ok(), "{result:?}");
}

/// A CDK assembly's stacks are linked as on the command line
/// (tests/deployments/cdk/out/key-and-app): App's log group imports Security's key, whose
/// policy lacks the Logs statement (KMS601 in App, the policy in Security as related place);
/// Security's disabled key is used by App's topic (KMS604 in Security, the use in App, open,
/// as related place).
#[test]
fn an_open_template_of_a_cloud_assembly_is_linted_with_the_links_of_its_stacks() {
    let dir = workspace();
    let out = std::fs::canonicalize(dir.path()).unwrap().join("cdk.out");
    copy_files("tests/deployments/cdk/out/key-and-app", &out);
    let (app, security) = (
        out.join("App.template.json"),
        out.join("Security.template.json"),
    );
    let (app_uri, security_uri) = (uri_of(&app), uri_of(&security));
    let (mut client, _) = Client::start(json!({}), json!({}));
    client.open(&app_uri, &std::fs::read_to_string(&app).unwrap());
    let found = client.diagnostics_of(&app_uri);
    let related = related_of(&found, "KMS601");
    assert_eq!(related.len(), 1, "{found:#?}");
    // Security.template.json:7:18.
    assert_eq!(
        (related[0].0.as_str(), related[0].1),
        (security_uri.as_str(), 6)
    );
    assert!(
        related[0].2.contains("DefaultPolicyKey47D49D11"),
        "{related:?}"
    );

    client.open(&security_uri, &std::fs::read_to_string(&security).unwrap());
    let found = client.diagnostics_of(&security_uri);
    let related = related_of(&found, "KMS604");
    assert_eq!(related.len(), 1, "{found:#?}");
    // App.template.json:34:23, in the open document.
    assert_eq!(
        (related[0].0.as_str(), related[0].1),
        (app_uri.as_str(), 33)
    );
    client.finish();
}

#[test]
fn json_findings_are_ignored_through_the_resources_metadata() {
    let dir = workspace();
    let path = dir.path().join("t.json");
    let uri = uri_of(&path);
    let text = "{\n  \"Resources\": {\n    \"Key\": {\n      \"Type\": \"AWS::KMS::Key\",\n      \"Properties\": {\"EnableKeyRotation\": true}\n    }\n  }\n}\n";
    let (mut client, _) = Client::start(json!({}), Value::Null);
    client.open(&uri, text);
    let diagnostics = client.diagnostics();
    let deletion = find(&diagnostics, "KMS105");
    let actions = client.actions(&uri, deletion["range"].clone(), None);
    assert!(
        actions
            .iter()
            .all(|a| !a["title"].as_str().unwrap().contains("on this line"))
    );
    let ignored = client.apply(
        text,
        titled(&actions, "Ignore KMS105 for resource Key"),
        &uri,
    );
    assert!(ignored.contains("\"Metadata\""), "{ignored}");
    client.change(&uri, 2, &ignored);
    assert!(
        !codes(&client.diagnostics()).contains(&"KMS105"),
        "{ignored}"
    );
    client.finish();
}

#[test]
fn a_document_that_is_no_template_gets_no_diagnostics_and_exit_without_shutdown_fails() {
    let dir = workspace();
    let uri = uri_of(&dir.path().join("values.yaml"));
    let (mut client, _) = Client::start(json!({}), Value::Null);
    client.open(&uri, "replicas: 3\nimage: “nginx” 🔑\n");
    assert_eq!(client.diagnostics(), Vec::<Value>::new());
    client.notify("exit", Value::Null);
    let result = client.server.take().unwrap().join().unwrap();
    assert!(
        matches!(result, Err(ServerError::ExitWithoutShutdown)),
        "{result:?}"
    );
}

#[test]
fn a_wrong_typed_initialize_value_is_reported_and_the_others_apply() {
    let dir = workspace();
    let uri = uri_of(&dir.path().join("t.yaml"));
    // A `processId` kmslint does not read, one offered encoding and one setting of the wrong
    // type: one of them used to drop every option and capability, silently.
    let capabilities = json!({"general": {"positionEncodings": [8, "utf-8"]}});
    let (server, conn) = Connection::memory();
    let handle = std::thread::spawn(move || kmslint_server::run(server));
    let mut client = Client {
        conn,
        server: Some(handle),
        next: 0,
        queued: VecDeque::new(),
        utf8: true,
    };
    let init = client.request(
        "initialize",
        json!({
            "processId": "not a number",
            "capabilities": capabilities,
            "initializationOptions":
                {"kmslint": {"region": "eu-west-1", "account": 111122223333u64}},
        }),
    );
    client.notify("initialized", json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let mut warnings = Vec::new();
    for _ in 0..2 {
        let message = client.wait("window/showMessage");
        assert_eq!(message["type"], 2, "a warning: {message}");
        warnings.push(message["message"].as_str().unwrap().to_owned());
    }
    warnings.sort();
    assert!(
        warnings[0]
            .contains("capabilities.general.positionEncodings[0]: expected a string, not a number"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("kmslint.account: expected a string, not a number"),
        "{warnings:?}"
    );
    // The region applies: a CloudWatch Logs principal of another Region is KMS605.
    let template = "Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: 'kms:*'
            Resource: '*'
          - Effect: Allow
            Principal: {Service: logs.us-east-1.amazonaws.com}
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']
            Resource: '*'
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
";
    client.open(&uri, template);
    let diagnostics = client.diagnostics();
    assert!(codes(&diagnostics).contains(&"KMS605"), "{diagnostics:#?}");

    // The same for a configuration change: the wrong one is shown, the other applies.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kmslint": {"region": "us-east-1", "deployerArn": ["x"]}}}),
    );
    let message = client.wait("window/showMessage");
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains("kmslint.deployerArn: expected a string, not an array"),
        "{message}"
    );
    assert!(!codes(&client.diagnostics()).contains(&"KMS605"));
    client.finish();
}

#[test]
fn control_characters_of_the_template_are_escaped_in_diagnostics() {
    let dir = workspace();
    let uri = uri_of(&dir.path().join("t.yaml"));
    let template = "Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: \"arn:aws:iam::111122223333:root\\e[2J\\r\\n\"}
            Action: [\"kms:Decrypt\\e]0;x\\a\\r\", \"kms:*\"]
            Resource: '*'
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
";
    let (mut client, _) = Client::start(json!({}), Value::Null);
    client.open(&uri, template);
    let diagnostics = client.diagnostics();
    let action = find(&diagnostics, "KMS207");
    assert!(
        action["message"]
            .as_str()
            .unwrap()
            .contains(r"`kms:Decrypt\u{1b}]0;x\u{7}\r`"),
        "{action}"
    );
    assert!(codes(&diagnostics).contains(&"KMS209"), "{diagnostics:#?}");
    let mut texts = Vec::new();
    for d in &diagnostics {
        // A line break only before the help.
        let message = d["message"].as_str().unwrap();
        texts.push(message.replacen("\nhelp: ", " help: ", 1));
        for related in d["relatedInformation"].as_array().into_iter().flatten() {
            texts.push(related["message"].as_str().unwrap().to_owned());
        }
    }
    let range = find(&diagnostics, "KMS207")["range"].clone();
    for action in client.actions(&uri, range, None) {
        texts.push(action["title"].as_str().unwrap().to_owned());
    }
    for text in texts {
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    client.finish();
}

/// Not a template: the loader reports it (KMS001) and nothing else.
const BROKEN: &str = "Resources: [\n";

/// Two keys, three findings each (KMS105 on the key's name, KMS005, KMS101).
const TWO_KEYS: &str = "Resources:
  Logs:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: yes
      PendingWindowInDays: 3
  Data:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: yes
      PendingWindowInDays: 3
";

/// Each finding's code and 0-based line and character, KMS001 aside.
fn placed(diagnostics: &[Value]) -> Vec<(String, u64, u64)> {
    diagnostics
        .iter()
        .filter(|d| d["code"] != "KMS001")
        .map(|d| {
            let start = &d["range"]["start"];
            (
                d["code"].as_str().unwrap().to_owned(),
                start["line"].as_u64().unwrap(),
                start["character"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn at(code: &str, line: u64, character: u64) -> (String, u64, u64) {
    (code.to_owned(), line, character)
}

// One test on purpose: one editing session (valid, half-typed, fixed, a recovered syntax
// error), then what has no last good analysis: a configuration change, a reopened document.
#[test]
fn while_a_line_is_half_typed_the_last_good_findings_stay_mapped_through_the_edit() {
    let dir = workspace();
    let uri = uri_of(&dir.path().join("keys.yaml"));
    let (mut client, _) = Client::start(json!({}), Value::Null);
    client.open(&uri, TWO_KEYS);
    let valid = [
        at("KMS105", 1, 2),
        at("KMS005", 4, 25),
        at("KMS101", 5, 27),
        at("KMS105", 6, 2),
        at("KMS005", 9, 25),
        at("KMS101", 10, 27),
    ];
    assert_eq!(placed(&client.diagnostics()), valid);

    // The first KMS005 fixed by hand, and a line added under it, half typed: an unclosed
    // quote, which does not parse.
    let typing = TWO_KEYS.replacen(
        "      EnableKeyRotation: yes\n",
        "      EnableKeyRotation: true\n      Description: \"Logs ke\n",
        1,
    );
    client.change(&uri, 2, &typing);
    let published = client.diagnostics();
    assert!(codes(&published).contains(&"KMS001"), "{published:#?}");
    // Above the edit: as they were; on the edited line: dropped (it changed); below it:
    // one line down, same columns.
    assert_eq!(
        placed(&published),
        [
            at("KMS105", 1, 2),
            at("KMS101", 6, 27),
            at("KMS105", 7, 2),
            at("KMS005", 10, 25),
            at("KMS101", 11, 27),
        ],
        "{published:#?}"
    );
    // No fix is offered from the old text's findings, nor any action for them.
    let everything = json!({"start": {"line": 0, "character": 0},
                            "end": {"line": 99, "character": 0}});
    let actions = client.actions(&uri, everything.clone(), None);
    for action in &actions {
        assert_eq!(action["diagnostics"][0]["code"], "KMS001", "{actions:#?}");
    }

    // The line finished: the file parses, and its own analysis replaces the kept one.
    let fixed = typing.replace("\"Logs ke\n", "\"Logs key\"\n");
    client.change(&uri, 3, &fixed);
    let published = client.diagnostics();
    assert!(!codes(&published).contains(&"KMS001"), "{published:#?}");
    assert_eq!(
        placed(&published),
        [
            at("KMS105", 1, 2),
            at("KMS101", 6, 27),
            at("KMS105", 7, 2),
            at("KMS005", 10, 25),
            at("KMS101", 11, 27),
        ]
    );
    let actions = client.actions(&uri, everything.clone(), Some("quickfix"));
    titled(&actions, "KMS005:");

    // An anchor, which CloudFormation rejects but the loader reads through: on the changed
    // line, the recovered reading's finding; elsewhere, the kept ones, with no action for
    // them (the recovered reading's KMS005 has its suppression, the kept one none).
    let last = fixed.rfind("PendingWindowInDays: 3").unwrap();
    let anchored = format!("{}PendingWindowInDays: &w 5\n", &fixed[..last]);
    client.change(&uri, 4, &anchored);
    let published = client.diagnostics();
    assert_eq!(
        codes(&published).iter().filter(|c| **c == "KMS001").count(),
        1
    );
    assert_eq!(
        placed(&published)[..4],
        [
            at("KMS105", 1, 2),
            at("KMS101", 6, 27),
            at("KMS105", 7, 2),
            at("KMS005", 10, 25),
        ],
        "{published:#?}"
    );
    let fresh = &placed(&published)[4..];
    assert_eq!(fresh.len(), 1, "{published:#?}");
    assert_eq!((fresh[0].0.as_str(), fresh[0].1), ("KMS101", 11));
    assert!(
        published
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("is 5"))
    );
    let actions = client.actions(&uri, everything, Some("quickfix"));
    assert!(
        actions
            .iter()
            .all(|a| !a["title"].as_str().unwrap().contains("KMS005")),
        "{actions:#?}"
    );

    // Broken again; then its configuration changes: what was kept was made under the old
    // one, and may be what the new one turns off.
    client.change(&uri, 5, &typing);
    assert_eq!(placed(&client.diagnostics()).len(), 5);
    std::fs::write(dir.path().join(".kmslint.toml"), "ignore = [\"KMS105\"]\n").unwrap();
    client.change(&uri, 6, &typing);
    // The current text's own lint, as is: its KMS001 and what the loader reads past the
    // error, without the kept KMS105 that the new configuration ignores.
    let broken = client.diagnostics();
    let current = codes(&broken);
    assert_eq!(current, ["KMS001", "KMS101", "KMS005", "KMS101"]);

    // Closed and reopened broken: the close dropped what was kept.
    client.change(&uri, 7, &fixed);
    assert_eq!(placed(&client.diagnostics()).len(), 3);
    client.change(&uri, 8, &typing);
    assert_eq!(placed(&client.diagnostics()).len(), 3);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(client.diagnostics(), Vec::<Value>::new());
    client.open(&uri, &typing);
    let reopened = client.diagnostics();
    assert_eq!(codes(&reopened), current, "{reopened:#?}");
    client.finish();
}

#[test]
fn a_burst_of_changes_is_linted_once_at_its_latest_version() {
    let dir = workspace();
    let uri = uri_of(&dir.path().join("template.yaml"));
    let other = uri_of(&dir.path().join("other.yaml"));
    // Everything is queued before the server starts, so it reads the burst as one batch.
    let (server, conn) = Connection::memory();
    let send = |m: Message| conn.sender.send(m).unwrap();
    send(
        Request::new(
            0.into(),
            "initialize".to_owned(),
            json!({"capabilities": {}}),
        )
        .into(),
    );
    let mut client = Client {
        conn,
        server: None,
        next: 0,
        queued: VecDeque::new(),
        utf8: false,
    };
    client.notify("initialized", json!({}));
    client.open(&uri, BROKEN);
    client.open(&other, TEMPLATE);
    for version in 2..=20 {
        client.change(&uri, version, BROKEN);
    }
    client.change(&uri, 21, TEMPLATE);
    // Stale: a version below the document's is dropped.
    client.change(&uri, 5, BROKEN);
    // Changed then closed in the same batch: its empty diagnostics, nothing stale after.
    client.change(&other, 2, BROKEN);
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": other}}),
    );
    client.server = Some(std::thread::spawn(move || kmslint_server::run(server)));
    let Message::Response(init) = client.recv() else {
        panic!("the initialize response first")
    };
    assert_eq!(init.id, 0.into());
    // A request after the burst sees its last text: TEMPLATE's fixes, none of BROKEN's.
    let everything = json!({"start": {"line": 0, "character": 0},
                            "end": {"line": 99, "character": 0}});
    let actions = client.actions(&uri, everything, None);
    assert!(!actions.is_empty());
    // Every publication of the batch comes before the answer to `shutdown`.
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    let published: Vec<Value> = client
        .queued
        .drain(..)
        .filter(|n| n.method == "textDocument/publishDiagnostics")
        .map(|n| n.params)
        .collect();
    let mine: Vec<&Value> = published.iter().filter(|p| p["uri"] == uri).collect();
    assert_eq!(mine.len(), 1, "one lint for the burst: {published:#?}");
    assert_eq!(mine[0]["version"], 21);
    let found = codes(mine[0]["diagnostics"].as_array().unwrap());
    assert!(
        found.contains(&"KMS105") && !found.contains(&"KMS001"),
        "{found:?}"
    );
    let closed: Vec<&Value> = published.iter().filter(|p| p["uri"] == other).collect();
    assert_eq!(closed.len(), 1, "{closed:#?}");
    assert_eq!(closed[0]["diagnostics"], json!([]));
    assert!(closed[0].get("version").is_none_or(Value::is_null));
    client.notify("exit", Value::Null);
    let result = client.server.take().unwrap().join().unwrap();
    assert!(result.is_ok(), "{result:?}");
}

/// A YAML template of about `size` bytes: KMS keys, each with a key policy.
pub(crate) fn big_template(size: usize) -> String {
    let mut out = String::from("Resources:\n");
    let mut i = 0;
    while out.len() < size {
        out.push_str(&format!(
            "  Key{i}:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n      \
             KeyPolicy:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            \
             Principal: {{AWS: \"arn:aws:iam::111122223333:root\"}}\n            Action: \"kms:*\"\n            \
             Resource: \"*\"\n"
        ));
        i += 1;
    }
    out
}

// --- the binary over stdio ----------------------------------------------------------------

/// A message as LSP's base protocol frames it.
fn framed(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// `initialize` (id 1) and `initialized`, as a client starts.
fn handshake() -> Vec<u8> {
    let mut out = framed(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                  "params": {"capabilities": {}}}));
    out.extend(framed(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    out
}

/// `shutdown` (id 9) then `exit`.
fn goodbye() -> Vec<u8> {
    let mut out = framed(&json!({"jsonrpc": "2.0", "id": 9, "method": "shutdown"}));
    out.extend(framed(&json!({"jsonrpc": "2.0", "method": "exit"})));
    out
}

/// The messages the server wrote.
fn messages(stdout: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = stdout;
    while !rest.is_empty() {
        let end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("headers");
        let header = std::str::from_utf8(&rest[..end]).unwrap();
        let length: usize = header
            .strip_prefix("Content-Length: ")
            .expect("Content-Length")
            .parse()
            .unwrap();
        let body = &rest[end + 4..end + 4 + length];
        out.push(serde_json::from_slice(body).expect("JSON"));
        rest = &rest[end + 4 + length..];
    }
    out
}

/// `kmslint server` fed `stdin`, under `ulimit -v` 512 MB: a run that allocates a body of the
/// size a header says fails.
fn serve(stdin: &[u8]) -> (common::Run, Vec<Value>) {
    let dir = workspace();
    let run = common::Kmslint::new(dir.path(), &["server"])
        .stdin(stdin)
        .memory_kb(Some(512 << 10))
        .deadline(Duration::from_secs(60))
        .run();
    let messages = messages(&run.output().stdout);
    (run, messages)
}

/// The error responses with `"id": null`.
fn null_id_errors(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m["id"].is_null() && m.get("error").is_some())
        .map(|m| &m["error"])
        .collect()
}

#[test]
fn a_huge_content_length_is_answered_without_holding_it() {
    for length in [107_374_182_400u64, 10_737_418_240] {
        let mut stdin = handshake();
        let at = stdin.len();
        stdin.extend(format!("Content-Length: {length}\r\n\r\n{{}}").as_bytes());
        let (run, messages) = serve(&stdin);
        // In any order: the reader answers while the server is busy.
        assert!(messages.iter().any(|m| m["id"] == 1), "{messages:?}");
        let errors = null_id_errors(&messages);
        assert_eq!(errors[0]["code"], -32600, "{errors:?}");
        let said = format!("the message at byte {at} has a Content-Length of {length} bytes");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(&said),
            "{errors:?}"
        );
        // The input then ends inside the body it skips.
        assert_eq!(run.status, 1, "{}", run.stderr);
        let ended = format!("its Content-Length is {length} bytes, only 2 came");
        assert_eq!(run.stderr_lines(&ended).len(), 1, "{}", run.stderr);
        assert!(
            !run.stderr.contains("closed the connection"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn broken_framing_ends_the_server_saying_what_and_where() {
    let at = handshake().len();
    let cases: [(&[u8], String); 4] = [
        (
            b"Content-Length 12\r\n\r\n{}",
            format!("bad header at byte {at}: `Content-Length 12` is not `Name: value`"),
        ),
        (
            b"Content-Type: application/json\r\n\r\n{}",
            format!("the message at byte {at} has no Content-Length header"),
        ),
        (
            b"Content-Length: twelve\r\n\r\n{}",
            format!("bad Content-Length at byte {at}: `twelve` is not a number of bytes"),
        ),
        (
            b"Content-Length: 100\r\n\r\n{\"jsonrpc\"",
            format!(
                "the input ended inside the body of the message at byte {at}: its \
                 Content-Length is 100 bytes, only 10 came"
            ),
        ),
    ];
    for (attack, expected) in cases {
        let mut stdin = handshake();
        stdin.extend_from_slice(attack);
        let (run, messages) = serve(&stdin);
        assert_eq!(run.status, 1, "{}", run.stderr);
        let line = format!("kmslint: error: language server: {expected}");
        assert_eq!(run.stderr_lines(&line).len(), 1, "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        let errors = null_id_errors(&messages);
        assert!(errors[0]["message"].as_str().unwrap().contains(&expected));
    }
}

#[test]
fn invalid_json_is_a_parse_error_and_the_server_answers_the_next_request() {
    let mut stdin = handshake();
    let at = stdin.len();
    let body = br#"{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": }"#;
    stdin.extend(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    stdin.extend_from_slice(body);
    // Valid JSON that is no message: an InvalidRequest, with its id.
    stdin.extend(framed(&json!({"jsonrpc": "2.0", "id": 3, "params": {}})));
    stdin.extend(goodbye());
    let (run, messages) = serve(&stdin);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let errors = null_id_errors(&messages);
    assert_eq!(errors.len(), 1, "{messages:?}");
    assert_eq!(errors[0]["code"], -32700);
    // Where the value is missing: the last byte.
    let header = format!("Content-Length: {}\r\n\r\n", body.len()).len();
    let said = format!(
        "invalid JSON at byte {} of the input (byte {} of the body of the message at byte {at})",
        at + header + body.len() - 1,
        body.len() - 1
    );
    assert!(
        errors[0]["message"].as_str().unwrap().starts_with(&said),
        "{errors:?}"
    );
    let invalid = messages.iter().find(|m| m["id"] == 3).expect("an answer");
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    let shutdown = messages.iter().find(|m| m["id"] == 9).expect("an answer");
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
}

#[test]
fn a_burst_over_stdio_is_not_linted_once_per_change() {
    // The transport reads ahead while the server lints: the first change of the burst may be
    // linted alone, the rest together (a rendezvous channel made this one lint per change).
    let uri = "file:///nowhere/template.yaml";
    let text = big_template(200_000);
    let mut stdin = handshake();
    stdin.extend(framed(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})));
    for version in 2..=21 {
        stdin.extend(framed(
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"text": format!("{text}# {version}\n")}]}}),
        ));
    }
    stdin.extend(goodbye());
    let (run, messages) = serve(&stdin);
    assert!(run.output().status.success(), "{run:?}");
    let versions: Vec<&Value> = messages
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .map(|m| &m["params"]["version"])
        .collect();
    assert_eq!(versions.last(), Some(&&json!(21)), "{versions:?}");
    assert!(versions.len() <= 4, "{versions:?}");
}
