//! Files from 256 kB up have their policies built and rules run in parallel (`rules::run`):
//! the findings must be exactly those of the same resources linted one small file at a time.

use kmslint_core::Settings;

/// One resource group with findings from several rules (policy rules and others).
fn resources(i: usize) -> String {
    format!(
        "  Key{i}:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Everyone
            Effect: allow
            Principal: '*'
            Action: ['kms:Encrypts', 'kms:*']
            Resource: '*'
  Alias{i}:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/aws/key-{i}
      TargetKeyId: !Ref Key{i}
"
    )
}

fn findings(text: &str) -> Vec<(String, String)> {
    // All rules, on purpose: the parallel path must give every rule's findings unchanged.
    kmslint_core::lint_source("big.yaml", text, &Settings::default())
        .into_iter()
        .map(|d| (d.code.to_owned(), d.message))
        .collect()
}

#[test]
fn a_big_file_gets_the_findings_of_its_parts_in_source_order() {
    let copies = 800;
    let text: String = std::iter::once("Resources:\n".to_owned())
        .chain((0..copies).map(resources))
        .collect();
    assert!(
        text.len() > 256 * 1024,
        "the test must cross the parallel threshold"
    );
    let big = kmslint_core::lint_source("big.yaml", &text, &Settings::default());

    let mut expected = Vec::new();
    for i in 0..copies {
        let part = format!("Resources:\n{}", resources(i));
        expected.extend(findings(&part));
    }
    assert!(expected.len() >= copies * 5, "{} findings", expected.len());
    let got: Vec<(String, String)> = big
        .iter()
        .map(|d| (d.code.to_owned(), d.message.clone()))
        .collect();
    assert_eq!(got, expected);
    // Source order, as for small files.
    assert!(big.windows(2).all(|w| w[0].sort_key() <= w[1].sort_key()));
}
