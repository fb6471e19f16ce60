//! Running several probes at once (every domain controller, every port) with a watchdog.
//!
//! Each probe runs on its own detached thread. Probes honour their own timeouts, but a
//! system call can still hang (a stuck name lookup, a tool that ignores its deadline), so
//! the collector gives each probe a deadline from its time budget and, past it, records an
//! `error` result and moves on. The late thread finishes on its own; its result is dropped.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::probes;
use crate::result::{millis, ProbeResult};
use crate::Prepared;

/// Slack beyond a probe's budget before the watchdog gives up on it.
const GRACE: Duration = Duration::from_millis(500);

/// Stack for probe threads: probes keep their buffers on the heap.
const STACK: usize = 256 * 1024;

/// One unit of a batch.
enum Job {
    /// Already decided (refused before running).
    Done(ProbeResult),
    /// To run on a thread within `budget` of `started`.
    Run {
        name: &'static str,
        started: Instant,
        budget: Duration,
        work: Box<dyn FnOnce() -> ProbeResult + Send>,
    },
}

pub(crate) fn run_many(plans: Vec<Prepared>) -> Vec<ProbeResult> {
    run_jobs(
        plans
            .into_iter()
            .map(|p| match p {
                Prepared::Refused(r) => Job::Done(r),
                Prepared::Ready(plan) => Job::Run {
                    name: plan.probe,
                    started: plan.started,
                    budget: plan.params.budget(),
                    work: Box::new(move || probes::execute(plan)),
                },
            })
            .collect(),
    )
}

fn run_jobs(jobs: Vec<Job>) -> Vec<ProbeResult> {
    let mut results: Vec<Option<ProbeResult>> = Vec::with_capacity(jobs.len());
    let mut pending: Vec<(usize, Instant, &'static str, Duration)> = Vec::new();
    let (tx, rx) = mpsc::channel::<(usize, ProbeResult)>();
    for (i, job) in jobs.into_iter().enumerate() {
        let (name, started, budget, work) = match job {
            Job::Done(r) => {
                results.push(Some(r));
                continue;
            }
            Job::Run {
                name,
                started,
                budget,
                work,
            } => (name, started, budget, work),
        };
        results.push(None);
        let tx = tx.clone();
        let spawned = thread::Builder::new()
            .name(format!("probe-{name}-{i}"))
            .stack_size(STACK)
            .spawn(move || {
                let _ = tx.send((i, work()));
            });
        match spawned {
            Ok(_) => pending.push((i, started + budget + GRACE, name, budget)),
            Err(e) => {
                results[i] = Some(ProbeResult::error(
                    name,
                    format!("cannot start a thread for the probe: {e}"),
                ));
            }
        }
    }
    drop(tx);
    while !pending.is_empty() {
        let next = pending
            .iter()
            .map(|p| p.1)
            .min()
            .unwrap_or_else(Instant::now);
        match rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
            Ok((i, r)) => {
                results[i] = Some(r);
                pending.retain(|p| p.0 != i);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                pending.retain(|&(i, deadline, name, budget)| {
                    if deadline > now {
                        return true;
                    }
                    let mut r = ProbeResult::error(
                        name,
                        format!(
                            "the probe did not finish within its time budget of {} ms and was abandoned",
                            budget.as_millis()
                        ),
                    );
                    r.duration_ms = millis(budget + GRACE);
                    results[i] = Some(r);
                    false
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| ProbeResult::error("?", "the probe thread ended without a result"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &'static str, budget_ms: u64, sleep_ms: u64) -> Job {
        Job::Run {
            name,
            started: Instant::now(),
            budget: Duration::from_millis(budget_ms),
            work: Box::new(move || {
                thread::sleep(Duration::from_millis(sleep_ms));
                ProbeResult::error(name, "finished")
            }),
        }
    }

    /// Guards "one hung probe never blocks the run past its timeout": a job that overruns
    /// its budget is abandoned, the others keep their results and their order.
    #[test]
    fn a_hung_probe_is_abandoned_at_its_budget_and_the_batch_returns() {
        let began = Instant::now();
        let results = run_jobs(vec![
            job("hung", 100, 30_000),
            Job::Done(ProbeResult::error("refused", "bad arguments")),
            job("quick", 1000, 10),
        ]);
        let took = began.elapsed();
        assert!(took < Duration::from_millis(1500), "batch took {took:?}");
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].probe, "hung");
        assert_eq!(
            results[0].summary,
            "the probe did not finish within its time budget of 100 ms and was abandoned"
        );
        assert_eq!(results[1].summary, "bad arguments");
        assert_eq!(
            (results[2].probe.as_str(), results[2].summary.as_str()),
            ("quick", "finished")
        );
    }
}
