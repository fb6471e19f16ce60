//! The call taxonomy (`kb/taxonomy.yaml`): the categories a call can be classified in.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyFile {
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub description: String,
}

/// The merged taxonomy of all layers; a later layer's category replaces one with its id.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Taxonomy {
    pub categories: Vec<Category>,
}

impl Taxonomy {
    pub fn merge(&mut self, file: TaxonomyFile) {
        for c in file.categories {
            match self.categories.iter_mut().find(|x| x.id == c.id) {
                Some(existing) => *existing = c,
                None => self.categories.push(c),
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.categories.iter().any(|c| c.id == id)
    }
}
