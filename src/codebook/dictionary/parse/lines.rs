//! The line formats: WordStat `.cat` (categories and entries by indentation), LIWC `.dic`
//! (numbered categories between `%` lines, then entries with category numbers) and Lexicoder
//! `.lc3` (`+CATEGORY` lines, then entries). Entries are lowercased, as these tools match them.

use std::collections::HashMap;

use super::{at_line, Category, DictError, DictFormat};

/// WordStat: categories and entries by indentation; entries end in a weight like `(1)`.
pub(super) fn wordstat(text: &str) -> Result<Vec<Category>, DictError> {
    let mut cats: Vec<Category> = Vec::new();
    // (indent, category index) of the open categories.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        let (word, weighted) = match line.rfind(" (") {
            Some(i) if line.ends_with(')') => (line[..i].trim(), true),
            _ => (line, false),
        };
        while stack.last().is_some_and(|&(d, _)| d >= indent) {
            stack.pop();
        }
        if weighted {
            let Some(&(_, c)) = stack.last() else {
                return Err(DictError::new(n + 1, "an entry before any category"));
            };
            let pattern = at_line(n + 1, &word.to_lowercase(), DictFormat::WordStat)?;
            cats[c].patterns.push(pattern);
        } else {
            cats.push(Category::named(word, stack.last().map(|&(_, c)| c)));
            stack.push((indent, cats.len() - 1));
        }
    }
    Ok(cats)
}

/// LIWC: `%`, category lines `number name`, `%`, then `word number number …`.
pub(super) fn liwc(text: &str) -> Result<Vec<Category>, DictError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.trim() == "%" => {}
        Some((n, _)) => {
            return Err(DictError::new(
                n + 1,
                "a LIWC dictionary starts with a line `%`",
            ))
        }
        None => return Err(DictError::new(0, "the file is empty")),
    }
    let mut cats: Vec<Category> = Vec::new();
    let mut by_number: HashMap<String, usize> = HashMap::new();
    for (n, l) in lines.by_ref() {
        if l.trim() == "%" {
            break;
        }
        let mut parts = l.split_whitespace();
        let (Some(num), Some(name)) = (parts.next(), parts.next()) else {
            return Err(DictError::new(n + 1, "a category line is `number name`"));
        };
        by_number.insert(num.to_string(), cats.len());
        cats.push(Category::named(name, None));
    }
    for (n, l) in lines {
        // Entries: the word (phrases may have spaces), then category numbers.
        let parts: Vec<&str> = l.split_whitespace().collect();
        let split = parts
            .iter()
            .position(|p| p.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or(parts.len());
        if split == 0 || split == parts.len() {
            return Err(DictError::new(
                n + 1,
                "an entry is `word category-number …`",
            ));
        }
        let word = parts[..split].join(" ").to_lowercase();
        let pattern = at_line(n + 1, &word, DictFormat::Liwc)?;
        for num in &parts[split..] {
            match by_number.get(*num) {
                Some(&c) => cats[c].patterns.push(pattern.clone()),
                None => {
                    return Err(DictError::new(
                        n + 1,
                        format!("category {num} is not declared at the top"),
                    ))
                }
            }
        }
    }
    Ok(cats)
}

/// Lexicoder: `+CATEGORY` lines, then one entry per line.
pub(super) fn lexicoder(text: &str) -> Result<Vec<Category>, DictError> {
    let mut cats: Vec<Category> = Vec::new();
    for (n, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(name) = l.strip_prefix('+') {
            cats.push(Category::named(name.trim(), None));
        } else {
            let Some(c) = cats.last_mut() else {
                return Err(DictError::new(
                    n + 1,
                    "an entry before any `+CATEGORY` line",
                ));
            };
            c.patterns
                .push(at_line(n + 1, &l.to_lowercase(), DictFormat::Lexicoder)?);
        }
    }
    Ok(cats)
}
