//! The `postier` binary: parses arguments, runs the chosen front-end and
//! maps errors to the documented exit codes.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, so `postier mailbox list | head` would panic
    // on the closed pipe; a command-line tool should just stop, as others do.
    #[cfg(unix)]
    // SAFETY: called first thing, before any thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // postier reads passwords, keys and credentials: no core dump may hold
    // them, and other processes of the same user may not read its memory
    // or environment through /proc. (Programs it starts are dumpable again
    // after their exec, as the kernel resets it.)
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_DUMPABLE takes plain integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    postier::cli::main()
}
