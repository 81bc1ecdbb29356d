//! Validation: a malformed spec is refused with every problem named by file, item (action,
//! struct, enum or error code) and field, and nothing is generated from it.
//!
//! Each case applies one edit to a small valid spec and expects exactly the listed errors.

use cme_codegen::{load, load_sources, SpecError, SpecErrors};

const COMMON: &str = r#"Endpoints:
  Login: https://login.example.invalid
  Api: https://api.example.invalid

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

ErrorCodes:
  - {Code: InvalidParameter, Message: 参数错误, EnglishMessage: invalid parameter, Doc: "A parameter is wrong."}
  - {Code: InternalError, Message: 内部错误, EnglishMessage: internal error, Doc: "The service failed.", Retry: IfIdempotent}
"#;

const BOOK: &str = r#"ActionClass: Book
Doc: "Books."
Actions:
  - Name: ListBooks
    Doc: "List books."
    Idempotent: true
    Pagination: {Offset: Offset, Limit: Limit, Total: TotalCount, Items: BookSet}
    Request:
      - {Name: Owner, Type: Owner, Required: true, Doc: "Owner of the books."}
      - {Name: Title, Type: string, MaxLength: 50, Doc: "Title filter."}
      - {Name: Offset, Type: integer, Default: 0, Min: 0, Doc: "Offset."}
      - {Name: Limit, Type: integer, Default: 10, Min: 1, Max: 30, Doc: "Page size."}
    Data:
      - {Name: TotalCount, Type: integer, Doc: "Total."}
      - {Name: BookSet, Type: list<string>, Doc: "Book IDs."}
    Errors: [InvalidParameter]
    Examples:
      - Name: First page
        Request: {Owner: {Kind: PERSON, Id: u1}, Limit: 10}
        Reply: {Code: Success, Message: 成功, EnglishMessage: success, Data: {TotalCount: 1, BookSet: [b1]}}
      - Name: Bad limit
        Request: {Owner: {Kind: TEAM, Id: t1}, Limit: 100}
        Reply: {Code: InvalidParameter, Message: 参数错误, EnglishMessage: invalid parameter}

  - Name: DeleteBook
    Doc: "Delete a book."
    Idempotent: true
    Request:
      - {Name: BookId, Type: string, Required: true, Doc: "Book ID."}
    Errors: [InvalidParameter, InternalError]
"#;

const SHELF: &str = r#"ActionClass: Shelf
Doc: "Shelves."
Actions:
  - Name: DescribeShelf
    Doc: "Describe a shelf."
    Idempotent: true
    Request:
      - {Name: ShelfId, Type: integer, Required: true, Doc: "Shelf ID."}
    Data:
      - {Name: Owner, Type: Owner, Doc: "Owner of the shelf."}
"#;

fn base() -> Vec<(String, String)> {
    vec![
        ("Book.yaml".into(), BOOK.into()),
        ("Shelf.yaml".into(), SHELF.into()),
        ("common.yaml".into(), COMMON.into()),
    ]
}

/// `from` -> `to` in `file`; `from` must occur exactly once, so that an edit never silently
/// stops applying when the fixture changes.
type Edit = (&'static str, &'static str, &'static str);

fn apply(edits: &[Edit]) -> Vec<(String, String)> {
    let mut sources = base();
    for (file, from, to) in edits {
        let (_, text) = sources
            .iter_mut()
            .find(|(name, _)| name == file)
            .unwrap_or_else(|| panic!("no file {file}"));
        assert_eq!(
            text.matches(from).count(),
            1,
            "{from:?} must occur once in {file}"
        );
        *text = text.replacen(from, to, 1);
    }
    sources
}

fn errors_of(sources: Vec<(String, String)>) -> Vec<SpecError> {
    match load_sources(sources) {
        Ok(_) => panic!("the spec was accepted"),
        Err(SpecErrors(errors)) => errors,
    }
}

struct Case {
    name: &'static str,
    edits: &'static [Edit],
    /// Each expected error: its location as displayed (`file: item: field`), and words its
    /// message must contain.
    expect: &'static [(&'static str, &'static [&'static str])],
}

