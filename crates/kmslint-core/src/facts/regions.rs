//! AWS partitions and the Regions where KMS is available.
//!
//! Source: boto/botocore @ 0e6e2404 (2026-08-07), `botocore/data/partitions.json` and
//! `endpoints.json`, as summarised in `docs/facts/kms.md#regions-and-partitions`. KMS is
//! available in every Region listed; pseudo-Regions (`aws-global`) and FIPS endpoint names are
//! not Regions.

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Partition {
    pub name: &'static str,
    /// The partition's DNS suffix, the value of `AWS::URLSuffix` there.
    pub dns_suffix: &'static str,
    pub regions: &'static [&'static str],
}

pub(crate) const PARTITIONS: &[Partition] = &[
    Partition {
        name: "aws",
        dns_suffix: "amazonaws.com",
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    },
    Partition {
        name: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        regions: &["cn-north-1", "cn-northwest-1"],
    },
    Partition {
        name: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        regions: &["us-gov-east-1", "us-gov-west-1"],
    },
    Partition {
        name: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        regions: &["us-iso-east-1", "us-iso-west-1"],
    },
    Partition {
        name: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        regions: &["us-isob-east-1", "us-isob-west-1"],
    },
    Partition {
        name: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        regions: &["eu-isoe-west-1"],
    },
    Partition {
        name: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        regions: &["us-isof-east-1", "us-isof-south-1"],
    },
    Partition {
        name: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        regions: &["eusc-de-east-1"],
    },
];

pub(crate) fn partition(name: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.name == name)
}

/// The partition a known Region belongs to.
pub(crate) fn partition_of_region(region: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.regions.contains(&region))
}

/// Whether `region` has the shape of a Region code (`xx-name-1`), known or not; used to tell a
/// misspelt Region from something that is not a Region at all.
pub(crate) fn looks_like_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_belongs_to_one_partition() {
        let count: usize = PARTITIONS.iter().map(|p| p.regions.len()).sum();
        assert_eq!(count, 46);
        assert_eq!(partition_of_region("cn-north-1").unwrap().name, "aws-cn");
        assert_eq!(partition_of_region("eu-west-1").unwrap().name, "aws");
        assert!(partition_of_region("eu-west-9").is_none());
        assert!(looks_like_region("eu-west-9"));
        assert!(looks_like_region("us-gov-west-1"));
        assert!(!looks_like_region("key"));
    }
}
