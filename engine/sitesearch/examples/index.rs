//! Write the search index of the built-in content (what `deskbook search` sees as Tier 1),
//! and optionally N generated articles, into a folder, pages named `<id>.html`:
//! `cargo run -p deskbook-sitesearch --example index -- OUT [N]`.

use deskbook_content::LayerSpec;
use deskbook_search::{documents, Scope};
use deskbook_sitesearch::{write_index, Page};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: index OUT [N]")?;
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(0);
    let generated = tempfile::tempdir()?;
    let mut specs = vec![LayerSpec::BuiltIn];
    if n > 0 {
        deskbook_testkit::corpus::write_corpus(generated.path(), n)?;
        specs.push(LayerSpec::Dir(generated.path().to_path_buf()));
    }
    let content = deskbook_content::load(&specs);
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
