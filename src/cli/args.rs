//! Command-line arguments (docs/commands.md).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use kmslint_core::config::{FailLevel, Overrides};

#[derive(Parser, Debug)]
#[command(
    name = "kmslint",
    version,
    about = "Lint AWS KMS keys in CloudFormation templates, and KMS key policies",
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run; the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Lint files and directories (no PATH: the current directory; `-`: stdin)
    Check(CheckArgs),
    /// Review a change: lint NEW against OLD, reporting only the change rules (KMS5xx)
    Diff(DiffArgs),
    /// List every rule: code, name, default severity, fix, whether it runs by default, summary
    Rules {
        /// pretty (a table with a header row), compact (one rule a line, tab-separated, no
        /// header) or json; `check`'s other formats report findings, not rules
        #[arg(
            long,
            visible_alias = "output-format",
            value_name = "FORMAT",
            default_value = "pretty",
            value_parser = parse_rules_format
        )]
        format: RulesFormat,
    },
    /// Who can do what with each key of the templates and key policy files under PATH: a
    /// matrix of principals and capabilities, or whether PRINCIPAL may call ACTION (docs/access.md)
    Access(AccessArgs),
    /// Run the language server over stdio
    Server,
    /// Print a rule's documentation
    Explain {
        /// A rule code (KMS204) or name (policy-lockout)
        rule: String,
    },
}

#[derive(Args, Debug, Default)]
pub(crate) struct CheckArgs {
    /// Files and directories to lint; `-` reads stdin
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print the settings each PATH is linted with (no PATH: a file in the current directory)
    /// and the run's, each with where it comes from, then exit
    #[arg(long)]
    pub show_settings: bool,
    #[command(flatten)]
    pub stack: StackArgs,
    /// Also compare each file with its version at git revision REV (a branch, tag or commit),
    /// running the change rules (KMS5xx); a file absent at REV is new
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Read stdin, reporting it under NAME and choosing JSON or YAML by it (PATHs other than
    /// `-` are then ignored, with a warning)
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Glob of paths to skip while walking directories (repeatable)
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Apply `exclude`, .gitignore and .ignore to files named on the command line too (as
    /// pre-commit names every file)
    // Overrides itself too: the pre-commit hooks put it in `entry`, and a user's `args` written
    // for the old hooks may repeat it.
    #[arg(long, overrides_with_all = ["force_exclude", "no_force_exclude"])]
    pub force_exclude: bool,
    /// Turn off `force-exclude = true` from the configuration
    #[arg(long, overrides_with = "force_exclude")]
    pub no_force_exclude: bool,
    /// Lint files that .gitignore, .ignore or git's exclude files would skip
    #[arg(long, alias = "no-respect-gitignore")]
    pub no_ignore: bool,
    /// Print the files that would be linted, one per line, and exit
    #[arg(long)]
    pub show_files: bool,
    /// Also say which files were skipped because they are not templates or key policies
    #[arg(short, long)]
    pub verbose: bool,
    /// Follow symbolic links met while walking directories (only to places inside the
    /// directories named)
    #[arg(long)]
    pub follow_links: bool,
    /// Largest file to read, in bytes or with a unit (64MB, 512KB) [default: 64MB]
    #[arg(long, value_name = "SIZE", value_parser = crate::discover::parse_size)]
    pub max_file_size: Option<u64>,
    /// Worker threads [default: all cores; at most 4 per core]
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// Apply safe fixes in place, re-lint, and report what is left; with stdin, print the
    /// fixed text to stdout and the report to stderr
    #[arg(long, overrides_with = "no_fix")]
    pub fix: bool,
    /// Turn off `fix = true` from the configuration
    #[arg(long, overrides_with = "fix")]
    pub no_fix: bool,
    /// Apply unsafe fixes too (they may change what the template means), and count them as
    /// fixable
    #[arg(long, overrides_with = "no_unsafe_fixes")]
    pub unsafe_fixes: bool,
    /// Turn off `unsafe-fixes = true` from the configuration
    #[arg(long, overrides_with = "unsafe_fixes")]
    pub no_unsafe_fixes: bool,
    /// Print what --fix would change as a unified diff, write nothing; exit 1 when there is
    /// a change
    #[arg(long)]
    pub diff: bool,
    /// Report only the findings FILE does not record (see --write-baseline), and say how many
    /// of its entries no longer match [default: the configuration's `baseline`]
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Report every finding, though the configuration names a baseline
    #[arg(long)]
    pub no_baseline: bool,
    /// Record the findings (after suppressions) in FILE as the baseline, report none, and exit
    /// 0; paths in it are relative to FILE's directory
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "diff"])]
    pub write_baseline: Option<PathBuf>,
}

