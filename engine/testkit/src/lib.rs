//! Test and benchmark helpers.
