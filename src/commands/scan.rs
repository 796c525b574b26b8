//! `claw-doctor scan`: load the state and print what was found. Changes nothing.

use super::{Status, UsageError, load_options};
use crate::cli::{Format, GlobalArgs};
use crate::env::Env;
use crate::output::{self, style::Style};
use crate::redact::Redactor;

pub fn run(g: &GlobalArgs, env: &Env) -> anyhow::Result<Status> {
    let opts = load_options(g)?;
    let model = crate::load::load(&opts, env).map_err(|e| UsageError(e.to_string()))?;
    let redactor = Redactor::for_model(&model);
    let text = match g.format.unwrap_or(Format::Human) {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&output::json::scan_document(&model))?;
            s.push('\n');
            s
        }
        Format::Markdown => {
            let mut s = String::from("## claw-doctor scan\n\n");
            s.push_str(&output::markdown(&output::summary::sections(&model)));
            s
        }
        Format::Human => {
            let style = Style::detect(g.color, env.var("NO_COLOR").is_some());
            let mut s = output::human(&output::summary::sections(&model), &style);
            s.push_str(&format!(
                "\n{}\n",
                style.dim("No rules are loaded in this build yet: the above is the state claw-doctor read, not a diagnosis.")
            ));
            s
        }
    };
    output::emit(&text, &redactor)?;
    Ok(Status::Clean)
}
