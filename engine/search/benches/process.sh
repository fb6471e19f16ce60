#!/usr/bin/env bash
# Whole-process search figures, with the release binary:
#  1. `deskbook search "bad spi"` with a warm cache on the built-in content, against
#     `grep -ri "bad spi" kb/` in the same hyperfine run (median ratio);
#  2. peak memory (/usr/bin/time -v) and wall time of a search on the built-in content plus
#     a generated layer of N articles (default 10,000): cold (builds the index) and warm;
#  3. the warm whole-process search over that layer on disk beside the warm search over the
#     built-in content alone, in one hyperfine run: the cache key comes from file metadata,
#     so the layer's files are never read on a warm run (counted with strace when present).
# Usage: engine/search/benches/process.sh [N]     (needs hyperfine and GNU time)
set -euo pipefail
cd "$(dirname "$0")/../../.."
n="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release -q --bin deskbook
cargo build --release -q -p deskbook-search --example corpus
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/release/deskbook"
echo "load average $(cut -d' ' -f1 /proc/loadavg)"
export XDG_CACHE_HOME="$work/cache"

echo "== warm 'deskbook search \"bad spi\"' vs grep -ri (built-in content) =="
"$bin" search "bad spi" >/dev/null   # warm the cache
hyperfine -N --warmup 10 --runs 200 --export-json "$work/hf.json" \
  "$bin search \"bad spi\"" "grep -ri \"bad spi\" kb/" >/dev/null 2>&1
python3 - "$work/hf.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: x["median"] * 1000 for x in r}
(ds, dm), (gs, gm) = list(med.items())
print(f"deskbook search median {dm:.2f} ms, grep -ri median {gm:.2f} ms, ratio {dm / gm:.2f}x")
EOF

echo "== built-in content + $n generated articles =="
"$target/release/examples/corpus" "$work/layer" "$n" >/dev/null
peak() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null |
    awk -F': ' '/Maximum resident/ {rss = $2 / 1024} /Elapsed/ {wall = $2}
                END {printf "peak RSS %.1f MB, wall %s\n", rss, wall}'
}
rm -rf "$XDG_CACHE_HOME"
echo -n "cold search (loads, indexes, caches): "; peak "$bin" --content "$work/layer" search "kerberos ticket refresh"
echo -n "warm search (opens the cached index): "; peak "$bin" --content "$work/layer" search "kerberos ticket refresh"
echo -n "for scale, 'deskbook list' (loads only): "; peak "$bin" --content "$work/layer" list
"$bin" search "kerberos ticket refresh" >/dev/null   # warm the built-in-only cache too
hyperfine -N --warmup 3 --runs 30 --export-json "$work/hf2.json" \
  "$bin search \"kerberos ticket refresh\"" \
  "$bin --content $work/layer search \"kerberos ticket refresh\"" >/dev/null 2>&1
python3 - "$work/hf2.json" "$n" <<'EOF'
import json, math, sys
(b, l) = json.load(open(sys.argv[1]))["results"]
ratio = l["mean"] / b["mean"]
sd = ratio * math.hypot(b["stddev"] / b["mean"], l["stddev"] / l["mean"])
print(f"warm whole-process search, built-in only {b['mean']*1000:.1f} ± {b['stddev']*1000:.1f} ms, "
      f"built-in + {sys.argv[2]}-file layer {l['mean']*1000:.1f} ± {l['stddev']*1000:.1f} ms "
      f"(x{ratio:.2f} ± {sd:.2f}, {len(l['times'])} runs each)")
EOF
if command -v strace >/dev/null; then
  strace -f -qq -e trace=openat,open -o "$work/trace" \
    "$bin" --content "$work/layer" search "kerberos ticket refresh" >/dev/null
  echo "warm search over the layer: $(grep -c "$work/layer/.*\.md" "$work/trace" || true) of the layer's files opened" \
    "($(grep -c "$work/layer" "$work/trace" || true) opens under the layer folder in all)"
fi
