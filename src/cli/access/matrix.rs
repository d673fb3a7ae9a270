//! The matrix of `kmslint access` without a question: for each key, a row per principal its
//! policy names and a column per capability (docs/access.md, "The matrix").

use std::collections::HashMap;
use std::io::Write;

use kmslint_core::access::{Capability, Cell, Matrix, Row, Verdict};
use kmslint_core::render::visible;
use serde_json::{Value, json};

/// What no file says, and so no answer knows (docs/access.md).
const NOT_KNOWN: &str = "Not known statically: service control policies, resource control policies, permission boundaries, session policies, IAM policies outside the files, and grants created at run time.";

/// A cell as a table shows it: the verdict, "(some)" when it holds for some of the
/// capability's actions only, and `—` for nothing allowed.
fn shown(cell: &Cell) -> String {
    let word = match cell.verdict {
        Verdict::NotAllowed => return "—".to_owned(),
        verdict => verdict.as_str(),
    };
    if cell.partial {
        format!("{word} (some)")
    } else {
        word.to_owned()
    }
}

/// A table per key, its columns aligned.
pub(super) fn write_pretty(matrices: &[(String, Matrix)]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if matrices.is_empty() {
        return writeln!(out, "No key policy found.");
    }
    for (path, matrix) in matrices {
        writeln!(
            out,
            "{}: key `{}`{}",
            visible(path),
            visible(&matrix.key),
            in_stack(matrix.stack.as_deref())
        )?;
        let mut rows: Vec<Vec<String>> = vec![
            std::iter::once("principal".to_owned())
                .chain(Capability::ALL.iter().map(|c| c.as_str().to_owned()))
                .collect(),
        ];
        for row in &matrix.rows {
            rows.push(
                std::iter::once(visible(&row.principal).into_owned())
                    .chain(row.cells.iter().map(shown))
                    .collect(),
            );
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(text, &width)| format!("{text:<width$}"))
                .collect();
            writeln!(out, "  {}", line.join("  ").trim_end())?;
        }
    }
    writeln!(out, "{NOT_KNOWN}")?;
    writeln!(
        out,
        "What a conditional cell depends on: --format markdown or json, or ask with --principal and --action."
    )
}

/// " (stack S, REGION)" for a key answered for as a stack instance of a deployment, else
/// nothing.
pub(super) fn in_stack(stack: Option<&str>) -> String {
    stack.map_or_else(String::new, |stack| format!(" ({})", visible(stack)))
}

/// `value` with `"stack": S` added when the key was answered for as a stack instance.
pub(super) fn with_stack(mut value: Value, stack: Option<&str>) -> Value {
    if let (Some(stack), Some(object)) = (stack, value.as_object_mut()) {
        object.insert("stack".to_owned(), Value::from(stack));
    }
    value
}

/// Text made safe for a Markdown table cell: no `|`, no line break, and no backtick that
/// would end the code span it is put in.
pub(super) fn cell_text(text: &str) -> String {
    visible(text)
        .replace('|', "\\|")
        .replace('`', "'")
        .replace(['\n', '\r'], " ")
}

/// A table per key, for a pull request comment, with what each conditional cell depends on
/// under it.
pub(super) fn write_markdown(matrices: &[(String, Matrix)]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for (path, matrix) in matrices {
        writeln!(
            out,
            "### Key `{}` ({}){}\n",
            cell_text(&matrix.key),
            cell_text(path),
            cell_text(&in_stack(matrix.stack.as_deref()))
        )?;
        let header: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
        writeln!(out, "| principal | {} |", header.join(" | "))?;
        writeln!(out, "|---|{}", "---|".repeat(header.len()))?;
        let mut notes = Vec::new();
        for row in &matrix.rows {
            let cells: Vec<String> = row.cells.iter().map(shown).collect();
            writeln!(
                out,
                "| `{}` | {} |",
                cell_text(&row.principal),
                cells.join(" | ")
            )?;
            for (capability, cell) in Capability::ALL.iter().zip(&row.cells) {
                if cell.verdict == Verdict::Conditional {
                    notes.push(format!(
                        "- `{}`, {}: {}",
                        cell_text(&row.principal),
                        capability.as_str(),
                        cell_text(&cell.conditions.join("; "))
                    ));
                }
            }
        }
        if !notes.is_empty() {
            writeln!(out, "\nConditional:\n")?;
            for note in notes {
                writeln!(out, "{note}")?;
            }
        }
        writeln!(out)?;
    }
    writeln!(out, "{NOT_KNOWN}")
}

/// `{"keys": [...]}`, the shape docs/access.md gives.
pub(super) fn write_json(matrices: &[(String, Matrix)]) -> std::io::Result<()> {
    let keys: Vec<Value> = matrices
        .iter()
        .map(|(path, matrix)| {
            let rows: Vec<Value> = matrix
                .rows
                .iter()
                .map(|row| {
                    let cells: serde_json::Map<String, Value> = Capability::ALL
                        .iter()
                        .zip(&row.cells)
                        .map(|(capability, cell)| {
                            let value = json!({
                                "verdict": cell.verdict.as_str(),
                                "partial": cell.partial,
                                "actions": cell.actions,
                                "conditions": cell.conditions,
                            });
                            (capability.as_str().to_owned(), value)
                        })
                        .collect();
                    json!({ "principal": row.principal, "cells": cells })
                })
                .collect();
            with_stack(
                json!({ "key": matrix.key, "path": path, "rows": rows }),
                matrix.stack.as_deref(),
            )
        })
        .collect();
    kmslint_core::render::write_json(&mut std::io::stdout().lock(), &json!({ "keys": keys }))
}

