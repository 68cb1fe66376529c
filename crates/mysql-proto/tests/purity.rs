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
const FORBIDDEN_CODE: &[&str] = &[
    "std::net",
    "std::time",
    "std::thread",
    "std::fs",
    "std::io::Read",
    "std::io::Write",
    "tokio",
    "futures",
    "async ",
    ".await",
];

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
                for bad in FORBIDDEN_CODE {
                    assert!(!code.contains(bad), "{}:{}: `{bad}`", path.display(), n + 1);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} files checked");
}
