//! The index as files: which piece holds what, and writing them.
//!
//! Under the index folder (`search/` of the site):
//! - `meta.js`: counts, field statistics, weights and limits, stop words, caller
//!   synonyms, tool names; loaded when a reader starts searching;
//! - `s/<n>.js`: shard `n` of the dictionary (surface word -> term) and of the term
//!   postings; a key lives in shard `fnv1a(key) % shards`;
//! - `b/<n>.js`: one large postings entry (a word most pages use), so that a shard stays
//!   small and only the queries that need it pay for it;
//! - `n/<field>-<chunk>.js`: the field norms of 4,096 documents;
//! - `f/<p|s><hex>.js`: the terms beginning (`p`) or ending (`s`) with two characters,
//!   with the fields that hold them, for typo corrections (a term one edit away keeps
//!   its first two or its last two characters), and `f/<p|s><hex>-<length>.js` the
//!   dictionary's words of that beginning or ending and length, with their terms;
//! - `d/<doc>.js`: what a hit shows (id, kind, title, summary, URL) and the page's phrase
//!   fields position by position (for rescoring the best candidates with phrases): one
//!   file, so a site of N pages has N of them, not twice as many; the positions are read
//!   for the best candidates and the rest for the hits shown, mostly the same pages.
//!
//! Each file is a script calling `deskbookSearch.piece(name, data)`, which `search.js`
//! defines; that works from `file://`, where `fetch` does not.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};

use deskbook_search::{analyzer, query, schema, searcher, synonyms};

use crate::code;
use crate::dictionary::Dictionary;
use crate::error::SiteSearchError;
use crate::harvest::{fieldnorm_table, DocPositions, Harvest, Role};
use rayon::prelude::*;

/// Bytes of postings a shard aims at: a query reads about two shards a word, so shards
/// stay small.
const SHARD_BYTES: usize = 2_000;
/// An entry larger than this gets its own file.
const BIG_BYTES: usize = 1_000;
/// Documents per field-norm file.
pub const NORM_CHUNK: u32 = 4096;
/// tantivy's BM25 constants (`tantivy::query::bm25`, not exported).
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// FNV-1a over the UTF-8 bytes; `search.js` computes the same.
pub fn fnv1a(key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The fuzzy-vocabulary file key of a term: `p` or `s` and the hex of two characters.
pub fn fuzzy_keys(term: &str) -> [String; 2] {
    let chars: Vec<char> = term.chars().collect();
    let hex = |cs: &[char]| {
        let s: String = cs.iter().collect();
        s.bytes().fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    };
    let head = &chars[..chars.len().min(2)];
    let tail = &chars[chars.len().saturating_sub(2)..];
    [format!("p{}", hex(head)), format!("s{}", hex(tail))]
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
    pub docs: u32,
    pub shards: u32,
}

/// One file of the index: its path inside the index folder and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub path: String,
    pub text: String,
}

#[derive(Default)]
struct Out {
    files: Vec<IndexFile>,
    written: Written,
}

impl Out {
    fn piece(&mut self, name: &str, data: &Value) {
        let text = format!(
            "deskbookSearch.piece({},{});\n",
            Value::String(name.to_string()),
            data
        );
        self.written.files += 1;
        self.written.bytes += text.len() as u64;
        self.files.push(IndexFile {
            path: format!("{name}.js"),
            text,
        });
    }
}

/// Write `files` under `dir` (created when missing).
pub fn write_files(dir: &Path, files: &[IndexFile]) -> Result<(), SiteSearchError> {
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(SiteSearchError::io(parent))?;
        }
        std::fs::write(&path, &f.text).map_err(SiteSearchError::io(&path))?;
    }
    Ok(())
}

/// A page's phrase fields as `{"v": "term term ...", "f": {field: slots}}`: the page's own
/// vocabulary, and per field one varint per position, the vocabulary index plus one (0
/// where a stop word or a gap between values stood).
fn sequences(doc: &DocPositions, names: &[String]) -> Value {
    // Vocabulary codes in order of first use, fields in order and terms in order.
    let mut codes: HashMap<u32, u64> = HashMap::new();
    let mut words: Vec<&str> = Vec::new();
    for (_, t, _) in doc.iter() {
        codes.entry(t).or_insert_with(|| {
            words.push(names.get(t as usize).map_or("", String::as_str));
            words.len() as u64
        });
    }
    let mut per_field = Map::new();
    let mut entries = doc.iter().peekable();
    while let Some((f, _, _)) = entries.peek().copied() {
        let mut slots: Vec<u64> = Vec::new();
        while let Some((_, t, positions)) = entries.next_if(|e| e.0 == f) {
            let code = codes.get(&t).copied().unwrap_or(0);
            for &p in positions {
                let p = p as usize;
                if slots.len() <= p {
                    slots.resize(p + 1, 0);
                }
                slots[p] = code;
            }
        }
        per_field.insert(f.to_string(), Value::String(code::numbers(slots)));
    }
    json!({ "v": words.join(" "), "f": per_field })
}

