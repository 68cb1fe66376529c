//! Runs the HTTP gateway (`mysql-gateway`) in this process for tests, and calls it as real
//! clients do: `curl` and Python's `urllib` in subprocesses.

use std::net::SocketAddr;
use std::process::Command;

use mysql_gateway::Config;

/// A gateway serving on a free loopback port until dropped.
pub struct Gateway {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Gateway {
    /// Starts a gateway over the test server (`url`) with `config`.
    pub fn start(url: &str, config: Config) -> Gateway {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, bound) = std::sync::mpsc::channel();
        let url = url.to_string();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let pool = mysql_tokio::Pool::new(url.as_str()).unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready.send(listener.local_addr().unwrap()).unwrap();
                let app = mysql_gateway::router(pool.clone(), config);
                mysql_gateway::serve(listener, app, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
                pool.close();
            });
        });
        Gateway {
            addr: bound.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The URL of `path` on this gateway.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `POST /query` with `body` through curl, with extra curl arguments: (status, body).
    pub fn curl(&self, body: &str, extra: &[&str]) -> (u16, String) {
        let out = Command::new("curl")
            .args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST"])
            .args([
                "-H",
                "content-type: application/json",
                "--data-binary",
                body,
            ])
            .args(extra)
            .arg(self.url("/query"))
            .output()
            .expect("curl");
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.trim().parse().unwrap(), body.to_string())
    }

    /// `POST /query` with `body` through Python's urllib: (status, body).
    pub fn python(&self, body: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let script = r#"
import json, sys, urllib.request, urllib.error
url, body, headers = sys.argv[1], sys.argv[2].encode(), json.loads(sys.argv[3])
req = urllib.request.Request(url, data=body, method="POST", headers=dict(headers, **{"Content-Type": "application/json"}))
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        status, data = r.status, r.read()
except urllib.error.HTTPError as e:
    status, data = e.code, e.read()
sys.stdout.write(str(status) + "\n" + data.decode())
"#;
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let out = Command::new("python3")
            .args(["-c", script, &self.url("/query"), body])
            .arg(serde_json::to_string(&headers).unwrap())
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let (status, body) = text.split_once('\n').unwrap();
        (status.parse().unwrap(), body.to_string())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
