//! Unit tests of principal classification and coverage.

use super::*;

fn alt(text: Text<'static>) -> Alt<'static> {
    Alt::detached(text)
}

fn aws(s: &str) -> Principal {
    classify("AWS", &alt(Text::lit(s.to_owned())), &|_| None)
}

fn iam(account: &str, kind: IamKind) -> Principal {
    Principal::Iam(IamPrincipal {
        partition: Slot::Known("aws".into()),
        account: Slot::Known(account.into()),
        kind,
    })
}

fn role(name: &str) -> IamKind {
    IamKind::Role(Name::Known(name.into()))
}

fn arn_text(parts: Vec<Part<'static>>) -> Text<'static> {
    Text { parts }
}

#[test]
fn classifies_aws_principals() {
    assert_eq!(aws("*"), Principal::Everyone);
    assert_eq!(
        aws("111122223333"),
        Principal::Iam(IamPrincipal {
            partition: Slot::Stack,
            account: Slot::Known("111122223333".into()),
            kind: IamKind::Account
        })
    );
    assert_eq!(
        aws("arn:aws:iam::111122223333:root"),
        iam("111122223333", IamKind::Account)
    );
    assert_eq!(
        aws("arn:aws:iam::111122223333:role/path/Admin"),
        iam("111122223333", role("Admin"))
    );
    assert_eq!(
        aws("arn:aws:sts::111122223333:assumed-role/Admin/me"),
        iam(
            "111122223333",
            IamKind::AssumedRole {
                role: Name::Known("Admin".into()),
                session: Name::Known("me".into())
            }
        )
    );
    assert!(matches!(aws("123456789"), Principal::Invalid(_)));
    assert!(matches!(
        aws("arn:aws:iam::111122223333:group/Admins"),
        Principal::Invalid(_)
    ));
    assert!(matches!(
        aws("arn:aws:iam::111122223333:role/*"),
        Principal::Invalid(_)
    ));
    assert!(matches!(aws("arn:aws:s3:::bucket"), Principal::Invalid(_)));
}

#[test]
fn holes_keep_what_is_known() {
    let root = arn_text(vec![
        Part::Lit("arn:".into()),
        Part::Hole(Hole::Partition),
        Part::Lit(":iam::".into()),
        Part::Hole(Hole::AccountId),
        Part::Lit(":root".into()),
    ]);
    assert_eq!(
        classify("AWS", &alt(root), &|_| None),
        Principal::Iam(IamPrincipal {
            partition: Slot::Stack,
            account: Slot::Stack,
            kind: IamKind::Account
        })
    );
    let role = Text::hole(Hole::GetAtt("R", "Arn"));
    assert_eq!(
        classify("AWS", &alt(role), &|_| Some("AWS::IAM::Role")),
        Principal::TemplateResource("R".into())
    );
    assert_eq!(
        classify("AWS", &alt(Text::hole(Hole::Param("P"))), &|_| None),
        Principal::Unknown
    );
}

fn role_with_hole(param: &'static str) -> Principal {
    let text = arn_text(vec![
        Part::Lit("arn:aws:iam::111122223333:role/".into()),
        Part::Hole(Hole::Param(param)),
    ]);
    classify("AWS", &alt(text), &|_| None)
}

#[test]
fn the_account_principal_covers_the_template_s_roles() {
    let d = Deployment::default();
    let role = Principal::TemplateResource("Role".into());
    let stack_root = classify("AWS", &alt(Text::hole(Hole::AccountId)), &|_| None);
    assert_eq!(
        stack_root.covers(Requester::Named(&role), &d),
        Coverage::Yes
    );
    let literal_root = iam("111122223333", IamKind::Account);
    assert_eq!(
        literal_root.covers(Requester::Named(&role), &d),
        Coverage::Maybe
    );
    let elsewhere = Deployment {
        account: Some("444455556666"),
        ..d
    };
    assert_eq!(
        literal_root.covers(Requester::Named(&role), &elsewhere),
        Coverage::No
    );
    let other = Principal::TemplateResource("Other".into());
    assert_eq!(other.covers(Requester::Named(&role), &d), Coverage::No);
}

#[test]
fn generated_names_are_named_only_by_principals_of_their_shape() {
    let d = Deployment::default();
    let generated = Requester::Generated {
        resource: "Reporting",
        user: false,
    };
    let stack_role = |name: Name| {
        Principal::Iam(IamPrincipal {
            partition: Slot::Stack,
            account: Slot::Stack,
            kind: IamKind::Role(name),
        })
    };
    let known = |s: &str| Name::Known(s.into());
    // A literal name without the random suffix is not the generated one.
    assert_eq!(
        stack_role(known("reporting-service")).covers(generated, &d),
        Coverage::No
    );
    assert_eq!(
        stack_role(known("Reporting")).covers(generated, &d),
        Coverage::No
    );
    // One of the generated shape, or one not known here, may be.
    assert_eq!(
        stack_role(known("prod-Reporting-1ABCDEFGHIJK")).covers(generated, &d),
        Coverage::Maybe
    );
    assert_eq!(
        stack_role(Name::Hole("${AWS::StackName}-Reporting".into())).covers(generated, &d),
        Coverage::Maybe
    );
    // A user is not a role; the account principal, `!GetAtt` and `*` name it.
    let user = Principal::Iam(IamPrincipal {
        partition: Slot::Stack,
        account: Slot::Stack,
        kind: IamKind::User(known("prod-Reporting-1ABCDEFGHIJK")),
    });
    assert_eq!(user.covers(generated, &d), Coverage::No);
    let root = classify("AWS", &alt(Text::hole(Hole::AccountId)), &|_| None);
    assert_eq!(root.covers(generated, &d), Coverage::Yes);
    let get_att = Principal::TemplateResource("Reporting".into());
    assert_eq!(get_att.covers(generated, &d), Coverage::Yes);
    assert_eq!(Principal::Everyone.covers(generated, &d), Coverage::Yes);
    assert_eq!(Principal::Unknown.covers(generated, &d), Coverage::Maybe);
}

#[test]
fn principals_match_the_way_iam_matches_them() {
    let d = Deployment::default();
    let admin = iam("111122223333", role("Admin"));
    let other_admin = iam("444455556666", role("Admin"));
    let covers = |p: &Principal, q: &Principal| p.covers(Requester::Named(q), &d);
    // The account matters: the same role name in another account is another role.
    assert_eq!(covers(&other_admin, &admin), Coverage::No);
    assert_eq!(covers(&admin, &admin), Coverage::Yes);
    assert_eq!(
        covers(&iam("111122223333", role("admin")), &admin),
        Coverage::Yes
    );
    // The account principal covers its roles; a role covers its sessions.
    assert_eq!(
        covers(&iam("111122223333", IamKind::Account), &admin),
        Coverage::Yes
    );
    let session = iam(
        "111122223333",
        IamKind::AssumedRole {
            role: Name::Known("Admin".into()),
            session: Name::Known("deploy".into()),
        },
    );
    assert_eq!(covers(&admin, &session), Coverage::Yes);
    assert_eq!(covers(&session, &admin), Coverage::Maybe);
    // Holes: the same one is the same value; different ones may or may not be.
    let a = role_with_hole("A");
    let b = role_with_hole("B");
    assert_eq!(covers(&a, &a), Coverage::Yes);
    assert_eq!(covers(&a, &b), Coverage::Maybe);
    assert_eq!(covers(&a, &admin), Coverage::Maybe);
    // The unnamed principal of the stack's account.
    let stack_root = classify("AWS", &alt(Text::hole(Hole::AccountId)), &|_| None);
    assert_eq!(stack_root.covers(Requester::Unnamed, &d), Coverage::Yes);
    assert_eq!(admin.covers(Requester::Unnamed, &d), Coverage::No);
    let foreign = iam("444455556666", IamKind::Account);
    assert_eq!(foreign.covers(Requester::Unnamed, &d), Coverage::Maybe);
    let known = Deployment {
        account: Some("111122223333"),
        partition: Some("aws"),
        region: None,
    };
    assert_eq!(foreign.covers(Requester::Unnamed, &known), Coverage::No);
}

#[test]
fn classifies_service_principals() {
    let service = |s: &str| classify("Service", &alt(Text::lit(s.to_owned())), &|_| None);
    assert_eq!(
        service("logs.amazonaws.com"),
        Principal::Service(ServicePrincipal {
            service: Name::Known("logs".into()),
            region: None,
            suffix: "amazonaws.com".into()
        })
    );
    assert_eq!(
        service("logs.eu-west-1.amazonaws.com"),
        Principal::Service(ServicePrincipal {
            service: Name::Known("logs".into()),
            region: Some(Slot::Known("eu-west-1".into())),
            suffix: "amazonaws.com".into()
        })
    );
    assert!(matches!(service("Logs"), Principal::Invalid(_)));
    assert!(matches!(service(".amazonaws.com"), Principal::Invalid(_)));
    assert!(matches!(
        service("arn:aws:iam::1:root"),
        Principal::Invalid(_)
    ));
    assert!(matches!(
        classify("Everyone", &alt(Text::lit("x")), &|_| None),
        Principal::Invalid(_)
    ));
    let regional = arn_text(vec![
        Part::Lit("logs.".into()),
        Part::Hole(Hole::Region),
        Part::Lit(".amazonaws.com".into()),
    ]);
    let logs_here = classify("Service", &alt(regional), &|_| None);
    assert_eq!(
        logs_here,
        Principal::Service(ServicePrincipal {
            service: Name::Known("logs".into()),
            region: Some(Slot::Stack),
            suffix: "amazonaws.com".into()
        })
    );
    let d = Deployment {
        region: Some("eu-west-1"),
        ..Deployment::default()
    };
    assert_eq!(
        logs_here.covers(
            Requester::Named(&service("logs.eu-west-1.amazonaws.com")),
            &d
        ),
        Coverage::Yes
    );
    assert_eq!(
        logs_here.covers(
            Requester::Named(&service("logs.us-east-1.amazonaws.com")),
            &d
        ),
        Coverage::No
    );
    assert_eq!(
        logs_here.covers(Requester::Named(&service("logs.amazonaws.com")), &d),
        Coverage::No
    );
}
