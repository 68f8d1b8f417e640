#!/usr/bin/env bash
# Runs one fuzz target (see docs/fuzzing.md): its committed corpus
# (fuzz/corpus/TARGET, read only) plus a scratch corpus that keeps what
# this machine found, its dictionary when it has one, and the limits
# `make fuzz` promises. Extra arguments go to libFuzzer, e.g.
# -max_total_time=60 or -runs=10000000. Exits non-zero on any crash,
# timeout or out-of-memory; the input is saved under fuzz/artifacts/.
#
# Usage: fuzz/run.sh TARGET [LIBFUZZER_ARG]...
set -euo pipefail
target=${1:?usage: fuzz/run.sh TARGET [LIBFUZZER_ARG]...}
shift
here=$(cd "$(dirname "$0")" && pwd)
cargo=${FUZZ_CARGO:-cargo +nightly}
# address (AddressSanitizer, the default) or none: the parsers are safe
# Rust, so "none" checks the same panics, overflows and round trips about
# twice as fast; each sanitizer builds into a cache of its own.
sanitizer=${FUZZ_SANITIZER:-address}
case $sanitizer in
  address) : "${CARGO_TARGET_DIR:=$HOME/.cache/postier/fuzz-target}" ;;
  *) : "${CARGO_TARGET_DIR:=$HOME/.cache/postier/fuzz-target-$sanitizer}" ;;
esac
export CARGO_TARGET_DIR
scratch=$CARGO_TARGET_DIR/corpus/$target
mkdir -p "$scratch"
case $target in
  postier_yaml | yaml_readers_agree | postier_csv | modoboa_csv | dms) dict=import ;;
  *) dict=$target ;;
esac
args=(-rss_limit_mb=2048 -timeout=10)
if [ -f "$here/dict/$dict.dict" ]; then
  args+=("-dict=$here/dict/$dict.dict")
fi
cd "$here"
# -a: debug assertions and overflow checks on, as in the test suite.
exec $cargo fuzz run -a -s "$sanitizer" "$target" "$scratch" "corpus/$target" -- "${args[@]}" "$@"
