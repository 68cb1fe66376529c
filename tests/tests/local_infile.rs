//! `LOAD DATA LOCAL INFILE` on every adapter against the test server: off by default, files
//! the statement names, the directory allow-list (also against a symbolic link leading out),
//! missing files, and the caller's handler (an async reader on the async adapters), each
//! checked by what landed in the table.

use std::path::PathBuf;

use integration_tests::client::{Adapter, Client};
use integration_tests::{root, table, url};
use mysql_proto::ErrorKind;

integration_tests::for_every_adapter!(
    off_by_default,
    a_file_the_statement_names_is_loaded,
    the_allow_list_is_enforced,
    a_missing_file_fails_the_statement_only,
    a_handler_streams_the_data,
);

fn with(options: &str) -> String {
    format!("{}?{options}", url())
}

/// A fresh directory for `tag`'s files.
fn dir(tag: &str) -> PathBuf {
    let d = root().join("target/local-infile").join(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `n` lines `i\tname-i` to `path`.
fn write_lines(path: &PathBuf, n: usize) {
    let text: String = (1..=n).map(|i| format!("{i}\tname-{i}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// A fresh table for `tag`, one per adapter (the adapters' tests run in parallel).
async fn fresh_table<C: Client>(c: &mut C, tag: &str) -> String {
    let flavour: String = std::any::type_name::<C>()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let t = table(&format!(
        "{tag}_{}",
        &flavour[flavour.len().saturating_sub(12)..]
    ));
    c.query_drop(&format!("DROP TABLE IF EXISTS {t}"))
        .await
        .unwrap();
    c.query_drop(&format!(
        "CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(40))"
    ))
    .await
    .unwrap();
    t
}

async fn count_and_sum<C: Client>(c: &mut C, t: &str) -> (i64, i64) {
    let got: Vec<(i64, Option<i64>)> = c
        .query_collect(&format!("SELECT COUNT(*), SUM(id) FROM {t}"))
        .await
        .unwrap();
    (got[0].0, got[0].1.unwrap_or(0))
}

fn off_by_default<A: Adapter>() {
    let d = dir(&format!("off-{}", std::any::type_name::<A>()));
    let f = d.join("rows.tsv");
    write_lines(&f, 10);
    A::block_on(async {
        let mut c = A::Conn::connect(&url()).await.unwrap();
        let t = fresh_table(&mut c, "infile_off").await;
        let sql = format!("LOAD DATA LOCAL INFILE '{}' INTO TABLE {t}", f.display());
        let e = c.query_drop(&sql).await.unwrap_err();
        // The capability was not offered: the server refuses the statement itself.
        assert_eq!(e.kind(), ErrorKind::Server, "{e}");
        assert_eq!(count_and_sum(&mut c, &t).await, (0, 0));
    });
}

fn a_file_the_statement_names_is_loaded<A: Adapter>() {
    let d = dir(&format!("named-{}", std::any::type_name::<A>()));
    let f = d.join("rows.tsv");
    write_lines(&f, 2000);
    A::block_on(async {
        let mut c = A::Conn::connect(&with("local-infile=true")).await.unwrap();
        let t = fresh_table(&mut c, "infile_named").await;
        let sql = format!("LOAD DATA LOCAL INFILE '{}' INTO TABLE {t}", f.display());
        c.query_drop(&sql).await.unwrap();
        assert_eq!(c.affected_rows(), 2000);
        assert_eq!(count_and_sum(&mut c, &t).await, (2000, 2000 * 2001 / 2));
        let got: Vec<(String,)> = c
            .query_collect(&format!("SELECT name FROM {t} WHERE id = 1234"))
            .await
            .unwrap();
        assert_eq!(got[0].0, "name-1234");
        // Compressed, the file travels in compressed packets numbered after the request.
        let mut c = A::Conn::connect(&with("local-infile=true&compression=zlib"))
            .await
            .unwrap();
        c.query_drop(&format!("DELETE FROM {t}")).await.unwrap();
        c.query_drop(&sql).await.unwrap();
        assert_eq!(count_and_sum(&mut c, &t).await, (2000, 2000 * 2001 / 2));
    });
}

fn the_allow_list_is_enforced<A: Adapter>() {
    let tag = format!("paths-{}", std::any::type_name::<A>());
    let allowed = dir(&format!("{tag}/in"));
    let outside = dir(&format!("{tag}/out"));
    write_lines(&allowed.join("ok.tsv"), 5);
    write_lines(&outside.join("secret.tsv"), 7);
    let link = allowed.join("link.tsv");
    std::os::unix::fs::symlink(outside.join("secret.tsv"), &link).unwrap();
    let allowed_dir = std::fs::canonicalize(&allowed).unwrap();
    A::block_on(async {
        let mut c = A::Conn::connect(&with(&format!(
            "local-infile-paths={}",
            allowed_dir.display()
        )))
        .await
        .unwrap();
        let t = fresh_table(&mut c, "infile_paths").await;
        let load = |p: &PathBuf| format!("LOAD DATA LOCAL INFILE '{}' INTO TABLE {t}", p.display());
        c.query_drop(&load(&allowed_dir.join("ok.tsv")))
            .await
            .unwrap();
        assert_eq!(count_and_sum(&mut c, &t).await, (5, 15));
        for refused in [
            outside.join("secret.tsv"),
            allowed_dir.join("link.tsv"),
            allowed_dir.join("../out/secret.tsv"),
        ] {
            let e = c.query_drop(&load(&refused)).await.unwrap_err();
            assert_eq!(
                e.kind(),
                ErrorKind::LocalInfile,
                "{}: {e}",
                refused.display()
            );
            assert!(!e.is_fatal());
            // Nothing of the file arrived.
            assert_eq!(
                count_and_sum(&mut c, &t).await,
                (5, 15),
                "{}",
                refused.display()
            );
        }
    });
}

fn a_missing_file_fails_the_statement_only<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&with("local-infile=true")).await.unwrap();
        let t = fresh_table(&mut c, "infile_missing").await;
        let e = c
            .query_drop(&format!(
                "LOAD DATA LOCAL INFILE '/nonexistent/rows.tsv' INTO TABLE {t}"
            ))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LocalInfile, "{e}");
        assert!(e.to_string().contains("/nonexistent/rows.tsv"), "{e}");
        c.ping().await.unwrap();
        assert_eq!(count_and_sum(&mut c, &t).await, (0, 0));
    });
}

