//! (being written)
use crate::{InputError, OpSink, Source};
use history::History;
use std::io::{self, Write};

pub fn read_array(_src: &mut Source<'_>, _sink: &mut OpSink<'_>) -> Result<(), InputError> {
    unimplemented!()
}

pub fn read_lines(_src: &mut Source<'_>, _sink: &mut OpSink<'_>) -> Result<(), InputError> {
    unimplemented!()
}

pub fn write_array<W: Write>(_h: &History, _out: W) -> io::Result<()> {
    unimplemented!()
}

pub fn write_lines<W: Write>(_h: &History, _out: W) -> io::Result<()> {
    unimplemented!()
}