const CASES: &[Case] = &[
    // ---- syntax and shape
    Case {
        name: "unknown key in a field (typo)",
        edits: &[("Book.yaml", "{Name: Title, Type: string,", "{Name: Title, Type: string, Requird: true,")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["unknown field `Requird`", "expected one of"])],
    },
    Case {
        name: "unknown key in an action",
        edits: &[("Book.yaml", "    Doc: \"Delete a book.\"\n", "    Doc: \"Delete a book.\"\n    Idempotant: true\n")],
        expect: &[("Book.yaml: action DeleteBook", &["unknown field `Idempotant`"])],
    },
    Case {
        name: "unknown key in an enum value",
        edits: &[("common.yaml", "{Value: TEAM,", "{Value: TEAM, Varient: Crew,")],
        expect: &[("common.yaml: enum OwnerType", &["unknown field `Varient`"])],
    },
    Case {
        name: "unknown key in an error code",
        edits: &[("common.yaml", "Retry: IfIdempotent}", "Retry: IfIdempotent, Retryable: true}")],
        expect: &[("common.yaml: error code InternalError", &["unknown field `Retryable`"])],
    },
    Case {
        name: "unknown Retry kind",
        edits: &[("common.yaml", "Retry: IfIdempotent}", "Retry: Sometimes}")],
        expect: &[("common.yaml: error code InternalError", &["unknown variant `Sometimes`"])],
    },
    Case {
        name: "missing Doc of a field",
        edits: &[("Book.yaml", "{Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}", "{Name: BookId, Type: string, Required: true}")],
        expect: &[("Book.yaml: action DeleteBook: field BookId", &["missing field `Doc`"])],
    },
    Case {
        name: "missing Endpoints",
        edits: &[("common.yaml", "Endpoints:\n  Login: https://login.example.invalid\n  Api: https://api.example.invalid\n", "")],
        expect: &[("common.yaml: Endpoints", &["missing"])],
    },
    Case {
        name: "no LoginData struct for the login reply",
        edits: &[("common.yaml", "  - Name: LoginData\n", "  - Name: LoginReply\n")],
        expect: &[("common.yaml: struct LoginData", &["missing", "Authorization"])],
    },
    Case {
        name: "an ActionClass named like an SDK module",
        edits: &[("Book.yaml", "ActionClass: Book", "ActionClass: Types")],
        expect: &[("Book.yaml", &["`types` would clash"])],
    },
    // ---- types
    Case {
        name: "unknown type",
        edits: &[("Book.yaml", "{Name: Title, Type: string,", "{Name: Title, Type: strng,")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["unknown type \"strng\""])],
    },
    Case {
        name: "unknown type in a list, in a struct",
        edits: &[("common.yaml", "{Name: Id, Type: string,", "{Name: Id, Type: list<Ident>,")],
        expect: &[("common.yaml: struct Owner: field Id", &["unknown type \"Ident\""])],
    },
    // ---- duplicates
    Case {
        name: "duplicate action",
        edits: &[("Book.yaml", "- Name: DeleteBook", "- Name: ListBooks")],
        expect: &[("Book.yaml: action ListBooks", &["duplicate action ListBooks"])],
    },
    Case {
        name: "the same action in two classes (one Service method each)",
        edits: &[("Shelf.yaml", "- Name: DescribeShelf", "- Name: DeleteBook")],
        expect: &[("Shelf.yaml: action DeleteBook", &["duplicate action DeleteBook (also in Book.yaml)"])],
    },
    Case {
        name: "duplicate ActionClass",
        edits: &[("Shelf.yaml", "ActionClass: Shelf", "ActionClass: Book")],
        expect: &[("Shelf.yaml", &["duplicate ActionClass Book"])],
    },
    Case {
        name: "duplicate field",
        edits: &[(
            "Book.yaml",
            "      - {Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}\n",
            "      - {Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}\n      - {Name: BookId, Type: integer, Doc: \"Again.\"}\n",
        )],
        expect: &[("Book.yaml: action DeleteBook: field BookId", &["duplicate field", "BookId"])],
    },
    Case {
        name: "an alias that duplicates a field",
        edits: &[("Book.yaml", "{Name: Limit, Type: integer,", "{Name: Limit, Aliases: [Title], Type: integer,")],
        expect: &[("Book.yaml: action ListBooks: field Limit", &["duplicate field or alias Title"])],
    },
    Case {
        name: "two wire names with the same Rust name",
        edits: &[("Book.yaml", "{Name: Title, Type: string,", "{Name: Title, RustName: limit, Type: string,")],
        expect: &[("Book.yaml: action ListBooks: field Limit", &["duplicate Rust name limit"])],
    },
    Case {
        name: "duplicate struct name",
        edits: &[("common.yaml", "Enums:\n", "  - Name: Owner\n    Doc: \"Again.\"\n    Fields: []\n\nEnums:\n")],
        expect: &[("common.yaml: struct Owner", &["duplicate type name Owner"])],
    },
    Case {
        name: "a struct and an enum with the same name",
        edits: &[("common.yaml", "ErrorCodes:\n", "  - Name: Owner\n    Doc: \"Clash.\"\n    Values: [{Value: A, Doc: \"A.\"}]\n\nErrorCodes:\n")],
        expect: &[("common.yaml: struct Owner", &["duplicate type name Owner"])],
    },
    Case {
        name: "duplicate error code",
        edits: &[("common.yaml", "Retry: IfIdempotent}\n", "Retry: IfIdempotent}\n  - {Code: InternalError, Message: x, EnglishMessage: x, Doc: x}\n")],
        expect: &[("common.yaml: error code InternalError", &["duplicate error code"])],
    },
    Case {
        name: "two error codes with the same variant",
        edits: &[("common.yaml", "Retry: IfIdempotent}\n", "Retry: IfIdempotent}\n  - {Code: Internal.Error, Message: x, EnglishMessage: x, Doc: x}\n")],
        expect: &[("common.yaml: error code Internal.Error", &["two codes map to the variant InternalError"])],
    },
    Case {
        name: "a code retried always without the service's guarantee that it did not run",
        edits: &[("common.yaml", "Retry: IfIdempotent}\n", "Retry: Always}\n")],
        expect: &[("common.yaml: error code InternalError", &["Retry: Always needs NotExecuted: true", "Retry: IfIdempotent"])],
    },
    // ---- names that are not Rust identifiers
    Case {
        name: "a wire name that cannot become an identifier",
        edits: &[("Book.yaml", "{Name: BookId,", "{Name: 9Lives,")],
        expect: &[("Book.yaml: action DeleteBook: field 9Lives", &["does not map to a Rust identifier", "\"9_lives\"", "RustName"])],
    },
    Case {
        name: "a non-ASCII wire name",
        edits: &[("Book.yaml", "{Name: BookId,", "{Name: 书号,")],
        expect: &[("Book.yaml: action DeleteBook: field 书号", &["does not map to a Rust identifier", "RustName"])],
    },
    Case {
        name: "a wire name whose snake_case is a keyword (Type)",
        edits: &[("Book.yaml", "{Name: BookId,", "{Name: Type,")],
        expect: &[("Book.yaml: action DeleteBook: field Type", &["\"type\" is a Rust keyword", "RustName"])],
    },
    Case {
        name: "a wire name whose snake_case is a keyword (Match)",
        edits: &[("common.yaml", "      - {Name: Id,", "      - {Name: Match, Type: string, Doc: x}\n      - {Name: Id,")],
        expect: &[("common.yaml: struct Owner: field Match", &["\"match\" is a Rust keyword", "RustName"])],
    },
    Case {
        name: "a RustName that is a keyword",
        edits: &[("Book.yaml", "{Name: BookId,", "{Name: BookId, RustName: match,")],
        expect: &[("Book.yaml: action DeleteBook: field BookId", &["RustName \"match\" is not a snake_case Rust identifier"])],
    },
    Case {
        name: "a RustName in PascalCase",
        edits: &[("Book.yaml", "{Name: BookId,", "{Name: BookId, RustName: BookId,")],
        expect: &[("Book.yaml: action DeleteBook: field BookId", &["RustName \"BookId\" is not a snake_case Rust identifier"])],
    },
    Case {
        name: "a struct name that is not PascalCase",
        edits: &[("common.yaml", "Enums:\n", "  - {Name: owner_info, Doc: x, Fields: []}\n\nEnums:\n")],
        expect: &[("common.yaml: struct owner_info", &["not a PascalCase Rust identifier"])],
    },
    Case {
        name: "an action whose method name is a keyword",
        edits: &[("Book.yaml", "- Name: DeleteBook", "- Name: Move")],
        expect: &[("Book.yaml: action Move", &["\"move\" is a Rust keyword"])],
    },
    Case {
        name: "an ActionClass whose module name is a keyword",
        edits: &[("Shelf.yaml", "ActionClass: Shelf", "ActionClass: Type")],
        expect: &[("Shelf.yaml", &["ActionClass Type", "\"type\" is a Rust keyword"])],
    },
    Case {
        name: "an optional request field whose setter clashes with a method of Call",
        edits: &[(
            "Book.yaml",
            "      - {Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}\n",
            "      - {Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}\n      - {Name: Send, Type: bool, Doc: \"Send a copy.\"}\n",
        )],
        expect: &[(
            "Book.yaml: action DeleteBook: field Send",
            &["setter `send` would clash", "RustName"],
        )],
    },
    Case {
        name: "an optional struct field whose setter clashes with the constructor",
        edits: &[(
            "common.yaml",
            "      - {Name: Id,",
            "      - {Name: New, Type: bool, Doc: x}\n      - {Name: Id,",
        )],
        expect: &[(
            "common.yaml: struct Owner: field New",
            &["setter `new` would clash", "RustName"],
        )],
    },
    // ---- field rules
    Case {
        name: "a required field with a Default",
        edits: &[("Book.yaml", "{Name: BookId, Type: string, Required: true,", "{Name: BookId, Type: string, Required: true, Default: b0,")],
        expect: &[("Book.yaml: action DeleteBook: field BookId", &["required field cannot have a `Default`"])],
    },
    Case {
        name: "a Default of the wrong type",
        edits: &[("Book.yaml", "Default: 10,", "Default: ten,")],
        expect: &[("Book.yaml: action ListBooks: field Limit", &["Default: expected integer, got \"ten\""])],
    },
    Case {
        name: "a Default that is not a value of the enum",
        edits: &[("common.yaml", "{Name: Kind, Type: OwnerType, Required: true,", "{Name: Kind, Type: OwnerType, Default: ROBOT,")],
        expect: &[("common.yaml: struct Owner: field Kind", &["\"ROBOT\" is not a value of OwnerType (PERSON, TEAM)"])],
    },
    Case {
        name: "a sensitive integer",
        edits: &[("Shelf.yaml", "{Name: ShelfId, Type: integer,", "{Name: ShelfId, Type: integer, Sensitive: true,")],
        expect: &[("Shelf.yaml: action DescribeShelf: field ShelfId", &["only string fields can be `Sensitive`"])],
    },
    Case {
        name: "FromClient on an optional field",
        edits: &[("Book.yaml", "MaxLength: 50,", "MaxLength: 50, FromClient: Platform,")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["`FromClient` is only for required string fields"])],
    },
    Case {
        name: "FromClient on an integer",
        edits: &[("Shelf.yaml", "{Name: ShelfId, Type: integer,", "{Name: ShelfId, Type: integer, FromClient: Platform,")],
        expect: &[("Shelf.yaml: action DescribeShelf: field ShelfId", &["`FromClient` is only for required string fields"])],
    },
    Case {
        name: "FromClient on a Data field",
        edits: &[("Shelf.yaml", "{Name: Owner, Type: Owner,", "{Name: Owner, Type: string, Required: true, FromClient: Platform,")],
        expect: &[("Shelf.yaml: action DescribeShelf: field Owner", &["`FromClient` is for request fields"])],
    },
    Case {
        name: "an unknown FromClient value",
        edits: &[("Book.yaml", "{Name: BookId, Type: string, Required: true,", "{Name: BookId, Type: string, Required: true, FromClient: Weather,")],
        expect: &[("Book.yaml: action DeleteBook: field BookId", &["unknown variant `Weather`", "Platform", "UploadSignature"])],
    },
    Case {
        name: "a DateTime Format on an integer",
        edits: &[("Shelf.yaml", "{Name: ShelfId, Type: integer,", "{Name: ShelfId, Type: integer, Format: DateTime,")],
        expect: &[("Shelf.yaml: action DescribeShelf: field ShelfId", &["`Format` is only for string fields"])],
    },
    Case {
        name: "an Undocumented field that does not say where it was seen",
        edits: &[("Book.yaml", "MaxLength: 50,", "MaxLength: 50, Undocumented: \" \",")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["`Undocumented` must say where the field was seen"])],
    },
    Case {
        name: "an unknown error category",
        edits: &[("common.yaml", "Doc: \"A parameter is wrong.\"}", "Doc: \"A parameter is wrong.\", Category: Mystery}")],
        expect: &[("common.yaml: error code InvalidParameter", &["unknown variant `Mystery`", "NotFound"])],
    },
    Case {
        name: "MaxLength on an integer",
        edits: &[("Book.yaml", "Default: 0, Min: 0,", "Default: 0, Min: 0, MaxLength: 3,")],
        expect: &[("Book.yaml: action ListBooks: field Offset", &["MaxLength applies only to string or list<string> fields"])],
    },
    Case {
        name: "MaxItems on a string",
        edits: &[("Book.yaml", "MaxLength: 50,", "MaxLength: 50, MaxItems: 2,")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["MaxItems applies only to list fields"])],
    },
    Case {
        name: "Min on a string",
        edits: &[("Book.yaml", "MaxLength: 50,", "MaxLength: 50, Min: 1,")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["Min/Max apply only to integer or float fields"])],
    },
    Case {
        name: "Min greater than Max",
        edits: &[("Book.yaml", "Min: 1, Max: 30,", "Min: 31, Max: 30,")],
        expect: &[("Book.yaml: action ListBooks: field Limit", &["Min 31 is greater than Max 30"])],
    },
    Case {
        name: "a fractional bound of an integer",
        edits: &[("Book.yaml", "Min: 1, Max: 30,", "Min: 1, Max: 30.5,")],
        expect: &[("Book.yaml: action ListBooks: field Limit", &["bound 30.5 of an integer field must be an integer"])],
    },
    Case {
        name: "Allowed on a string",
        edits: &[("Book.yaml", "MaxLength: 50,", "MaxLength: 50, Allowed: [1],")],
        expect: &[("Book.yaml: action ListBooks: field Title", &["Allowed applies only to integer fields"])],
    },
    Case {
        name: "an empty Allowed",
        edits: &[("Book.yaml", "Min: 1, Max: 30,", "Min: 1, Max: 30, Allowed: [],")],
        expect: &[("Book.yaml: action ListBooks: field Limit", &["Allowed needs at least one value"])],
    },
    // ---- enums and codes
    Case {
        name: "an enum value that does not map to a variant",
        edits: &[("common.yaml", "      - {Value: TEAM, Doc: \"A team.\"}\n", "      - {Value: TEAM, Doc: \"A team.\"}\n      - {Value: \"2K\", Doc: \"2K.\"}\n")],
        expect: &[("common.yaml: enum OwnerType: value \"2K\"", &["does not map to a Rust variant", "\"2k\"", "give it a `Variant`"])],
    },
    Case {
        name: "two values with the same variant",
        edits: &[("common.yaml", "      - {Value: TEAM, Doc: \"A team.\"}\n", "      - {Value: TEAM, Doc: \"A team.\"}\n      - {Value: Person, Doc: \"Again.\"}\n")],
        expect: &[("common.yaml: enum OwnerType: value \"Person\"", &["duplicate variant Person", "`Variant`"])],
    },
    Case {
        name: "a duplicate enum value",
        edits: &[("common.yaml", "      - {Value: TEAM, Doc: \"A team.\"}\n", "      - {Value: TEAM, Doc: \"A team.\"}\n      - {Value: TEAM, Variant: Crew, Doc: \"Again.\"}\n")],
        expect: &[("common.yaml: enum OwnerType: value \"TEAM\"", &["duplicate value"])],
    },
    Case {
        name: "a variant named Unknown",
        edits: &[("common.yaml", "{Value: TEAM,", "{Value: TEAM, Variant: Unknown,")],
        expect: &[("common.yaml: enum OwnerType: value \"TEAM\"", &["reserved"])],
    },
    Case {
        name: "an enum without values",
        edits: &[(
            "common.yaml",
            "    Values:\n      - {Value: PERSON, Doc: \"A person.\"}\n      - {Value: TEAM, Doc: \"A team.\"}\n",
            "    Values: []\n",
        )],
        // The examples use PERSON and TEAM, which no longer exist.
        expect: &[
            ("common.yaml: enum OwnerType", &["at least one value"]),
            ("Book.yaml: action ListBooks: example \"First page\"", &["Request.Owner.Kind", "\"PERSON\" is not a value of OwnerType"]),
            ("Book.yaml: action ListBooks: example \"Bad limit\"", &["Request.Owner.Kind", "\"TEAM\" is not a value of OwnerType"]),
        ],
    },
    Case {
        name: "Success in the ErrorCodes table",
        edits: &[("common.yaml", "ErrorCodes:\n", "ErrorCodes:\n  - {Code: Success, Message: 成功, EnglishMessage: success, Doc: \"Not an error.\"}\n")],
        expect: &[("common.yaml: error code Success", &["`Success` is not an error code"])],
    },
    Case {
        name: "an error code that is not an identifier",
        edits: &[("common.yaml", "{Code: InternalError,", "{Code: \"500\",")],
        // DeleteBook names InternalError, which is gone.
        expect: &[
            ("common.yaml: error code 500", &["does not map to a Rust variant", "(\"500\")"]),
            ("Book.yaml: action DeleteBook: error InternalError", &["not in the ErrorCodes table"]),
        ],
    },
    // ---- actions
    Case {
        name: "an unknown error code in an action's Errors",
        edits: &[("Book.yaml", "Errors: [InvalidParameter, InternalError]", "Errors: [InvalidParameter, InternalErr]")],
        expect: &[("Book.yaml: action DeleteBook: error InternalErr", &["not in the ErrorCodes table of common.yaml"])],
    },
    Case {
        name: "an error code listed twice",
        edits: &[("Book.yaml", "Errors: [InvalidParameter]", "Errors: [InvalidParameter, InvalidParameter]")],
        expect: &[("Book.yaml: action ListBooks: error InvalidParameter", &["listed twice"])],
    },
    Case {
        name: "pagination naming a missing field",
        edits: &[("Book.yaml", "Items: BookSet}", "Items: Books}")],
        expect: &[("Book.yaml: action ListBooks: Pagination", &["Books", "Items"])],
    },
    Case {
        name: "pagination over a required offset",
        edits: &[("Book.yaml", "{Name: Offset, Type: integer, Default: 0,", "{Name: Offset, Type: integer, Required: true,")],
        expect: &[
            ("Book.yaml: action ListBooks: Pagination", &["Offset field Offset must be an optional integer"]),
            ("Book.yaml: action ListBooks: example \"First page\"", &["required field Offset is missing"]),
            ("Book.yaml: action ListBooks: example \"Bad limit\"", &["required field Offset is missing"]),
        ],
    },
    Case {
        name: "pagination with a total that is not an integer",
        edits: &[("Book.yaml", "{Name: TotalCount, Type: integer,", "{Name: TotalCount, Type: string,")],
        expect: &[
            ("Book.yaml: action ListBooks: Pagination", &["Total field TotalCount must be an integer Data field"]),
            ("Book.yaml: action ListBooks: example \"First page\"", &["Reply.Data.TotalCount: expected string, got 1"]),
        ],
    },
    // ---- the command line
    Case {
        name: "a field whose flag is a flag of the CLI",
        edits: &[("Book.yaml", "{Name: Title, Type: string,", "{Name: Output, Type: string,")],
        expect: &[("Book.yaml: action ListBooks: field Output", &["`--output` would clash with a flag of the CLI"])],
    },
    Case {
        name: "two fields with one flag",
        edits: &[("Book.yaml", "{Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}", "{Name: BookId, Type: string, Required: true, Doc: \"Book ID.\"}\n      - {Name: Book_Id, RustName: book_id2, Type: string, Doc: \"Again.\"}")],
        expect: &[("Book.yaml: action DeleteBook: field Book_Id", &["`--book-id` is also the flag of field BookId"])],
    },
    Case {
        name: "a class whose command is a command of the CLI",
        edits: &[("Shelf.yaml", "ActionClass: Shelf", "ActionClass: Sign")],
        expect: &[("Shelf.yaml", &["command `cme sign` would clash with a command of the CLI"])],
    },
    // ---- examples
    Case {
        name: "an example key that is not a field",
        edits: &[("Book.yaml", "Id: u1}, Limit: 10}", "Id: u1}, Limit: 10, Limt: 5}")],
        expect: &[("Book.yaml: action ListBooks: example \"First page\"", &["Request.Limt: unknown field", "known: Owner, Title, Offset, Limit"])],
    },
    Case {
        name: "an example value of the wrong type",
        edits: &[("Book.yaml", "Id: u1}, Limit: 10}", "Id: u1}, Limit: ten}")],
        expect: &[("Book.yaml: action ListBooks: example \"First page\"", &["Request.Limit: expected integer, got \"ten\""])],
    },
    Case {
        name: "an example integer that does not fit an i64",
        edits: &[("Book.yaml", "Id: u1}, Limit: 10}", "Id: u1}, Limit: 9223372036854775808}")],
        expect: &[("Book.yaml: action ListBooks: example \"First page\"", &["Request.Limit: expected integer, got 9223372036854775808"])],
    },
    Case {
        name: "an example enum value that is not in the enum",
        edits: &[("Book.yaml", "{Kind: PERSON, Id: u1}", "{Kind: ROBOT, Id: u1}")],
        expect: &[("Book.yaml: action ListBooks: example \"First page\"", &["Request.Owner.Kind: \"ROBOT\" is not a value of OwnerType (PERSON, TEAM)"])],
    },
    Case {
        name: "an example missing a required field",
        edits: &[("Book.yaml", "{Kind: PERSON, Id: u1}", "{Kind: PERSON}")],
        expect: &[("Book.yaml: action ListBooks: example \"First page\"", &["Request.Owner: required field Id is missing"])],
    },
    Case {
        name: "an example missing a required request field",
        edits: &[("Book.yaml", "Request: {Owner: {Kind: TEAM, Id: t1}, Limit: 100}", "Request: {Limit: 100}")],
        expect: &[("Book.yaml: action ListBooks: example \"Bad limit\"", &["Request: required field Owner is missing"])],
    },
    Case {
        name: "a reply example with an unknown Code",
        edits: &[("Book.yaml", "Reply: {Code: InvalidParameter,", "Reply: {Code: InvalidParam,")],
        expect: &[("Book.yaml: action ListBooks: example \"Bad limit\"", &["Reply: Code \"InvalidParam\" is not in the ErrorCodes table"])],
    },
    Case {
        name: "a reply example with a Message the table does not document",
        edits: &[("Book.yaml", "Reply: {Code: InvalidParameter, Message: 参数错误,", "Reply: {Code: InvalidParameter, Message: 参数有误,")],
        expect: &[("Book.yaml: action ListBooks: example \"Bad limit\"", &["Reply: Message \"参数有误\" is not the documented Message of InvalidParameter", "\"参数错误\""])],
    },
    Case {
        name: "a reply example with another EnglishMessage than the table's",
        edits: &[("Book.yaml", "EnglishMessage: invalid parameter}", "EnglishMessage: bad parameter}")],
        expect: &[("Book.yaml: action ListBooks: example \"Bad limit\"", &["EnglishMessage \"bad parameter\" does not start with the documented EnglishMessage of InvalidParameter"])],
    },
    Case {
        name: "an empty documented message",
        edits: &[("common.yaml", "{Code: InvalidParameter, Message: 参数错误,", "{Code: InvalidParameter, Message: \"\",")],
        expect: &[
            ("common.yaml: error code InvalidParameter", &["Message is empty; leave it out where the docs give no text"]),
            ("Book.yaml: action ListBooks: example \"Bad limit\"", &["is not the documented Message of InvalidParameter"]),
        ],
    },
    Case {
        name: "a reply example with an unknown Data field",
        edits: &[("Book.yaml", "BookSet: [b1]}", "BookSet: [b1], Books: 1}")],
        expect: &[("Book.yaml: action ListBooks: example \"First page\"", &["Reply.Data.Books: unknown field"])],
    },
    Case {
        name: "a reply example with an unknown envelope key",
        edits: &[("Book.yaml", "Reply: {Code: InvalidParameter,", "Reply: {Error: x, Code: InvalidParameter,")],
        expect: &[("Book.yaml: action ListBooks: example \"Bad limit\"", &["unknown envelope key \"Error\""])],
    },
    Case {
        name: "an example with neither Request nor Reply",
        edits: &[(
            "Book.yaml",
            "        Request: {Owner: {Kind: TEAM, Id: t1}, Limit: 100}\n        Reply: {Code: InvalidParameter, Message: 参数错误, EnglishMessage: invalid parameter}\n",
            "",
        )],
        expect: &[("Book.yaml: action ListBooks: example \"Bad limit\"", &["needs a Request, a Reply or both"])],
    },
];

