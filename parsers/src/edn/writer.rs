//! The EDN writer.

use history::History;
use std::io::{self, BufWriter, Write};

/// Writes a history as Jepsen EDN: one op map per line, in file order.
pub fn write_history<W: Write>(h: &History, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    for op in &h.ops {
        writeln!(w, "{}", h.op_to_value(op))?;
    }
    w.flush()
}
