//! Making the links between the stacks of a run (docs/deployments.md, "Links between
//! stacks"): made once, before any template is linted, into the plain data of
//! [`crate::model::links`] that each stack's template is then linted with.
//!
//! Every template of the deployment is read once ([`read`]); those that can be linked are
//! parsed ([`Templates::parse`]); the command line keeps the texts and trees for the lint,
//! so that a template is read and parsed once per run. Passes over the templates parsed
//! ([`Templates::link`]):
//! 1. what each stack offers: its exports (`Outputs.*.Export.Name`), outputs, SSM
//!    parameters (`AWS::SSM::Parameter`) and CDK's cross-Region export writers, each
//!    recorded when its value is one of the stack's keys, with what the rules read of the
//!    key (KMS601's answers for its policy, asked in its own stack);
//! 2. what each stack is given: a `[[stacks]]` table's `{ stack, output }` parameters and a
//!    nested stack's parameters as its parent passes them (read with the parent's links);
//! 3. replicas whose primary is a key of another stack (KMS303 across the deployment);
//! 4. only when a linked key is created disabled (KMS604 names its consumers elsewhere), or in
//!    change review (KMS508: what each stack reads of the others), every template.
//!
//! Only templates that can offer something (or be a replica, or a parent of nested stacks)
//! are parsed for the first three, found by the words they must contain.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use memchr::memmem;

use crate::config::{Linked, Settings};
use crate::deployment::Stack;
use crate::facts::key_specs::{DEFAULT_KEY_SPEC, DEFAULT_KEY_USAGE};
use crate::facts::resources::{KEY, REPLICA_KEY};
use crate::model::consumers::KeyTarget;
use crate::model::links::{
    LinkedKey, LinkedReplica, LinkedUse, Links, Offer, Offered, Place, Reached, Read, Reader,
    StackLabel, StackLinks, offered, reached,
};
use crate::model::principal::Deployment as PolicyDeployment;
use crate::model::value::{Deployment, Env, Hole, Resolver};
use crate::model::{self, DocumentKind, KeyPolicy, Template};
use crate::paths::RealPaths;
use crate::rules::{missing_publish_grants, missing_service_grants, undelegated_actions};
use crate::source::{self, Format, LineIndex, Loaded, Node, Span};

/// The links of a run, and which stack each is made for.
pub struct DeploymentLinks {
    links: Arc<Links>,
    ids: Arc<Ids>,
}

/// Which stack is which, for [`Templates`] and the [`DeploymentLinks`] made from them.
#[derive(Default)]
struct Ids {
    /// Stack → its index, by name, Region, account and template.
    index: HashMap<StackId, usize>,
    /// The instances of each stack (those of its name and template, in order).
    instances: Vec<Arc<[usize]>>,
    /// Each template path given, resolved ([`RealPaths`]).
    resolved: Resolved,
}

/// A stack's name, Region, account and template (resolved, as bytes: hashing a path
/// parses its components).
type StackId = (String, Option<String>, Option<String>, OsString);

/// Template paths, resolved once each.
#[derive(Default)]
struct Resolved {
    known: std::sync::Mutex<HashMap<PathBuf, OsString>>,
    paths: RealPaths,
}

impl Resolved {
    fn id_of(&self, stack: &Stack) -> StackId {
        let template = {
            let mut known = self
                .known
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            known
                .entry(stack.template.clone())
                .or_insert_with(|| {
                    let resolved = self.paths.resolve_or_same(&stack.template);
                    resolved.into_os_string()
                })
                .clone()
        };
        (
            stack.name.clone(),
            stack.region.clone(),
            stack.account.clone(),
            template,
        )
    }
}

/// One of the stacks links are made for ([`Templates::find`], [`DeploymentLinks::find`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StackAt(usize);

impl Ids {
    fn find(&self, stack: &Stack) -> Option<StackAt> {
        self.index
            .get(&self.resolved.id_of(stack))
            .copied()
            .map(StackAt)
    }
}

impl DeploymentLinks {
    /// Which of the stacks linked `stack` is, if any.
    pub fn find(&self, stack: &Stack) -> Option<StackAt> {
        self.ids.find(stack)
    }

    /// The settings `stack`'s template is linted with: [`Stack::settings`], and the links
    /// when the stack is one of those linked (`at`).
    pub fn settings(&self, at: Option<StackAt>, stack: &Stack, base: &Settings) -> Settings {
        let mut settings = stack.settings(base);
        if let Some(StackAt(index)) = at {
            settings.links = Some(Linked(Arc::new(StackLinks {
                links: Arc::clone(&self.links),
                stack: index,
                instances: self.ids.instances[index].to_vec(),
            })));
        }
        settings
    }

    /// The Region of each instance of stack `at` (one, unless a `[[stacks]]` entry deploys
    /// it to several Regions or accounts), in order.
    pub fn instance_regions(&self, StackAt(index): StackAt) -> Vec<Option<String>> {
        let instances = self.ids.instances[index].iter();
        instances
            .map(|&i| self.links.stacks[i].region.clone())
            .collect()
    }

