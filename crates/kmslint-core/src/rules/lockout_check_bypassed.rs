//! KMS205 lockout-check-bypassed: `BypassPolicyLockoutSafetyCheck: true` on a Key turns off
//! KMS's check that the deployer can still change the key policy afterwards. The KMS API
//! reference: "Do not set this value to true indiscriminately"
//! (docs/facts/kms.md#lockout-safety-check).

use crate::diagnostic::Severity;
use crate::facts::resources::KEY;
use crate::model::value::Boolish;

use super::common::{report_value, resources};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS205.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS205",
    name: "lockout-check-bypassed",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct LockoutCheckBypassed;

impl Rule for LockoutCheckBypassed {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        for key in resources(cx, KEY) {
            let Some(node) = key.property("BypassPolicyLockoutSafetyCheck") else {
                continue;
            };
            for alt in cx.resolver().resolve(node) {
                // `yes` is KMS005's to report; it is true to CloudFormation's YAML parser.
                if matches!(alt.as_bool(), Boolish::True | Boolish::Ambiguous(true)) {
                    report_value(
                        out,
                        key,
                        &alt,
                        "`BypassPolicyLockoutSafetyCheck` is true: KMS will not check that the key policy lets the deployer change it later",
                    )
                    .with_help(
                        "remove the property; if the policy is meant to lock the deployer out, say so in a `# kmslint: ignore KMS205` comment",
                    );
                }
            }
        }
    }
}
