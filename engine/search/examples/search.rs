//! Search the built-in content from a program: build the index in memory and print the
//! ranked hits with their scores and snippets.
//!
//! `cargo run -p deskbook-search --example search -- "bad spi"`

use deskbook_content::LayerSpec;
use deskbook_search::{documents, Scope, SearchIndex, SearchOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let query = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    let index = SearchIndex::in_memory(&documents(&content, Scope::Public))?;
    let results = index.search(&query, &SearchOptions::default())?;
    println!("terms: {:?}", index.terms(&query)?);
    for hit in &results.hits {
        println!(
            "{:7.3}  {:32} {:9} {}",
            hit.score, hit.id, hit.kind, hit.title
        );
        println!("         {}", hit.snippet.marked("[", "]"));
    }
    println!("took {} µs", results.took_us);
    Ok(())
}