    /// `stack` (linked, `at`) as findings in its template are reported with: for a stack of
    /// several instances, its Region (account) only when every instance has the same.
    pub fn shown(&self, StackAt(index): StackAt, stack: &Stack) -> Stack {
        let mut shown = stack.clone();
        let labels: Vec<_> = self.ids.instances[index]
            .iter()
            .map(|&i| &self.links.stacks[i])
            .collect();
        if labels.iter().any(|l| l.region != stack.region) {
            shown.region = None;
        }
        if labels.iter().any(|l| l.account != stack.account) {
            shown.account = None;
        }
        shown
    }
}

/// For the template of a stack deployed as several instances, each instance's label ("stack
/// replicas, us-east-1") and settings (its Region, account and view of the links); nothing
/// for a template linted once.
pub(crate) fn instances(settings: &Settings) -> Option<Vec<(String, Settings)>> {
    let linked = &settings.links.as_ref()?.0;
    if linked.instances.len() < 2 {
        return None;
    }
    // Instances in several accounts are told apart by account too.
    let stacks = &linked.links.stacks;
    let first = &stacks[linked.instances[0]].account;
    let by_account = linked
        .instances
        .iter()
        .any(|&i| stacks[i].account != *first);
    let each = linked.instances.iter().map(|&i| {
        let label = &linked.links.stacks[i];
        let shown = match &label.account {
            Some(account) if by_account => format!("{label}, account {account}"),
            _ => label.to_string(),
        };
        let mut instance = settings.clone();
        instance.region.clone_from(&label.region);
        instance.account.clone_from(&label.account);
        instance.links = Some(Linked(Arc::new(StackLinks {
            links: Arc::clone(&linked.links),
            stack: i,
            instances: Vec::new(),
        })));
        (shown, instance)
    });
    Some(each.collect())
}

/// The stack instances a file deployed with `settings` is answered for (`kmslint access`),
/// each with its label: every instance of a stack of several, else the file's own settings,
/// labelled when they are a stack's of a deployment.
pub(crate) fn each_instance(settings: &Settings) -> Vec<(Option<String>, Cow<'_, Settings>)> {
    if let Some(each) = instances(settings) {
        return each
            .into_iter()
            .map(|(label, settings)| (Some(label), Cow::Owned(settings)))
            .collect();
    }
    let label = settings
        .links
        .as_ref()
        .map(|linked| linked.0.links.stacks[linked.0.stack].to_string());
    vec![(label, Cow::Borrowed(settings))]
}

/// One stack as the links are made: the stack, and its file as the run names it.
#[derive(Clone)]
pub struct StackFile {
    pub stack: Stack,
    pub shown: String,
    /// The template's text when it is not to be read from the file (an editor's unsaved
    /// buffer).
    pub text: Option<String>,
}

/// Words a template must contain to offer a key to another stack, to be a replica, or to
/// pass values to nested stacks. A template without any of them (most consumer stacks) is
/// not parsed for the links. (A JSON key can be written with `\u` escapes that hide these
/// words; CloudFormation's own templates and CDK's never do.)
const LINKING_WORDS: [&str; 5] = [
    "Outputs",
    "AWS::SSM::Parameter",
    "CrossRegionExportWriter",
    REPLICA_KEY,
    "AWS::CloudFormation::Stack",
];

/// The stacks of a run, each once, and their templates' texts, each read once (the
/// instances of a stack share their template). The command line keeps them, with the trees
/// [`Templates::parse`] makes, until the templates are linted: each template of a deployment
/// is read and parsed once per run, and the links and the lint see the same text.
pub struct Templates {
    stacks: Vec<StackFile>,
    ids: Arc<Ids>,
    /// Each stack's template: an index into `texts`.
    template_of: Vec<usize>,
    /// Each template's text, when it can be read and decoded (else it offers nothing, and
    /// its lint reads it again to say why).
    texts: Vec<Option<String>>,
    /// The first stack of each template, whose name it is parsed with.
    first_stack: Vec<usize>,
    /// Whether each template contains one of the [`LINKING_WORDS`].
    linking: Vec<bool>,
}

/// The trees of the templates [`Templates::parse`] parsed, by template.
pub struct Trees<'t>(Vec<Option<(Format, Loaded<'t>)>>);

