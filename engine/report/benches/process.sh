#!/usr/bin/env bash
# Whole-process report figures on N generated calls (default 1,000,000), side by side in
# one hyperfine run each with the same GROUP BY done by the sqlite3 command-line tool on
# the same file:
#   1. deskbook report --by category,status --format json   vs  sqlite3 GROUP BY category, status
#   2. deskbook report --by week --format json              vs  sqlite3 GROUP BY the week
# The sqlite3 queries count, escalations and fixed-unclear calls per group; deskbook also
# computes the median and 90th percentile duration of each group (which sqlite3 3.40 has no
# function for), so the comparison is on deskbook's side of fair.
# With PG=1 the same two comparisons run against a PostgreSQL server the script starts
# (initdb into a temporary folder, 127.0.0.1 on a free port, stopped at the end), the
# calls loaded with COPY, deskbook --db postgres://... against psql.
# Usage: [PG=1] [RUNS=10] engine/report/benches/process.sh [N]   (needs hyperfine, sqlite3; psql)
set -euo pipefail
cd "$(dirname "$0")/../../.."
n="${1:-1000000}"
work="$(mktemp -d)"
# The server binaries: $DESKBOOK_PG_BIN, else the newest installed (as engine/testkit/src/pg.rs).
pgbin="${DESKBOOK_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
# The server runs as nobody when this script runs as root (PostgreSQL refuses root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; else "$@"; fi
}
cleanup() {
  if [ -f "$work/pg/postmaster.pid" ]; then
    as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
target="${CARGO_TARGET_DIR:-target}"

cargo build --release -q --bin deskbook
cargo build --release -q -p deskbook-report --example gen_calls
bin="$target/release/deskbook"
db="$work/calls.sqlite"
"$target/release/examples/gen_calls" "$n" "$db"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
echo "$(du -h "$db" | cut -f1) store file with $n calls; load average $(cut -d' ' -f1 /proc/loadavg)"

sums="count(*), sum(escalate IS NOT NULL), sum(status = 'fixed-unclear')"
# compare TITLE DB BY TOOL QUERY-COMMAND: one hyperfine run, both commands side by side;
# mean ± standard deviation of each and their ratio.
compare() {
  local name="$1" store="$2" by="$3" tool="$4" query="$5"
  echo "== $name =="
  hyperfine -N --warmup 2 --runs "${RUNS:-10}" --export-json "$work/hf.json" \
    "$bin --db $store report --by $by --format json" "$query" >/dev/null 2>&1
  python3 - "$work/hf.json" "$tool" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1]))["results"]
(d, s) = (r[0], r[1])
ratio = d["mean"] / s["mean"]
sd = ratio * math.hypot(d["stddev"] / d["mean"], s["stddev"] / s["mean"])
print(f"deskbook {d['mean']*1000:.0f} ± {d['stddev']*1000:.0f} ms (median {d['median']*1000:.0f}), "
      f"{sys.argv[2]} {s['mean']*1000:.0f} ± {s['stddev']*1000:.0f} ms (median {s['median']*1000:.0f}), "
      f"ratio {ratio:.2f} ± {sd:.2f}x, {len(d['times'])} runs each")
PY
}
compare "SQLite --by category,status" "$db" "category,status" sqlite3 \
  "sqlite3 $db \"SELECT category, status, $sums FROM calls GROUP BY category, status;\""
compare "SQLite --by week" "$db" week sqlite3 \
  "sqlite3 $db \"SELECT strftime('%Y-%W', started_at) AS week, $sums FROM calls GROUP BY week;\""
[ "${PG:-0}" = 1 ] || exit 0

chmod 755 "$work"
mkdir "$work/pg"
[ "$(id -u)" != 0 ] || chown nobody "$work/pg"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_pg "$pgbin/initdb" -D "$work/pg" -A trust -U deskbook >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work/pg" start >/dev/null
url="postgres://deskbook@127.0.0.1:$port/postgres"
"$bin" --db "$url" sessions list >/dev/null   # creates the schema
"$target/release/examples/gen_calls" "$n" --copy |
  psql -q "$url" -c "COPY calls ($("$target/release/examples/gen_calls" --columns)) FROM STDIN"
psql -q "$url" -c "VACUUM ANALYZE calls" >/dev/null
pct="percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms), percentile_disc(0.9) WITHIN GROUP (ORDER BY duration_ms)"
compare "PostgreSQL --by category,status" "$url" "category,status" psql \
  "psql -X -q -A -t $url -c \"SELECT category, status, count(*), count(escalate), count(*) FILTER (WHERE status = 'fixed-unclear'), $pct FROM calls GROUP BY 1, 2\""
compare "PostgreSQL --by week" "$url" week psql \
  "psql -X -q -A -t $url -c \"SELECT to_char(substr(started_at, 1, 10)::date, 'IYYY-\\\"W\\\"IW'), count(*), count(escalate), count(*) FILTER (WHERE status = 'fixed-unclear'), $pct FROM calls GROUP BY 1\""
