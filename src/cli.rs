//! The command line: clap definitions of the commands and their flags.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use parsers::Format;
use sim::{Faults, Isolation};
use std::path::PathBuf;

/// A count option's parser: a whole number in `lo..=hi`, refused (exit 2) outside
/// it, so that no count asks for more memory or threads than a machine has.
fn count(lo: u64, hi: u64) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(lo..=hi)
}

#[derive(Debug, Parser)]
#[command(
    name = "histcheck",
    version,
    about = "Checks Jepsen/Elle transactional histories for isolation anomalies (elle), temporal properties of state traces (ltl) and runs stored in a detsys-testkit database (runs); reads, summarises, converts and generates histories (EDN, JSON, JSON Lines, Plume text) and traces (gen).",
    after_help = "Exit codes: 0 pass, 1 violation found, 2 bad input or usage, 3 inconclusive."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarises histories: ops by type, transactions, processes, keys, micro-ops, time span.
    Stats(StatsArgs),
    /// Rewrites a history in another format.
    Convert(ConvertArgs),
    /// Checks a transactional history as Jepsen's Elle does: dependency graph,
    /// cycles, anomalies, and the consistency models they rule out.
    Elle(ElleArgs),
    /// Lists, checks and imports the runs of a detsys-testkit store (SQLite).
    Runs(RunsArgs),
    /// Generates histories from a simulated store (known isolation level, injected faults) and state traces.
    Gen(GenArgs),
    /// Checks temporal (LTL) properties of a recorded trace (JSON Lines), with
    /// verdicts holds / fails / pending and a proof of each.
    Ltl(LtlArgs),
}

/// A history format, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Jepsen `history.edn`
    Edn,
    /// elle-cli JSON: one array of op objects
    Json,
    /// JSON Lines: one op object per line
    Jsonl,
    /// Plume / PolySI text: r(k,v,session,txn) and w(k,v,session,txn)
    Plume,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Edn => Format::Edn,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Plume => Format::Plume,
        }
    }
}

/// `--format` of a command that reads histories.
#[derive(Debug, Args)]
pub struct InputFormatArgs {
    /// Input format; by default from the extension, else from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// History files to summarise (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub input: InputFormatArgs,

    /// Print one JSON document on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The history to convert (`-` reads standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: FormatArg,

    /// Write here (through a temporary file and a rename) instead of stdout.
    /// Refused when it is the input file.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputFormatArgs,
}

/// The transactional workload of a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// `[:append k v]` and `[:r k [v…]]` micro-ops
    ListAppend,
    /// `[:w k v]` and `[:r k v]` micro-ops (and plain `:read`/`:write`/`:cas` register histories)
    RwRegister,
}

impl From<ModelArg> for checker::elle::Workload {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::ListAppend => checker::elle::Workload::ListAppend,
            ModelArg::RwRegister => checker::elle::Workload::RwRegister,
        }
    }
}

/// `--db/--test-id/--run-id`: a run of a detsys-testkit store instead of a file.
#[derive(Debug, Args)]
pub struct StoredRunArgs {
    /// Check a run of a detsys-testkit store instead of a file: the database
    /// (default $DETSYS_DB, else ~/.detsys.db).
    #[arg(long, value_name = "DB", requires_all = ["test_id", "run_id"])]
    pub db: Option<PathBuf>,

    /// The stored run's test (with --run-id).
    #[arg(long, value_name = "T", requires = "run_id", allow_negative_numbers = true)]
    pub test_id: Option<i64>,

    /// The stored run (with --test-id).
    #[arg(long, value_name = "R", requires = "test_id", allow_negative_numbers = true)]
    pub run_id: Option<i64>,
}

#[derive(Debug, Args)]
pub struct ElleArgs {
    /// The histories to check, each on its own (`-` reads standard input), or
    /// --test-id and --run-id of a run in a detsys store. With several files
    /// the exit code is the worst: 2, then 1, then 3, then 0.
    #[arg(value_name = "FILE", required_unless_present_any = ["db", "test_id", "run_id", "list_models"], conflicts_with_all = ["db", "test_id", "run_id"])]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub stored: StoredRunArgs,

