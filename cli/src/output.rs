//! Results on stdout: JSON (pretty, the default when stdout is not a terminal), tables (the
//! default on a terminal) or text (tab-separated lines, for shell scripts), after an optional
//! JMESPath `--query`.
//!
//! - `json`: the value as is. A walk over pages (`--all`) prints a JSON array item by item as
//!   the pages arrive.
//! - `table`: an object's scalar fields as a two-column table, then a table per nested object
//!   and per list of objects (one row per item, nested objects flattened into `A.B` columns).
//! - `text`: one line per value, or per item of a list; an object's values separated by tabs,
//!   nested lists and objects as compact JSON.
//!
//! With `--all`, `--query` applies to each item.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Map, Value};
use unicode_width::UnicodeWidthStr;

use crate::error::Failure;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON.
    Json,
    /// Tables for people.
    Table,
    /// Tab-separated lines.
    Text,
}

impl Format {
    /// The names, as `--output` takes them.
    pub const NAMES: [&'static str; 3] = ["json", "table", "text"];

    /// Parses `json`, `table` or `text`.
    pub fn parse(name: &str) -> Result<Self, Failure> {
        match name.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "table" => Ok(Format::Table),
            "text" => Ok(Format::Text),
            other => Err(Failure::usage(format!(
                "unknown output format {other:?}: use json, table or text"
            ))),
        }
    }
}

/// How results are printed: a format and an optional query.
pub struct Output {
    /// The format.
    pub format: Format,
    query: Option<jmespath::Expression<'static>>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("format", &self.format)
            .field("query", &self.query.as_ref().map(ToString::to_string))
            .finish()
    }
}

impl Output {
    /// An output in `format`, applying `query` (a JMESPath expression) first; a query that does
    /// not compile is a usage error.
    pub fn new(format: Format, query: Option<&str>) -> Result<Self, Failure> {
        let query = query
            .map(|q| {
                jmespath::compile(q).map_err(|e| Failure::usage(format!("invalid --query: {e}")))
            })
            .transpose()?;
        Ok(Self { format, query })
    }

    /// `value` after the query.
    pub fn apply(&self, value: Value) -> Result<Value, Failure> {
        let Some(query) = &self.query else {
            return Ok(value);
        };
        let found = query
            .search(&value)
            .map_err(|e| Failure::usage(format!("--query failed: {e}")))?;
        serde_json::to_value(&*found)
            .map_err(|e| Failure::usage(format!("--query gave a value that is not JSON: {e}")))
    }

    /// `value` (after the query) in the format, ending with a newline.
    pub fn render(&self, value: Value) -> Result<String, Failure> {
        let value = self.apply(value)?;
        Ok(match self.format {
            Format::Json => json(&value),
            Format::Table => table(&value),
            Format::Text => text(&value),
        })
    }

    /// Prints `value` to `out`.
    pub fn print(&self, out: &mut dyn Write, value: Value) -> Result<(), Failure> {
        let rendered = self.render(value)?;
        write_out(out, rendered.as_bytes())
    }

    /// A list printed item by item (`--all`).
    pub fn list<'a>(&'a self, out: &'a mut dyn Write) -> ListPrinter<'a> {
        ListPrinter {
            output: self,
            out,
            count: 0,
            held: Vec::new(),
        }
    }
}

/// Writes to stdout; a failure is a local I/O error (a closed pipe is handled by the caller).
pub fn write_out(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("writing the output: {e}")))
}

/// Prints a list as its items arrive; see [`Output::list`].
pub struct ListPrinter<'a> {
    output: &'a Output,
    out: &'a mut dyn Write,
    count: usize,
    /// Tables need every row before the first is drawn.
    held: Vec<Value>,
}