fn check_case(case: &Case) -> Result<(), String> {
    let errors = match load_sources(apply(case.edits)) {
        Ok(_) => return Err(format!("case {:?}: the spec was accepted", case.name)),
        Err(SpecErrors(errors)) => errors,
    };
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let report = || format!("case {:?}: got\n  {}", case.name, shown.join("\n  "));
    if errors.len() != case.expect.len() {
        return Err(format!(
            "{}\nexpected {} error(s)",
            report(),
            case.expect.len()
        ));
    }
    for (at, words) in case.expect {
        let found = errors.iter().any(|e| {
            e.location.to_string() == *at
                && e.to_string() == format!("{at}: {}", e.message)
                && words.iter().all(|w| e.message.contains(w))
        });
        if !found {
            return Err(format!(
                "{}\nexpected an error at `{at}` saying {words:?}",
                report()
            ));
        }
    }
    Ok(())
}

#[test]
fn the_base_spec_is_valid() {
    let api = load_sources(base()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.classes.len(), 2);
    assert_eq!(api.classes[0].actions.len(), 2);
}

#[test]
fn each_malformation_is_refused_with_its_location() {
    let failures: Vec<String> = CASES.iter().filter_map(|c| check_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn invalid_yaml_names_the_file_and_line() {
    // Line 7 of Book.yaml loses the closing brace of its flow mapping.
    let sources = apply(&[("Book.yaml", "Items: BookSet}", "Items: BookSet")]);
    let errors = errors_of(sources);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e.location.file, "Book.yaml");
    assert_eq!(
        (e.location.item.as_deref(), e.location.field.as_deref()),
        (None, None)
    );
    assert!(e.message.starts_with("invalid YAML: "), "{e}");
    assert!(
        e.message.contains("line 8"),
        "the error should point at the line after the unclosed brace: {e}"
    );

    // A tab in the indentation of common.yaml, line 13.
    let sources = apply(&[("common.yaml", "      - {Name: Kind,", "\t- {Name: Kind,")]);
    let errors = errors_of(sources);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location.file, "common.yaml");
    assert!(errors[0].message.contains("line 13"), "{}", errors[0]);
}

