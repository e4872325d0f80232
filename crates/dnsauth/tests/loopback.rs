//! Integration tests against the crate's own authoritative DNS server on loopback.
//! Nothing here reaches the network or the machine's resolver.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use maildiag_dnsauth::dns::{DnsConfig, DnsLookup, HickoryLookup, LookupError, RecordType};
use maildiag_dnsauth::spf::{SpfLimits, SpfRequest, SpfResult, check_host, lint_spf};
use maildiag_dnsauth::testserver::{TestServer, Zone};
use maildiag_dnsauth::{CheckConfig, CheckRequest, Checker, Level, dkim, dmarc, dnsbl, mx, ptr};

const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDG3is2yGSo6lt+iBW7AwpsLdbU4dOKuycadwRLSNaaRryfYlU2SRyTgamSCtxhg0tl24urVOH7bLov+ieR++VIGkVFrI0KP3V6GqfalKQkVFr2MWhoFckoRa/bhJ9rNhiuKN7LV6pYTsZWMgBRX1tSvdBR0ymRaTpYP930nPmlCwIDAQAB";
const RSA2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtQNI1fAzhjPo7onM2KvoEaBN5KIXaALQs9P3BmsliPcoN39SKmGLv3aHhuEiTyMJ3V7TbTRzhKvndLih/6NNj52VXwhV09fmD1aIFsE2KlJYbctET/iy+aDbcGkjqkwupLOwvUzzJ+ql7tEkkX+IDcMPnk72iw9W7ze3xmcLunI84ZzdA2AbVoGKx4t+6dOEB6i1oImWNMgrSkZrEgEEnooe3ymYoGKJGvL60VmyMNCeN9Y8zfDnPP/pJeNbP30kviSEZ8sayst2r+gvx+ITkeH2V0k9BYL9Lm2OJ0JXeBD3bPO15Wg9nvUbyYCIdfIdT+lkIM9dBDFii1W25n8KPwIDAQAB";
const RSA512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALJ8g+9SPPj1arhCnZTH9ANMkLPyjBtZ7KvN1lA9vzAGr1q5DvQbPBM6xuo8qgpcmO2OYa6VVVPsl7IvU8dKuucCAwEAAQ==";

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

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

