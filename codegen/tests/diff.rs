//! `diff`: the changes between two versions of the spec, as a maintainer pastes them into the
//! changelog, with the breaking ones marked.

mod common;

use std::process::Command;

use cme_codegen::diff::{diff, Change};
use cme_codegen::{load_sources, Api};

const OLD_COMMON: &str = r#"Endpoints: {Login: "https://login.example.invalid", Api: "https://api.example.invalid"}
Structs:
  - Name: LoginData
    Doc: "The login reply."
    Fields:
      - {Name: Authorization, Type: string, Required: true, Sensitive: true, Doc: "The ticket."}
  - Name: Owner
    Doc: "An owner."
    Fields:
      - {Name: Kind, Type: OwnerType, Required: true, Doc: "Owner type."}
      - {Name: Id, Type: string, Required: true, Doc: "Owner ID."}
Enums:
  - Name: OwnerType
    Doc: "Kind of owner."
    Values:
      - {Value: PERSON, Doc: "A person."}
      - {Value: TEAM, Doc: "A team."}
  - Name: Genre
    Doc: "Genre."
    Values:
      - {Value: FICTION, Doc: "Fiction."}
      - {Value: POETRY, Doc: "Poetry."}
ErrorCodes:
  - {Code: InvalidParameter, Message: 参数错误, EnglishMessage: invalid parameter, Doc: "Bad parameter."}
"#;

const OLD_BOOK: &str = r#"ActionClass: Book
Doc: "Books."
Actions:
  - Name: ListBooks
    Doc: "List books."
    Idempotent: true
    Request:
      - {Name: Owner, Type: Owner, Doc: "Owner."}
      - {Name: Genre, Type: Genre, Doc: "Genre filter."}
      - {Name: Year, Type: integer, Doc: "Year filter."}
    Data:
      - {Name: TotalCount, Type: integer, Doc: "Total."}
      - {Name: BookSet, Type: list<string>, Doc: "Book IDs."}
    Errors: [InvalidParameter]
  - Name: DeleteBook
    Doc: "Delete a book."
    Idempotent: true
    Request:
      - {Name: BookId, Type: string, Required: true, Doc: "Book ID."}
  - Name: ArchiveBook
    Doc: "Archive a book."
    Idempotent: false
    Request:
      - {Name: BookId, Type: string, Required: true, Doc: "Book ID."}
"#;

const NEW_COMMON: &str = r#"Endpoints: {Login: "https://login.example.invalid", Api: "https://api.example.invalid"}
Structs:
  - Name: LoginData
    Doc: "The login reply."
    Fields:
      - {Name: Authorization, Type: string, Required: true, Sensitive: true, Doc: "The ticket."}
  - Name: Owner
    Doc: "An owner."
    Fields:
      - {Name: Kind, Type: OwnerType, Required: true, Doc: "Owner type."}
      - {Name: Id, Type: string, Required: true, Doc: "Owner ID."}
Enums:
  - Name: OwnerType
    Doc: "Kind of owner."
    Values:
      - {Value: PERSON, Doc: "A person."}
      - {Value: TEAM, Doc: "A team."}
      - {Value: ROBOT, Doc: "A robot."}
  - Name: Genre
    Doc: "Genre."
    Values:
      - {Value: FICTION, Doc: "Fiction."}
      - {Value: DRAMA, Doc: "Drama."}
ErrorCodes:
  - {Code: InvalidParameter, Message: 参数错误, EnglishMessage: invalid parameter, Doc: "Bad parameter.", NotExecuted: true}
  - {Code: ResourceNotFound, Message: 资源不存在, EnglishMessage: not found, Doc: "No such book."}
"#;

