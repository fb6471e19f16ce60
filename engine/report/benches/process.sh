#!/usr/bin/env bash
# Whole-process report figures on N generated calls (default 1,000,000), side by side in
# one hyperfine run each with the same GROUP BY done by the sqlite3 command-line tool on
# the same file:
#   1. deskbook report --by category,status --format json   vs  sqlite3 GROUP BY category, status
#   2. deskbook report --by week --format json              vs  sqlite3 GROUP BY the week
# The sqlite3 queries count, escalations and fixed-unclear calls per group; deskbook also
# computes the median and 90th percentile duration of each group (which sqlite3 3.40 has no
# function for), so the comparison is on deskbook's side of fair.
# Usage: engine/report/benches/process.sh [N]     (needs hyperfine and sqlite3)
set -euo pipefail
cd "$(dirname "$0")/../../.."
n="${1:-1000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
target="${CARGO_TARGET_DIR:-target}"

cargo build --release -q --bin deskbook
cargo build --release -q -p deskbook-report --example gen_calls
bin="$target/release/deskbook"
db="$work/calls.sqlite"
"$target/release/examples/gen_calls" "$n" "$db"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
echo "$(du -h "$db" | cut -f1) store file with $n calls"

sums="count(*), sum(escalate IS NOT NULL), sum(status = 'fixed-unclear')"
compare() {
  local name="$1" by="$2" sql="$3"
  echo "== $name =="
  hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$work/hf.json" \
    "$bin --db $db report --by $by --format json" \
    "sqlite3 $db \"$sql\"" >/dev/null 2>&1
  python3 - "$work/hf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
(d, s) = (r[0], r[1])
print(f"deskbook median {d['median']*1000:.0f} ms (min {d['min']*1000:.0f}), "
      f"sqlite3 median {s['median']*1000:.0f} ms (min {s['min']*1000:.0f}), "
      f"ratio {d['median'] / s['median']:.2f}x")
PY
}
compare "--by category,status" "category,status" \
  "SELECT category, status, $sums FROM calls GROUP BY category, status;"
compare "--by week" "week" \
  "SELECT strftime('%Y-%W', started_at) AS week, $sums FROM calls GROUP BY week;"
