//! Local probes that let the machine answer what it can.