const NEW_BOOK: &str = r#"ActionClass: Book
Doc: "Books, with a better description."
Actions:
  - Name: ListBooks
    Doc: "List the books."
    Idempotent: true
    Request:
      - {Name: Owner, Type: Owner, Required: true, Doc: "Owner."}
      - {Name: Year, Type: string, Doc: "Year filter, now a range like 1990-2000."}
      - {Name: Title, Type: string, Doc: "Title filter."}
    Data:
      - {Name: TotalCount, Type: integer, Doc: "Total."}
      - {Name: BookSet, Type: list<string>, Doc: "Book IDs."}
      - {Name: NextToken, Type: string, Doc: "Token of the next page."}
    Errors: [InvalidParameter]
  - Name: DeleteBook
    Doc: "Delete a book."
    Idempotent: true
    Request:
      - {Name: BookId, Type: string, Required: true, Doc: "Book ID."}
      - {Name: Reason, Type: string, Required: true, Doc: "Why."}
    Errors: [ResourceNotFound]
  - Name: CreateBook
    Doc: "Create a book."
    Idempotent: false
    Request:
      - {Name: Title, Type: string, Required: true, Doc: "Title."}
"#;

fn spec(common: &str, book: &str) -> Vec<(String, String)> {
    vec![
        ("common.yaml".into(), common.into()),
        ("Book.yaml".into(), book.into()),
    ]
}

fn api(common: &str, book: &str) -> Api {
    load_sources(spec(common, book)).unwrap_or_else(|e| panic!("{e}"))
}

fn change(subject: &str, what: &str, breaking: bool) -> Change {
    Change {
        subject: subject.into(),
        what: what.into(),
        breaking,
    }
}

/// The changes from OLD to NEW, in the order `diff` lists them.
fn expected() -> Vec<Change> {
    vec![
        change("action Book/CreateBook", "added", false),
        change(
            "action Book/DeleteBook request",
            "field Reason added (required string)",
            true,
        ),
        change(
            "action Book/DeleteBook",
            "documents error ResourceNotFound",
            false,
        ),
        change(
            "action Book/ListBooks request",
            "field Owner made required",
            true,
        ),
        change(
            "action Book/ListBooks request",
            "field Year retyped: integer -> string",
            true,
        ),
        change(
            "action Book/ListBooks request",
            "field Title added (optional string)",
            false,
        ),
        change(
            "action Book/ListBooks request",
            "field Genre removed (optional Genre)",
            true,
        ),
        change(
            "action Book/ListBooks Data",
            "field NextToken added (optional string)",
            false,
        ),
        change("action Book/ArchiveBook", "removed", true),
        change("enum OwnerType", "value \"ROBOT\" added", false),
        change("enum Genre", "value \"DRAMA\" added", false),
        change("enum Genre", "value \"POETRY\" removed", true),
        change(
            "error code InvalidParameter",
            "retry, ticket or not-executed handling changed",
            false,
        ),
        change("error code ResourceNotFound", "added", false),
    ]
}

const EXPECTED_LINES: &[&str] = &[
    "action Book/CreateBook: added",
    "action Book/DeleteBook request: field Reason added (required string) [breaking]",
    "action Book/DeleteBook: documents error ResourceNotFound",
    "action Book/ListBooks request: field Owner made required [breaking]",
    "action Book/ListBooks request: field Year retyped: integer -> string [breaking]",
    "action Book/ListBooks request: field Title added (optional string)",
    "action Book/ListBooks request: field Genre removed (optional Genre) [breaking]",
    "action Book/ListBooks Data: field NextToken added (optional string)",
    "action Book/ArchiveBook: removed [breaking]",
    "enum OwnerType: value \"ROBOT\" added",
    "enum Genre: value \"DRAMA\" added",
    "enum Genre: value \"POETRY\" removed [breaking]",
    "error code InvalidParameter: retry, ticket or not-executed handling changed",
    "error code ResourceNotFound: added",
];

#[test]
fn the_exact_changes_between_two_specs() {
    let changes = diff(&api(OLD_COMMON, OLD_BOOK), &api(NEW_COMMON, NEW_BOOK));
    assert_eq!(changes, expected());
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines, EXPECTED_LINES);
    assert_eq!(changes.iter().filter(|c| c.breaking).count(), 6);
}

