//! Rebuild the crate when the built-in content changes, so the embedded copy stays current.
fn main() {
    println!("cargo:rerun-if-changed=../../kb");
    println!("cargo:rerun-if-changed=../../playbooks");
}
