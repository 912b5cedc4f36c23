pub fn parse(s: &str) -> Result<crate::syntax::Formula, crate::parse::ParseError> {
    crate::parse::parse(s)
}
