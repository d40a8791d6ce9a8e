//! What the checker found: every problem of a file, located, printable as `file:line:col`.

use std::fmt;

use crate::registry::Registry;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a registry, located in its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    /// A problem at byte `offset` of `src`, located by line and by column in characters.
    pub(crate) fn at(src: &str, offset: usize, severity: Severity, message: String) -> Diagnostic {
        let offset = offset.min(src.len());
        let before = &src[..src.floor_char_boundary(offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Diagnostic {
            severity,
            line,
            column,
            message,
        }
    }
}

/// Every problem of one file, printable as `file:line:col: message` lines.
#[derive(Clone, Debug)]
pub struct Report {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// Adds problems found by a later pass, keeping the report in the file's order.
    pub(crate) fn add(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(more);
        self.diagnostics.sort_by_key(|d| (d.line, d.column));
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let level = match d.severity {
                Severity::Error => "error: ",
                Severity::Warning => "warning: ",
            };
            write!(
                f,
                "{}:{}:{}: {level}{}",
                self.file, d.line, d.column, d.message
            )?;
        }
        Ok(())
    }
}

/// A valid registry and the warnings its file raised.
#[derive(Debug)]
pub struct Loaded {
    pub registry: Registry,
    pub warnings: Report,
}
