//! RFC 9989 (DMARCbis) discovery against the loopback test server: the DNS tree walk
//! (§4.10), `psd=` and the organizational domain (§4.10.2), `np=` and `t=`. Nothing here
//! reaches the network or the machine's resolver.

use std::time::Duration;

use maildiag_dnsauth::dmarc::{self, Discovery, DmarcError, Policy};
use maildiag_dnsauth::dns::{DnsConfig, HickoryLookup};
use maildiag_dnsauth::testserver::{TestServer, Zone};

fn resolver(server: &TestServer) -> HickoryLookup {
    let cfg = DnsConfig::with_nameservers(vec![server.addr()])
        .query_timeout(Duration::from_millis(300))
        .attempts(1)
        .deadline(Duration::from_secs(10));
    HickoryLookup::new(cfg).expect("resolver")
}

fn codes(f: &[maildiag_dnsauth::Finding]) -> Vec<&str> {
    f.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn walk_targets_skip_to_seven_labels() {
    assert_eq!(
        dmarc::tree_walk_targets("example.com."),
        ["example.com", "com"]
    );
    // 8 labels: the author domain, then 7, 6, ... 1 labels.
    let t = dmarc::tree_walk_targets("a.b.c.d.e.f.example.com");
    assert_eq!(t.len(), 8);
    assert_eq!(t[1], "b.c.d.e.f.example.com");
    // 12 labels: still 8 queries, the second one already at 7 labels.
    let t = dmarc::tree_walk_targets("1.2.3.4.5.a.b.c.d.e.example.com");
    assert_eq!(t.len(), 8);
    assert_eq!(t[0], "1.2.3.4.5.a.b.c.d.e.example.com");
    assert_eq!(t[1], "a.b.c.d.e.example.com");
    assert_eq!(t[7], "com");
}

#[tokio::test]
async fn walk_sends_at_most_eight_queries() {
    let server = TestServer::start(Zone::new()).await.expect("server");
    let dns = resolver(&server);
    let before = server.queries_received();
    let walk = dmarc::tree_walk(&dns, "1.2.3.4.5.6.7.8.9.10.example.org", false)
        .await
        .expect("walk");
    assert_eq!(walk.queried.len(), 8);
    assert!(walk.records.is_empty());
    assert_eq!(server.queries_received() - before, 8);
    assert_eq!(
        dmarc::organizational_domain_walk(&dns, "a.b.example.org").await,
        Ok("a.b.example.org".to_owned()) // no record anywhere: the domain itself
    );
}

fn psd_zone() -> Zone {
    let mut z = Zone::new();
    // A public suffix domain with psd=y, an organization below it without a record.
    z.txt("_dmarc.psd.example", "v=DMARC1; p=reject; psd=y")
        .a("mail.org1.psd.example", "192.0.2.1".parse().expect("ip"))
        // An organization that publishes psd=n below a parent's record.
        .txt("_dmarc.orgn.example", "v=DMARC1; p=none")
        .txt(
            "_dmarc.sub.orgn.example",
            "v=DMARC1; p=reject; sp=quarantine; psd=n",
        )
        .a("x.y.sub.orgn.example", "192.0.2.1".parse().expect("ip"))
        // No psd tags: intermediate and top records.
        .txt("_dmarc.b.inter.example", "v=DMARC1; p=quarantine")
        .txt("_dmarc.inter.example", "v=DMARC1; p=reject; sp=none")
        .a("a.b.inter.example", "192.0.2.1".parse().expect("ip"))
        // psd=y at the author domain itself is not a boundary.
        .txt("_dmarc.self.example", "v=DMARC1; p=reject; psd=y")
        // np= and t=.
        .txt(
            "_dmarc.np.example",
            "v=DMARC1; p=reject; sp=none; np=quarantine; t=y",
        )
        .a("www.np.example", "192.0.2.1".parse().expect("ip"))
        // A broken record higher up is skipped by the walk.
        .txt("_dmarc.broken.example", "v=DMARC1; p=block")
        .txt("_dmarc.ok.broken.example", "v=DMARC1; p=reject")
        .a("a.ok.broken.example", "192.0.2.1".parse().expect("ip"));
    z
}

#[tokio::test]
async fn organizational_domain_by_psd() {
    let server = TestServer::start(psd_zone()).await.expect("server");
    let dns = resolver(&server);
    let org = |d: &'static str| {
        let dns = &dns;
        async move { dmarc::organizational_domain_walk(dns, d).await }
    };
    // psd=y: the domain one label below the PSD.
    assert_eq!(
        org("mail.org1.psd.example").await,
        Ok("org1.psd.example".into())
    );
    assert_eq!(org("org1.psd.example").await, Ok("org1.psd.example".into()));
    // psd=n: that domain, although a parent has a record.
    assert_eq!(
        org("x.y.sub.orgn.example").await,
        Ok("sub.orgn.example".into())
    );
    assert_eq!(org("sub.orgn.example").await, Ok("sub.orgn.example".into()));
    // No psd: the record with the fewest labels.
    assert_eq!(org("a.b.inter.example").await, Ok("inter.example".into()));
    // psd=y at the starting domain is ignored: no other record, so the domain itself.
    assert_eq!(org("self.example").await, Ok("self.example".into()));
    // The PSL puts every one of these at the registrable domain.
    assert_eq!(
        dmarc::organizational_domain("x.y.sub.orgn.example"),
        "orgn.example"
    );
}

