//! Search benchmarks on a generated corpus (default 10,000 articles on top of the built-in
//! content): index build rate, cold and warm cache opens, and warm query latency (p50, p99)
//! over 1,000 mixed queries. Targets: build ≥ 5,000 articles/s, p50 ≤ 1 ms, p99 ≤ 5 ms.
//!
//! `cargo bench -p deskbook-search --bench search` (set `DESKBOOK_BENCH_ARTICLES` to change
//! the corpus size). Whole-process figures (peak memory, `deskbook search` against grep)
//! come from `engine/search/benches/process.sh`.

use std::time::{Duration, Instant};

use deskbook_content::LayerSpec;
use deskbook_search::{cache, documents, Scope, SearchIndex, SearchOptions};

/// Queries as an agent types them (built-in content), mixed with the generated corpus's
/// vocabulary, event numbers, tool names and typos.
const AGENT_QUERIES: &[&str] = &[
    "bad spi",
    "4268",
    "event 547",
    "13813",
    "netsh",
    "klist purge",
    "worked yesterday, can't reach anything today",
    "everything worked yesterday, today I can't connect to anything",
    "could reach the server until IPsec was turned on",
    "ping says negociating ip security",
    "kerberose tickets",
    "fragmantation of ike packets",
    "169.254 address dhcp",
    "name does not resolve",
    "group membership change not applied",
    "refresh the ipsec policy",
    "what do I collect before escalating",
    "caller asks which servers are exempt",
    "large file copy hangs",
    "gpupdate /force",
];

const CORPUS_WORDS: &[&str] = &[
    "ipsec",
    "policy",
    "kerberos",
    "ticket",
    "filter",
    "negotiation",
    "security",
    "domain",
    "controller",
    "refresh",
    "group",
    "membership",
    "server",
    "isolation",
    "exemption",
    "fragment",
    "packet",
    "loss",
    "firewall",
    "trace",
    "audit",
    "certificate",
    "rekey",
    "timeout",
    "subnet",
    "dns",
    "resolution",
    "share",
    "logon",
    "driver",
    "offload",
    "wireless",
    "nat",
    "traversal",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("DESKBOOK_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 300 } else { 10_000 });
    let tmp = tempfile::tempdir()?;
    let layer = tmp.path().join("layer");
    deskbook_testkit::corpus::write_corpus(&layer, n)?;
    let specs = [LayerSpec::BuiltIn, LayerSpec::Dir(layer)];

    let t = Instant::now();
    let content = deskbook_content::load(&specs);
    let load = t.elapsed();
    let t = Instant::now();
    let docs = documents(&content, Scope::Public);
    let prepare = t.elapsed();
    let t = Instant::now();
    let built = SearchIndex::in_memory(&docs)?;
    let build = t.elapsed();
    drop(built);
    drop(content);

    let root = tmp.path().join("cache");
    let t = Instant::now();
    let cold = cache::open(&specs, Scope::Public, Some(&root))?;
    let cold_open = t.elapsed();
    drop(cold);
    let t = Instant::now();
    let warm = cache::open(&specs, Scope::Public, Some(&root))?;
    let warm_open = t.elapsed();
    assert!(matches!(warm.origin, cache::Origin::Cached(_)));
    let index = warm.index;

    let queries = mixed_queries(1000);
    let opts = SearchOptions {
        limit: 10,
        kind: None,
    };
    for q in &queries {
        index.search(q, &opts)?; // warm the page cache and the automaton builders
    }
    let mut times: Vec<Duration> = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        let r = index.search(q, &opts)?;
        times.push(t.elapsed());
        std::hint::black_box(r);
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;

    let records = docs.len();
    println!("corpus: {n} generated articles + built-in content = {records} records");
    println!("load content:      {:>9.1} ms", ms(load));
    println!("prepare records:   {:>9.1} ms", ms(prepare));
    println!(
        "index build (RAM): {:>9.1} ms  = {:.0} records/s",
        ms(build),
        records as f64 / build.as_secs_f64()
    );
    println!(
        "cold open (hash + load + build on disk): {:.1} ms  = {:.0} records/s end to end",
        ms(cold_open),
        records as f64 / cold_open.as_secs_f64()
    );
    println!(
        "warm open (hash + mmap):                 {:.1} ms",
        ms(warm_open)
    );
    println!(
        "warm query latency over {} queries: p50 {:.3} ms  p99 {:.3} ms  mean {:.3} ms  max {:.3} ms",
        times.len(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(mean),
        ms(times[times.len() - 1])
    );
    if let Some(kb) = peak_rss_kb() {
        println!(
            "peak RSS of this bench process: {:.1} MB",
            kb as f64 / 1024.0
        );
    }
    Ok(())
}

/// `count` queries cycling through agent phrasings and random corpus word combinations.
fn mixed_queries(count: usize) -> Vec<String> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|i| {
            if i % 2 == 0 {
                AGENT_QUERIES[(i / 2) % AGENT_QUERIES.len()].to_string()
            } else {
                let words = 1 + (next() % 4) as usize;
                (0..words)
                    .map(|_| CORPUS_WORDS[(next() % CORPUS_WORDS.len() as u64) as usize])
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size (Linux: VmHWM of /proc/self/status).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
