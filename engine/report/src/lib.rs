//! Reading calls back from the store: the ticket summary an agent pastes at the end of a
//! call ([`ticket`]), the full transcript of `sessions show` ([`transcript`]), the
//! escalation packet for Tier 2 ([`export`]) and the call classification report managers
//! read ([`report`]).
//!
//! The runtime only writes calls; everything that turns a recorded call (or a million of
//! them) into text for people lives here, so it reads exactly what was recorded.

pub mod error;
pub mod export;
pub mod report;
pub mod ticket;
pub mod transcript;

pub use error::ReportError;
pub use ticket::{Ticket, TicketFormat};