#[tokio::test]
async fn policy_discovery_by_walk() {
    let server = TestServer::start(psd_zone()).await.expect("server");
    let dns = resolver(&server);
    // The first record up the tree applies, with sp= for an existing subdomain.
    let f = dmarc::discover(&dns, "a.b.inter.example", Discovery::TreeWalk)
        .await
        .expect("found");
    assert_eq!(
        (f.policy_domain.as_str(), f.applied),
        ("b.inter.example", Policy::Quarantine)
    );
    // RFC 7489 goes straight to the PSL organizational domain.
    let f = dmarc::discover(&dns, "a.b.inter.example", Discovery::Rfc7489)
        .await
        .expect("found");
    assert_eq!(
        (f.policy_domain.as_str(), f.applied),
        ("inter.example", Policy::None)
    );
    // np= for a name that does not exist, lowered by t=y; sp= for one that does.
    let f = dmarc::discover(&dns, "nx.np.example", Discovery::TreeWalk)
        .await
        .expect("found");
    assert!(f.nonexistent);
    assert_eq!((f.applied, f.effective), (Policy::Quarantine, Policy::None));
    let f = dmarc::discover(&dns, "www.np.example", Discovery::TreeWalk)
        .await
        .expect("found");
    assert_eq!(
        (f.applied, f.effective, f.nonexistent),
        (Policy::None, Policy::None, false)
    );
    let f = dmarc::discover(&dns, "np.example", Discovery::TreeWalk)
        .await
        .expect("found");
    assert_eq!(
        (f.applied, f.effective),
        (Policy::Reject, Policy::Quarantine)
    );
    // A PSD policy applies to an organization without its own record.
    let f = dmarc::discover(&dns, "mail.org1.psd.example", Discovery::TreeWalk)
        .await
        .expect("found");
    assert_eq!(f.policy_domain, "psd.example");
    // An invalid record at the author domain is an error; further up it is skipped.
    let e = dmarc::discover(&dns, "broken.example", Discovery::TreeWalk).await;
    assert!(matches!(e, Err(DmarcError::Invalid(..))), "{e:?}");
    let f = dmarc::discover(&dns, "a.ok.broken.example", Discovery::TreeWalk)
        .await
        .expect("found");
    assert_eq!(f.policy_domain, "ok.broken.example");
    let w = dmarc::tree_walk(&dns, "x.broken.example", false)
        .await
        .expect("walk");
    assert_eq!(w.skipped.len(), 1);
}

#[tokio::test]
async fn check_reports_both_discoveries() {
    let server = TestServer::start(psd_zone()).await.expect("server");
    let dns = resolver(&server);
    let (found, f) = dmarc::check_dmarc(&dns, "x.y.sub.orgn.example").await;
    let c = codes(&f);
    assert!(c.contains(&"dmarc.discovery_differs"), "{c:?}");
    assert!(c.contains(&"dmarc.org_domain_differs"), "{c:?}");
    assert_eq!(
        found.map(|f| f.policy_domain),
        Some("orgn.example".to_owned())
    );
    let (_, f) = dmarc::check_dmarc(&dns, "mail.org1.psd.example").await;
    let c = codes(&f);
    assert!(c.contains(&"dmarc.psd_policy"), "{c:?}");
    let (_, f) = dmarc::check_dmarc(&dns, "nx.np.example").await;
    let c = codes(&f);
    assert!(c.contains(&"dmarc.nonexistent_domain"), "{c:?}");
    assert!(c.contains(&"dmarc.testing"), "{c:?}");
}

#[tokio::test]
async fn found_only_by_walk() {
    // The PSL makes example.co.uk's organizational domain example.co.uk; a record at an
    // intermediate name is only visible to the tree walk.
    let mut z = Zone::new();
    z.txt("_dmarc.c.example.co.uk", "v=DMARC1; p=reject")
        .a("a.b.c.example.co.uk", "192.0.2.1".parse().expect("ip"));
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    let (found, f) = dmarc::check_dmarc(&dns, "a.b.c.example.co.uk").await;
    assert_eq!(
        found.map(|f| f.policy_domain),
        Some("c.example.co.uk".to_owned())
    );
    assert!(
        codes(&f).contains(&"dmarc.tree_walk_only"),
        "{:?}",
        codes(&f)
    );
}