/// A term's postings per field, as an object from field index to encoded list.
fn entry(fields: &BTreeMap<usize, Vec<(u32, u32)>>, skip: &[usize]) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(f, _)| !skip.contains(f))
        .map(|(f, list)| (f.to_string(), Value::String(code::postings(list))))
        .collect()
}

/// Every piece of `harvest`, with what they add up to.
pub fn pieces(
    harvest: &Harvest,
    urls: &[String],
    dictionary: &Dictionary,
) -> (Vec<IndexFile>, Written) {
    let mut out = Out::default();
    out.written.docs = harvest.num_docs;
    let tool_field = harvest
        .fields
        .iter()
        .position(|f| f.name == "tool")
        .unwrap_or(usize::MAX);

    // Entries, and how they are split between shards and files of their own.
    let mut small: Vec<(String, Value)> = Vec::new();
    let mut big: Vec<(String, Value)> = Vec::new();
    let mut total = 0usize;
    for (term, fields) in &harvest.terms {
        let e = entry(fields, &[tool_field]);
        if e.is_empty() {
            continue;
        }
        let v = Value::Object(e);
        let size = v.to_string().len() + term.len();
        if size > BIG_BYTES {
            big.push((term.clone(), v));
        } else {
            total += size;
            small.push((term.clone(), v));
        }
    }
    total += dictionary
        .iter()
        .map(|(w, t)| w.len() + t.len() + 6)
        .sum::<usize>();
    let shards = u32::try_from(total / SHARD_BYTES + 1).unwrap_or(u32::MAX);
    out.written.shards = shards;

    let mut shard_maps: Vec<(Map<String, Value>, Map<String, Value>)> =
        vec![(Map::new(), Map::new()); shards as usize];
    for (word, term) in dictionary.iter() {
        let s = (fnv1a(word) % shards) as usize;
        shard_maps[s]
            .0
            .insert(word.clone(), Value::String(term.clone()));
    }
    for (term, v) in small {
        let s = (fnv1a(&term) % shards) as usize;
        shard_maps[s].1.insert(term, v);
    }
    for (n, (term, v)) in big.into_iter().enumerate() {
        let s = (fnv1a(&term) % shards) as usize;
        shard_maps[s].1.insert(term.clone(), json!(n));
        out.piece(&format!("b/{n}"), &json!({ "t": { term: v } }));
    }
    for (n, (d, t)) in shard_maps.into_iter().enumerate() {
        out.piece(&format!("s/{n}"), &json!({ "d": d, "t": t }));
    }

    // Field norms in chunks.
    for (f, ids) in &harvest.norms {
        for (c, chunk) in ids.chunks(NORM_CHUNK as usize).enumerate() {
            let ids = chunk.iter().map(|id| u64::from(*id));
            out.piece(&format!("n/{f}-{c}"), &Value::String(code::numbers(ids)));
        }
    }

    // Typo vocabulary: terms of the text fields with a bit per field holding them, and
    // the dictionary's words with their term and its bits (a misspelt word is compared
    // with the words as written too: "fragmantation" is one edit from "fragmentation",
    // which the browser could not stem without a stemmer).
    let text_fields: Vec<usize> = harvest
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.role, Role::Text(_)))
        .map(|(i, _)| i)
        .collect();
    let mask_of = |term: &str| -> u64 {
        harvest.terms.get(term).map_or(0, |fields| {
            fields
                .keys()
                .filter(|f| text_fields.contains(f))
                .fold(0, |m, f| m | (1 << f))
        })
    };
    let mut fuzzy: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for term in harvest.terms.keys() {
        let mask = mask_of(term);
        // Numbers are never corrected (a typo needs five letters), so they stay out.
        if mask == 0 || term.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for key in fuzzy_keys(term) {
            fuzzy
                .entry(key)
                .or_default()
                .insert(term.clone(), json!(mask));
        }
    }
    // Words written on the pages (not the added inflections: a typo is made on a word in
    // use) under their first and last two characters, split by length (endings are few
    // and shared, "-ing", and inflections crowd a beginning, so one piece each would be
    // large); the lengths are listed in the term piece of the same key. A word one edit
    // away is at most one length apart.
    let mut by_length: BTreeMap<(String, usize), Map<String, Value>> = BTreeMap::new();
    for (word, term) in &dictionary.written {
        let mask = mask_of(term);
        if mask == 0 {
            continue;
        }
        for key in fuzzy_keys(word) {
            fuzzy.entry(key.clone()).or_default();
            by_length
                .entry((key, word.chars().count()))
                .or_default()
                .insert(word.clone(), json!([term, mask]));
        }
    }
    let fuzzy_names: Vec<String> = fuzzy.keys().cloned().collect();
    for (key, terms) in fuzzy {
        let lengths: Vec<usize> = by_length
            .range((key.clone(), 0)..(key.clone(), usize::MAX))
            .map(|((_, len), _)| *len)
            .collect();
        out.piece(&format!("f/{key}"), &json!({ "t": terms, "l": lengths }));
    }
    for ((key, len), words) in by_length {
        out.piece(&format!("f/{key}-{len}"), &json!({ "w": words }));
    }

    // Pages: what a hit shows and the terms of the phrase fields position by position, made
    // on every core.
    let per_doc: Vec<Value> = harvest
        .docs
        .par_iter()
        .enumerate()
        .map(|(d, stored)| {
            let empty = DocPositions::default();
            let positions = harvest.positions.get(d).unwrap_or(&empty);
            let mut page = sequences(positions, &harvest.term_names);
            page["i"] = json!(stored.id);
            page["k"] = json!(stored.kind);
            page["t"] = json!(stored.title);
            page["s"] = json!(stored.summary);
            page["u"] = json!(urls.get(d).cloned().unwrap_or_default());
            page
        })
        .collect();
    for (d, page) in per_doc.iter().enumerate() {
        out.piece(&format!("d/{d}"), page);
    }

    let mut meta = meta(harvest, shards, tool_field);
    meta["fuzzy"] = json!(fuzzy_names.join(" "));
    out.piece("meta", &meta);
    (out.files, out.written)
}

