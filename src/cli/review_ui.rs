//! The `qcode review` screen, drawn with ratatui on crossterm: the segment with the paragraphs
//! around it, the proposed code with its evidence highlighted, the codes the person already
//! gave, a message line and a help line. It fits 80×24; with NO_COLOR it uses no colour, only
//! reverse video, bold and «markers» round the evidence; it needs nothing of the terminal but
//! plain ANSI, so it works over ssh. Participants' declared names are masked as every printer
//! masks them (unless --with-names).
//!
//! Every key is handled by [`App::key`] and every frame drawn by [`App::draw`], whichever
//! terminal they go to: the user's, or, for tests and scripted demos, a ratatui `TestBackend`
//! fed the keys of `QCODE_REVIEW_KEYS` (each frame printed to stdout after its key; size from
//! `QCODE_REVIEW_SIZE`, default 80x24).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use anyhow::{bail, Result};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::{Frame, Terminal};

use qcode::codings::memo::{appended, Memo, Target, MEMOS_DIR};
use qcode::codings::{now, CodingRow};
use qcode::index::SearchIndex;
use qcode::privacy::Redactor;
use qcode::review::{decision, Session, Source, Verdict};
use qcode::transcript::Segment;

use super::output::write_atomically;
use super::record::{check_code, record};
use super::review::said;
use super::Context;

/// Keys to feed a `TestBackend` instead of reading the terminal (tests, scripted demos).
pub const SCRIPT_ENV: &str = "QCODE_REVIEW_KEYS";
/// The `TestBackend`'s size, `COLSxROWS`.
pub const SIZE_ENV: &str = "QCODE_REVIEW_SIZE";

/// Paragraphs of context shown before and after the segment.
const CONTEXT: usize = 1;

/// The help line: every key, in 80 columns.
const HELP: &str = "a accept  r reject  c add code  m memo  b back  s skip  q quit  ? help";

/// What the screen shows of one proposal, masked and ready to draw.
struct View {
    /// The proposal's index in the queue.
    index: usize,
    /// The segment as indexed (unmasked: what a decision records).
    segment: Segment,
    id_line: String,
    speaker: String,
    text: String,
    /// Byte ranges of the evidence in `text`.
    spans: Vec<(usize, usize)>,
    before: Vec<(String, String)>,
    after: Vec<(String, String)>,
    code: String,
    label: String,
    evidence: String,
}

enum Mode {
    Normal,
    AddCode(String),
    Memo(String),
}

/// What a key leads to.
#[derive(PartialEq, Eq)]
pub enum Flow {
    Go,
    Quit,
}

struct Styles {
    title: Style,
    evidence: Style,
    context: Style,
    code: Style,
    error: Style,
    /// Round the evidence, where no colour marks it.
    marks: (&'static str, &'static str),
}

impl Styles {
    fn new(plain: bool) -> Styles {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        if plain {
            Styles {
                title: Style::new().add_modifier(Modifier::REVERSED),
                evidence: bold.add_modifier(Modifier::REVERSED),
                context: Style::new(),
                code: bold,
                error: bold,
                marks: ("«", "»"),
            }
        } else {
            Styles {
                title: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                evidence: bold.fg(Color::Black).bg(Color::Yellow),
                context: Style::new().fg(Color::DarkGray),
                code: bold.fg(Color::Cyan),
                error: bold.fg(Color::Red),
                marks: ("", ""),
            }
        }
    }
}

pub struct App<'a> {
    ctx: &'a Context,
    index: &'a SearchIndex,
    session: Session,
    redactor: Redactor,
    styles: Styles,
    mode: Mode,
    message: (String, bool),
    scroll: u16,
    view: Option<View>,
    /// Codes the person gave (true) or rejected (false) in this session, by segment: the store
    /// read at the start does not know them.
    mine: HashMap<String, BTreeMap<String, bool>>,
    help: bool,
}