    /// The workload; by default from the micro-ops of the history.
    #[arg(short = 'm', long, value_enum, value_name = "MODEL")]
    pub model: Option<ModelArg>,

    /// rw-register: assume writes follow reads inside a transaction (a transaction's
    /// external read of a key precedes its external write) to order versions
    /// (implied for plain register histories, where a cas reads then writes).
    #[arg(long)]
    pub wfr_keys: bool,

    /// rw-register: assume each key is sequentially consistent, so process order
    /// orders its versions.
    #[arg(long)]
    pub sequential_keys: bool,

    /// rw-register: assume each key is linearizable, so real-time order orders its
    /// versions (implied for plain :read/:write/:cas register histories).
    #[arg(long)]
    pub linearizable_keys: bool,

    /// rw-register: a known commit order, one completion :index per line, first
    /// committed first; it must list every ok transaction.
    #[arg(long, value_name = "FILE")]
    pub txn_order: Option<PathBuf>,

    /// Consistency models to check, comma-separated (Elle's names and aliases), or `none`.
    // Split at commas by clap, given once (`Set`, as a single value would be):
    // `-c ""` is `[""]`, which checker::elle refuses as naming no model.
    #[arg(short = 'c', long = "consistency-models", value_name = "MODELS", default_value = "strict-serializable", value_delimiter = ',', action = ArgAction::Set)]
    pub consistency_models: Vec<String>,

    /// Anomalies to check for besides those the models prohibit, comma-separated
    /// (e.g. `G1,G2`: a name covers every anomaly that implies it).
    #[arg(short = 'a', long, value_name = "ANOMALIES", default_value = "", value_delimiter = ',', action = ArgAction::Set)]
    pub anomalies: Vec<String>,

    /// Work budget of the cycle search, per component and cycle type (path
    /// extensions). When it runs out the result says so and is unknown.
    #[arg(long, value_name = "N", default_value_t = checker::cycles::SearchOptions::default().budget)]
    pub budget: u64,

    /// list-append: take the reads of :info completions as observations, as
    /// Elle does. By default they are ignored: an :info transaction may never
    /// have committed, so what it read proves nothing.
    #[arg(long)]
    pub info_reads: bool,

    /// Print every consistency model and anomaly name this command accepts,
    /// with aliases and whether this checker can rule it out, and exit.
    #[arg(long, conflicts_with_all = ["files", "db", "test_id", "run_id"])]
    pub list_models: bool,

    /// Print one JSON document on stdout instead of tables and explanations
    /// (with several files, `{"files": [...]}`). `-v`/`--verbose` is elle-cli's name for it.
    #[arg(long, short = 'v', visible_alias = "verbose")]
    pub json: bool,

    /// elle-cli's `-s`/`--cycle-search-timeout MS` is refused with a pointer to
    /// --budget: a wall-clock limit would make the verdict depend on the machine.
    #[arg(short = 's', long, hide = true, value_name = "MS", num_args = 0..=1, allow_hyphen_values = true)]
    pub cycle_search_timeout: Option<Option<String>>,

    /// elle-cli's `-t`/`--plot-timeout MS`, refused likewise (plots are not timed here).
    #[arg(short = 't', long, hide = true, value_name = "MS", num_args = 0..=1, allow_hyphen_values = true)]
    pub plot_timeout: Option<Option<String>>,

    /// Also write result.json, an explanation file per anomaly type, and a Graphviz
    /// plot (DOT, and SVG when `dot` is installed) per cycle into this directory
    /// (with several files, into DIR/<i>-<file name>/ for the i-th file). It is
    /// written beside DIR and renamed into place whole; an existing DIR must be
    /// empty or an earlier -d output, unless --force.
    #[arg(short = 'd', long, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// With -d: replace a DIR that is neither empty nor an earlier -d output (its content is removed).
    #[arg(long, requires = "directory")]
    pub force: bool,

    /// With -d: plot at most N cycles (all anomalies stay in result.json and the .txt files).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=1_000_000), requires = "directory")]
    pub max_plots: u64,

