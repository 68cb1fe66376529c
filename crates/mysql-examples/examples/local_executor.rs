//! `mysql-smol` on an executor that is none of the four runtimes: `futures::executor::LocalPool`,
//! single-threaded, with three tasks on three connections at once. The adapter needs no
//! particular executor: its sockets are `async-io`'s, whose reactor runs on its own.
//!
//! `cargo run -p mysql-examples --example local_executor` (uses `$MYSQL_URL` or the test server).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use futures_executor::LocalPool;
use futures_executor::LocalSpawner;
use futures_task::{LocalFutureObj, LocalSpawn};
use mysql_smol::Conn;

fn main() -> mysql_smol::Result<()> {
    let mut pool = LocalPool::new();
    let spawner: LocalSpawner = pool.spawner();
    let answers: Rc<RefCell<Vec<(usize, i64)>>> = Rc::default();
    let started = Instant::now();
    for task in 0..3usize {
        let answers = answers.clone();
        let task_future = async move {
            let mut conn = Conn::connect(mysql_examples::url()).await.expect("connect");
            let (n,): (i64,) = conn
                .exec_first("SELECT ? * 10 FROM (SELECT SLEEP(0.5)) s", (task as i64,))
                .await
                .expect("query")
                .expect("a row");
            answers.borrow_mut().push((task, n));
            conn.close().await.expect("close");
        };
        spawner
            .spawn_local_obj(LocalFutureObj::new(Box::new(task_future)))
            .expect("spawn");
    }
    pool.run();
    let mut answers = answers.borrow().clone();
    answers.sort();
    for (task, n) in &answers {
        println!("task {task}: {n}");
    }
    println!(
        "3 tasks on one thread, sleeps overlapped: done in {} ms",
        started.elapsed().as_millis()
    );
    Ok(())
}
