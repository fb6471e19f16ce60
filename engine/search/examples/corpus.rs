//! Write the generated benchmark corpus as a layer folder, for whole-process measurements
//! (`engine/search/benches/process.sh`).
//!
//! `cargo run --release -p deskbook-search --example corpus -- DIR [N]`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: corpus DIR [N]")?;
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    deskbook_testkit::corpus::write_corpus(std::path::Path::new(&dir), n)?;
    println!("wrote {n} articles under {dir}/kb/articles");
    Ok(())
}