    /// How many anomalies of each type to explain on the terminal (all of them
    /// go into --json and --directory).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = count(0, 1_000_000))]
    pub explain: usize,

    /// Add the time spent in each stage to the stats (this makes the output vary from run to run).
    #[arg(long)]
    pub timings: bool,

    /// Input format; by default from the extension, else from the content (`-f` as in elle-cli).
    #[arg(short = 'f', long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
}

/// `-o` of `gen`: where the generated history or trace goes.
#[derive(Debug, Args)]
pub struct GenOutputArgs {
    /// Write here (through a temporary file and a rename) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    #[command(subcommand)]
    pub what: GenCommand,
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// A list-append history: [:append k v] and [:r k [v…]].
    ListAppend(HistGenArgs),
    /// An rw-register history: [:w k v] and [:r k v].
    RwRegister(HistGenArgs),
    /// A JSON Lines state trace, for `histcheck ltl`.
    Trace(TraceGenArgs),
}

/// An isolation level, as named on the command line (Elle's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IsolationArg {
    /// Each transaction takes effect at one instant between its invocation and completion.
    StrictSerializable,
    /// A serial order that respects each process's order but not real time.
    Serializable,
    /// Snapshot at start, first committer wins (aborts complete :fail).
    SnapshotIsolation,
    /// Each read sees the latest committed state when it runs.
    ReadCommitted,
    /// Reads may see uncommitted writes.
    ReadUncommitted,
}

impl From<IsolationArg> for Isolation {
    fn from(i: IsolationArg) -> Isolation {
        match i {
            IsolationArg::StrictSerializable => Isolation::StrictSerializable,
            IsolationArg::Serializable => Isolation::Serializable,
            IsolationArg::SnapshotIsolation => Isolation::SnapshotIsolation,
            IsolationArg::ReadCommitted => Isolation::ReadCommitted,
            IsolationArg::ReadUncommitted => Isolation::ReadUncommitted,
        }
    }
}

#[derive(Debug, Args)]
pub struct HistGenArgs {
    /// Transactions to invoke (each gets a completion: 2 ops per transaction).
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = count(0, 2_147_483_646))]
    pub txns: usize,

    /// Concurrent client processes (a crashed one is replaced by process + P).
    #[arg(long, default_value_t = 5, value_name = "P", value_parser = count(1, 1 << 20))]
    pub processes: usize,

    /// Keys in use at once (a key retires after --max-writes-per-key writes).
    #[arg(long, default_value_t = 8, value_name = "K", value_parser = count(1, 1_000_000))]
    pub keys: usize,

    /// Most micro-ops per transaction (each has 1 to M, half reads).
    #[arg(long, default_value_t = 4, value_name = "M", value_parser = count(1, 10_000))]
    pub mops: usize,

    /// Seed: the same seed and flags give the same bytes.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,

    /// The isolation level the simulated store provides.
    #[arg(long, value_enum, default_value = "strict-serializable", value_name = "LEVEL")]
    pub isolation: IsolationArg,

    /// Bugs to inject, with probabilities per transaction:
    /// stale-read, aborted-read, lost-write, intermediate-read, duplicate-append, crash
    /// (e.g. stale-read=0.01,crash=0.02).
    #[arg(long, value_parser = Faults::parse, default_value = "", value_name = "NAME=P,…")]
    pub faults: Faults,

    /// Appends (writes) per key before it retires, as Jepsen's max-writes-per-key.
    #[arg(long, default_value_t = 32, value_name = "N", value_parser = count(1, 1_000_000))]
    pub max_writes_per_key: usize,

    /// Output format; by default from the extension of -o, else EDN.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,

    #[command(flatten)]
    pub out: GenOutputArgs,

    /// Write what was injected, and where, to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
}

/// What kind of trace to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TraceKindArg {
    /// Boolean propositions, each true with its probability (--props).
    Props,
    /// A small cluster: elections, requests and responses with deadlines.
    Cluster,
}

