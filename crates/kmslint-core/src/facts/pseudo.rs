//! CloudFormation's pseudo parameters (AWS CloudFormation User Guide, "Pseudo parameters
//! reference"): the one list that value resolution, KMS003 and KMS202 read.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pseudo {
    AccountId,
    NotificationArns,
    NoValue,
    Partition,
    Region,
    StackId,
    StackName,
    UrlSuffix,
}

/// Every pseudo parameter by name, in alphabetical order (the order "did you mean" prefers).
pub(crate) const PSEUDO_PARAMETERS: &[(&str, Pseudo)] = &[
    ("AWS::AccountId", Pseudo::AccountId),
    ("AWS::NotificationARNs", Pseudo::NotificationArns),
    ("AWS::NoValue", Pseudo::NoValue),
    ("AWS::Partition", Pseudo::Partition),
    ("AWS::Region", Pseudo::Region),
    ("AWS::StackId", Pseudo::StackId),
    ("AWS::StackName", Pseudo::StackName),
    ("AWS::URLSuffix", Pseudo::UrlSuffix),
];

impl Pseudo {
    pub(crate) fn from_name(name: &str) -> Option<Pseudo> {
        PSEUDO_PARAMETERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, p)| p)
    }

    pub(crate) fn name(self) -> &'static str {
        PSEUDO_PARAMETERS
            .iter()
            .find(|&&(_, p)| p == self)
            .map_or("", |&(n, _)| n)
    }

    /// The length of its shortest value: 12 digits of an account ID, `us-east-1`, `aws`,
    /// `amazonaws.com`; 0 for the others (no lower bound is worth knowing).
    pub(crate) fn min_len(self) -> usize {
        match self {
            Pseudo::AccountId => 12,
            Pseudo::Region => 9,
            Pseudo::Partition => 3,
            Pseudo::UrlSuffix => 13,
            Pseudo::NotificationArns | Pseudo::NoValue | Pseudo::StackId | Pseudo::StackName => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_both_ways() {
        for &(name, pseudo) in PSEUDO_PARAMETERS {
            assert_eq!(Pseudo::from_name(name), Some(pseudo));
            assert_eq!(pseudo.name(), name);
        }
        assert_eq!(Pseudo::from_name("AWS::Nothing"), None);
    }
}