impl<'a> App<'a> {
    pub fn new(
        ctx: &'a Context,
        index: &'a SearchIndex,
        session: Session,
        redactor: Redactor,
    ) -> App<'a> {
        let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        App {
            ctx,
            index,
            session,
            redactor,
            styles: Styles::new(plain),
            mode: Mode::Normal,
            message: (String::new(), false),
            scroll: 0,
            view: None,
            mine: HashMap::new(),
            help: false,
        }
    }

    fn person(&self) -> &str {
        &self.session.person
    }

    fn say(&mut self, msg: impl Into<String>) {
        self.message = (msg.into(), false);
    }

    fn error(&mut self, msg: impl Into<String>) {
        self.message = (msg.into(), true);
    }

    /// Read what the proposal now shown shows, when it changed.
    fn load(&mut self) -> Result<()> {
        let Some(i) = self.session.at() else {
            self.view = None;
            return Ok(());
        };
        if self.view.as_ref().is_some_and(|v| v.index == i) {
            return Ok(());
        }
        self.scroll = 0;
        let Some(shown) = self.session.queue.show(self.index, i, CONTEXT)? else {
            self.view = None;
            self.error("this segment is no longer in the index: s skips it");
            return Ok(());
        };
        let r = &self.redactor;
        let bytes = char_to_byte_spans(&shown.segment.text, &shown.spans);
        let (text, spans) = r.apply_moving_spans(&shown.segment.text, &bytes);
        let seg = &shown.segment;
        let code = self.session.queue.proposals[i].code.clone();
        let c = self.index.codebook().code(&code);
        let mut evidence = shown.evidence.join(", ");
        if !shown.why.is_empty() {
            evidence = [evidence, format!("why: {}", shown.why)]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
        }
        let context = |v: &[Segment]| -> Vec<(String, String)> {
            v.iter()
                .map(|s| (r.apply(&s.speaker), r.apply(&s.text)))
                .collect()
        };
        self.view = Some(View {
            index: i,
            id_line: r.apply(&format!(
                "{} · {}{}",
                seg.id,
                seg.attribution(),
                if seg.interviewer {
                    " · interviewer"
                } else {
                    ""
                }
            )),
            speaker: r.apply(&seg.speaker),
            text,
            spans,
            before: context(&shown.before),
            after: context(&shown.after),
            label: c
                .map(|c| format!("{} ({})", c.label, c.dimension))
                .unwrap_or_default(),
            code,
            evidence: r.apply(&evidence),
            segment: shown.segment,
        });
        Ok(())
    }

    /// Handle one key.
    pub fn key(&mut self, k: KeyEvent) -> Result<Flow> {
        if k.kind != KeyEventKind::Press {
            return Ok(Flow::Go);
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            return Ok(Flow::Quit);
        }
        let flow = match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal(k)?,
            Mode::AddCode(s) => self.typing(k, s, true)?,
            Mode::Memo(s) => self.typing(k, s, false)?,
        };
        self.load()?;
        Ok(flow)
    }

    fn normal(&mut self, k: KeyEvent) -> Result<Flow> {
        self.message = (String::new(), false);
        let here = self.view.is_some();
        match k.code {
            KeyCode::Char('q') | KeyCode::Esc => return Ok(Flow::Quit),
            KeyCode::Char('a' | 'y') => self.decide(Verdict::Accept)?,
            KeyCode::Char('r' | 'n') => self.decide(Verdict::Reject)?,
            KeyCode::Char('c') if here => self.mode = Mode::AddCode(String::new()),
            KeyCode::Char('m') if here => self.mode = Mode::Memo(String::new()),
            KeyCode::Char('s') | KeyCode::Right if self.session.at().is_some() => {
                self.session.skip()
            }
            KeyCode::Char('c' | 'm' | 's') | KeyCode::Right => {
                self.say("nothing pending after this: b goes back, q quits")
            }
            KeyCode::Char('b') | KeyCode::Left | KeyCode::Backspace => {
                if !self.session.back() {
                    self.say("nothing before this one in this session");
                }
            }
            KeyCode::Char('?' | 'h') => self.help = !self.help,
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll = self.scroll.saturating_add(1),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(5),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(5),
            _ => self.say("? shows the keys"),
        }
        Ok(Flow::Go)
    }

    /// A key while a code or a memo is being typed.
    fn typing(&mut self, k: KeyEvent, mut s: String, code: bool) -> Result<Flow> {
        match k.code {
            KeyCode::Esc => self.say("cancelled"),
            KeyCode::Enter if code => self.add_code(s.trim())?,
            KeyCode::Enter => self.memo(s.trim())?,
            KeyCode::Tab if code => {
                s = self.complete(&s);
                self.mode = Mode::AddCode(s);
            }
            k => {
                match k {
                    KeyCode::Backspace => {
                        s.pop();
                    }
                    KeyCode::Char(c) => s.push(c),
                    _ => {}
                }
                self.mode = if code {
                    Mode::AddCode(s)
                } else {
                    Mode::Memo(s)
                };
            }
        }
        Ok(Flow::Go)
    }

    /// Write the decision on the proposal shown, then move on.
    fn decide(&mut self, verdict: Verdict) -> Result<()> {
        let Some(v) = &self.view else {
            self.say("nothing to decide here: b goes back, q quits");
            return Ok(());
        };
        let (row, removal) = decision(&v.segment, &v.code, self.person(), verdict);
        let (id, code) = (v.segment.id.clone(), v.code.clone());
        if let Err(e) = record(self.ctx, self.person(), &[row], &[removal]) {
            self.error(format!("not written: {e:#}"));
            return Ok(());
        }
        self.mine
            .entry(id.clone())
            .or_default()
            .insert(code.clone(), verdict == Verdict::Accept);
        self.session.decided(verdict);
        let msg = format!(
            "{} `{code}` on {} (codings/{}.csv)",
            said(verdict.status()),
            self.redactor.apply(&id),
            self.person()
        );
        self.say(msg);
        Ok(())
    }

    /// Code the segment shown with `code` by hand.
    fn add_code(&mut self, code: &str) -> Result<()> {
        let Some(v) = &self.view else { return Ok(()) };
        if code.is_empty() {
            self.say("no code given: nothing written");
            return Ok(());
        }
        if let Err(e) = check_code(self.index.codebook(), code) {
            self.error(format!("{e}"));
            return Ok(());
        }
        let row = CodingRow::for_segment(&v.segment, code, self.person(), "");
        let id = v.segment.id.clone();
        match record(self.ctx, self.person(), &[row], &[]) {
            Err(e) => self.error(format!("not written: {e:#}")),
            Ok(done) => {
                self.mine
                    .entry(id.clone())
                    .or_default()
                    .insert(code.to_string(), true);
                self.session.coded(code);
                let id = self.redactor.apply(&id);
                self.say(if done.already > 0 {
                    format!("`{code}` was already yours on {id}")
                } else {
                    format!("coded `{code}` on {id} by hand")
                });
            }
        }
        Ok(())
    }

    /// Write a memo on the segment shown to memos/NAME.md.
    fn memo(&mut self, text: &str) -> Result<()> {
        let Some(v) = &self.view else { return Ok(()) };
        if text.is_empty() {
            self.say("empty memo: nothing written");
            return Ok(());
        }
        let m = Memo {
            coder: self.person().to_string(),
            target: Target::Segment(v.segment.id.clone()),
            time: now(),
            text: text.to_string(),
        };
        let path = self
            .ctx
            .project
            .root
            .join(MEMOS_DIR)
            .join(format!("{}.md", self.person()));
        let existing = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.error(format!("cannot read {}: {e}", path.display()));
                return Ok(());
            }
        };
        let written = std::fs::create_dir_all(path.parent().expect("memos/ has a parent"))
            .map_err(anyhow::Error::from)
            .and_then(|()| write_atomically(&path, appended(existing.as_deref(), &m).as_bytes()));
        match written {
            Err(e) => self.error(format!("memo not written: {e:#}")),
            Ok(()) => {
                let msg = format!(
                    "memo on {} added to {}",
                    self.redactor.apply(&v.segment.id),
                    self.ctx.project.relative(&path)
                );
                self.say(msg);
            }
        }
        Ok(())
    }

    /// `typed` completed to the codable codes it starts: the one, or what they share.
    fn complete(&mut self, typed: &str) -> String {
        let found: Vec<&str> = self
            .index
            .codebook()
            .codes
            .iter()
            .filter(|c| c.codable && c.id.starts_with(typed))
            .map(|c| c.id.as_str())
            .collect();
        match found.as_slice() {
            [] => {
                self.error(format!("no code starts `{typed}`"));
                typed.to_string()
            }
            [one] => one.to_string(),
            many => {
                let shared = many.iter().fold(many[0].to_string(), |acc, c| {
                    acc.chars()
                        .zip(c.chars())
                        .take_while(|(a, b)| a == b)
                        .map(|(a, _)| a)
                        .collect()
                });
                self.say(format!("codes: {}", many.join(" ")));
                shared
            }
        }
    }

    /// The codes the person gives the segment, their decisions in this session included.
    fn theirs(&self, id: &str) -> Vec<String> {
        let mut codes: BTreeSet<String> = self
            .index
            .store()
            .applied(self.person(), id)
            .into_iter()
            .map(String::from)
            .collect();
        for (code, applies) in self.mine.get(id).into_iter().flatten() {
            if *applies {
                codes.insert(code.clone());
            } else {
                codes.remove(code);
            }
        }
        let order = |c: &String| self.index.codebook().codes.iter().position(|k| &k.id == c);
        let mut codes: Vec<String> = codes.into_iter().collect();
        codes.sort_by_key(|c| (order(c).unwrap_or(usize::MAX), c.clone()));
        codes
    }

    /// What to say on quitting.
    pub fn summary(&self) -> String {
        let s = &self.session;
        let skipped = match s.skipped() {
            0 => String::new(),
            n => format!(", {n} skipped"),
        };
        format!(
            "{}: {} decision(s) written to codings/{}.csv; {} proposal(s) still pending{skipped}{}",
            s.person,
            s.decided_now,
            s.person,
            s.pending(),
            if s.pending() > 0 {
                format!("; `qcode review --coder {}` goes on from there", s.person)
            } else {
                String::new()
            }
        )
    }

    /// Draw the whole screen: title, the segment (or the help, or the end), the proposal, a
    /// message line and the keys.
    pub fn draw(&self, f: &mut Frame) {
        let [title, id, body, proposal, message, help] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(f.area());
        f.render_widget(
            Paragraph::new(self.title_line(title.width as usize)).style(self.styles.title),
            title,
        );
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let (id_line, text) = match &self.view {
            Some(v) => {
                let state = self
                    .session
                    .state(v.index)
                    .map(|s| format!("   [you: {}]", said(s)))
                    .unwrap_or_default();
                f.render_widget(Paragraph::new(self.proposal(v)), proposal);
                (
                    format!("{}{state}", v.id_line),
                    self.body(v, body.width as usize),
                )
            }
            // Its segment went from the index while the screen was open (said on the message
            // line): only skipping goes on from here.
            None if self.session.at().is_some() => (String::new(), Text::default()),
            None => (
                "Nothing left to review here.".to_string(),
                Text::from(self.done_text()),
            ),
        };
        f.render_widget(Paragraph::new(id_line).style(bold), id);
        let text = if self.help { help_text() } else { text };
        f.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            body,
        );
        f.render_widget(self.message_line(), message);
        f.render_widget(
            Paragraph::new(HELP).style(Style::new().add_modifier(Modifier::REVERSED)),
            help,
        );
    }

    /// The proposed code, its evidence, and the codes the person gives the segment.
    fn proposal(&self, v: &View) -> Text<'static> {
        let evidence = if v.evidence.is_empty() {
            "(no evidence recorded)"
        } else {
            &v.evidence
        };
        let theirs = self.theirs(&v.segment.id);
        let theirs = if theirs.is_empty() {
            "none yet".to_string()
        } else {
            theirs.join(", ")
        };
        Text::from(vec![
            Line::from(vec![
                Span::raw("Proposed: "),
                Span::styled(v.code.clone(), self.styles.code),
                Span::raw(format!(" · {}", v.label)),
            ]),
            Line::raw(format!("Evidence: {evidence}")),
            Line::raw(format!("Yours here: {theirs}")),
        ])
    }

    /// What is being typed, else the last message (an error marked `!`).
    fn message_line(&self) -> Paragraph<'static> {
        let typing = Style::new().add_modifier(Modifier::BOLD);
        match &self.mode {
            Mode::AddCode(s) => Paragraph::new(format!(
                "Add code: {s}_   (Tab completes, Enter adds, Esc cancels)"
            ))
            .style(typing),
            Mode::Memo(s) => {
                Paragraph::new(format!("Memo: {s}_   (Enter saves, Esc cancels)")).style(typing)
            }
            Mode::Normal if self.message.1 => {
                Paragraph::new(format!("! {}", self.message.0)).style(self.styles.error)
            }
            Mode::Normal => Paragraph::new(self.message.0.clone()),
        }
    }

    fn title_line(&self, width: usize) -> String {
        let s = &self.session;
        let of = match s.queue.of {
            Source::Machine => "machine's codes",
            Source::Suggested => "suggestions",
        };
        let at = s
            .position()
            .map(|(i, n)| format!(" · {i} of {n}"))
            .unwrap_or_default();
        let left = format!(
            " qcode review · {} · {of} · {} pending{at}",
            s.person,
            s.pending()
        );
        let pad = width.saturating_sub(left.chars().count());
        format!("{left}{}", " ".repeat(pad))
    }

    /// The segment between its neighbours: context dimmed (or plain) and cut to two lines
    /// each, the segment whole with its evidence marked.
    fn body(&self, v: &View, width: usize) -> Text<'static> {
        let st = &self.styles;
        let room = width.saturating_sub(8).max(20) * 2;
        let mut lines: Vec<Line<'static>> = Vec::new();
        for (speaker, text) in &v.before {
            lines.push(Line::styled(
                format!("  {speaker}: {}", tail(text, room)),
                st.context,
            ));
        }
        if !v.before.is_empty() {
            lines.push(Line::default());
        }
        let mut current: Vec<Span<'static>> = vec![Span::styled(
            format!("> {}: ", v.speaker),
            Style::new().add_modifier(Modifier::BOLD),
        )];
        let mut at = 0;
        let mut pieces: Vec<(&str, bool)> = Vec::new();
        for &(s, e) in &v.spans {
            if s < at || e > v.text.len() {
                continue;
            }
            pieces.push((&v.text[at..s], false));
            pieces.push((&v.text[s..e], true));
            at = e;
        }
        pieces.push((&v.text[at..], false));
        for (piece, marked) in pieces {
            for (n, part) in piece.split('\n').enumerate() {
                if n > 0 {
                    lines.push(Line::from(std::mem::take(&mut current)));
                    current.push(Span::raw("  "));
                }
                let part = part.replace('\r', "");
                if marked && !part.is_empty() {
                    current.push(Span::styled(
                        format!("{}{part}{}", st.marks.0, st.marks.1),
                        st.evidence,
                    ));
                } else if !part.is_empty() {
                    current.push(Span::raw(part));
                }
            }
        }
        lines.push(Line::from(current));
        if !v.after.is_empty() {
            lines.push(Line::default());
        }
        for (speaker, text) in &v.after {
            lines.push(Line::styled(
                format!("  {speaker}: {}", head(text, room)),
                st.context,
            ));
        }
        Text::from(lines)
    }

    fn done_text(&self) -> Vec<Line<'static>> {
        let s = &self.session;
        let mut lines = vec![Line::raw(format!(
            "{} decision(s) in this session; {} proposal(s) still pending.",
            s.decided_now,
            s.pending()
        ))];
        if s.skipped() > 0 {
            lines.push(Line::raw(format!(
                "{} skipped: they stay pending and come first next time.",
                s.skipped()
            )));
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw("b goes back to the last one, q quits."));
        lines
    }
}