#[derive(Debug, Args)]
pub struct TraceGenArgs {
    #[arg(long, value_enum, default_value = "props")]
    pub kind: TraceKindArg,

    /// Steps in the trace.
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = count(0, 1_000_000_000))]
    pub steps: usize,

    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,

    /// Propositions and their probabilities (props traces).
    #[arg(long, default_value = "p=0.5,q=0.1", value_name = "NAME=P,…")]
    pub props: String,

    /// Cluster size (cluster traces).
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = count(1, 10_000))]
    pub nodes: usize,

    /// Violations to inject (cluster traces): leader-overlap (per election),
    /// missed-deadline and lost-response (per request), e.g. leader-overlap=0.2.
    #[arg(long, default_value = "", value_name = "NAME=P,…")]
    pub violations: String,

    #[command(flatten)]
    pub out: GenOutputArgs,

    /// Write the injected violations, with their steps, to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
}

/// How a trace's end is read: an obligation still open when it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EndArg {
    /// Pending stays pending (exit 3).
    Pending,
    /// Pending counts as fails.
    Strict,
    /// Pending counts as holds.
    Lenient,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateModeArg {
    /// Each line's `state` is the whole state.
    Full,
    /// Each line's `state` is an RFC 7386 merge patch on the previous state.
    MergePatch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SyntaxArg {
    /// histcheck's own syntax.
    Histcheck,
    /// detsys-testkit's ltl formulas (`@node'.path`, `$.path`, backtick JSON, `=`).
    Detsys,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimeUnitArg {
    Ns,
    Us,
    Ms,
    S,
    M,
    H,
}

#[derive(Debug, Args)]
pub struct LtlArgs {
    /// `FORMULA TRACE.jsonl`, or only `TRACE.jsonl` with -f or --spec (with
    /// --test-id/--run-id: only the FORMULA, or nothing with -f or --spec).
    #[arg(value_name = "FORMULA|TRACE", num_args = 1..=2, required_unless_present_any = ["test_id", "formulas", "spec"])]
    pub args: Vec<String>,

    #[command(flatten)]
    pub stored: StoredRunArgs,

    /// A named formula, `name=FORMULA` (repeatable).
    #[arg(short = 'f', long = "formula", value_name = "NAME=FORMULA")]
    pub formulas: Vec<String>,

    /// A file of formulas, one `name: formula` per line (`#` starts a comment line).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,

    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,

    /// What a pending verdict becomes: pending (exit 3), strict (fails) or lenient (holds).
    #[arg(long, value_enum, default_value = "pending", value_name = "MODE")]
    pub end: EndArg,

    /// The path of each line's timestamp (dotted). Without it on the first line, time is the step index.
    #[arg(long, default_value = "time", value_name = "PATH")]
    pub time_field: String,

    /// The unit of the time field, against which durations like `10s` are converted.
    #[arg(long, value_enum, default_value = "ms", value_name = "UNIT")]
    pub time_unit: TimeUnitArg,

    /// How each line's `state` is read.
    #[arg(long, value_enum, default_value = "full", value_name = "MODE")]
    pub state_mode: StateModeArg,

    /// The run went on, with no further step, until this time: a number in
    /// --time-unit, or a duration such as `30s`. Windows that end before it close,
    /// so a deadline missed by then fails rather than stays pending.
    #[arg(long, value_name = "T")]
    pub end_time: Option<String>,

    /// The `nodes` domain, comma-separated (default: the keys of `state` at step 0).
    #[arg(long, value_name = "N1,N2,…")]
    pub nodes: Option<String>,

    /// The formula syntax.
    #[arg(long, value_enum, default_value = "histcheck")]
    pub syntax: SyntaxArg,

    /// Sub-proofs shown per range of steps ("false at all 4,000 steps 10..4009").
    #[arg(long, default_value_t = 3, value_name = "K", value_parser = count(0, 10_000))]
    pub samples: usize,

    /// Work budget of per-binding evaluation (a `bind` body not compiled to a
    /// window and a join) and of proofs, in subformula values and steps visited.
    /// Counted, never timed: when it runs out the verdict is pending (exit 3).
    #[arg(long, value_name = "N", default_value_t = ltl::DEFAULT_BUDGET)]
    pub budget: u64,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: RunsCommand,
}

/// Where the store is and how long to wait for other processes' locks.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The detsys database; default $DETSYS_DB, else ~/.detsys.db.
    #[arg(long, value_name = "DB")]
    pub db: Option<PathBuf>,

    /// How long to wait for a lock held by another process, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = store::DEFAULT_BUSY_MS, value_parser = clap::value_parser!(u64).range(0..=86_400_000))]
    pub busy_timeout: u64,
}

/// Which stored runs: all of them, a test's, or one.
#[derive(Debug, Args)]
pub struct RunFilterArgs {
    /// Only this test's runs.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub test_id: Option<i64>,

    /// Only runs with this id (with --test-id: one run).
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    pub run_id: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Lists the stored runs: test, run, seed, faults, ops, steps, last analysis.
    List(RunsListArgs),
    /// Checks stored runs in parallel and writes each result back as an Analysis event.
    Check(RunsCheckArgs),
    /// Prints the stored analyses of one run.
    Show(RunsShowArgs),
    /// Imports Jepsen histories (files, or store/<test>/<time>/history.edn directories) as new runs.
    Import(RunsImportArgs),
    /// Prints the state trace of one run as JSON Lines: per step the state of
    /// every node before and after it, the message received, the times, the faults.
    Trace(RunsTraceArgs),
}

#[derive(Debug, Args)]
pub struct RunsTraceArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The run's test.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub test_id: i64,

    /// The run.
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    pub run_id: i64,
}