fn a_handler_streams_the_data<A: Adapter>() {
    A::block_on(async {
        let mut c = A::Conn::connect(&with("local-infile=true")).await.unwrap();
        let t = fresh_table(&mut c, "infile_handler").await;
        c.set_infile_source(Some(|name| {
            assert_eq!(name, "generated:people");
            let text: String = (1..=50_000).map(|i| format!("{i}\tp{i}\n")).collect();
            Ok(Box::new(std::io::Cursor::new(text.into_bytes())))
        }));
        c.query_drop(&format!(
            "LOAD DATA LOCAL INFILE 'generated:people' INTO TABLE {t}"
        ))
        .await
        .unwrap();
        assert_eq!(
            count_and_sum(&mut c, &t).await,
            (50_000, 50_000 * 50_001 / 2)
        );
        // A handler's error fails the statement; nothing is loaded.
        c.set_infile_source(Some(|_| Err(std::io::Error::other("no such generator"))));
        c.query_drop(&format!("DELETE FROM {t}")).await.unwrap();
        let e = c
            .query_drop(&format!("LOAD DATA LOCAL INFILE 'x' INTO TABLE {t}"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LocalInfile, "{e}");
        assert!(e.to_string().contains("no such generator"), "{e}");
        assert_eq!(count_and_sum(&mut c, &t).await, (0, 0));
    });
}