fn help_text() -> Text<'static> {
    Text::from(
        [
            "a  accept the proposed code (also y)",
            "r  reject it (also n)",
            "c  add another code to this segment, by hand (Tab completes)",
            "m  write a memo on this segment (memos/NAME.md)",
            "b  back to the one before (← or Backspace); decide again to change it",
            "s  skip: leave it pending for later (→)",
            "q  quit (Esc); every decision is already written",
            "↑ ↓ PgUp PgDn  scroll a long segment",
            "?  this help, on and off",
        ]
        .into_iter()
        .map(Line::raw)
        .collect::<Vec<_>>(),
    )
}

/// The last `max` characters of `text` on one line, `…` before when cut.
fn tail(text: &str, max: usize) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = one.chars().count();
    if n <= max {
        return one;
    }
    format!("…{}", one.chars().skip(n - max + 1).collect::<String>())
}

/// The first `max` characters of `text` on one line, `…` after when cut.
fn head(text: &str, max: usize) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        return one;
    }
    format!("{}…", one.chars().take(max - 1).collect::<String>())
}

/// Character ranges of `text` as byte ranges.
fn char_to_byte_spans(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    bytes.push(text.len());
    spans
        .iter()
        .filter(|&&(s, e)| s < e && e < bytes.len())
        .map(|&(s, e)| (bytes[s], bytes[e]))
        .collect()
}