fn meta(harvest: &Harvest, shards: u32, tool_field: usize) -> Value {
    let fields: Vec<Value> = harvest
        .fields
        .iter()
        .map(|f| {
            let weight = match f.role {
                Role::Text(tf) => schema::TEXT_WEIGHTS
                    .iter()
                    .find(|(t, _)| *t == tf)
                    .map(|(_, w)| json!(w)),
                Role::Exact => None,
            };
            json!({
                "name": f.name,
                "avg": f.average,
                "normed": f.normed,
                "text": weight.is_some(),
                "weight": weight,
            })
        })
        .collect();
    let phrase_fields: Vec<Value> = query::PHRASE_FIELDS
        .iter()
        .filter_map(|(tf, w)| {
            let i = harvest
                .fields
                .iter()
                .position(|f| f.role == Role::Text(*tf))?;
            Some(json!([i, w]))
        })
        .collect();
    let mut analyzer = analyzer::analyzer();
    let synonyms: Map<String, Value> = synonyms::table()
        .iter()
        .map(|(word, words)| {
            let terms: Vec<String> = analyzer::tokens(&mut analyzer, words)
                .into_iter()
                .map(|t| t.term)
                .collect();
            (word.to_string(), json!(terms))
        })
        .collect();
    let mut tools: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for (term, fields) in &harvest.terms {
        if let Some(list) = fields.get(&tool_field) {
            tools
                .entry(term.as_str())
                .or_default()
                .extend(list.iter().map(|(d, _)| *d));
        }
    }
    let tools: Map<String, Value> = tools
        .into_iter()
        .map(|(name, docs)| {
            let list: Vec<(u32, u32)> = docs.into_iter().map(|d| (d, 1)).collect();
            (name.to_string(), Value::String(code::postings(&list)))
        })
        .collect();
    json!({
        "format": schema::FORMAT,
        "docs": harvest.num_docs,
        "shards": shards,
        "normChunk": NORM_CHUNK,
        "k1": K1,
        "b": B,
        "fields": fields,
        "phraseFields": phrase_fields,
        "toolField": tool_field,
        "fieldnorms": fieldnorm_table(),
        "stopWords": analyzer::STOP_WORDS,
        "maxTokenBytes": analyzer::MAX_TOKEN_BYTES,
        "synonyms": synonyms,
        "tools": tools,
        "w": {
            "maxChars": query::MAX_QUERY_CHARS,
            "maxWords": query::MAX_QUERY_WORDS,
            "fuzzyMinLetters": query::FUZZY_MIN_LETTERS,
            "fuzzyMax": query::FUZZY_MAX_EXPANSIONS,
            "fuzzy": query::FUZZY_WEIGHT,
            "phrase": query::PHRASE_WEIGHT,
            "whole": query::WHOLE_PHRASE_WEIGHT,
            "number": query::NUMBER_WEIGHT,
            "events": query::EVENTS_WEIGHT,
            "tool": query::TOOL_WEIGHT,
            "synonym": query::SYNONYM_WEIGHT,
            "pairSlop": query::PAIR_SLOP,
            "wholeSlop": query::WHOLE_SLOP,
            "id": query::ID_WEIGHT,
            "toolKeyShare": query::TOOL_KEY_SHARE,
            "keyBonus": searcher::KEY_BONUS,
            "rescore": searcher::RESCORE_FACTOR,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The same values are asserted in search.js's self-check; both sides must agree.
    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!(fnv1a("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn fuzzy_keys_take_two_characters_from_each_end() {
        assert_eq!(
            fuzzy_keys("kerbero"),
            ["p6b65".to_string(), "s726f".to_string()]
        );
        assert_eq!(fuzzy_keys("é"), ["pc3a9".to_string(), "sc3a9".to_string()]);
    }
}