#[derive(Debug, Args)]
pub struct RunsListArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    #[command(flatten)]
    pub filter: RunFilterArgs,

    /// Print one JSON document on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsCheckArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    #[command(flatten)]
    pub filter: RunFilterArgs,

    /// Check each run's Jepsen history with this workload (detsys's rewrite:
    /// write/ack are appends, read/value reads, on one key).
    #[arg(long, value_enum, value_name = "MODEL", required_unless_present_any = ["ltl", "spec"])]
    pub elle: Option<ModelArg>,

    /// Check each run's rebuilt state trace against this LTL formula (repeatable).
    #[arg(long, value_name = "FORMULA")]
    pub ltl: Vec<String>,

    /// LTL formulas from a file, one `name: formula` per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,

    /// The syntax of --ltl and --spec formulas.
    #[arg(long, value_enum, default_value = "histcheck")]
    pub syntax: SyntaxArg,

    /// Consistency models for --elle, comma-separated, or `none`.
    // Split at commas by clap and given once, as elle's -c (see ElleArgs).
    #[arg(short = 'c', long = "consistency-models", value_name = "MODELS", default_value = "strict-serializable", value_delimiter = ',', action = ArgAction::Set)]
    pub consistency_models: Vec<String>,

    /// Anomalies for --elle besides those the models prohibit, comma-separated.
    #[arg(short = 'a', long, value_name = "ANOMALIES", default_value = "", value_delimiter = ',', action = ArgAction::Set)]
    pub anomalies: Vec<String>,

    /// Work budget of --elle's cycle search, per component and cycle type.
    #[arg(long, value_name = "N", default_value_t = checker::cycles::SearchOptions::default().budget)]
    pub budget: u64,

    /// How many runs to check at once (default: one per core).
    #[arg(short = 'j', long, value_name = "N", value_parser = count(1, 1024))]
    pub jobs: Option<usize>,

    /// Do not write Analysis events (open the store read-only).
    #[arg(long)]
    pub no_write: bool,

    /// Print one JSON document on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsShowArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The run's test.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub test_id: i64,

    /// The run.
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    pub run_id: i64,

    /// Print one JSON document on stdout (with each analysis's full result).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// History files, or directories searched for Jepsen's store/<test>/<time>/history.edn.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Import files whose content was imported before (as new runs).
    #[arg(long)]
    pub force: bool,

    /// Input format of plain files; by default from the extension, else from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,

    /// Print one JSON document on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
}
