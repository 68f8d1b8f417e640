//! The `postier` binary: parses arguments, runs the chosen front-end and
//! maps errors to the documented exit codes.

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so `postier mailbox list | head` would panic
    // on the closed pipe; a command-line tool should just stop, as others do.
    #[cfg(unix)]
    // SAFETY: called first thing, before any thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    postier::cli::main()
}