/// A cell that changed between two versions of a key's matrix.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Change {
    path: String,
    key: String,
    stack: Option<String>,
    principal: String,
    capability: Capability,
    before: Verdict,
    now: Verdict,
}

/// The cells of `now` that differ from `before` (a row or key missing on one side is
/// `not-allowed` everywhere there), in the order of `now`, then what `before` had that `now`
/// lost entirely.
pub(super) fn changes(before: &[(String, Matrix)], now: &[(String, Matrix)]) -> Vec<Change> {
    // Each row by its place: looked up once per row, not searched.
    let (was, is) = (index(before), index(now));
    let mut out = Vec::new();
    let mut add = |(path, key, stack, principal): Place<'_>, c: usize, before, now| {
        if before != now {
            out.push(Change {
                path: path.to_owned(),
                key: key.to_owned(),
                stack: stack.map(str::to_owned),
                principal: principal.to_owned(),
                capability: Capability::ALL[c],
                before,
                now,
            });
        }
    };
    let verdict =
        |row: Option<&&Row>, c: usize| row.map_or(Verdict::NotAllowed, |r| r.cells[c].verdict);
    for (path, matrix) in now {
        for row in &matrix.rows {
            let at = place(path, matrix, row);
            for (c, cell) in row.cells.iter().enumerate() {
                add(at, c, verdict(was.get(&at), c), cell.verdict);
            }
        }
    }
    for (path, matrix) in before {
        for row in &matrix.rows {
            let at = place(path, matrix, row);
            if is.contains_key(&at) {
                continue;
            }
            for (c, cell) in row.cells.iter().enumerate() {
                add(at, c, cell.verdict, Verdict::NotAllowed);
            }
        }
    }
    out
}

/// A row's place: its file, key, stack instance and principal.
type Place<'m> = (&'m str, &'m str, Option<&'m str>, &'m str);

fn place<'m>(path: &'m str, matrix: &'m Matrix, row: &'m Row) -> Place<'m> {
    (
        path,
        matrix.key.as_str(),
        matrix.stack.as_deref(),
        row.principal.as_str(),
    )
}

type RowsByPlace<'m> = HashMap<Place<'m>, &'m Row>;

/// The rows of `list` by file, key, stack instance and principal (the first of each).
fn index(list: &[(String, Matrix)]) -> RowsByPlace<'_> {
    let mut rows = HashMap::new();
    for (path, matrix) in list {
        for row in &matrix.rows {
            let at = place(path, matrix, row);
            rows.entry(at).or_insert(row);
        }
    }
    rows
}

/// `+` for a principal that may do more, `-` for less.
fn sign(change: &Change) -> char {
    if change.now.rank() > change.before.rank() {
        '+'
    } else {
        '-'
    }
}

fn word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::NotAllowed => "—",
        verdict => verdict.as_str(),
    }
}

/// A line per change, under its key.
pub(super) fn write_changes_pretty(rev: &str, changes: &[Change]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if changes.is_empty() {
        return writeln!(out, "No access changed since {}.", visible(rev));
    }
    for key in by_key(changes) {
        let first = &key[0];
        writeln!(
            out,
            "{}: key `{}`{}, since {}:",
            visible(&first.path),
            visible(&first.key),
            in_stack(first.stack.as_deref()),
            visible(rev)
        )?;
        for change in key {
            writeln!(
                out,
                "  {} {} {}: {} -> {}",
                sign(change),
                visible(&change.principal),
                change.capability.as_str(),
                word(change.before),
                word(change.now)
            )?;
        }
    }
    Ok(())
}

/// The changes key by key (they come grouped so).
fn by_key(changes: &[Change]) -> impl Iterator<Item = &[Change]> {
    changes.chunk_by(|a, b| (&a.path, &a.key, &a.stack) == (&b.path, &b.key, &b.stack))
}

/// A table per key, for a pull request comment.
pub(super) fn write_changes_markdown(rev: &str, changes: &[Change]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if changes.is_empty() {
        return writeln!(out, "No access changed since `{}`.", cell_text(rev));
    }
    for (i, key) in by_key(changes).enumerate() {
        let first = &key[0];
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "### Key `{}` ({}){}: access changed since `{}`\n",
            cell_text(&first.key),
            cell_text(&first.path),
            cell_text(&in_stack(first.stack.as_deref())),
            cell_text(rev)
        )?;
        writeln!(out, "| | principal | capability | before | now |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for change in key {
            writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                sign(change),
                cell_text(&change.principal),
                change.capability.as_str(),
                word(change.before),
                word(change.now)
            )?;
        }
    }
    Ok(())
}

/// `{"changes": [...]}`, the shape docs/access.md gives.
pub(super) fn write_changes_json(changes: &[Change]) -> std::io::Result<()> {
    let changes: Vec<Value> = changes
        .iter()
        .map(|c| {
            let change = json!({
                "path": c.path,
                "key": c.key,
                "principal": c.principal,
                "capability": c.capability.as_str(),
                "before": c.before.as_str(),
                "now": c.now.as_str(),
            });
            with_stack(change, c.stack.as_deref())
        })
        .collect();
    kmslint_core::render::write_json(
        &mut std::io::stdout().lock(),
        &json!({ "changes": changes }),
    )
}