impl ListPrinter<'_> {
    /// Prints one item (after the query).
    pub fn item(&mut self, item: Value) -> Result<(), Failure> {
        let item = self.output.apply(item)?;
        let text = match self.output.format {
            Format::Json => {
                let lead = if self.count == 0 { "[\n" } else { ",\n" };
                format!("{lead}{}", indent(&json(&item)))
            }
            Format::Text => format!("{}\n", text_line(&item)),
            Format::Table => {
                self.held.push(item);
                String::new()
            }
        };
        self.count += 1;
        write_out(self.out, text.as_bytes())
    }

    /// Ends the list.
    pub fn finish(self) -> Result<(), Failure> {
        let text = match self.output.format {
            Format::Json if self.count == 0 => "[]\n".to_owned(),
            Format::Json => "\n]\n".to_owned(),
            Format::Text => String::new(),
            Format::Table => table(&Value::Array(self.held)),
        };
        write_out(self.out, text.as_bytes())
    }
}

/// Pretty JSON with a final newline.
pub fn json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    text.push('\n');
    text
}

/// Each line indented by two spaces, without the final newline (an item of a JSON array).
fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

/// A value in a cell or a text field: scalars as text, lists of scalars joined by `sep`,
/// anything else as compact JSON; control characters as spaces.
fn cell(value: &Value, sep: &str) -> String {
    let clean = |text: String| -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    match value {
        Value::Null => String::new(),
        Value::String(s) => clean(s.clone()),
        Value::Array(items) if items.iter().all(is_scalar) => items
            .iter()
            .map(|i| cell(i, sep))
            .collect::<Vec<_>>()
            .join(sep),
        Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => {
            clean(value.to_string())
        }
    }
}

/// The fields of an object with nested objects flattened into `A.B` keys.
fn flatten(object: &Map<String, Value>, prefix: &str, out: &mut Vec<(String, Value)>) {
    for (key, value) in object {
        let key = format!("{prefix}{key}");
        match value {
            Value::Object(inner) if !inner.is_empty() => flatten(inner, &format!("{key}."), out),
            other => out.push((key, other.clone())),
        }
    }
}

/// Draws rows (the first is the header when `header`) as an ASCII table.
fn draw(title: &str, rows: &[Vec<String>], header: bool, out: &mut String) {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return;
    }
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule: String = widths
        .iter()
        .map(|w| format!("+{}", "-".repeat(w + 2)))
        .collect::<String>()
        + "+\n";
    if !title.is_empty() {
        let _ = writeln!(out, "{title}");
    }
    out.push_str(&rule);
    for (i, row) in rows.iter().enumerate() {
        for (c, width) in widths.iter().enumerate() {
            let text = row.get(c).map_or("", String::as_str);
            let pad = width - text.width();
            let _ = write!(out, "| {text}{} ", " ".repeat(pad));
        }
        out.push_str("|\n");
        if i == 0 && header {
            out.push_str(&rule);
        }
    }
    out.push_str(&rule);
}