#[tokio::test]
async fn resolver_tells_outcomes_apart() {
    let mut z = Zone::new();
    z.txt_parts("split.example", &["v=spf1 ", "ip4:192.0.2.1", " -all"])
        .a("host.example", ip("192.0.2.1"))
        .servfail("broken.example")
        .timeout("slow.example");
    let big = "x".repeat(3000);
    z.txt("big.example", &big);
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    assert_eq!(
        dns.txt("split.example").await,
        Ok(vec![b"v=spf1 ip4:192.0.2.1 -all".to_vec()])
    );
    assert_eq!(
        dns.lookup("nothing.example", RecordType::A).await,
        Err(LookupError::NxDomain)
    );
    assert_eq!(
        dns.lookup("host.example", RecordType::Mx).await,
        Err(LookupError::NoData)
    );
    assert_eq!(
        dns.lookup("broken.example", RecordType::Txt).await,
        Err(LookupError::ServFail)
    );
    let t = Instant::now();
    assert_eq!(
        dns.lookup("slow.example", RecordType::Txt).await,
        Err(LookupError::Timeout)
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    // Truncated over UDP, retried over TCP.
    let txt = dns.txt("big.example").await.expect("big TXT over TCP");
    assert_eq!(txt[0].len(), 3000);
    // One cache per run: a second identical lookup sends nothing.
    let before = server.queries_received();
    let _ = dns.lookup("nothing.example", RecordType::A).await;
    assert_eq!(server.queries_received(), before);
}

async fn spf(z: Zone, client: &str, from: &str) -> (SpfResult, String) {
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    let o = check_host(
        &dns,
        &SpfRequest::new(ip(client), "helo.example.com", from),
        SpfLimits::default(),
    )
    .await;
    (o.result, o.explanation.unwrap_or_default())
}

#[tokio::test]
async fn spf_scenarios() {
    let mut z = Zone::new();
    z.txt(
        "example.com",
        "v=spf1 include:_spf.example.net mx -all exp=why.example.com",
    )
    .txt(
        "_spf.example.net",
        "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all",
    )
    .mx("example.com", 10, "mx.example.com")
    .a("mx.example.com", ip("192.0.2.10"))
    .txt("why.example.com", "%{i} is not one of %{d}'s hosts");
    assert_eq!(
        spf(z.clone(), "198.51.100.7", "a@example.com").await.0,
        SpfResult::Pass
    );
    assert_eq!(
        spf(z.clone(), "2001:db8::5", "a@example.com").await.0,
        SpfResult::Pass
    );
    assert_eq!(
        spf(z.clone(), "192.0.2.10", "a@example.com").await.0,
        SpfResult::Pass
    );
    let (r, exp) = spf(z.clone(), "203.0.113.9", "a@example.com").await;
    assert_eq!(
        (r, exp.as_str()),
        (
            SpfResult::Fail,
            "203.0.113.9 is not one of example.com's hosts"
        )
    );

    // SERVFAIL in an include is temperror, never "none".
    let mut z = Zone::new();
    z.txt("example.com", "v=spf1 include:dead.example.net -all")
        .servfail("dead.example.net");
    assert_eq!(
        spf(z, "192.0.2.1", "a@example.com").await.0,
        SpfResult::TempError
    );

    // Include loop: permerror through the lookup limit.
    let mut z = Zone::new();
    z.txt("a.example", "v=spf1 include:b.example -all")
        .txt("b.example", "v=spf1 include:a.example -all");
    assert_eq!(
        spf(z, "192.0.2.1", "x@a.example").await.0,
        SpfResult::PermError
    );

    // Third void lookup: permerror.
    let mut z = Zone::new();
    z.txt(
        "v.example",
        "v=spf1 a:n1.v.example a:n2.v.example a:n3.v.example -all",
    );
    assert_eq!(
        spf(z, "192.0.2.1", "x@v.example").await.0,
        SpfResult::PermError
    );

    // Two records: permerror; none: none; macros with %{ir} and %{d2}.
    let mut z = Zone::new();
    z.txt("two.example", "v=spf1 -all")
        .txt("two.example", "v=spf1 +all");
    assert_eq!(
        spf(z, "192.0.2.1", "x@two.example").await.0,
        SpfResult::PermError
    );
    assert_eq!(
        spf(Zone::new(), "192.0.2.1", "x@none.example").await.0,
        SpfResult::None
    );
    let mut z = Zone::new();
    z.txt(
        "m.sub.example.org",
        "v=spf1 exists:%{ir}.%{l1r-}.lists.%{d2} -all",
    )
    .a("1.2.0.192.jack.lists.example.org", ip("127.0.0.2"));
    // %{l1r-} of "jack-x" is "jack" (RFC 7208 7.4: strong-bad -> strong).
    assert_eq!(
        spf(z.clone(), "192.0.2.1", "jack-x@m.sub.example.org")
            .await
            .0,
        SpfResult::Pass
    );
    assert_eq!(
        spf(z, "192.0.2.1", "x-jack@m.sub.example.org").await.0,
        SpfResult::Fail
    );

    // 100 MX targets: permerror, and bounded work.
    let mut z = Zone::new();
    z.txt("many.example", "v=spf1 mx -all");
    for i in 0..100 {
        z.mx("many.example", i, &format!("mx{i}.many.example"));
    }
    assert_eq!(
        spf(z, "192.0.2.1", "x@many.example").await.0,
        SpfResult::PermError
    );
}

#[tokio::test]
async fn spf_lint_tree_and_findings() {
    let mut z = Zone::new();
    let mut rec = String::from("v=spf1 ptr include:a.example include:a.example");
    for i in 0..9 {
        rec.push_str(&format!(" include:i{i}.example"));
        z.txt(&format!("i{i}.example"), "v=spf1 a -all");
    }
    rec.push_str(" include:gone.example +all redirect=r.example");
    z.txt("lint.example", &rec)
        .txt("a.example", "v=spf1 ip4:192.0.2.0/24 -all");
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    let lint = lint_spf(&dns, "lint.example").await;
    let c = codes(&lint.findings);
    for want in [
        "spf.pass_all",
        "spf.ptr_deprecated",
        "spf.duplicate_include",
        "spf.include_no_record",
        "spf.redirect_ignored",
        "spf.too_many_lookups",
        "spf.too_many_void_lookups",
    ] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    assert!(
        !c.contains(&"spf.include_loop"),
        "a duplicate include is not a loop: {c:?}"
    );
    assert!(lint.total_lookups > 10);
    assert!(lint.tree.render().contains("i3.example (1 lookup)"));
}

#[tokio::test]
async fn dkim_keys() {
    let mut z = Zone::new();
    z.txt(
        "s2048._domainkey.example.com",
        &format!("v=DKIM1; k=rsa; p={RSA2048}"),
    )
    .txt(
        "s1024._domainkey.example.com",
        &format!("v=DKIM1; k=rsa; t=y; p={RSA1024}"),
    )
    .txt(
        "s512._domainkey.example.com",
        &format!("v=DKIM1; p={RSA512}"),
    )
    .txt("gone._domainkey.example.com", "v=DKIM1; p=")
    .txt(
        "ed._domainkey.example.com",
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    )
    .txt(
        "google._domainkey.guess.example",
        &format!("v=DKIM1; p={RSA2048}"),
    );
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    let sels: Vec<String> = ["s2048", "s1024", "s512", "gone", "ed", "missing"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (keys, f) = dkim::check_dkim(&dns, "example.com", &sels).await;
    let bits: Vec<Option<usize>> = keys.iter().map(|(_, k)| k.bits).collect();
    assert_eq!(bits, [Some(2048), Some(1024), Some(512), None, Some(256)]);
    let c = codes(&f);
    for want in [
        "dkim.key",
        "dkim.key_weak",
        "dkim.testing",
        "dkim.key_too_small",
        "dkim.revoked",
        "dkim.missing",
    ] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    let (keys, _) = dkim::check_dkim(&dns, "guess.example", &[]).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].0, "google");
}