/// Run the screen until the person quits; what to say then.
pub fn run_screen(mut app: App) -> Result<String> {
    app.load()?;
    if let Some(keys) = std::env::var_os(SCRIPT_ENV) {
        scripted(&mut app, &keys.to_string_lossy())?;
        return Ok(app.summary());
    }
    let mut terminal = ratatui::try_init()?;
    let result = interactive(&mut app, &mut terminal);
    ratatui::try_restore()?;
    result.map(|()| app.summary())
}

fn interactive(app: &mut App, terminal: &mut ratatui::DefaultTerminal) -> Result<()> {
    loop {
        terminal.draw(|f| app.draw(f))?;
        if let Event::Key(k) = event::read()? {
            if app.key(k)? == Flow::Quit {
                return Ok(());
            }
        }
    }
}

/// Feed `keys` to the app on a `TestBackend`, printing each frame after its key.
fn scripted(app: &mut App, keys: &str) -> Result<()> {
    let (w, h) = match std::env::var(SIZE_ENV) {
        Ok(s) => match s.split_once('x').map(|(w, h)| (w.parse(), h.parse())) {
            Some((Ok(w), Ok(h))) => (w, h),
            _ => bail!("{SIZE_ENV}={s}: write COLSxROWS, e.g. 80x24"),
        },
        Err(_) => (80, 24),
    };
    let mut terminal = Terminal::new(TestBackend::new(w, h))?;
    let mut out = std::io::stdout().lock();
    terminal.draw(|f| app.draw(f))?;
    dump(&mut out, "start", terminal.backend())?;
    for (label, key) in parse_keys(keys)? {
        let flow = app.key(key)?;
        terminal.draw(|f| app.draw(f))?;
        dump(&mut out, &label, terminal.backend())?;
        if flow == Flow::Quit {
            break;
        }
    }
    Ok(())
}

