//! The core must stay pure: no IO, async runtime or clock in its dependencies or its code.

const FORBIDDEN_DEPS: &[&str] = &[
    "tokio",
    "futures",
    "async-std",
    "smol",
    "mio",
    "async-io",
    "async-net",
];
/// Besides the paths of [`FORBIDDEN_IMPORTS`], what no line of code may contain.
const FORBIDDEN_CODE: &[&str] = &["tokio", "futures", "async ", ".await"];

#[test]
fn no_runtime_dependencies() {
    let manifest = include_str!("../Cargo.toml");
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for line in deps.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let name = line.split(['=', '.']).next().unwrap().trim();
        assert!(
            !FORBIDDEN_DEPS.contains(&name),
            "mysql-proto depends on {name}"
        );
    }
}

/// What no `use` may import (the path itself, or anything below it).
const FORBIDDEN_IMPORTS: &[&str] = &[
    "std::net",
    "std::time",
    "std::thread",
    "std::fs",
    "std::io::Read",
    "std::io::Write",
    "std::io::*",
    "std::os",
    "tokio",
    "futures",
    "futures_io",
    "async_std",
    "smol",
    "mio",
];

/// Reviewed exceptions (file, import): rustls's sans-IO API moves records between memory
/// buffers through the `std::io` traits (`read_tls` from a slice, `reader()`, `writer()`); no
/// socket or file is involved.
const ALLOWED_IMPORTS: &[(&str, &str)] =
    &[("tls.rs", "std::io::Read"), ("tls.rs", "std::io::Write")];

#[test]
fn no_io_or_clock_in_the_code() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap();
                let paths = FORBIDDEN_IMPORTS.iter().filter(|p| p.contains("::"));
                for bad in paths.chain(FORBIDDEN_CODE) {
                    assert!(!code.contains(bad), "{}:{}: `{bad}`", path.display(), n + 1);
                }
            }
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            for import in imports(&text) {
                let allowed = ALLOWED_IMPORTS.contains(&(file.as_str(), import.as_str()));
                assert!(
                    allowed || !forbidden(&import),
                    "{}: imports `{import}`",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} files checked");
}

/// The use-tree parser sees through braces, renames, `self` and globs.
#[test]
fn the_import_check_parses_use_trees() {
    let text = "use std::io::{Read, Write};\npub(crate) use std::{\n    fmt,\n    net::{self, TcpStream as T},\n};\nuse std::io::*;";
    let got = imports(text);
    assert_eq!(
        got,
        [
            "std::io::Read",
            "std::io::Write",
            "std::fmt",
            "std::net",
            "std::net::TcpStream",
            "std::io::*"
        ]
    );
    assert!(got.iter().filter(|p| forbidden(p)).count() == 5);
    assert!(!forbidden("std::io::ErrorKind") && !forbidden("core::time::Duration"));
}

fn forbidden(import: &str) -> bool {
    FORBIDDEN_IMPORTS
        .iter()
        .any(|bad| import == *bad || import.starts_with(&format!("{bad}::")))
}

/// Every path imported by the `use` declarations of `text`, braces expanded.
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut decl: Option<String> = None;
    for line in text.lines() {
        let code = line.split("//").next().unwrap().trim();
        let start = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| code.strip_prefix(p));
        match (&mut decl, start) {
            (None, Some(rest)) => decl = Some(rest.to_string()),
            (Some(d), _) => d.push_str(code),
            (None, None) => {}
        }
        if let Some(d) = decl.take_if(|d| d.contains(';')) {
            expand(d.split(';').next().unwrap(), "", &mut out);
        }
    }
    out
}

fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    let join = |head: &str| match (prefix.is_empty(), head.is_empty()) {
        (true, _) => head.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}::{head}"),
    };
    if let Some(open) = tree.find('{') {
        let head = join(tree[..open].trim().trim_end_matches("::"));
        let inner = &tree[open + 1..tree.rfind('}').unwrap()];
        let (mut depth, mut from) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[from..i], &head, out);
                    from = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[from..], &head, out);
        return;
    }
    let path = tree.split(" as ").next().unwrap().trim();
    match path {
        "" => {}
        "self" => out.push(prefix.to_string()),
        _ => out.push(join(path)),
    }
}
