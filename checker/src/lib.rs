//! Transactional checker. Dependency-graph inference, cycle search and the
//! consistency-model lattice arrive with issue 4; this crate is deliberately empty until then.
