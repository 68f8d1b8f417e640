//! The `postier` binary: parses arguments, runs the chosen front-end and
//! maps errors to the documented exit codes.

fn main() -> std::process::ExitCode {
    postier::cli::main()
}