/// Reads the templates of `stacks` (each at most `limit` bytes), each once.
pub fn read(given: Vec<StackFile>, limit: u64) -> Templates {
    let mut ids = Ids::default();
    let mut stacks: Vec<StackFile> = Vec::new();
    let mut template_of = Vec::new();
    let mut first_stack = Vec::new();
    let mut by_path: HashMap<OsString, usize> = HashMap::new();
    let mut groups: HashMap<(String, OsString), Vec<usize>> = HashMap::new();
    let mut group_of = Vec::new();
    for file in given {
        let id = ids.resolved.id_of(&file.stack);
        let std::collections::hash_map::Entry::Vacant(free) = ids.index.entry(id) else {
            continue;
        };
        let (name, _, _, template) = free.key().clone();
        free.insert(stacks.len());
        group_of.push((name.clone(), template.clone()));
        groups
            .entry((name, template.clone()))
            .or_default()
            .push(stacks.len());
        let next = by_path.len();
        let at = *by_path.entry(template).or_insert_with(|| {
            first_stack.push(stacks.len());
            next
        });
        template_of.push(at);
        stacks.push(file);
    }
    let groups: HashMap<_, Arc<[usize]>> = groups.into_iter().map(|(k, v)| (k, v.into())).collect();
    ids.instances = group_of.iter().map(|g| Arc::clone(&groups[g])).collect();
    let texts: Vec<Option<String>> = map_all(&first_stack, |&s| read_text(&stacks[s], limit));
    // memchr's searchers, made once: this scans every template of a deployment before it
    // is linted.
    static LINKING: LazyLock<Vec<memmem::Finder<'static>>> =
        LazyLock::new(|| LINKING_WORDS.iter().map(memmem::Finder::new).collect());
    let linking = map_all(&texts, |text| {
        text.as_deref().is_some_and(|text| {
            LINKING
                .iter()
                .any(|word| word.find(text.as_bytes()).is_some())
        })
    });
    Templates {
        stacks,
        ids: Arc::new(ids),
        template_of,
        texts,
        first_stack,
        linking,
    }
}

/// Reads the templates of `stacks` and makes the links between them: [`read`],
/// [`Templates::parse`] and [`Templates::link`], for a caller that does not keep the trees
/// (the language server, tests).
pub fn link(stacks: Vec<StackFile>, limit: u64, readers: bool) -> DeploymentLinks {
    let templates = read(stacks, limit);
    let trees = templates.parse(readers);
    templates.link(&trees, readers)
}

impl Templates {
    /// Parses the templates that can be linked (every template with `all`, for change
    /// review), on the caller's pool.
    pub fn parse(&self, all: bool) -> Trees<'_> {
        let wanted = |t: usize| all || self.linking[t];
        Trees(map_picked(self.texts.len(), wanted, |t| self.load(t)))
    }

    /// Whether there are no stacks (no input of the run is one).
    pub fn is_empty(&self) -> bool {
        self.stacks.is_empty()
    }

    fn load(&self, template: usize) -> Option<(Format, Loaded<'_>)> {
        let text = self.texts[template].as_deref()?;
        let name = &self.stacks[self.first_stack[template]].shown;
        Some(source::load_file(name, text))
    }

    /// Which of the stacks `stack` is, if any.
    pub fn find(&self, stack: &Stack) -> Option<StackAt> {
        self.ids.find(stack)
    }

    /// The text of the template of stack `at` as read, and its tree when
    /// [`Templates::parse`] made one: what its lint starts from. Nothing for a template that
    /// could not be read.
    pub fn of<'t>(
        &'t self,
        trees: &'t Trees<'t>,
        StackAt(at): StackAt,
    ) -> Option<(&'t str, Option<&'t (Format, Loaded<'t>)>)> {
        let template = self.template_of[at];
        let text = self.texts[template].as_deref()?;
        Some((text, trees.0[template].as_ref()))
    }

    /// Makes the links between the stacks, from the templates `trees` holds (which
    /// [`Templates::parse`] made). With `readers` (change review, `check --since`), every
    /// template is also read for the exports and SSM parameters it reads of other stacks, so
    /// that a change removing one that is still read can say so (KMS508).
    pub fn link(&self, trees: &Trees<'_>, readers: bool) -> DeploymentLinks {
        let count = self.stacks.len();
        let templates = templates_of(&trees.0);
        let stacks: Vec<&StackFile> = self.stacks.iter().collect();
        let template_of = |i: usize| templates[self.template_of[i]].as_ref();
        let text_of = |i: usize| self.texts[self.template_of[i]].as_deref();
        let labels: Vec<StackLabel> = stacks
            .iter()
            .map(|file| StackLabel {
                name: file.stack.name.clone(),
                region: file.stack.region.clone(),
                account: file.stack.account.clone(),
            })
            .collect();
        let present = self.types_present();
        let parameters: Vec<HashMap<String, String>> = stacks
            .iter()
            .map(|f| f.stack.parameters.clone().into_iter().collect())
            .collect();
        // KMS601's answers for every key of the templates parsed, a stack per thread.
        let grants = map_picked(
            count,
            |i| template_of(i).is_some(),
            |i| {
                let (template, text) = (template_of(i)?, text_of(i)?);
                Some(grants_of(
                    template,
                    text,
                    &labels[i],
                    &parameters[i],
                    &present,
                ))
            },
        );
        let grants = grants.into_iter().map(Option::unwrap_or_default).collect();
        let by_stack: Vec<Option<&Template<'_>>> = (0..count).map(template_of).collect();
        let texts: Vec<Option<&str>> = (0..count).map(text_of).collect();
        let mut maker = Maker {
            stacks: &stacks,
            texts: &texts,
            templates: &by_stack,
            grants,
            parameters: &parameters,
            lines: HashMap::new(),
            links: Links {
                stacks: labels,
                parameters: vec![HashMap::new(); count],
                ..Links::default()
            },
        };
        maker.offers();
        maker.givens();
        maker.replicas();
        let mut links = maker.links;
        let told: Vec<usize> = (0..links.keys.len())
            .filter(|&k| links.keys[k].enabled == Some(false))
            .collect();
        if !told.is_empty() || readers {
            // Rare (a key created disabled that another stack may use, or change review,
            // whose trees are all parsed already): every template, those not parsed yet now.
            let rest = map_picked(self.texts.len(), |t| trees.0[t].is_none(), |t| self.load(t));
            let rest_templates = templates_of(&rest);
            let all: Vec<(Option<&Template<'_>>, Option<&str>)> = (0..count)
                .map(|i| {
                    let t = self.template_of[i];
                    (
                        templates[t].as_ref().or(rest_templates[t].as_ref()),
                        texts[i],
                    )
                })
                .collect();
            read_others(&mut links, &told, readers, &stacks, &all, &parameters);
        }
        DeploymentLinks {
            links: Arc::new(links),
            ids: Arc::clone(&self.ids),
        }
    }

    /// The `AWS::…` names the templates hold (resource types, pseudo parameters): a key's
    /// policy is asked only what the consumers of the deployment's types need of it.
    fn types_present(&self) -> HashSet<String> {
        let texts: Vec<&str> = self.texts.iter().flatten().map(String::as_str).collect();
        let found: Vec<Vec<&str>> = map_all(&texts, |text| {
            let bytes = text.as_bytes();
            static AWS: LazyLock<memmem::Finder<'static>> =
                LazyLock::new(|| memmem::Finder::new("AWS::"));
            let mut names: Vec<&str> = AWS
                .find_iter(bytes)
                .map(|start| {
                    let length = bytes[start..]
                        .iter()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b':')
                        .count();
                    &text[start..start + length]
                })
                .collect();
            names.sort_unstable();
            names.dedup();
            names
        });
        let mut present = HashSet::new();
        for name in found.into_iter().flatten() {
            if !present.contains(name) {
                present.insert(name.to_owned());
            }
        }
        present
    }
}

