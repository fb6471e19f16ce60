//! Rebuild the crate when the built-in templates or assets change, so the embedded copy stays current.
fn main() {
    println!("cargo:rerun-if-changed=../../site");
}
