#!/usr/bin/env bash
# Compile cost of the generated SDK (BENCHMARKS.md, item 5). Slow (clean builds), so not in CI.
#
#   scripts/compile-cost.sh            # builds in ${COMPILE_COST_TARGET_DIR:-/tmp/cme-compile-cost}
#
# Prints one line per figure:
#   - clean debug builds of cme-sdk (dependencies included): all ActionClass features (the
#     default), one ActionClass (`team`), and none (the runtime alone), each in wall-clock and
#     CPU seconds;
#   - the cme-sdk crate alone, dependencies already built, for the same feature sets;
#   - lines of generated code (sdk/src/generated) per action, overall and per ActionClass.
# It never touches the workspace's target/: everything is built in a separate target directory,
# which it empties first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

dir=${COMPILE_COST_TARGET_DIR:-/tmp/cme-compile-cost}
case "$(realpath -m "$dir")" in
  "$root"|"$root"/target|"$root"/target/*|/) echo "refusing to use $dir as the target directory" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR=$dir
export CARGO_INCREMENTAL=0
export CARGO_TERM_COLOR=never

# "W s (cpu C s)": the wall-clock seconds "$@" takes, and the CPU seconds (user + system, of
# every process of the build) it uses. The machine is often shared: other jobs stretch the wall
# clock much more than the CPU time, so compare CPU seconds across runs made at different times.
timed() {
  local TIMEFORMAT='%R %U %S' times
  times=$( { time "$@" >/dev/null 2>"$dir.log"; } 2>&1 ) || { cat "$dir.log" >&2; exit 1; }
  awk -v t="$times" 'BEGIN { split(t, a, " "); printf "%.1f s (cpu %.1f s)", a[1], a[2] + a[3] }'
}

fresh() { rm -rf "$dir"; mkdir -p "$dir"; }

# Forgets cme-sdk's build results only, so that the next build recompiles the crate alone.
forget_sdk() { rm -rf "$dir"/debug/.fingerprint/cme-sdk-* "$dir"/debug/deps/libcme_sdk-* "$dir"/debug/deps/cme_sdk-*; }

# With the ActionClass defaults off, the default TLS roots stay on, as a program needs them.
all=(-p cme-sdk)
team=(-p cme-sdk --no-default-features --features team,tls-webpki-roots)
none=(-p cme-sdk --no-default-features --features tls-webpki-roots)

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(rustc --version)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo fetch --quiet

fresh
echo "compile.clean.all_classes: $(timed cargo build "${all[@]}")"
fresh
echo "compile.clean.team: $(timed cargo build "${team[@]}")"
fresh
echo "compile.clean.no_class: $(timed cargo build "${none[@]}")"

# Dependencies are built now; only cme-sdk is compiled below.
for variant in all team none; do
  declare -n args=$variant
  cargo build "${args[@]}" --quiet
  forget_sdk
  case $variant in all) name=all_classes ;; team) name=team ;; none) name=no_class ;; esac
  echo "compile.crate_only.$name: $(timed cargo build "${args[@]}")"
done
rm -f "$dir.log"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# Lines of generated code per action.
gen=sdk/src/generated
lines() { cat "$@" | wc -l | tr -d ' '; }
# Lines that are neither blank nor comments (the generated docs are long and bilingual).
code_lines() { cat "$@" | grep -cv '^[[:space:]]*\(//.*\)\{0,1\}$'; }
actions_in() { grep -c 'impl crate::action::Action for' "$1"/types.rs; }
total_actions=0
for class_dir in "$gen"/*/; do
  total_actions=$((total_actions + $(actions_in "$class_dir")))
done
total_lines=$(lines $(find "$gen" -name '*.rs'))
shared_lines=$(lines "$gen"/*.rs)
total_code=$(code_lines $(find "$gen" -name '*.rs'))
echo "generated.lines: $total_lines lines, $total_actions actions, $((total_lines / total_actions)) lines/action (shared types, codes and mod: $shared_lines lines)"
echo "generated.code_lines: $total_code lines without comments and blanks, $((total_code / total_actions)) lines/action"
for class_dir in "$gen"/*/; do
  class=$(basename "$class_dir")
  n=$(actions_in "$class_dir")
  class_lines=$(lines "$class_dir"*.rs)
  examples=$( [ -f "$class_dir"examples.rs ] && lines "$class_dir"examples.rs || echo 0 )
  echo "generated.$class: $class_lines lines, $n actions, $((class_lines / n)) lines/action ($examples of them in examples.rs, test-only)"
done
