//! A CSV corpus: one row per response or quote. Required columns `id` and `text`; optional `role`,
//! `speaker`, `interview` (groups rows into one case) and `name` (kept out of the index); every
//! other column becomes metadata.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::{valid_interview_id, Interview, Segment};
use crate::codebook::{slug, RoleTable, INTERVIEWER_ROLE};
use crate::diag::{line_col, SourceError, Warning};

const RESERVED: [&str; 6] = ["id", "text", "role", "speaker", "interview", "name"];

/// Parse a decoded CSV corpus file into interviews (one per `interview` value, or one per file).
pub fn parse_csv(
    path: &Path,
    rel: &str,
    text: &str,
    fallback_id: &str,
    roles: &RoleTable,
) -> Result<(Vec<Interview>, Vec<Warning>), SourceError> {
    let mut warnings = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| csv_error(path, text, &e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect::<Vec<_>>();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (id_col, text_col) = match (col("id"), col("text")) {
        (Some(i), Some(t)) => (i, t),
        (i, _) => {
            let missing = if i.is_none() { "id" } else { "text" };
            return Err(
                SourceError::new(path, 1, 1, format!("the CSV has no `{missing}` column"))
                    .with_source(text)
                    .with_help(format!(
                        "a CSV corpus needs a header row with `id` and `text` columns; found: {}",
                        headers.join(", ")
                    )),
            );
        }
    };
    let (role_col, speaker_col, interview_col) = (col("role"), col("speaker"), col("interview"));
    let name_col = col("name");
    let meta_cols: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !RESERVED.iter().any(|r| h.eq_ignore_ascii_case(r)) && !h.is_empty())
        .map(|(i, h)| (i, h.to_lowercase()))
        .collect();

    let mut interviews: BTreeMap<String, Interview> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut unknown_roles = BTreeSet::new();
    for result in rdr.records() {
        let rec = result.map_err(|e| csv_error(path, text, &e))?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let id = get(Some(id_col)).to_string();
        if id.is_empty() {
            return Err(SourceError::new(path, line, 1, "this row has no id")
                .with_source(text)
                .with_help("give every row a unique value in the `id` column"));
        }
        if let Some(first) = seen_ids.insert(id.clone(), line as u64) {
            return Err(SourceError::new(
                path,
                line,
                1,
                format!("duplicate id `{id}` (first used on line {first})"),
            )
            .with_source(text)
            .with_help("ids must be unique within the corpus"));
        }
        let body = rec.get(text_col).unwrap_or("");
        if body.trim().is_empty() {
            warnings.push(Warning {
                location: format!("{rel}:{line}"),
                message: format!("row `{id}` has no text; skipped"),
            });
            continue;
        }
        let interview = match get(interview_col) {
            "" => fallback_id.to_string(),
            v => v.to_string(),
        };
        if !valid_interview_id(&interview) {
            return Err(SourceError::new(
                path,
                line,
                1,
                format!("interview `{interview}` contains a space or a colon"),
            )
            .with_source(text)
            .with_help("use letters, digits and hyphens in the `interview` column"));
        }
        let role_written = get(role_col);
        let (role, role_label) = if role_written.is_empty() {
            ("unknown".to_string(), "Unknown role".to_string())
        } else {
            match roles.resolve(role_written) {
                Some(r) => (r.id.clone(), r.label.clone()),
                None => {
                    unknown_roles.insert(role_written.to_string());
                    (slug(role_written), role_written.to_string())
                }
            }
        };
        let speaker = match get(speaker_col) {
            "" => role_written.to_string(),
            s => s.to_string(),
        };
        let meta: BTreeMap<String, String> = meta_cols
            .iter()
            .filter_map(|(c, k)| {
                rec.get(*c)
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| (k.clone(), v.to_string()))
            })
            .collect();
        let iv = interviews.entry(interview.clone()).or_insert_with(|| {
            order.push(interview.clone());
            Interview {
                id: interview.clone(),
                source: rel.to_string(),
                meta: BTreeMap::new(),
                speakers: BTreeMap::new(),
                segments: Vec::new(),
                unknown_roles: BTreeSet::new(),
            }
        });
        let turn = iv.segments.len() as u32 + 1;
        iv.segments.push(Segment {
            id,
            interview,
            turn,
            paragraph: 1,
            speaker,
            speaker_name: Some(get(name_col).to_string()).filter(|n| !n.is_empty()),
            interviewer: role == INTERVIEWER_ROLE,
            role,
            role_label,
            timestamp: None,
            start: 0,
            end: body.chars().count(),
            text: body.to_string(),
            meta,
        });
    }
    // Interview-level metadata: the values all of its rows share.
    let mut out = Vec::new();
    for id in order {
        let mut iv = interviews.remove(&id).expect("present");
        if let Some(first) = iv.segments.first() {
            iv.meta = first
                .meta
                .iter()
                .filter(|(k, v)| iv.segments.iter().all(|s| s.meta.get(*k) == Some(*v)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        iv.unknown_roles = iv
            .segments
            .iter()
            .filter(|s| unknown_roles.contains(&s.role_label))
            .map(|s| s.role_label.clone())
            .collect();
        out.push(iv);
    }
    Ok((out, warnings))
}

fn csv_error(path: &Path, text: &str, e: &csv::Error) -> SourceError {
    let (line, col) = match e.position() {
        Some(p) => line_col(text, p.byte() as usize),
        None => (0, 0),
    };
    let help = match e.kind() {
        csv::ErrorKind::UnequalLengths { .. } => {
            "every row needs as many fields as the header; quote fields that contain commas"
        }
        _ => "check the quoting on this row",
    };
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields but the header has {expected_len}")
        }
        _ => e.to_string(),
    };
    SourceError::new(path, line, col, msg)
        .with_source(text)
        .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(Vec<Interview>, Vec<Warning>), SourceError> {
        let mut roles = RoleTable::default();
        roles
            .add_file(
                Path::new("r.toml"),
                "[roles.resident]\nlabel = \"Resident\"\naliases = [\"local resident\"]\n",
            )
            .unwrap();
        parse_csv(Path::new("w.csv"), "w.csv", text, "w", &roles)
    }

    #[test]
    fn rows_become_segments_grouped_by_interview() {
        let (ivs, w) = parse("id,interview,role,area,text\nws-1,t1,Local resident,Northmoor,\"We met, finally.\"\nws-2,t1,Cllr,Eastbrook,Fine.\nws-3,,Resident,Northmoor,Alone.\n").unwrap();
        assert_eq!(ivs.len(), 2);
        assert_eq!(ivs[0].id, "t1");
        assert_eq!(ivs[0].segments[0].text, "We met, finally.");
        assert_eq!(ivs[0].segments[0].role, "resident");
        assert_eq!(ivs[0].segments[1].role, "cllr");
        assert_eq!(ivs[0].segments[1].meta["area"], "Eastbrook");
        assert!(ivs[0].meta.is_empty(), "areas differ within t1");
        assert_eq!(ivs[1].id, "w");
        assert!(w.is_empty());
        assert!(ivs[0].unknown_roles.contains("Cllr"));
    }

    #[test]
    fn missing_text_column_ragged_rows_and_duplicates_are_errors() {
        let e = parse("id,body\n1,x\n").unwrap_err();
        assert!(e.message.contains("no `text` column"), "{e}");
        let e = parse("id,text\n1,x\n2,y,z\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("3 fields"), "{e}");
        let e = parse("id,text\n1,x\n1,y\n").unwrap_err();
        assert!(e.message.contains("duplicate id `1`"), "{e}");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn name_column_is_kept_apart() {
        let (ivs, _) = parse("id,text,name\n1,hello,Dana Whitfield\n").unwrap();
        let s = &ivs[0].segments[0];
        assert_eq!(s.speaker_name.as_deref(), Some("Dana Whitfield"));
        assert!(s.meta.is_empty() && s.speaker.is_empty());
    }
}