#[test]
fn docs_alone_are_not_a_change() {
    let old = api(OLD_COMMON, OLD_BOOK);
    assert_eq!(diff(&old, &old), vec![]);
    let reworded = OLD_BOOK
        .replace("\"List books.\"", "\"List the books.\"")
        .replace("\"Year filter.\"", "\"The year.\"");
    assert_ne!(reworded, OLD_BOOK);
    assert_eq!(diff(&old, &api(OLD_COMMON, &reworded)), vec![]);
}

#[test]
fn the_reverse_diff_mirrors_it() {
    let changes = diff(&api(NEW_COMMON, NEW_BOOK), &api(OLD_COMMON, OLD_BOOK));
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "action Book/ArchiveBook: added",
            "action Book/DeleteBook request: field Reason removed (required string) [breaking]",
            "action Book/DeleteBook: no longer documents error ResourceNotFound",
            "action Book/ListBooks request: field Owner made optional [breaking]",
            // Fields in the order of the newer spec, then the removed ones.
            "action Book/ListBooks request: field Genre added (optional Genre)",
            "action Book/ListBooks request: field Year retyped: string -> integer [breaking]",
            "action Book/ListBooks request: field Title removed (optional string) [breaking]",
            "action Book/ListBooks Data: field NextToken removed (optional string) [breaking]",
            "action Book/CreateBook: removed [breaking]",
            "enum OwnerType: value \"ROBOT\" removed [breaking]",
            "enum Genre: value \"POETRY\" added",
            "enum Genre: value \"DRAMA\" removed [breaking]",
            "error code InvalidParameter: retry, ticket or not-executed handling changed",
            "error code ResourceNotFound: removed [breaking]",
        ]
    );
}

/// Reply-side and struct changes: a `Data` field removed or retyped breaks; a struct used in
/// requests breaks on a new required field; one used only in replies does not.
#[test]
fn struct_and_reply_changes() {
    let old = api(OLD_COMMON, OLD_BOOK);
    let new_common = OLD_COMMON.replace(
        "      - {Name: Id, Type: string, Required: true, Doc: \"Owner ID.\"}\n",
        "      - {Name: Id, Type: string, Required: true, Doc: \"Owner ID.\"}\n      - {Name: Team, Type: string, Required: true, Doc: \"Team.\"}\n",
    );
    let new_book = OLD_BOOK.replace(
        "{Name: TotalCount, Type: integer,",
        "{Name: TotalCount, Type: float,",
    );
    let lines: Vec<String> = diff(&old, &api(&new_common, &new_book))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "action Book/ListBooks Data: field TotalCount retyped: integer -> float [breaking]",
            "struct Owner: field Team added (required string) [breaking]",
        ]
    );
}

// ---------------------------------------------------------------- the binary

fn write_spec(dir: &std::path::Path, common: &str, book: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("common.yaml"), common).unwrap();
    std::fs::write(dir.join("Book.yaml"), book).unwrap();
}

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cme-codegen"))
        .args(args)
        .output()
        .expect("run cme-codegen")
}

