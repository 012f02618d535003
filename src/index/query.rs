//! The search query language: words (all must appear), `"phrases"`, `prefix*`, `AND`, `OR`,
//! `NOT` / `-word`, parentheses, and `a NEAR/n b` with the codebook's meaning (at most n words
//! between, either order). We parse it ourselves rather than use tantivy's query parser,
//! which silently turns `pres*` into an exact search for `pres`.

use std::fmt;

/// A parsed query. Words and phrases are kept as written; analysis happens against the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryNode {
    /// Matches every segment (an empty query, or `*`).
    All,
    Word(String),
    /// `polic*`: any word starting with these letters (matched unstemmed).
    Prefix(String),
    /// `"early wins"`: consecutive words; the last may end in `*`.
    Phrase(Vec<String>),
    And(Vec<QueryNode>),
    Or(Vec<QueryNode>),
    Not(Box<QueryNode>),
    /// `a NEAR/n b`: both, at most `n` words apart, either order. `text` is the expression as
    /// written, which the codebook's pattern language reads the same way.
    Near {
        left: Box<QueryNode>,
        right: Box<QueryNode>,
        n: u32,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct QueryError {
    /// 1-based column in the query (characters).
    pub col: usize,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query, column {}: {}", self.col, self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Minus,
    And,
    Or,
    Not,
    Phrase(String),
    Word(String),
}

fn lex(q: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((col, Tok::Open));
            i += 1;
        } else if c == ')' {
            out.push((col, Tok::Close));
            i += 1;
        // `-` negates only at the start of a term; inside a word (`e-mail`) it is part of it.
        } else if c == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            out.push((col, Tok::Minus));
            i += 1;
        } else if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .map(|p| p + i + 1)
                .ok_or(QueryError {
                    col,
                    message: "this quote is never closed".into(),
                })?;
            out.push((col, Tok::Phrase(chars[i + 1..end].iter().collect())));
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()\"".contains(chars[i]) {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            out.push((
                col,
                match w.as_str() {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Word(w),
                },
            ));
        }
    }
    Ok(out)
}

/// How deep brackets and negations may nest. Parsing, building and dropping a query recurse
/// once per level: a few thousand levels overflow the stack (an abort, not an error), and no
/// one writes more than a handful.
const MAX_DEPTH: usize = 100;

struct Parser {
    chars: Vec<char>,
    toks: Vec<(usize, Tok)>,
    pos: usize,
    len: usize,
    /// Brackets and negations open around the token at `pos`.
    depth: usize,
}

