//! `#[derive(FromRow)]` against the server: every attribute, borrowed fields, both protocols,
//! the errors; through the blocking and the tokio adapter (the derive names whichever driver
//! crate is in scope).

use integration_tests::{blocking, url};
use mysql_blocking::{ErrorKind, FromRow};

#[derive(FromRow, Debug, PartialEq)]
struct Address {
    city: String,
    #[mysql(rename = "zip_code")]
    zip: Option<String>,
}

#[derive(FromRow, Debug, PartialEq)]
struct Customer {
    id: u64,
    name: String,
    #[mysql(default)]
    vip: bool,
    #[mysql(try_from = "i64")]
    age: u8,
    #[mysql(flatten)]
    address: Address,
    r#type: String,
}

#[derive(FromRow, Debug, PartialEq)]
struct Borrowed<'a> {
    name: &'a str,
    blob: &'a [u8],
}

const CUSTOMER: &str = "SELECT 'Lyon' AS city, 7 AS id, NULL AS zip_code, 'Ada' AS name, \
                        42 AS age, 'b2b' AS `type`";

fn ada() -> Customer {
    Customer {
        id: 7,
        name: "Ada".into(),
        vip: false,
        age: 42,
        address: Address {
            city: "Lyon".into(),
            zip: None,
        },
        r#type: "b2b".into(),
    }
}

#[test]
fn structs_from_rows_by_column_name_on_both_protocols() {
    let mut c = blocking(&url());
    // Text protocol, columns in another order than the fields, one defaulted.
    let got: Vec<Customer> = c.query_collect(CUSTOMER).unwrap();
    assert_eq!(got, vec![ada()]);
    // Binary protocol, the defaulted column present.
    let got: Option<Customer> = c
        .exec_first(
            "SELECT ? AS id, 'Ada' AS name, TRUE AS vip, 42 AS age, 'Lyon' AS city, \
             '69001' AS zip_code, 'b2b' AS `type`",
            (7,),
        )
        .unwrap();
    let mut vip = ada();
    vip.vip = true;
    vip.address.zip = Some("69001".into());
    assert_eq!(got, Some(vip));
    // Borrowed fields, decoded in place.
    let mut r = c
        .query("SELECT 'zero copy' AS name, x'00ff' AS `blob`")
        .unwrap();
    let row = r.next_row().unwrap().unwrap();
    let b: Borrowed<'_> = row.decode().unwrap();
    assert_eq!((b.name, b.blob), ("zero copy", &[0u8, 255][..]));
}

#[test]
fn a_missing_column_or_a_wrong_type_says_which() {
    let mut c = blocking(&url());
    let e = c
        .query_first::<Address>("SELECT 'Lyon' AS town, NULL AS zip_code")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert!(
        e.message().contains("`Address` needs a column `city`") && e.message().contains("town"),
        "{e}"
    );
    let e = c
        .query_first::<Customer>(&CUSTOMER.replace("42 AS age", "300 AS age"))
        .unwrap_err();
    assert!(
        e.message().contains("column `age`") && e.message().contains("u8"),
        "{e}"
    );
    let e = c
        .query_first::<Customer>(&CUSTOMER.replace("7 AS id", "'x' AS id"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conversion);
    assert!(e.message().contains("`id`"), "{e}");
    // The connection is fine.
    assert_eq!(c.query_first::<i64>("SELECT 1").unwrap(), Some(1));
}

#[test]
fn the_derive_through_an_async_adapter() {
    #[derive(mysql_tokio::FromRow, Debug, PartialEq)]
    struct Pair {
        a: i64,
        b: String,
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c: mysql_tokio::Conn = integration_tests::connect(&url()).await;
        let got: Vec<Pair> = c.query_collect("SELECT 'two' AS b, 1 AS a").await.unwrap();
        assert_eq!(
            got,
            vec![Pair {
                a: 1,
                b: "two".into()
            }]
        );
    });
}