#[tokio::test]
async fn dmarc_discovery_and_reports() {
    let mut z = Zone::new();
    z.txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; np=reject; pct=100; rua=mailto:agg@reports.example.net,mailto:d@example.com")
        .a("mail.example.com", ip("192.0.2.1"))
        .txt("example.com._report._dmarc.other.example", "v=DMARC1");
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    let found = dmarc::discover(&dns, "mail.example.com", dmarc::Discovery::Rfc7489)
        .await
        .expect("found");
    assert_eq!(
        (found.policy_domain.as_str(), found.applied),
        ("example.com", dmarc::Policy::Quarantine)
    );
    let found = dmarc::discover(&dns, "nx.a.b.example.com", dmarc::Discovery::TreeWalk)
        .await
        .expect("found");
    assert_eq!(found.applied, dmarc::Policy::Reject); // np= for a non-existent subdomain
    let (_, f) = dmarc::check_dmarc(&dns, "example.com").await;
    let c = codes(&f);
    assert!(c.contains(&"dmarc.pct_removed"), "{c:?}");
    assert!(c.contains(&"dmarc.external_report_unauthorised"), "{c:?}");
    let (_, f) = dmarc::check_dmarc(&dns, "nodmarc.example.org").await;
    assert_eq!(codes(&f), ["dmarc.missing"]);
}

