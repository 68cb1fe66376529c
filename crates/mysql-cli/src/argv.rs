//! Hides passwords from the process's command line, as the mariadb client does: after the
//! arguments are parsed, the password of `-pSECRET`, `--password=SECRET` and of a
//! `mysql://user:SECRET@...` URL argument is overwritten with `x` in the process's own argument
//! memory, so `ps` and `/proc/PID/cmdline` show `-pxxxxxx`. (A bare `-p`, which asks on the
//! terminal, never puts it there.)
//!
//! Only on Linux with glibc, which hands `argc` / `argv` to the functions of `.init_array`
//! (Rust's standard library reads its own copy of the arguments the same way); elsewhere
//! [`mask_passwords`] does nothing. The unsafe reads and writes run under AddressSanitizer
//! with: `RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zsanitizer=address cargo test -p mysql-cli --test masking
//! --bins --target x86_64-unknown-linux-gnu` (clean at 2026-12-02).

/// Overwrites every password in the process's arguments with `x`. Call it after the arguments
/// were read (`std::env::args` is a copy, unaffected).
pub fn mask_passwords() {
    imp::mask_passwords();
}

/// The byte ranges of `arg` (the argument after `previous`) that hold a password.
pub fn password_range(previous: Option<&[u8]>, arg: &[u8]) -> Option<std::ops::Range<usize>> {
    if arg.starts_with(b"-p") && arg.len() > 2 {
        return Some(2..arg.len());
    }
    if let Some(pw) = arg.strip_prefix(b"--password=") {
        return (!pw.is_empty()).then(|| arg.len() - pw.len()..arg.len());
    }
    let url = if let Some(u) = arg.strip_prefix(b"--url=") {
        Some((arg.len() - u.len(), u))
    } else if previous == Some(b"--url") {
        Some((0, arg))
    } else {
        None
    };
    let (at, url) = url?;
    // mysql://user:password@host...: between the first `:` after `//` and the last `@` before
    // the path.
    let start = url.windows(3).position(|w| w == b"://")? + 3;
    let authority_end = url[start..]
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .map_or(url.len(), |p| start + p);
    let at_sign = url[start..authority_end].iter().rposition(|&b| b == b'@')? + start;
    let colon = url[start..at_sign].iter().position(|&b| b == b':')? + start;
    (colon + 1 < at_sign).then(|| at + colon + 1..at + at_sign)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::ffi::{c_char, c_int, CStr};
    use std::sync::atomic::{AtomicIsize, AtomicPtr, Ordering};

    static ARGC: AtomicIsize = AtomicIsize::new(0);
    static ARGV: AtomicPtr<*mut c_char> = AtomicPtr::new(std::ptr::null_mut());

    /// glibc calls the functions of `.init_array` with `(argc, argv, envp)` before `main`.
    #[used]
    #[link_section = ".init_array"]
    static CAPTURE: extern "C" fn(c_int, *mut *mut c_char, *mut *mut c_char) = capture;

    extern "C" fn capture(argc: c_int, argv: *mut *mut c_char, _envp: *mut *mut c_char) {
        ARGC.store(argc as isize, Ordering::SeqCst);
        ARGV.store(argv, Ordering::SeqCst);
    }

    pub fn mask_passwords() {
        let argv = ARGV.load(Ordering::SeqCst);
        let argc = ARGC.load(Ordering::SeqCst);
        if argv.is_null() {
            return;
        }
        let mut previous: Option<Vec<u8>> = None;
        for i in 1..argc.max(0) as usize {
            // SAFETY: glibc passes `argv` with `argc` entries, each null or a NUL-terminated
            // string in the process's argument area, which stays mapped (read-write) for the
            // whole life of the process; `i < argc`.
            let p = unsafe { *argv.add(i) };
            if p.is_null() {
                continue;
            }
            // SAFETY: `p` is one of those NUL-terminated strings (see above).
            let len = unsafe { CStr::from_ptr(p) }.to_bytes().len();
            // SAFETY: the `len` bytes before its NUL belong to the string; nothing else in the
            // program holds a reference to them (the standard library copied the arguments
            // when the program started), so writing through this one slice is exclusive.
            let bytes = unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), len) };
            if let Some(range) = super::password_range(previous.as_deref(), bytes) {
                bytes[range].fill(b'x');
            }
            previous = Some(bytes.to_vec());
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn mask_passwords() {}
}

#[cfg(test)]
mod tests {
    use super::password_range;

    fn masked(previous: Option<&str>, arg: &str) -> String {
        let mut b = arg.as_bytes().to_vec();
        if let Some(r) = password_range(previous.map(str::as_bytes), &b) {
            b[r].fill(b'x');
        }
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn finds_the_passwords_and_nothing_else() {
        assert_eq!(masked(None, "-psecret"), "-pxxxxxx");
        assert_eq!(masked(None, "-p"), "-p");
        assert_eq!(masked(None, "--password=se=cret"), "--password=xxxxxxx");
        assert_eq!(masked(None, "--password="), "--password=");
        assert_eq!(
            masked(Some("--url"), "mysql://u:pw@h:3306/db?x=a@b"),
            "mysql://u:xx@h:3306/db?x=a@b"
        );
        assert_eq!(
            masked(None, "--url=mysql://u:p@ss@h/db"),
            "--url=mysql://u:xxxx@h/db"
        );
        assert_eq!(masked(Some("--url"), "mysql://u@h/db"), "mysql://u@h/db");
        assert_eq!(masked(Some("-e"), "mysql://u:pw@h/"), "mysql://u:pw@h/");
        assert_eq!(masked(None, "-e"), "-e");
        assert_eq!(masked(None, "SELECT 1"), "SELECT 1");
    }
}
