//! How long the language server takes to settle after a burst of edits: `kmslint server`
//! over pipes, a 1 MB template opened, then 20 `didChange`s written as fast as the pipe
//! takes them; prints the time from the last (and the first) change written to the last
//! diagnostics read, and how many `publishDiagnostics` (one per lint) the burst cost.
//! Issue 23 asked for one lint; the first change may be linted alone, before the rest are
//! read.
//!
//! `cargo run --release --example lsp_burst -- target/release/kmslint [SIZE_BYTES] [CHANGES]`

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

fn framed(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// A YAML template of about `size` bytes: KMS keys, each with a key policy.
fn template(size: usize) -> String {
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

/// The next message the server wrote, or `None` at the end of its output.
fn read_message(out: &mut impl BufRead) -> Option<Value> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    out.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(binary) = args.first() else {
        eprintln!("usage: lsp_burst KMSLINT [SIZE_BYTES] [CHANGES]");
        std::process::exit(2);
    };
    let size = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1 << 20);
    let changes: i32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20);
    let mut child = Command::new(binary)
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let uri = "file:///nowhere/burst.yaml";
    let text = template(size);
    let mut first = framed(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                    "params": {"capabilities": {}}}));
    first.extend(framed(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    first.extend(framed(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})));
    stdin.write_all(&first).expect("write");
    stdin.flush().expect("flush");
    // Wait for the open's diagnostics.
    while let Some(m) = read_message(&mut stdout) {
        if m["method"] == "textDocument/publishDiagnostics" {
            break;
        }
    }
    let bodies: Vec<Vec<u8>> = (2..changes + 2)
        .map(|version| {
            framed(
                &json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": uri, "version": version},
                           "contentChanges": [{"text": format!("{text}# {version}\n")}]}}),
            )
        })
        .collect();
    // Written on a thread: the pipe holds less than one change, so writing waits for the
    // server to read, and the time from the burst's first byte counts too.
    let start = Instant::now();
    let writer = std::thread::spawn(move || {
        for body in bodies {
            stdin.write_all(&body).expect("write");
        }
        stdin.flush().expect("flush");
        (Instant::now(), stdin)
    });
    let last = changes + 1;
    let mut published = Vec::new();
    while let Some(m) = read_message(&mut stdout) {
        if m["method"] == "textDocument/publishDiagnostics" {
            published.push(m["params"]["version"].clone());
            if m["params"]["version"] == last {
                break;
            }
        }
    }
    let done = Instant::now();
    let (sent, mut stdin) = writer.join().expect("the writer");
    println!(
        "{} bytes, {changes} changes: last diagnostics {} ms after the last change was written, \
         {} ms after the first; {} publications (lints), versions {published:?}",
        text.len(),
        done.duration_since(sent).as_millis(),
        done.duration_since(start).as_millis(),
        published.len(),
    );
    let mut end = framed(&json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    end.extend(framed(&json!({"jsonrpc": "2.0", "method": "exit"})));
    let _ = stdin.write_all(&end);
    drop(stdin);
    let _ = child.wait();
}
