//! The counts in a check's statistics.

use checker::check::{check_list_append, Options};

fn parse(edn: &str) -> history::History {
    parsers::read_history(edn.as_bytes(), "t.edn", Some(parsers::Format::Edn), Default::default()).expect("parses")
}

/// An invocation that never completed is a transaction (Jepsen closes it as
/// `:info` at the end, and it is a vertex of the graph), so it is counted.
#[test]
fn transactions_count_never_completed_invocations() {
    let h = parse(
        "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append :x 1]]}
         {:index 1, :type :ok, :process 0, :f :txn, :value [[:append :x 1]]}
         {:index 2, :type :invoke, :process 1, :f :txn, :value [[:append :x 2]]}
         {:index 3, :type :invoke, :process 2, :f :txn, :value [[:r :x nil]]}
         {:index 4, :type :info, :process 2, :f :txn, :value [[:r :x nil]]}
         {:index 5, :type :invoke, :process 3, :f :txn, :value [[:r :x nil]]}
         {:index 6, :type :fail, :process 3, :f :txn, :value [[:r :x nil]]}
         {:index 7, :type :invoke, :process :nemesis, :f :start, :value nil}",
    );
    let r = check_list_append(&h, &Options::default()).expect("checks");
    // ok 1, never completed 2, info 4, fail 6; not the nemesis op.
    assert_eq!(r.stats.transactions, 4);
}