/// The templates among `trees`.
fn templates_of<'t>(trees: &'t [Option<(Format, Loaded<'t>)>]) -> Vec<Option<Template<'t>>> {
    trees
        .iter()
        .map(|tree| {
            let root = tree.as_ref()?.1.root.as_ref()?;
            Template::is_template(root).then(|| Template::new(root))
        })
        .collect()
}

/// The text of a stack's template (its `text`, or its file), when it can be read and decoded.
fn read_text(file: &StackFile, limit: u64) -> Option<String> {
    match &file.text {
        Some(text) => Some(text.clone()),
        None => {
            let bytes = source::read::read_file(&file.stack.template, limit).ok()?;
            let decoded = source::read::decode(bytes);
            decoded.problem.is_none().then_some(decoded.text)
        }
    }
}

/// `f` on each item, in order: on the threads of the caller's pool with the `parallel`
/// feature when called on one (the command line's, whose threads have room for the loaders'
/// recursion on the deepest inputs), else on the caller's thread (the language server's):
/// rayon's global pool has no such room. Reading and parsing the templates are most of the
/// links' cost.
/// `f` on each index below `count` that `wanted` picks, `None` for the others: on the pool,
/// the picked ones spread evenly over its threads (the templates that can link are often
/// together: a table lists its key stacks first).
fn map_picked<R: Send>(
    count: usize,
    wanted: impl Fn(usize) -> bool,
    f: impl Fn(usize) -> Option<R> + Sync + Send,
) -> Vec<Option<R>> {
    let picked: Vec<usize> = (0..count).filter(|&i| wanted(i)).collect();
    let done = map_all(&picked, |&i| f(i));
    let mut out: Vec<Option<R>> = (0..count).map(|_| None).collect();
    for (i, result) in picked.into_iter().zip(done) {
        out[i] = result;
    }
    out
}

fn map_all<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    if rayon::current_thread_index().is_some() {
        use rayon::prelude::*;
        return items.par_iter().map(f).collect();
    }
    items.iter().map(f).collect()
}

/// Pass 4: the consumers (of the consumer table, unconditional) of every stack that use the
/// keys `told`, for the keys' own stacks; with `readers`, the exports and SSM parameters
/// each stack reads.
fn read_others(
    links: &mut Links,
    told: &[usize],
    readers: bool,
    stacks: &[&StackFile],
    templates: &[(Option<&Template<'_>>, Option<&str>)],
    parameters: &[HashMap<String, String>],
) {
    let snapshot = Arc::new(links.for_resolving());
    for (i, (template, text)) in templates.iter().enumerate() {
        let (Some(template), Some(text)) = (template, text) else {
            continue;
        };
        let view = StackLinks {
            links: Arc::clone(&snapshot),
            stack: i,
            instances: Vec::new(),
        };
        let env = env_of(template, &links.stacks[i], &parameters[i], Some(&view));
        let resolver = Resolver::new(&env);
        let mut lines = None;
        let mut place = |span: Span| {
            let lines = lines.get_or_insert_with(|| LineIndex::new(text));
            Place {
                path: stacks[i].shown.clone(),
                span,
                start: lines.position(text, span.start as usize),
                end: lines.position(text, span.end as usize),
            }
        };
        if readers {
            for (read, span) in model::links::reads(template, &resolver) {
                let (map, name) = match read {
                    Read::Export(name) => (&mut links.export_readers, name),
                    Read::Ssm(name) => (&mut links.ssm_readers, name),
                };
                let label = &links.stacks[i];
                let at = map.entry(label.account.clone(), label.region.clone(), name);
                at.or_default().push(Reader {
                    stack: i,
                    at: place(span),
                });
            }
        }
        if told.is_empty() {
            continue;
        }
        for consumer in crate::facts::key_consumers::consumers() {
            if template
                .resources_of_type(consumer.resource_type)
                .next()
                .is_none()
            {
                continue;
            }
            let found = model::consumers::key_uses(
                template,
                &resolver,
                consumer.resource_type,
                consumer.path,
            );
            for key_use in found {
                let KeyTarget::Linked(key) = key_use.target else {
                    continue;
                };
                if !told.contains(&key)
                    || !key_use.when.is_empty()
                    || key_use.consumer_condition.is_some()
                {
                    continue;
                }
                links.uses.entry(key).or_default().push(LinkedUse {
                    stack: i,
                    consumer: key_use.consumer.to_owned(),
                    property: consumer.path,
                    at: place(key_use.span),
                });
            }
        }
    }
}

struct Maker<'s, 't> {
    stacks: &'s [&'s StackFile],
    texts: &'s [Option<&'t str>],
    templates: &'s [Option<&'s Template<'t>>],
    /// KMS601's answers for each template's keys, by logical ID.
    grants: Vec<HashMap<String, Grants>>,
    parameters: &'t [HashMap<String, String>],
    lines: HashMap<usize, LineIndex>,
    links: Links,
}

impl<'t> Maker<'_, 't> {
    /// Runs `f` with an environment for stack `i`'s template, which resolves links as made
    /// so far (so `${AWS::StackName}` is the stack's name, and an import made in the first
    /// pass is known in the second).
    fn with_env<R>(
        &self,
        links: &Arc<Links>,
        i: usize,
        f: impl for<'e> FnOnce(&Template<'e>, &Resolver<'_, 'e>) -> R,
    ) -> Option<R> {
        let template: &Template<'_> = self.templates[i]?;
        let view = StackLinks {
            links: Arc::clone(links),
            stack: i,
            instances: Vec::new(),
        };
        let env = env_of(
            template,
            &self.links.stacks[i],
            &self.parameters[i],
            Some(&view),
        );
        let resolver = Resolver::new(&env);
        Some(f(template, &resolver))
    }

    fn snapshot(&self) -> Arc<Links> {
        Arc::new(self.links.for_resolving())
    }

    /// Pass 1: exports, outputs, SSM parameters and cross-Region writers.
    fn offers(&mut self) {
        let snapshot = self.snapshot();
        for i in 0..self.stacks.len() {
            let found = self.with_env(&snapshot, i, |template, resolver| {
                offered(template, resolver)
            });
            for Offered { offer, key, .. } in found.into_iter().flatten() {
                let Some(key) = self.key(i, &key) else {
                    continue;
                };
                let label = &self.links.stacks[i];
                let (account, region) = (label.account.clone(), label.region.clone());
                match offer {
                    Offer::Export(export) => {
                        let at = self.links.exports.entry(account, region, export);
                        at.or_insert(key);
                    }
                    Offer::Output(output) => {
                        let stack = label.name.clone();
                        let at = self.links.outputs.entry(account, region, stack);
                        at.or_default().entry(output).or_insert(key);
                    }
                    Offer::Ssm {
                        region: written,
                        name,
                    } => {
                        let at = self.links.ssm.entry(account, written.or(region), name);
                        at.or_insert(key);
                    }
                }
            }
        }
    }

    /// Pass 2: parameters given another stack's output by the table, and nested stacks'
    /// parameters as their parents pass them.
    fn givens(&mut self) {
        let snapshot = self.snapshot();
        // A stack named by several instances (a `regions` list) has one output per instance:
        // which one a parameter gets is not known, so none is linked.
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut several: Vec<&str> = Vec::new();
        for (i, file) in self.stacks.iter().enumerate() {
            if by_name.insert(file.stack.name.as_str(), i).is_some() {
                several.push(file.stack.name.as_str());
            }
        }
        for name in several {
            by_name.remove(name);
        }
        let mut given: Vec<(usize, String, usize)> = Vec::new();
        for (i, file) in self.stacks.iter().enumerate() {
            for (parameter, (stack, output)) in &file.stack.linked_parameters {
                let Some(&from) = by_name.get(stack.as_str()) else {
                    continue;
                };
                if let Some(key) = self.links.output_of(from, output) {
                    given.push((i, parameter.clone(), key));
                }
            }
        }
        for (child, file) in self.stacks.iter().enumerate() {
            let Some((parent_name, logical_id)) = file.stack.name.rsplit_once('/') else {
                continue;
            };
            let Some(&parent) = by_name.get(parent_name) else {
                continue;
            };
            let passed = self.with_env(&snapshot, parent, |template, resolver| {
                passed_to_nested(template, resolver, logical_id, parent_name)
            });
            for (parameter, reached) in passed.into_iter().flatten() {
                let key = match reached {
                    Passed::Reached(Reached::Own(name)) => self.key(parent, &name),
                    Passed::Reached(Reached::Linked(key)) => Some(key),
                    Passed::Output { stack, output } => by_name
                        .get(stack.as_str())
                        .and_then(|&s| self.links.output_of(s, &output)),
                };
                if let Some(key) = key {
                    given.push((child, parameter, key));
                }
            }
        }
        for (stack, parameter, key) in given {
            self.links.parameters[stack].insert(parameter, key);
        }
    }

    /// Pass 3: replicas whose `PrimaryKeyArn` reaches a linked key.
    fn replicas(&mut self) {
        let snapshot = self.snapshot();
        let mut found = Vec::new();
        for i in 0..self.stacks.len() {
            let replicas = self.with_env(&snapshot, i, |template, resolver| {
                let mut out = Vec::new();
                for replica in template.resources_of_type(REPLICA_KEY) {
                    let Some(node) = replica.property("PrimaryKeyArn") else {
                        continue;
                    };
                    if let [alt] = resolver.resolve(node).as_slice()
                        && let Some(Hole::Linked(primary)) =
                            alt.text_value().and_then(|t| t.only_hole())
                    {
                        out.push((replica.name.to_owned(), *primary, alt.span));
                    }
                }
                out
            });
            for (logical_id, primary, span) in replicas.into_iter().flatten() {
                let at = self.place(i, span);
                found.push(LinkedReplica {
                    stack: i,
                    logical_id,
                    primary,
                    at,
                });
            }
        }
        self.links.replicas = found;
    }

    /// The index of key `name` of stack `i` among the linked keys, summed up the first time.
    fn key(&mut self, i: usize, name: &str) -> Option<usize> {
        if let Some(&known) = self.links.key_index.get(&(i, name.to_owned())) {
            return Some(known);
        }
        let template = self.templates[i]?;
        let resource = template.resource(name)?;
        let replica = match resource.type_name {
            Some(KEY) => false,
            Some(REPLICA_KEY) => true,
            _ => return None,
        };
        let literal = |property: &str, default: &str| match resource.property(property) {
            None => Some(default.to_owned()),
            Some(node) => node.as_str().map(str::to_owned),
        };
        let (spec, usage) = match replica {
            true => (None, None),
            false => (
                literal("KeySpec", DEFAULT_KEY_SPEC),
                literal("KeyUsage", DEFAULT_KEY_USAGE),
            ),
        };
        let multi_region = flag(resource.property("MultiRegion"), false);
        let enabled = flag(resource.property("Enabled"), true);
        let policy_node = resource.property("KeyPolicy");
        let grants = self.grants[i].get(name).cloned().unwrap_or_default();
        let at = self.place(i, resource.name_span);
        let policy = policy_node.map(|n| self.place(i, n.span));
        self.links.keys.push(LinkedKey {
            stack: i,
            logical_id: name.to_owned(),
            replica,
            multi_region: if replica { None } else { multi_region },
            spec,
            usage,
            enabled,
            at,
            policy,
            missing_grants: grants.services,
            missing_publish: grants.publish,
            iam_undelegated: grants.iam_undelegated,
        });
        let index = self.links.keys.len() - 1;
        self.links.key_index.insert((i, name.to_owned()), index);
        Some(index)
    }

    /// `span` of stack `i`'s template, located.
    fn place(&mut self, i: usize, span: Span) -> Place {
        let text = self.texts[i].unwrap_or_default();
        let lines = self.lines.entry(i).or_insert_with(|| LineIndex::new(text));
        Place {
            path: self.stacks[i].shown.clone(),
            span,
            start: lines.position(text, span.start as usize),
            end: lines.position(text, span.end as usize),
        }
    }
}

