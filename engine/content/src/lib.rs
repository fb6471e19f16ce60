//! The content model of deskbook: articles, events, tools, guidance, the call taxonomy and
//! playbooks, loaded from the built-in layer and layers on disk, with diagnostics that name
//! `file:line:column` for every problem.

pub mod diag;
pub mod file;
pub mod frontmatter;
pub mod layer;
mod links;
pub mod loader;
pub mod markdown;
pub mod model;
pub mod org;
mod orgcheck;
pub mod patch;
pub mod playbook;
pub mod provenance;
pub mod role;
pub mod scaffold;
pub mod source;
pub mod taxonomy;
pub mod terminal;
pub mod vars;
mod version;
pub mod vocab;
pub mod wrap;
pub mod yaml;

pub use diag::{Diagnostic, Severity};
pub use layer::LayerSpec;
pub use loader::{load, load_org, Content, LayerInfo};
pub use model::{FrontMatter, Item, Kind};
pub use org::Org;
pub use playbook::{Playbook, PlaybookBody, PlaybookDoc};
pub use role::Role;
pub use source::SourceFile;
