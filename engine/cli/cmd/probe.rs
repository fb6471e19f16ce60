//! `deskbook probe NAME --arg K=V`: one local probe, its result as text or JSON.

use anyhow::Result;
use deskbook_probes::Status;
use deskbook_runtime::ContentTasks;
use std::process::ExitCode;

use super::Ctx;

pub fn execute(ctx: &Ctx, name: &str, args: &[(String, String)], json: bool) -> Result<ExitCode> {
    let tasks = ContentTasks::new(&ctx.content);
    let result = deskbook_probes::cli_run(name, args, &tasks);
    if json {
        outln!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        outln!("{result}");
    }
    // ok and fail are answers (the check ran); error means it could not run.
    Ok(match result.status {
        Status::Error => ExitCode::FAILURE,
        Status::Ok | Status::Fail => ExitCode::SUCCESS,
    })
}