/// What the rules ask of one key's policy: for each service grant it does not give, and each
/// publishing service it does not let in, the actions missing (KMS601); the actions it lets
/// no IAM policy grant (KMS609).
#[derive(Clone, Default)]
struct Grants {
    services: Vec<(usize, Vec<&'static str>)>,
    publish: Vec<(&'static str, Vec<&'static str>)>,
    iam_undelegated: Option<u64>,
}

/// KMS601's answers for each key of `template` (by logical ID), asked in its own stack.
fn grants_of(
    template: &Template<'_>,
    text: &str,
    label: &StackLabel,
    parameters: &HashMap<String, String>,
    present: &HashSet<String>,
) -> HashMap<String, Grants> {
    let present = |resource_type: &str| present.contains(resource_type);
    let root = template.root;
    let embedded = model::embedded_policies(text, root);
    let sources = model::policy_sources(root, DocumentKind::Template, Some(template), &embedded);
    let env = env_of(template, label, parameters, None);
    let resolver = Resolver::new(&env);
    let deployment = PolicyDeployment {
        account: env.account,
        partition: env.partition.map(|p| p.name),
        region: env.region,
    };
    let mut out = HashMap::new();
    for source in &sources {
        let Some((name, KEY | REPLICA_KEY)) = source.resource else {
            continue;
        };
        let policy = KeyPolicy::build(
            source,
            &resolver,
            &|n| template.resource(n).and_then(|r| r.type_name),
            None,
        );
        let grants = Grants {
            services: missing_service_grants(&policy, &deployment, &present),
            publish: missing_publish_grants(&policy, &deployment, &present),
            iam_undelegated: undelegated_actions(&policy, &deployment),
        };
        out.insert(name.to_owned(), grants);
    }
    out
}

/// What resolution knows of stack `label`'s template: its Region, account, parameter values
/// and, while the links are made, those made so far.
fn env_of<'t>(
    template: &'t Template<'t>,
    label: &'t StackLabel,
    parameters: &'t HashMap<String, String>,
    links: Option<&'t StackLinks>,
) -> Env<'t> {
    Env::new(
        Some(template),
        Deployment {
            region: label.region.as_deref(),
            account: label.account.as_deref(),
            parameters,
            links,
        },
    )
}

