//! Splitting a Markdown file into its YAML front matter and its body.

/// The parts of a Markdown file. Line numbers are 1-based lines of the whole file.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// Line of the file on which the YAML starts (the line after the opening `---`).
    pub yaml_line: usize,
    pub body: &'a str,
    /// Line of the file on which the body starts.
    pub body_line: usize,
}

/// Why a file could not be split. Each carries the 1-based line it refers to.
#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    Empty,
    MissingOpening { line: usize },
    Unterminated { opened_at: usize },
}

impl SplitError {
    pub fn line(&self) -> usize {
        match self {
            SplitError::Empty => 1,
            SplitError::MissingOpening { line } => *line,
            SplitError::Unterminated { opened_at } => *opened_at,
        }
    }

    pub fn message(&self) -> String {
        match self {
            SplitError::Empty => {
                "empty file: expected YAML front matter between `---` lines, then Markdown"
                    .to_string()
            }
            SplitError::MissingOpening { .. } => {
                "missing front matter: expected the file to start with a `---` line (did you forget the opening `---`?)".to_string()
            }
            SplitError::Unterminated { opened_at } => format!(
                "unterminated front matter: the `---` on line {opened_at} is never closed (did you forget the closing `---`?)"
            ),
        }
    }
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\r', '\n', ' ', '\t']) == "---"
}

/// Split `text` into front matter and body. A UTF-8 byte order mark is ignored.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(SplitError::Empty);
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if !is_fence(first) {
        return Err(SplitError::MissingOpening { line: 1 });
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        if is_fence(line) {
            let body_start = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(SplitError::Unterminated { opened_at: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let s = split("---\nid: a\n---\nbody\n").unwrap();
        assert_eq!(s.yaml, "id: a\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn reports_missing_and_unterminated_fences() {
        assert_eq!(
            split("id: a\n"),
            Err(SplitError::MissingOpening { line: 1 })
        );
        assert_eq!(
            split("---\nid: a\n"),
            Err(SplitError::Unterminated { opened_at: 1 })
        );
        assert_eq!(split("  \n"), Err(SplitError::Empty));
    }

    #[test]
    fn accepts_crlf_fences() {
        let s = split("---\r\nid: a\r\n---\r\nbody").unwrap();
        assert_eq!(s.yaml, "id: a\r\n");
        assert_eq!(s.body, "body");
    }
}
