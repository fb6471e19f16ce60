//! Parsers for what system tools print, kept apart from the code that runs the tools so
//! they can be unit-tested on any platform against captured output.

pub(crate) mod ping_output;
// Used by `platform` on Windows only, and unit-tested on every platform.
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) mod windows;
