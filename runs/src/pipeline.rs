//! The deterministic parallel pipeline: items are worked on in parallel, and
//! their results are handed on, one at a time, in the items' order.

use rayon::prelude::*;
use rayon::ThreadPool;
use std::collections::BTreeMap;
use std::sync::mpsc;

/// Runs `work` on every item on `pool` and hands each result to `sink` on the
/// calling thread, in the order of `items` whatever order they finish in (so
/// what `sink` does, such as writing to a store, does not depend on the
/// thread count). `arrived` is called on the calling thread as each result
/// comes in, in the order they finish (for progress).
pub(crate) fn ordered<T, R>(
    pool: &ThreadPool,
    items: Vec<T>,
    work: impl Fn(T) -> R + Sync,
    mut arrived: impl FnMut(),
    mut sink: impl FnMut(R),
) where
    T: Send,
    R: Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, R)>();
        let work = &work;
        scope.spawn(move || {
            pool.install(|| {
                items.into_par_iter().enumerate().for_each_with(tx, |tx, (i, item)| {
                    // The receiver lives until every sender is gone.
                    let _ = tx.send((i, work(item)));
                });
            });
        });
        let mut waiting: BTreeMap<usize, R> = BTreeMap::new();
        let mut next = 0usize;
        for (i, r) in rx {
            arrived();
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&next) {
                next += 1;
                sink(r);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_item_order_whatever_the_thread_count() {
        for threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let items: Vec<u64> = (0..200).collect();
            let mut out = Vec::new();
            let mut arrivals = 0;
            // Later items finish first.
            ordered(
                &pool,
                items,
                |i| {
                    std::thread::sleep(std::time::Duration::from_micros(200 - i));
                    i * 2
                },
                || arrivals += 1,
                |r| out.push(r),
            );
            assert_eq!(arrivals, 200);
            assert_eq!(out, (0..200).map(|i| i * 2).collect::<Vec<_>>(), "{threads} threads");
        }
    }
}
