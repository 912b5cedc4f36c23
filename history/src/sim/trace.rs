//! Trace generation: placeholder, filled in below.
