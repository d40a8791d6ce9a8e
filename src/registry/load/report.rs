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
