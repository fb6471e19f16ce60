//! Lua frames: a Lua playbook's `run(ctx)` as a coroutine, rebuilt by replaying its replies
//! (after `Back` or a failed step), and what it yields turned into pending steps or an end.

use std::rc::Rc;

use deskbook_content::vocab::{ESCALATIONS, STATUSES};

use super::walk::Ended;
use super::{internal, Engine, EngineEvent, Frame, LuaReply, Pending, Pos, ProbeRequest};
use crate::error::RunError;
use crate::lua::run::{LuaRun, Resume, StepChunks, Yielded};
use crate::lua::sandbox::Sandbox;
use crate::program::Book;

pub(super) struct LuaHost {
    pub(super) sandbox: Sandbox,
    pub(super) chunks: std::cell::RefCell<StepChunks>,
}

impl Engine {
    pub(super) fn lua_host(&mut self) -> Result<Rc<LuaHost>, RunError> {
        if let Some(h) = &self.lua {
            return Ok(h.clone());
        }
        let sandbox = Sandbox::new(self.limits).map_err(RunError::Step)?;
        let host = Rc::new(LuaHost {
            sandbox,
            chunks: Default::default(),
        });
        self.lua = Some(host.clone());
        Ok(host)
    }

    /// Rebuild the top frame's coroutine (after `Back` or a failed step) by replaying its
    /// replies.
    pub(super) fn revive(&mut self) -> Result<(), RunError> {
        let log_len = self.lua_log.len();
        let needs = matches!(
            self.state.frames.last(),
            Some(Frame {
                pos: Pos::Lua { run: None, log_start, .. },
                ..
            }) if *log_start < log_len || self.state.pending.is_some()
        );
        if !needs {
            return Ok(());
        }
        let host = self.lua_host()?;
        let program = self.program.clone();
        let Some(frame) = self.state.frames.last_mut() else {
            return Ok(());
        };
        let Book::Lua(book) = program.book(&frame.book)? else {
            return Ok(());
        };
        let Pos::Lua { log_start, run, .. } = &mut frame.pos else {
            return Ok(());
        };
        let (mut live, _) =
            LuaRun::start(&host.sandbox, &book.file, &frame.vars).map_err(RunError::Step)?;
        for r in &self.lua_log[(*log_start).min(log_len)..] {
            let value = match r {
                LuaReply::Answer(a) => Resume::Answer(a),
                LuaReply::Probe(p) => Resume::Probe(p),
            };
            live.resume(&host.sandbox, value).map_err(RunError::Step)?;
        }
        live.take_said();
        *run = Some(live);
        Ok(())
    }

    pub(super) fn lua_resume(
        &mut self,
        reply: LuaReply,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        self.revive()?;
        let host = self.lua_host()?;
        let Some(frame) = self.state.frames.last_mut() else {
            return Err(internal("no frame"));
        };
        let Pos::Lua { run, .. } = &mut frame.pos else {
            return Err(internal("not a Lua frame"));
        };
        let Some(live) = run.as_mut() else {
            return Err(internal("no live coroutine"));
        };
        let value = match &reply {
            LuaReply::Answer(a) => Resume::Answer(a),
            LuaReply::Probe(p) => Resume::Probe(p),
        };
        let y = live.resume(&host.sandbox, value);
        let said = live.take_said();
        self.lua_log.push(reply);
        events.extend(said.into_iter().map(|text| EngineEvent::Said { text }));
        let y = y.map_err(RunError::Step)?;
        self.lua_yielded(y, events)?;
        self.run(events)
    }

    /// Handle what a Lua playbook yielded: a pending step, or its end.
    pub(super) fn lua_yielded(
        &mut self,
        y: Yielded,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        let program = self.program.clone();
        let frame = self.top()?;
        let prefix = frame.prefix.clone();
        let book = frame.book.clone();
        if let Pos::Lua { waiting, .. } = &mut frame.pos {
            *waiting = Some(y.clone());
        }
        match y {
            Yielded::Ask {
                id,
                text,
                choices,
                help,
                save,
            } => {
                let step = format!("{prefix}{id}");
                self.enter(&step, events)?;
                self.state.pending = Some(if choices.is_empty() {
                    Pending::Input {
                        step,
                        text,
                        help,
                        save,
                    }
                } else {
                    Pending::Ask {
                        step,
                        text,
                        choices,
                        help,
                        probe: None,
                        prefill: None,
                    }
                });
                Ok(())
            }
            Yielded::Probe {
                id,
                name,
                args,
                from,
            } => {
                let step = format!("{prefix}{id}");
                self.enter(&step, events)?;
                self.state.pending = Some(Pending::Probe {
                    step,
                    request: ProbeRequest { name, args, from },
                    help: Vec::new(),
                });
                Ok(())
            }
            Yielded::Finish {
                status,
                category,
                escalate,
                collect,
                line,
            } => {
                let file = program.book(&book)?.file().path.clone();
                let bad = |m: String| RunError::Step(format!("{file}:{line}: ctx:finish: {m}"));
                if !STATUSES.contains(&status.as_str()) {
                    return Err(bad(format!(
                        "unknown status `{status}`: expected one of {}",
                        STATUSES.join(", ")
                    )));
                }
                if !program.categories.iter().any(|c| c == &category) {
                    return Err(bad(format!(
                        "unknown category `{category}` (not in the taxonomy)"
                    )));
                }
                if let Some(e) = &escalate {
                    if !ESCALATIONS.contains(&e.as_str()) {
                        return Err(bad(format!(
                            "unknown escalation `{e}`: expected one of {}",
                            ESCALATIONS.join(", ")
                        )));
                    }
                }
                self.end_frame(
                    Ended {
                        status,
                        category,
                        escalate,
                        collect,
                        say: None,
                    },
                    events,
                )
            }
        }
    }
}