/// A list as a table: one row per item.
fn rows_table(title: &str, items: &[Value], out: &mut String) {
    if items.iter().all(is_scalar) {
        let rows: Vec<Vec<String>> = items.iter().map(|i| vec![cell(i, ", ")]).collect();
        return draw(title, &rows, false, out);
    }
    let mut columns: Vec<String> = Vec::new();
    let flat: Vec<Vec<(String, Value)>> = items
        .iter()
        .map(|item| {
            let mut fields = Vec::new();
            match item {
                Value::Object(object) => flatten(object, "", &mut fields),
                other => fields.push((String::new(), other.clone())),
            }
            for (key, _) in &fields {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
            fields
        })
        .collect();
    let mut rows = vec![columns.clone()];
    for fields in flat {
        rows.push(
            columns
                .iter()
                .map(|c| {
                    fields
                        .iter()
                        .find(|(k, _)| k == c)
                        .map_or_else(String::new, |(_, v)| cell(v, ", "))
                })
                .collect(),
        );
    }
    draw(title, &rows, true, out);
}

fn table_into(title: &str, value: &Value, out: &mut String) {
    match value {
        Value::Object(object) => {
            let plain: Vec<Vec<String>> = object
                .iter()
                .filter(|(_, v)| match v {
                    Value::Array(items) => items.iter().all(is_scalar),
                    other => is_scalar(other),
                })
                .map(|(k, v)| vec![k.clone(), cell(v, ", ")])
                .collect();
            draw(title, &plain, false, out);
            let dot = |key: &str| {
                if title.is_empty() {
                    key.to_owned()
                } else {
                    format!("{title}.{key}")
                }
            };
            for (key, v) in object {
                match v {
                    Value::Object(_) => table_into(&dot(key), v, out),
                    Value::Array(items) if !items.iter().all(is_scalar) => {
                        rows_table(&dot(key), items, out)
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => rows_table(title, items, out),
        scalar => {
            let _ = writeln!(out, "{}", cell(scalar, ", "));
        }
    }
}

/// `value` as tables.
pub fn table(value: &Value) -> String {
    let mut out = String::new();
    table_into("", value, &mut out);
    out
}

fn text_line(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let mut fields = Vec::new();
            flatten(object, "", &mut fields);
            fields
                .iter()
                .map(|(_, v)| cell(v, "\t"))
                .collect::<Vec<_>>()
                .join("\t")
        }
        other => cell(other, "\t"),
    }
}

/// `value` as text: one line per value, or per item of a list.
pub fn text(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Array(items) => {
            for item in items {
                out.push_str(&text_line(item));
                out.push('\n');
            }
        }
        other => {
            out.push_str(&text_line(other));
            out.push('\n');
        }
    }
    out
}

/// Whether an error writing stdout is a closed pipe (`cme … | head`), which ends the command
/// quietly.
pub fn is_broken_pipe(failure: &Failure) -> bool {
    matches!(failure, Failure::Io(m) if m.contains(&io::Error::from(io::ErrorKind::BrokenPipe).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data() -> Value {
        json!({
            "TotalCount": 2,
            "MaterialInfoSet": [
                {"BasicInfo": {"MaterialId": "m1", "Name": "海边日落"}, "Tags": ["a", "b"]},
                {"BasicInfo": {"MaterialId": "m22", "Name": "x"}, "Tags": []}
            ]
        })
    }

    #[test]
    fn queries_select() {
        let out =
            Output::new(Format::Json, Some("MaterialInfoSet[].BasicInfo.MaterialId")).unwrap();
        assert_eq!(out.apply(data()).unwrap(), json!(["m1", "m22"]));
        assert_eq!(
            Output::new(Format::Json, Some("[?"))
                .unwrap_err()
                .exit_code(),
            2
        );
    }

    #[test]
    fn tables_align_wide_characters() {
        let out = table(&data());
        assert_eq!(
            out,
            "\
+------------+---+
| TotalCount | 2 |
+------------+---+
MaterialInfoSet
+----------------------+----------------+------+
| BasicInfo.MaterialId | BasicInfo.Name | Tags |
+----------------------+----------------+------+
| m1                   | 海边日落       | a, b |
| m22                  | x              |      |
+----------------------+----------------+------+
"
        );
    }

    #[test]
    fn text_is_tab_separated() {
        let items = json!([{"Id": "m1", "Name": "a b"}, {"Id": "m2", "Name": "c"}]);
        assert_eq!(text(&items), "m1\ta b\nm2\tc\n");
        assert_eq!(text(&json!("plain")), "plain\n");
        assert_eq!(text(&json!({"A": 1, "B": {"C": [1, 2]}})), "1\t1\t2\n");
    }

    #[test]
    fn lists_stream_as_one_json_array() {
        for (items, expected) in [
            (vec![], "[]\n"),
            (
                vec![json!({"A": 1}), json!(2)],
                "[\n  {\n    \"A\": 1\n  },\n  2\n]\n",
            ),
        ] {
            let output = Output::new(Format::Json, None).unwrap();
            let mut buffer = Vec::new();
            let mut list = output.list(&mut buffer);
            for item in items {
                list.item(item).unwrap();
            }
            list.finish().unwrap();
            let text = String::from_utf8(buffer).unwrap();
            assert_eq!(text, expected);
            serde_json::from_str::<Value>(&text).unwrap();
        }
    }
}
