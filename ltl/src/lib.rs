//! LTL evaluation over finite traces. Formulas, evaluation and proofs arrive with issue 6;
//! this crate is deliberately empty until then.
