//! Problems found in a scenario file, with where they are and how to fix them.

use std::fmt;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// Key path, e.g. `processes.license.steps[2].time` (empty for the whole file).
    pub path: String,
    /// What is wrong and what would be right.
    pub message: String,
    /// The file holding the problem when it is not [`ScenarioErrors::file`]
    /// (a base the file extends).
    pub file: Option<String>,
}

/// Every problem found in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioErrors {
    /// The file as named by the user.
    pub file: String,
    /// In file order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{line}:{}: ", self.column.unwrap_or(1))?,
            None => write!(f, " ")?,
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {}:{p}", p.file.as_deref().unwrap_or(&self.file))?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

impl ScenarioErrors {
    /// A single problem about the whole file.
    pub fn whole_file(file: &str, message: String) -> Self {
        ScenarioErrors {
            file: file.to_string(),
            problems: vec![Problem {
                line: None,
                column: None,
                path: String::new(),
                message,
                file: None,
            }],
        }
    }
}
