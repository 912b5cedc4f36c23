//! (being written)
use crate::{InputError, OpSink, Source};
use history::History;
use std::io::{self, Write};

pub fn read_ops(_src: &mut Source<'_>, _sink: &mut OpSink<'_>) -> Result<(), InputError> {
    unimplemented!()
}

pub fn write_history<W: Write>(_h: &History, _out: W) -> io::Result<()> {
    unimplemented!()
}