#[test]
fn binary_diff_prints_the_changes_and_a_summary() {
    let tmp = common::TempDir::new("diff");
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    write_spec(&old, OLD_COMMON, OLD_BOOK);
    write_spec(&new, NEW_COMMON, NEW_BOOK);
    let root = tmp.path().as_os_str();

    let out = run(&[
        "--root".as_ref(),
        root,
        "diff".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut expected: Vec<String> = EXPECTED_LINES.iter().map(|l| l.to_string()).collect();
    expected.push("14 changes, 6 breaking".into());
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);

    // Relative paths are relative to --root; NEW defaults to `api-spec` under the root.
    write_spec(&tmp.path().join("api-spec"), NEW_COMMON, NEW_BOOK);
    let out = run(&["--root".as_ref(), root, "diff".as_ref(), "old".as_ref()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), stdout);

    // No change.
    let out = run(&[
        "--root".as_ref(),
        root,
        "diff".as_ref(),
        "new".as_ref(),
        "api-spec".as_ref(),
    ]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "0 changes, 0 breaking\n"
    );
}

#[test]
fn binary_diff_refuses_an_invalid_or_missing_spec() {
    let tmp = common::TempDir::new("diff-invalid");
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    write_spec(&old, OLD_COMMON, OLD_BOOK);
    write_spec(
        &new,
        NEW_COMMON,
        &NEW_BOOK.replace("Type: list<string>", "Type: list<strings>"),
    );
    let root = tmp.path().as_os_str();

    let out = run(&[
        "--root".as_ref(),
        root,
        "diff".as_ref(),
        old.as_os_str(),
        new.as_os_str(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("{}: invalid spec:\n", new.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("Book.yaml: action ListBooks: field BookSet: unknown type \"strings\""),
        "{stderr}"
    );
    assert_eq!(out.stdout, b"");

    // Neither a directory nor a git revision (the temp root is no git repository).
    let out = run(&[
        "--root".as_ref(),
        root,
        "diff".as_ref(),
        "no-such-revision".as_ref(),
        old.as_os_str(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("no-such-revision is neither a spec directory nor a git revision"),
        "{stderr}"
    );
}

#[test]
fn client_supplied_fields_formats_and_hand_written_decoders_are_reported() {
    let old_book = OLD_BOOK.replace(
        "      - {Name: Year, Type: integer, Doc: \"Year filter.\"}",
        "      - {Name: Year, Type: integer, Doc: \"Year filter.\"}\n      - {Name: Platform, Type: string, Required: true, Doc: \"Platform.\"}",
    ).replace(
        "      - {Name: BookSet, Type: list<string>, Doc: \"Book IDs.\"}",
        "      - {Name: BookSet, Type: list<string>, Doc: \"Book IDs.\"}\n      - {Name: Stamp, Type: string, Doc: \"When.\"}",
    );
    let new_book = old_book
        .replace(
            "{Name: Platform, Type: string, Required: true,",
            "{Name: Platform, Type: string, Required: true, FromClient: Platform,",
        )
        .replace(
            "{Name: Stamp, Type: string,",
            "{Name: Stamp, Type: string, Format: DateTime,",
        )
        .replace(
            "  - Name: DeleteBook\n    Doc: \"Delete a book.\"\n    Idempotent: true\n",
            "  - Name: DeleteBook\n    Doc: \"Delete a book.\"\n    Idempotent: true\n    HandWrittenDecoder: true\n",
        );
    let lines: Vec<String> = diff(&api(OLD_COMMON, &old_book), &api(OLD_COMMON, &new_book))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "action Book/DeleteBook: Data decoder: hand-written (sdk/src/quirks.rs must implement it)",
            "action Book/ListBooks request: field Platform now supplied by the client (Platform) [breaking]",
            "action Book/ListBooks Data: field Stamp has the format DateTime",
        ]
    );
    // And back: a client-supplied field becomes an argument again; the accessor goes away.
    let lines: Vec<String> = diff(&api(OLD_COMMON, &new_book), &api(OLD_COMMON, &old_book))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "action Book/DeleteBook: Data decoder: generated",
            "action Book/ListBooks request: field Platform no longer supplied by the client [breaking]",
            "action Book/ListBooks Data: field Stamp lost its format [breaking]",
        ]
    );
}

#[test]
fn a_changed_error_category_is_reported() {
    let new_common = OLD_COMMON.replace(
        "Doc: \"Bad parameter.\"}",
        "Doc: \"Bad parameter.\", Category: NotFound}",
    );
    let lines: Vec<String> = diff(&api(OLD_COMMON, OLD_BOOK), &api(&new_common, OLD_BOOK))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        ["error code InvalidParameter: category InvalidParameter -> NotFound"]
    );
}