#[test]
fn a_missing_common_yaml_is_refused() {
    let sources: Vec<_> = base()
        .into_iter()
        .filter(|(name, _)| name != "common.yaml")
        .collect();
    let errors = errors_of(sources);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].to_string(),
        "common.yaml: missing: the spec needs a common.yaml"
    );

    let dir =
        std::env::temp_dir().join(format!("cme-codegen-test-no-common-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Book.yaml"), BOOK).unwrap();
    let result = load(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    let errors = result.expect_err("a spec directory without common.yaml").0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location.file, "common.yaml");
}

#[test]
fn a_missing_spec_directory_is_refused() {
    let errors = load(std::path::Path::new("/nonexistent/cme-api-spec"))
        .unwrap_err()
        .0;
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .starts_with("/nonexistent/cme-api-spec: cannot read the spec directory"),
        "{}",
        errors[0]
    );
}

/// Problems in several files and items are all reported in one run, not just the first.
#[test]
fn every_problem_is_reported_at_once() {
    let sources = apply(&[
        (
            "common.yaml",
            "{Name: Id, Type: string,",
            "{Name: Id, Type: strin,",
        ),
        (
            "common.yaml",
            "{Value: TEAM, Doc: \"A team.\"}",
            "{Value: TEAM, Doc: \"A team.\"}\n      - {Value: TEAM-2, Doc: x}",
        ),
        (
            "Book.yaml",
            "{Name: BookId, Type: string, Required: true,",
            "{Name: BookId, Type: string, Required: true, Default: b0,",
        ),
        ("Book.yaml", "Min: 1, Max: 30,", "Min: 31, Max: 30,"),
        (
            "Book.yaml",
            "Errors: [InvalidParameter, InternalError]",
            "Errors: [InvalidParameter, Internal]",
        ),
        (
            "Shelf.yaml",
            "{Name: ShelfId, Type: integer,",
            "{Name: ShelfId, Type: integer, MaxLength: 9,",
        ),
    ]);
    let errors = errors_of(sources);
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let expected = [
        "common.yaml: struct Owner: field Id: unknown type \"strin\"",
        "Book.yaml: action ListBooks: field Limit: Min 31 is greater than Max 30",
        "Book.yaml: action DeleteBook: field BookId: a required field cannot have a `Default`",
        "Book.yaml: action DeleteBook: error Internal: not in the ErrorCodes table of common.yaml",
        "Shelf.yaml: action DescribeShelf: field ShelfId: MaxLength applies only to string or list<string> fields",
    ];
    for e in expected {
        assert!(
            shown.iter().any(|s| s.starts_with(e)),
            "missing {e:?} in\n  {}",
            shown.join("\n  ")
        );
    }
    // `TEAM-2` maps to the variant `Team2`: valid, so five errors in all.
    assert_eq!(errors.len(), expected.len(), "{}", shown.join("\n  "));
    // The Display of all of them lists one per line.
    assert_eq!(SpecErrors(errors).to_string(), shown.join("\n"));

    // Shape errors in several files are all reported too.
    let sources = apply(&[
        (
            "common.yaml",
            "{Name: Id, Type: string,",
            "{Name: Id, Typo: string,",
        ),
        (
            "Book.yaml",
            "{Name: Title, Type: string,",
            "{Name: Title, Type: string, Requird: true,",
        ),
        (
            "Shelf.yaml",
            "{Name: ShelfId, Type: integer,",
            "{Name: ShelfId, Type: integer, Sensitiv: true,",
        ),
    ]);
    let shown: Vec<String> = errors_of(sources).iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(
        shown[0].starts_with("Book.yaml: action ListBooks: field Title: unknown field `Requird`"),
        "{shown:#?}"
    );
    assert!(
        shown[1].starts_with(
            "Shelf.yaml: action DescribeShelf: field ShelfId: unknown field `Sensitiv`"
        ),
        "{shown:#?}"
    );
    assert!(
        shown[2].starts_with("common.yaml: struct Owner: field Id: unknown field `Typo`"),
        "{shown:#?}"
    );
}

