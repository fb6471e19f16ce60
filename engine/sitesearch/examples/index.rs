//! Write the search index of the built-in content (what `deskbook search` sees as Tier 1)
//! into a folder, pages named `<id>.html`: `cargo run -p deskbook-sitesearch --example
//! index -- OUT`.

use deskbook_content::LayerSpec;
use deskbook_search::{documents, Scope};
use deskbook_sitesearch::{write_index, Page};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: index OUT")?;
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    let pages: Vec<Page> = documents(&content, Scope::Public)
        .into_iter()
        .map(|doc| Page {
            url: format!("{}.html", doc.id),
            doc,
        })
        .collect();
    let written = write_index(&pages, std::path::Path::new(&out))?;
    println!("{written:?}");
    Ok(())
}