/// `kmslint diff OLD NEW`: the two versions, and the options of `check` that make sense for
/// one comparison (no walking, no fixes).
#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    /// The previous version of the template (a file, or `-` for stdin)
    pub old: PathBuf,
    /// The new version of the template (a file, or `-` for stdin)
    pub new: PathBuf,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub stack: StackArgs,
    /// The name to report for `-` (stdin), choosing JSON or YAML by it
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Largest file to read, in bytes or with a unit (64MB, 512KB) [default: 64MB]
    #[arg(long, value_name = "SIZE", value_parser = crate::discover::parse_size)]
    pub max_file_size: Option<u64>,
}

/// `kmslint access`: the question, and the options of `check` that say how the keys are
/// deployed. `--deployer-arn` is one of those but says nothing of access: it is accepted and
/// not listed.
#[derive(Args, Debug)]
#[command(mut_arg("deployer_arn", |arg| arg.hide(true)))]
pub(crate) struct AccessArgs {
    /// Templates, key policy files and directories (no PATH: the current directory)
    pub paths: Vec<PathBuf>,
    /// Who asks: an IAM ARN (role, user, assumed-role session, `…:root`), an account ID, a
    /// service principal (logs.eu-west-1.amazonaws.com), `*` (anyone), or the logical ID of an
    /// AWS::IAM::Role or AWS::IAM::User of the template. Without --principal and --action,
    /// the matrix of each key
    #[arg(long, requires = "action")]
    pub principal: Option<String>,
    /// The action (`kms:Decrypt`; `Decrypt` is the same)
    #[arg(long, requires = "principal")]
    pub action: Option<String>,
    /// Only the key with this logical ID
    #[arg(long, value_name = "LOGICAL_ID")]
    pub key: Option<String>,
    /// A request context value, KEY=VALUE (repeatable; a key given several times is
    /// multivalued): conditions on the keys given are evaluated, the others stay conditions
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// With the matrix: print its changes since the git revision REV instead (what each
    /// principal gained or lost, per key), for a pull request comment
    #[arg(long, value_name = "REV", conflicts_with = "principal")]
    pub since: Option<String>,
    /// pretty, markdown (a table per key, for a pull request comment) or json
    #[arg(
        long,
        visible_alias = "output-format",
        value_enum,
        default_value = "pretty"
    )]
    pub format: AccessFormat,
    /// Configuration file to use instead of the discovered .kmslint.toml
    #[arg(long, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files
    #[arg(long)]
    pub no_config: bool,
    #[command(flatten)]
    pub stack: StackArgs,
}

/// `kmslint access --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AccessFormat {
    Pretty,
    Markdown,
    Json,
}

/// How the report is written: shared by `check` and `diff`.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct ReportArgs {
    /// Output format
    #[arg(
        long,
        visible_alias = "output-format",
        value_enum,
        default_value = "pretty"
    )]
    pub format: Option<OutputFormat>,
    /// Write the report (with --diff, the diff, unescaped) to FILE instead of stdout (created
    /// or truncated)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Lowest severity that makes the exit status 1 [default: warning, or the configuration's]
    #[arg(long, value_enum)]
    pub fail_level: Option<FailLevelArg>,
    /// Exit 0 whatever is found (ruff's name for `--fail-level never`); 2 still means the
    /// command failed
    #[arg(long, conflicts_with = "fail_level")]
    pub exit_zero: bool,
    /// Colours in pretty output (`auto`: when stdout is a terminal, honouring FORCE_COLOR,
    /// CLICOLOR_FORCE, NO_COLOR and TERM=dumb)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print findings only, no summary
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Print a count per rule instead of each finding (a JSON document with --format json;
    /// ignored, with a note, for sarif)
    #[arg(long)]
    pub statistics: bool,
}

