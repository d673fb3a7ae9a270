//! Helpers several rules share.

use crate::diagnostic::Diagnostic;
use crate::model::Resource;
use crate::model::value::Alt;

use super::{Context, Reporter};

pub(crate) use crate::lookup::did_you_mean;

/// Reports a finding about one value a property can take. The finding points at the value as
/// written: the literal, or the parameter's `Default`/`AllowedValues` entry (with the place the
/// parameter is used as a related location). A value from an `Fn::If` branch names the
/// condition; a value given on the command line says so.
pub fn report_value<'o>(
    out: &'o mut Reporter,
    resource: &Resource<'_>,
    alt: &Alt<'_>,
    message: impl Into<String>,
) -> &'o mut Diagnostic {
    let mut message = message.into();
    if let Some(note) = alt.when_note() {
        message = format!("{message} ({note})");
    }
    if let Some(param) = alt.param.as_ref().filter(|p| p.from_command_line) {
        message = format!(
            "{message} (parameter `{}` as given on the command line)",
            param.name
        );
    }
    let diagnostic = out.report(alt.span, message);
    diagnostic.with_resource(resource.name);
    if let Some(param) = alt.param.as_ref().filter(|p| !p.from_command_line) {
        diagnostic.with_related(
            param.site,
            format!("parameter `{}` is used here", param.name),
        );
    }
    diagnostic
}

/// The resources of the given type.
pub fn resources<'a, 't>(
    cx: &'a Context<'a, 't>,
    type_name: &'static str,
) -> impl Iterator<Item = &'a Resource<'t>> + 'a {
    cx.template
        .into_iter()
        .flat_map(move |t| t.resources_of_type(type_name))
}

/// What a ReplicaKey's `PrimaryKeyArn` value refers to.
pub enum PrimaryTarget<'a, 't> {
    /// A resource of this template, through `Ref` (`attribute` None) or `Fn::GetAtt`.
    InTemplate {
        resource: &'a Resource<'t>,
        attribute: Option<&'t str>,
    },
    /// An ARN (possibly with holes).
    Arn(crate::model::arn::Arn<'t>),
    /// Certainly not an ARN (a key ID, an alias name).
    NotArn(String),
    Unknown,
}

/// Every value of a ReplicaKey's `PrimaryKeyArn`, with what it refers to.
pub fn primary_targets<'a, 't>(
    cx: &'a Context<'a, 't>,
    replica: &Resource<'t>,
) -> Vec<(Alt<'t>, PrimaryTarget<'a, 't>)> {
    use crate::model::arn::{self, ArnShape};
    use crate::model::value::Hole;
    let Some(node) = replica.property("PrimaryKeyArn") else {
        return Vec::new();
    };
    cx.resolver()
        .resolve(node)
        .into_iter()
        .map(|alt| {
            let target = match alt.text_value() {
                None => PrimaryTarget::Unknown,
                Some(text) => match text.only_hole() {
                    Some(&Hole::Ref(name)) | Some(&Hole::GetAtt(name, _)) => {
                        let attribute = match text.only_hole() {
                            Some(&Hole::GetAtt(_, a)) => Some(a),
                            _ => None,
                        };
                        match cx.template.and_then(|t| t.resource(name)) {
                            Some(resource) => PrimaryTarget::InTemplate {
                                resource,
                                attribute,
                            },
                            None => PrimaryTarget::Unknown,
                        }
                    }
                    _ => match arn::parse(text) {
                        ArnShape::Arn(arn) => PrimaryTarget::Arn(arn),
                        ArnShape::NotArn => PrimaryTarget::NotArn(text.display()),
                        ArnShape::Unknown => PrimaryTarget::Unknown,
                    },
                },
            };
            (alt, target)
        })
        .collect()
}
