//! Prints the statements of the binlog fixture (`mysql_proto::testing::binlog_fixture`) for
//! the table `binlog_fixture`, one per line: what `scripts/record-binlog.sh` runs.

use mysql_proto::testing::binlog_fixture as f;

fn main() {
    let t = "binlog_fixture";
    for sql in [f::create(t), f::insert(t), f::update(t), f::delete(t)] {
        println!("{sql};");
    }
}