fn dump(out: &mut impl Write, label: &str, backend: &TestBackend) -> Result<()> {
    writeln!(out, "=== {label} ===")?;
    let buf = backend.buffer();
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let row: String = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        writeln!(out, "{}", row.trim_end())?;
    }
    Ok(())
}

/// Keys as written in `QCODE_REVIEW_KEYS`: characters as typed, and `<Enter>`, `<Esc>`,
/// `<Tab>`, `<BS>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<C-c>`.
fn parse_keys(keys: &str) -> Result<Vec<(String, KeyEvent)>> {
    let mut out = Vec::new();
    let mut rest = keys;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let name = &rest[1..end];
                let key = match name {
                    "Enter" => Some(KeyEvent::from(KeyCode::Enter)),
                    "Esc" => Some(KeyEvent::from(KeyCode::Esc)),
                    "Tab" => Some(KeyEvent::from(KeyCode::Tab)),
                    "BS" => Some(KeyEvent::from(KeyCode::Backspace)),
                    "Up" => Some(KeyEvent::from(KeyCode::Up)),
                    "Down" => Some(KeyEvent::from(KeyCode::Down)),
                    "Left" => Some(KeyEvent::from(KeyCode::Left)),
                    "Right" => Some(KeyEvent::from(KeyCode::Right)),
                    "C-c" => Some(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
                    _ => None,
                };
                if let Some(k) = key {
                    out.push((format!("<{name}>"), k));
                    rest = &rest[end + 1..];
                    continue;
                }
            }
        }
        out.push((c.to_string(), KeyEvent::from(KeyCode::Char(c))));
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_with_names_in_brackets() {
        let keys = parse_keys("a<Enter>x<C-c><nope>").unwrap();
        let labels: Vec<&str> = keys.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["a", "<Enter>", "x", "<C-c>", "<", "n", "o", "p", "e", ">"]
        );
    }

    #[test]
    fn context_is_cut_at_the_far_end() {
        assert_eq!(tail("one two three", 6), "…three");
        assert_eq!(head("one two three", 6), "one t…");
        assert_eq!(head("short", 6), "short");
    }

    #[test]
    fn char_spans_become_byte_spans() {
        assert_eq!(
            char_to_byte_spans("«ab» c", &[(1, 3), (5, 6)]),
            [(2, 4), (7, 8)]
        );
    }
}