/// Names that look odd but map cleanly are accepted, with the documented Rust names.
#[test]
fn names_that_map_cleanly_are_accepted() {
    let api = load_sources(apply(&[
        ("Book.yaml", "{Name: BookId,", "{Name: Book-Id,"),
        ("Book.yaml", "{Name: Title, Type: string,", "{Name: Type, RustName: kind, Type: string,"),
        // No setter for a required field or a `Data` field; a RustName avoids the clash.
        (
            "Book.yaml",
            "    Errors: [InvalidParameter, InternalError]\n",
            "      - {Name: Timeout, Type: integer, Required: true, Doc: x}\n      - {Name: Send, RustName: send_copy, Type: bool, Doc: x}\n    Data:\n      - {Name: Items, Type: list<string>, Doc: x}\n    Errors: [InvalidParameter, InternalError]\n",
        ),
        (
            "common.yaml",
            "{Value: TEAM, Doc: \"A team.\"}",
            "{Value: TEAM, Doc: \"A team.\"}\n      - {Value: \"2K\", Variant: Res2K, Doc: x}\n      - {Value: NOT FOUND, Doc: x}\n      - {Value: ultra-hd_v2.1, Doc: x}",
        ),
    ]))
    .unwrap_or_else(|e| panic!("{e}"));
    let book = api.classes.iter().find(|c| c.name == "Book").unwrap();
    let field = |action: usize, name: &str| {
        book.actions[action]
            .request
            .iter()
            .find(|f| f.name == name)
            .unwrap()
            .rust_name
            .clone()
    };
    assert_eq!(field(1, "Book-Id"), "book_id");
    assert_eq!(field(0, "Type"), "kind");
    assert_eq!(field(1, "Timeout"), "timeout");
    assert_eq!(field(1, "Send"), "send_copy");
    assert_eq!(book.actions[1].data[0].rust_name, "items");
    let variants: Vec<_> = api.enums[0]
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.variant.as_str()))
        .collect();
    assert_eq!(
        variants,
        [
            ("PERSON", "Person"),
            ("TEAM", "Team"),
            ("2K", "Res2K"),
            ("NOT FOUND", "NotFound"),
            ("ultra-hd_v2.1", "UltraHdV21")
        ]
    );
}

/// Generation writes nothing while the spec has an error: `load` refuses it, so there is no
/// model to generate from, and the binary (see `check.rs`) exits before writing.
#[test]
fn an_invalid_spec_yields_no_model() {
    for case in CASES {
        assert!(
            load_sources(apply(case.edits)).is_err(),
            "case {:?} was accepted",
            case.name
        );
    }
}