/// Parse a query. The empty query matches everything (useful with filters).
pub fn parse_query(q: &str) -> Result<QueryNode, QueryError> {
    let toks = lex(q)?;
    if toks.is_empty() {
        return Ok(QueryNode::All);
    }
    let mut p = Parser {
        chars: q.chars().collect(),
        toks,
        pos: 0,
        len: q.chars().count(),
        depth: 0,
    };
    let node = p.or()?;
    if let Some((col, _)) = p.toks.get(p.pos) {
        return Err(QueryError {
            col: *col,
            message: "unexpected `)`".into(),
        });
    }
    Ok(node)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn col(&self) -> usize {
        self.toks
            .get(self.pos)
            .map(|(c, _)| *c)
            .unwrap_or(self.len + 1)
    }

    /// Enter one more bracket or negation, starting at `col`.
    fn deeper(&mut self, col: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError {
                col,
                message: format!(
                    "brackets and NOT/- nest more than {MAX_DEPTH} deep here; write the query flatter"
                ),
            });
        }
        Ok(())
    }

    fn or(&mut self) -> Result<QueryNode, QueryError> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one")
        } else {
            QueryNode::Or(items)
        })
    }

    fn and(&mut self) -> Result<QueryNode, QueryError> {
        let mut items = vec![self.near()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.pos += 1;
                    items.push(self.near()?);
                }
                Some(Tok::Or) | Some(Tok::Close) | None => break,
                Some(_) => items.push(self.near()?),
            }
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one")
        } else {
            QueryNode::And(items)
        })
    }

    /// `a NEAR/n b` (binding tighter than AND), else one term.
    fn near(&mut self) -> Result<QueryNode, QueryError> {
        let start = self.col();
        let left = self.unary()?;
        let Some(Tok::Word(w)) = self.peek().cloned() else {
            return Ok(left);
        };
        let Some(n) = w.strip_prefix("NEAR") else {
            return Ok(left);
        };
        let col = self.col();
        let n: u32 = match n.strip_prefix('/').map(str::parse) {
            Some(Ok(n)) => n,
            _ => {
                return Err(QueryError {
                    col,
                    message: format!("`{w}`: write NEAR/n, n the most words allowed between"),
                })
            }
        };
        self.pos += 1;
        let right = self.unary()?;
        let end = self.col();
        let text: String = self.chars[start - 1..end - 1].iter().collect();
        Ok(QueryNode::Near {
            left: Box::new(left),
            right: Box::new(right),
            n,
            text: text.trim().to_string(),
        })
    }

    fn unary(&mut self) -> Result<QueryNode, QueryError> {
        match self.peek() {
            Some(Tok::Not) | Some(Tok::Minus) => {
                self.deeper(self.col())?;
                self.pos += 1;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(QueryNode::Not(Box::new(inner)))
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<QueryNode, QueryError> {
        let col = self.col();
        let Some((_, tok)) = self.toks.get(self.pos).cloned() else {
            return Err(QueryError {
                col,
                message: "the query ends where a word was expected".into(),
            });
        };
        self.pos += 1;
        match tok {
            Tok::Open => {
                self.deeper(col)?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return Err(QueryError {
                        col,
                        message: "this `(` is never closed".into(),
                    });
                }
                self.pos += 1;
                Ok(inner)
            }
            Tok::Phrase(p) => {
                let words: Vec<String> = p.split_whitespace().map(str::to_string).collect();
                if words.is_empty() {
                    return Err(QueryError {
                        col,
                        message: "empty phrase \"\"".into(),
                    });
                }
                if words[..words.len() - 1].iter().any(|w| w.contains('*')) {
                    return Err(QueryError {
                        col,
                        message: "in a phrase only the last word may end in `*`".into(),
                    });
                }
                Ok(QueryNode::Phrase(words))
            }
            Tok::Word(w) if w == "*" => Ok(QueryNode::All),
            Tok::Word(w) => match w.strip_suffix('*') {
                Some(stem) if !stem.contains('*') => Ok(QueryNode::Prefix(stem.to_string())),
                _ if w.contains('*') => Err(QueryError {
                    col,
                    message: format!("`{w}`: `*` is allowed only at the end of a word"),
                }),
                _ => Ok(QueryNode::Word(w)),
            },
            Tok::Close => Err(QueryError {
                col,
                message: "unexpected `)`".into(),
            }),
            Tok::And | Tok::Or | Tok::Not | Tok::Minus => Err(QueryError {
                col,
                message: "an operator needs a word on each side".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::QueryNode::*;
    use super::*;

    fn w(s: &str) -> QueryNode {
        Word(s.into())
    }

    #[test]
    fn words_are_anded_and_or_binds_looser() {
        assert_eq!(
            parse_query("trust council").unwrap(),
            And(vec![w("trust"), w("council")])
        );
        assert_eq!(
            parse_query("a b OR c").unwrap(),
            Or(vec![And(vec![w("a"), w("b")]), w("c")])
        );
        assert_eq!(
            parse_query("(a OR b) -c").unwrap(),
            And(vec![Or(vec![w("a"), w("b")]), Not(Box::new(w("c")))])
        );
    }

    #[test]
    fn phrases_prefixes_and_all() {
        assert_eq!(parse_query("polic*").unwrap(), Prefix("polic".into()));
        assert_eq!(
            parse_query("\"early win*\"").unwrap(),
            Phrase(vec!["early".into(), "win*".into()])
        );
        assert_eq!(parse_query("  ").unwrap(), All);
        assert_eq!(parse_query("NOT trust").unwrap(), Not(Box::new(w("trust"))));
    }

    #[test]
    fn errors_say_where() {
        let e = parse_query("trust \"early").unwrap_err();
        assert_eq!(e.col, 7);
        assert!(parse_query("(a b")
            .unwrap_err()
            .message
            .contains("never closed"));
        assert!(parse_query("a OR").is_err());
        assert!(parse_query("a*b")
            .unwrap_err()
            .message
            .contains("only at the end"));
        assert!(parse_query("a )").is_err());
    }

    #[test]
    fn near_binds_tighter_than_and_and_keeps_its_text() {
        let q = parse_query("council famil* NEAR/8 (told OR inform*)").unwrap();
        let And(items) = q else { panic!("{q:?}") };
        assert_eq!(items[0], w("council"));
        let Near { n, text, .. } = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!((*n, text.as_str()), (8, "famil* NEAR/8 (told OR inform*)"));
        assert!(parse_query("a NEAR/x b")
            .unwrap_err()
            .message
            .contains("NEAR/n"));
        assert!(parse_query("a NEAR/3").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert!(parse_query(&nested(MAX_DEPTH)).is_ok());
        let e = parse_query(&nested(100_000)).unwrap_err();
        assert_eq!(e.col, MAX_DEPTH + 1, "{e}");
        assert!(e.message.contains("nest more than 100 deep"), "{e}");
        assert!(parse_query(&format!("{}a", "-".repeat(MAX_DEPTH))).is_ok());
        let e = parse_query(&format!("{}a", "-".repeat(100_000))).unwrap_err();
        assert_eq!(e.col, MAX_DEPTH + 1, "{e}");
        let e = parse_query(&format!("{}a", "NOT ".repeat(100_000))).unwrap_err();
        assert_eq!(e.col, 4 * MAX_DEPTH + 1, "{e}");
        // Wide is fine: only depth is limited.
        let wide = vec!["(a OR b)"; 10_000].join(" ");
        assert!(parse_query(&wide).is_ok());
    }
}