/// Which rules run, and the configuration file: shared by `check` and `diff`.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct RuleArgs {
    /// Rules to run: comma-separated codes, names or code prefixes (KMS2); ALL (or KMS) for
    /// every rule, the opt-in ones too [default: the rules on by default, see `kmslint rules`]
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Rules not to run: comma-separated codes, names or code prefixes
    #[arg(long, value_delimiter = ',')]
    pub ignore: Option<Vec<String>>,
    /// Rules to run besides those the configuration selects (codes, names or prefixes): how an
    /// opt-in rule is turned on
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Option<Vec<String>>,
    /// Rules not to run besides those the configuration ignores (codes, names or prefixes)
    #[arg(long, value_delimiter = ',')]
    pub extend_ignore: Option<Vec<String>>,
    /// Configuration file to use instead of the discovered .kmslint.toml
    #[arg(long, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore configuration files
    #[arg(long)]
    pub no_config: bool,
}

/// What is known of the stack the template deploys: shared by `check` and `diff`.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct StackArgs {
    /// The Region the stack is deployed to
    #[arg(long)]
    pub region: Option<String>,
    /// The account the stack is deployed to
    #[arg(long)]
    pub account: Option<String>,
    /// The principal that deploys the stack; makes the lockout rule exact
    #[arg(long)]
    pub deployer_arn: Option<String>,
    /// A stack parameter value, KEY=VALUE (repeatable)
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// Stack parameter values (JSON): [{"ParameterKey", "ParameterValue"}], ["K=V"], {"K": "V"} or
    /// CodePipeline's {"Parameters": {"K": "V"}}
    #[arg(long)]
    pub parameters_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    Pretty,
    Compact,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality:`).
    Gitlab,
    /// JUnit XML: a testcase per file, a failure per finding.
    Junit,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// `kmslint rules --format`: the words of `check --format` that make sense for a list of
/// rules (docs/commands.md, "kmslint rules and kmslint explain").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RulesFormat {
    /// The aligned table with a header row (also `text`, its name before `check`'s words).
    Pretty,
    /// One rule a line, its columns separated by tabs, no header: for `cut` and `grep`.
    Compact,
    Json,
}

/// Parses `rules --format`: `check`'s words where they fit a list of rules, and an error that
/// says why the others do not (they are reports of findings, with nowhere to put a rule).
fn parse_rules_format(word: &str) -> Result<RulesFormat, String> {
    const ACCEPTED: &str = "pretty, compact or json";
    match word {
        "pretty" | "text" => Ok(RulesFormat::Pretty),
        "compact" => Ok(RulesFormat::Compact),
        "json" => Ok(RulesFormat::Json),
        "sarif" | "github" | "gitlab" | "junit" => Err(format!(
            "`{word}` is a report of findings (for `kmslint check`), not a list of rules: \
             use {ACCEPTED}"
        )),
        _ => Err(format!("expected {ACCEPTED}")),
    }
}

/// `--fail-level`: the core's [`FailLevel`], with clap's parsing and help (the core has no
/// command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailLevelArg {
    Error,
    Warning,
    Info,
    Never,
}

impl From<FailLevelArg> for FailLevel {
    fn from(level: FailLevelArg) -> FailLevel {
        match level {
            FailLevelArg::Error => FailLevel::Error,
            FailLevelArg::Warning => FailLevel::Warning,
            FailLevelArg::Info => FailLevel::Info,
            FailLevelArg::Never => FailLevel::Never,
        }
    }
}

impl ReportArgs {
    /// The fail level the command line sets: `--fail-level`, or `never` for `--exit-zero`
    /// (clap lets only one of them through).
    pub(crate) fn fail_level(&self) -> Option<FailLevelArg> {
        self.fail_level
            .or(self.exit_zero.then_some(FailLevelArg::Never))
    }
}

impl CheckArgs {
    /// What the command line sets over the configuration file.
    pub(crate) fn overrides(&self) -> Overrides {
        Overrides {
            region: self.stack.region.clone(),
            account: self.stack.account.clone(),
            deployer_arn: self.stack.deployer_arn.clone(),
            select: self.rules.select.clone(),
            ignore: self.rules.ignore.clone(),
            extend_select: self.rules.extend_select.clone(),
            extend_ignore: self.rules.extend_ignore.clone(),
        }
    }
}
