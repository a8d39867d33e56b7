#!/usr/bin/env bash
# Resident memory of a sweep, run after run. Trains SPEC (default bench/memory-sweep.yaml: 12 runs of one
# model size) with one worker, so that every run trains in the one `vaelab run` JVM, and prints for each run:
#   - the smallest and largest resident set (VmRSS) seen while it trained, sampled from /proc every 0.2 s,
#     and the resident set when it finished (what a user sees);
#   - then the resident set and the Java heap (committed, used) right after a full GC asked for with jcmd. A full GC also frees the native memory of ND4J arrays nothing refers to any more, so what
#     stays is what the process really keeps: a column that climbs run after run is memory finished runs
#     did not give back (INDArrays, SameDiff graphs, caches). RSS minus heap is roughly the native side.
#
#   bench/memory-sweep.sh [SPEC [vaelab run options...]]
#   bench/memory-sweep.sh experiments/beta-sweep.yaml --set train.epochs=2 --set dataset.subset=5000
#
# NO_GC=1 leaves out the full GC (and its columns), so that later runs are measured undisturbed by it.
# Results and reports go to a temporary folder (printed). MNIST comes from $DATA/mnist (default: data/mnist,
# fetched on first use). Linux only (/proc); the after-GC columns need the JDK's jcmd and jstat.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spec="${1:-$here/bench/memory-sweep.yaml}"
[ $# -gt 0 ] && shift
work="$(mktemp -d "${TMPDIR:-/tmp}/vaelab-memory.XXXXXX")"
log="$work/run.log"

"$here/vaelab" run "$spec" --workers 1 --results "$work/results" --reports "$work/reports" \
  --data "${DATA:-$here/data}" "$@" >"$log" 2>&1 &
pid=$!   # the launcher execs java, so this is the JVM that trains every run
echo "vaelab run $spec --workers 1 (pid $pid); log and results in $work"
echo "MB; min/max RSS while the run trained, RSS when it finished; RSS and heap after a full GC then"
printf '%4s  %8s  %8s  %8s  %9s  %9s  %9s  %s\n' run "min RSS" "max RSS" "end RSS" "RSS (GC)" "heap" "heap used" \
  "run"

kb() { awk -v k="$1" '$1 == k":" {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || true; }
# jstat -gc: committed = S0C+S1C+EC+OC, used = S0U+S1U+EU+OU (KB), by column name
heap() {
  jstat -gc "$pid" 2>/dev/null | awk 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i}
    NR == 2 {printf "%d %d", ($c["S0C"] + $c["S1C"] + $c["EC"] + $c["OC"]) / 1024, ($c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"]) / 1024}' || true
}
have_jdk=0
[ -z "${NO_GC:-}" ] && command -v jcmd >/dev/null 2>&1 && command -v jstat >/dev/null 2>&1 && have_jdk=1
seen=0
lo=""
hi=0
while kill -0 "$pid" 2>/dev/null; do
  rss="$(kb VmRSS)"
  if [ -n "$rss" ] && [ "$rss" -gt 50 ]; then   # (the launcher's bash, before it execs java, is ~3 MB)
    if [ -z "$lo" ] || [ "$rss" -lt "$lo" ]; then lo=$rss; fi
    if [ "$rss" -gt "$hi" ]; then hi=$rss; fi
  fi
  # one line per finished run: "completed latent_dim=2,beta=1: test -ELBO ..." (or failed / diverged)
  mapfile -t done_lines < <(grep -E '^(completed|failed|diverged) ' "$log" || true)
  if [ "${#done_lines[@]}" -gt "$seen" ]; then
    end_rss="$(kb VmRSS)"
    gc_rss="" committed="" used=""
    if [ "$have_jdk" = 1 ]; then
      jcmd "$pid" GC.run >/dev/null 2>&1 || true
      sleep 1   # ND4J's deallocator threads free the native side of collected arrays
      gc_rss="$(kb VmRSS)"
      read -r committed used < <(heap; echo) || true
    fi
    for ((i = seen; i < ${#done_lines[@]}; i++)); do
      printf '%4d  %8s  %8s  %8s  %9s  %9s  %9s  %s\n' "$((i + 1))" "${lo:-?}" "$hi" "$end_rss" "$gc_rss" \
        "$committed" "$used" "$(cut -d: -f1 <<<"${done_lines[$i]}")"
    done
    seen=${#done_lines[@]}
    lo=""
    hi=0
  fi
  sleep 0.2
done
code=0
wait "$pid" || code=$?
tail -n 2 "$log"
exit "$code"