/// A boolean property written as a literal (`absent` when it is not written); nothing when
/// a function or a parameter gives it.
fn flag(node: Option<&Node<'_>>, absent: bool) -> Option<bool> {
    match node.map(|n| n.as_str()) {
        None => Some(absent),
        Some(Some("true" | "True" | "TRUE")) => Some(true),
        Some(Some("false" | "False" | "FALSE")) => Some(false),
        Some(_) => None,
    }
}

/// What a parent passes to a nested stack's parameter.
enum Passed {
    Reached(Reached),
    /// `Fn::GetAtt [<nested stack>, Outputs.<output>]`: a sibling nested stack's output.
    Output {
        stack: String,
        output: String,
    },
}

/// The parameters the parent passes to its nested stack `logical_id` that name a key.
fn passed_to_nested<'t>(
    template: &Template<'t>,
    resolver: &Resolver<'_, 't>,
    logical_id: &str,
    parent_name: &str,
) -> Vec<(String, Passed)> {
    let Some(parameters) = template
        .resource(logical_id)
        .and_then(|r| r.property("Parameters"))
        .and_then(Node::as_map)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for parameter in parameters {
        if let Some(reached) = reached(template, resolver, &parameter.value) {
            out.push((parameter.key.to_string(), Passed::Reached(reached)));
            continue;
        }
        let alts = resolver.resolve(&parameter.value);
        if let [alt] = alts.as_slice()
            && let Some(Hole::GetAtt(stack, attribute)) =
                alt.text_value().and_then(|t| t.only_hole())
            && let Some(output) = attribute.strip_prefix("Outputs.")
        {
            out.push((
                parameter.key.to_string(),
                Passed::Output {
                    stack: format!("{parent_name}/{stack}"),
                    output: output.to_owned(),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const KEYS: &str = "Resources:\n  Key:\n    Type: AWS::KMS::Key\nOutputs:\n  KeyArn:\n    Value: !GetAtt Key.Arn\n    Export:\n      Name: !Sub ${AWS::StackName}-KeyArn\n";

    fn file(name: &str, region: &str, account: &str, text: &str) -> StackFile {
        StackFile {
            stack: Stack {
                name: name.to_owned(),
                template: PathBuf::from(format!("{name}.yaml")),
                region: Some(region.to_owned()),
                account: Some(account.to_owned()),
                parameters: BTreeMap::new(),
                linked_parameters: BTreeMap::new(),
                deployer: None,
                nested_in: None,
            },
            shown: format!("{name}.yaml"),
            text: Some(text.to_owned()),
        }
    }

    fn view(links: &DeploymentLinks, stack: &Stack) -> StackLinks {
        let settings = links.settings(links.find(stack), stack, &Settings::default());
        (*settings.links.expect("linked").0).clone()
    }

    /// An export's name is resolved in its own stack (`${AWS::StackName}`), and imported
    /// only in the same account and Region.
    #[test]
    fn exports_are_per_stack_account_and_region() {
        let stacks = [
            file("keys", "eu-west-1", "111122223333", KEYS),
            file("app", "eu-west-1", "111122223333", "Resources: {}\n"),
            file("elsewhere", "us-east-1", "111122223333", "Resources: {}\n"),
            file("other", "eu-west-1", "444455556666", "Resources: {}\n"),
        ];
        let links = link(stacks.to_vec(), u64::MAX, false);
        let app = view(&links, &stacks[1].stack);
        assert_eq!(app.links.keys.len(), 1);
        let key = app.import("keys-KeyArn").expect("imported in its Region");
        assert_eq!(app.key(key).logical_id, "Key");
        assert_eq!(app.import("app-KeyArn"), None);
        assert_eq!(view(&links, &stacks[2].stack).import("keys-KeyArn"), None);
        assert_eq!(view(&links, &stacks[3].stack).import("keys-KeyArn"), None);
    }

    /// A `{ stack, output }` parameter is linked to the output's key, unless the stack named
    /// has several instances (whose outputs differ).
    #[test]
    fn table_outputs_link_parameters_of_one_instance_only() {
        let mut replica = file("replica", "eu-west-1", "111122223333", "Resources: {}\n");
        replica.stack.linked_parameters.insert(
            "PrimaryKeyArn".to_owned(),
            ("keys".to_owned(), "KeyArn".to_owned()),
        );
        let stacks = [file("keys", "us-east-1", "111122223333", KEYS), replica];
        let links = link(stacks.to_vec(), u64::MAX, false);
        assert!(
            view(&links, &stacks[1].stack)
                .parameter("PrimaryKeyArn")
                .is_some()
        );

        let mut twice = file("keys", "us-west-2", "111122223333", KEYS);
        twice.stack.template = stacks[0].stack.template.clone();
        let stacks = [stacks[0].clone(), twice, stacks[1].clone()];
        let links = link(stacks.to_vec(), u64::MAX, false);
        assert_eq!(
            view(&links, &stacks[2].stack).parameter("PrimaryKeyArn"),
            None
        );
    }

    /// A nested stack's parameter is its parent's key, or a sibling nested stack's output.
    #[test]
    fn nested_stacks_get_their_parents_keys_and_siblings_outputs() {
        let parent = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n  Keys:\n    Type: AWS::CloudFormation::Stack\n  Consumers:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      Parameters:\n        Own: !GetAtt Key.Arn\n        Sibling: !GetAtt Keys.Outputs.KeyArn\n        Other: just a string\n";
        let nested_keys = "Resources:\n  NestedKey:\n    Type: AWS::KMS::Key\nOutputs:\n  KeyArn:\n    Value: !Ref NestedKey\n";
        let stacks = [
            file("Platform", "eu-west-1", "111122223333", parent),
            file("Platform/Keys", "eu-west-1", "111122223333", nested_keys),
            file(
                "Platform/Consumers",
                "eu-west-1",
                "111122223333",
                "Resources: {}\n",
            ),
        ];
        let links = link(stacks.to_vec(), u64::MAX, false);
        let consumers = view(&links, &stacks[2].stack);
        let named = |parameter: &str| {
            consumers
                .parameter(parameter)
                .map(|k| consumers.key(k).logical_id.clone())
        };
        assert_eq!(named("Own").as_deref(), Some("Key"));
        assert_eq!(named("Sibling").as_deref(), Some("NestedKey"));
        assert_eq!(named("Other"), None);
    }

    /// Each template is read once however many stacks deploy it, and parsed for the links only
    /// when it can link (every one in change review); its lint starts from what was read.
    #[test]
    fn templates_are_read_once_and_parsed_when_they_can_link() {
        let keys = file("keys", "eu-west-1", "111122223333", KEYS);
        let mut again = file("keys", "us-east-1", "111122223333", "not read");
        again.stack.template = keys.stack.template.clone();
        let app = file("app", "eu-west-1", "111122223333", "Resources: {}\n");
        let templates = read(vec![keys.clone(), again.clone(), app.clone()], u64::MAX);
        assert_eq!(templates.texts.len(), 2);
        let trees = templates.parse(false);
        for stack in [&keys.stack, &again.stack] {
            let at = templates.find(stack).expect("given");
            let (text, tree) = templates.of(&trees, at).expect("read");
            assert_eq!(text, KEYS);
            assert!(tree.is_some_and(|(_, loaded)| loaded.root.is_some()));
        }
        let app = templates.find(&app.stack).expect("given");
        let (text, tree) = templates.of(&trees, app).expect("read");
        assert_eq!(text, "Resources: {}\n");
        assert!(tree.is_none());
        let review = templates.parse(true);
        assert!(templates.of(&review, app).unwrap().1.is_some());
        let elsewhere = file("app", "us-west-2", "111122223333", "");
        assert!(templates.find(&elsewhere.stack).is_none());
    }
}
