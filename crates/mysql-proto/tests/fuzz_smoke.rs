//! The fuzz targets' smoke run, part of the ordinary test suite (and so of CI): every target
//! over its committed seeds (`fuzz/seeds/<target>`), the local cargo-fuzz corpus when present
//! (`fuzz/corpus/<target>`), and a deterministic sweep of mutations of those inputs. The long
//! runs use cargo-fuzz (see `fuzz/README.md`); this catches regressions on every change.

use std::path::PathBuf;

use mysql_proto::fuzzing;

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for dir in ["seeds", "corpus"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            if let Ok(b) = std::fs::read(e.path()) {
                out.push(b);
            }
        }
    }
    out
}

/// xorshift64*: deterministic mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = [0x00, 0xff, 0xfe, 0xfb, 0xfc, 0xfd][rng.below(6)];
            }
            2 => v.truncate(rng.below(v.len() + 1)),
            3 => {
                let i = rng.below(v.len() + 1);
                let b = rng.next() as u8;
                v.insert(i, b);
            }
            _ if v.len() > 8 => {
                // Splice a copy of a window elsewhere (duplicates lengths and headers).
                let a = rng.below(v.len() - 4);
                let w: Vec<u8> = v[a..a + 4].to_vec();
                let at = rng.below(v.len());
                v.splice(at..at, w);
            }
            _ => v.push(rng.next() as u8),
        }
    }
    v
}

fn smoke(target: &str, f: fn(&[u8]), rounds: usize) {
    let seeds = inputs(target);
    assert!(!seeds.is_empty(), "no seeds for {target}");
    for s in &seeds {
        f(s);
    }
    let mut rng = Rng(0x5eed_0000 + target.len() as u64);
    for _ in 0..rounds {
        let seed = &seeds[rng.below(seeds.len())];
        f(&mutate(&mut rng, seed));
    }
}

#[test]
fn parsers() {
    smoke("parsers", fuzzing::parsers, 20_000);
}

#[test]
fn session_track() {
    smoke("session_track", fuzzing::session_track, 20_000);
}

#[test]
fn framing() {
    smoke("framing", fuzzing::framing, 2_000);
}

#[test]
fn rows() {
    smoke("rows", fuzzing::rows, 20_000);
}

#[test]
fn binlog() {
    smoke("binlog", fuzzing::binlog, 20_000);
}

#[test]
fn session() {
    smoke("session", fuzzing::session, 1_000);
}

#[test]
fn operations() {
    smoke("operations", fuzzing::operations, 5_000);
}

#[test]
fn greeting() {
    smoke("greeting", fuzzing::greeting, 5000);
}

#[test]
fn ok_eof() {
    smoke("ok_eof", fuzzing::ok_eof, 5000);
}

#[test]
fn err() {
    smoke("err", fuzzing::err, 5000);
}

#[test]
fn column_definition() {
    smoke("column_definition", fuzzing::column_definition, 5000);
}

#[test]
fn prepare_ok() {
    smoke("prepare_ok", fuzzing::prepare_ok, 2000);
}

#[test]
fn text_row() {
    smoke("text_row", fuzzing::text_row, 5000);
}

#[test]
fn binary_row() {
    smoke("binary_row", fuzzing::binary_row, 5000);
}

#[test]
fn auth_more_data() {
    smoke("auth_more_data", fuzzing::auth_more_data, 300);
}

#[test]
fn local_infile() {
    smoke("local_infile", fuzzing::local_infile, 1000);
}

#[test]
fn compressed() {
    smoke("compressed", fuzzing::compressed, 3_000);
}

#[test]
fn call() {
    smoke("call", fuzzing::call, 5_000);
}
