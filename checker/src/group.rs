//! Grouping per-micro-op records by key, for the per-key inference passes.

/// A stable counting sort of records by key: offsets (nkeys + 1) and the records.
pub(crate) fn group<T: Copy>(nkeys: usize, key: &[u32], rec: &[T]) -> (Vec<u32>, Vec<T>) {
    let mut off = vec![0u32; nkeys + 1];
    for &k in key {
        off[k as usize + 1] += 1;
    }
    for i in 0..nkeys {
        off[i + 1] += off[i];
    }
    if rec.is_empty() {
        return (off, Vec::new());
    }
    let mut fill: Vec<u32> = off[..nkeys].to_vec();
    let mut out: Vec<T> = vec![rec[0]; rec.len()];
    for (r, &k) in rec.iter().zip(key) {
        let f = &mut fill[k as usize];
        out[*f as usize] = *r;
        *f += 1;
    }
    (off, out)
}