#[tokio::test]
async fn ptr_mx_and_lists() {
    let mut z = Zone::new();
    z.ptr(ip("192.0.2.1"), "mail.example.com")
        .a("mail.example.com", ip("192.0.2.1"))
        .ptr(ip("192.0.2.2"), "192-0-2-2.dynamic.isp.example")
        .ptr(ip("2001:db8::25"), "v6.example.com")
        .a("v6.example.com", ip("2001:db8::25"))
        .mx("example.com", 10, "mail.example.com")
        .mx("example.com", 20, "alias.example.com")
        .mx("example.com", 30, "192.0.2.9")
        .mx("example.com", 40, "nowhere.example.com")
        .cname("alias.example.com", "mail.example.com")
        .mx("null.example", 0, ".")
        .a("2.2.0.192.bl.test", ip("127.0.0.2"))
        .a("1.2.0.192.zen.spamhaus.test", ip("127.255.255.254"));
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);
    let (_, f) = ptr::check_ptr(&dns, ip("192.0.2.1"), Some("mail.example.com")).await;
    assert_eq!(codes(&f), ["ptr.fcrdns"]);
    let (_, f) = ptr::check_ptr(&dns, ip("2001:db8::25"), None).await;
    assert_eq!(codes(&f), ["ptr.fcrdns"]);
    let (_, f) = ptr::check_ptr(&dns, ip("192.0.2.2"), None).await;
    assert!(codes(&f).contains(&"ptr.not_confirmed") && codes(&f).contains(&"ptr.generic"));
    let (_, f) = ptr::check_ptr(&dns, ip("192.0.2.3"), None).await;
    assert_eq!(codes(&f), ["ptr.missing"]);

    let (_, f) = mx::check_mx(&dns, "example.com").await;
    let c = codes(&f);
    for want in ["mx.cname", "mx.ip_literal", "mx.unresolvable", "mx.ok"] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    let (_, f) = mx::check_mx(&dns, "null.example").await;
    assert_eq!(codes(&f), ["mx.null"]);

    let zones = vec![
        dnsbl::ListZone::parse("bl.test"),
        dnsbl::ListZone::parse("zen.spamhaus.test"),
    ];
    let f = dnsbl::check_lists(&dns, Some(ip("192.0.2.2")), None, &zones).await;
    assert_eq!(codes(&f), ["dnsbl.listed", "dnsbl.not_listed"]);
    let f = dnsbl::check_lists(&dns, Some(ip("192.0.2.1")), None, &zones).await;
    assert_eq!(codes(&f), ["dnsbl.not_listed", "dnsbl.query_refused"]);
}

#[tokio::test]
async fn checker_end_to_end() {
    let mut z = Zone::new();
    z.txt("example.com", "v=spf1 mx -all")
        .mx("example.com", 10, "mail.example.com")
        .a("mail.example.com", ip("192.0.2.1"))
        .ptr(ip("192.0.2.1"), "mail.example.com")
        .txt("_dmarc.example.com", "v=DMARC1; p=none")
        .txt("_mta-sts.example.com", "v=STSv1; id=20240101")
        .txt(
            "_smtp._tls.example.com",
            "v=TLSRPTv1; rua=mailto:tls@example.com",
        );
    let server = TestServer::start(z).await.expect("server");
    let cfg = CheckConfig::new(
        DnsConfig::with_nameservers(vec![server.addr()])
            .query_timeout(Duration::from_millis(300))
            .attempts(1),
    )
    .lists(vec![]);
    let checker = Checker::new(cfg).expect("checker");
    let req = CheckRequest::new("example.com")
        .ip(ip("192.0.2.1"))
        .helo("mail.example.com");
    let report = checker.check_domain(&req).await.expect("report");
    let c = codes(&report.findings);
    for want in [
        "spf.pass",
        "dmarc.policy_none",
        "ptr.fcrdns",
        "mx.ok",
        "mta_sts.record",
        "tls_rpt.record",
        "dkim.no_selector_found",
    ] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    assert!(
        !report.has_errors(),
        "{:?}",
        report
            .findings
            .iter()
            .filter(|f| f.level == Level::Error)
            .collect::<Vec<_>>()
    );
    let json = serde_json::to_string(&report.findings).expect("json");
    assert!(json.contains("\"code\":\"spf.pass\""));
}
