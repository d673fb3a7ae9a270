//! What rules read about one parsed file ([`rules::Context`]): built here, once per file
//! version, for the pipeline and the change comparison alike.

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::model::value::{Deployment, Env};
use crate::model::{self, Conditions, DocumentKind, Template};
use crate::source::{Format, LoadProblem, Node};
use crate::{fix, rules};

/// Builds what rules read about one parsed file and hands it to `f`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn with_context<'t, R>(
    text: &'t str,
    format: Format,
    kind: DocumentKind,
    template: Option<&'t Template<'t>>,
    root: &'t Node<'t>,
    embedded: &'t [model::EmbeddedPolicy<'t>],
    mixed_policy: Option<&'t model::kind::MixedPolicy>,
    load_problems: &'t [LoadProblem],
    settings: &'t Settings,
    f: impl FnOnce(&rules::Context<'_, 't>) -> R,
) -> R {
    let env = Env::new(template, deployment(settings));
    let conditions = Conditions::new(&env);
    let policies = model::policy_sources(root, kind, template, embedded);
    let editor = fix::edit::Editor::new(text, format, embedded);
    let mut consumers = model::consumers::ConsumerIndex::new(
        template.filter(|_| rules::consumers_read(settings)),
        &model::value::Resolver::new(&env),
        rules::consumer_paths(),
    );
    consumers.possible_uses = rules::key_use::possible_uses(&consumers, &conditions);
    let cx = rules::Context {
        text,
        format,
        kind: Some(kind),
        template,
        env: &env,
        conditions: &conditions,
        policies: &policies,
        embedded,
        mixed_policy,
        load_problems,
        settings,
        editor: &editor,
        consumers: &consumers,
    };
    f(&cx)
}

/// Runs only the rules that report load problems, for a file that did not parse.
pub(crate) fn parse_only(
    text: &str,
    problems: &[LoadProblem],
    settings: &Settings,
) -> Vec<Diagnostic> {
    let env = Env::new(None, deployment(settings));
    let conditions = Conditions::new(&env);
    let format = Format::choose("", text);
    let editor = fix::edit::Editor::new(text, format, &[]);
    let cx = rules::Context {
        text,
        format,
        kind: None,
        template: None,
        env: &env,
        conditions: &conditions,
        policies: &[],
        embedded: &[],
        mixed_policy: None,
        load_problems: problems,
        settings,
        editor: &editor,
        consumers: &model::consumers::ConsumerIndex::new(
            None,
            &model::value::Resolver::new(&env),
            std::iter::empty(),
        ),
    };
    rules::run(&cx).0
}

/// What the settings say about where the stack is deployed, for value resolution.
fn deployment(settings: &Settings) -> Deployment<'_> {
    Deployment {
        region: settings.region.as_deref(),
        account: settings.account.as_deref(),
        parameters: &settings.parameters,
        links: settings.links.as_ref().map(|l| &*l.0),
    }
}
