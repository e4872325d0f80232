//! Serves the peer-comparison zone set (`docs/peer-compare/`) on a loopback address until
//! killed, printing the address first and then the number of queries received each time
//! it changes (`queries N`), so the driver can check that the peers asked this server.
//!
//! `cargo run -p maildiag-dnsauth --example serve_compare -- 127.0.0.1:5300`
//!
//! Every domain is under `.example` (RFC 2606); the sending IP used by the comparison is
//! 192.0.2.10.

use std::net::SocketAddr;
use std::time::Duration;

use maildiag_dnsauth::testserver::{TestServer, Zone};

const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDG3is2yGSo6lt+iBW7AwpsLdbU4dOKuycadwRLSNaaRryfYlU2SRyTgamSCtxhg0tl24urVOH7bLov+ieR++VIGkVFrI0KP3V6GqfalKQkVFr2MWhoFckoRa/bhJ9rNhiuKN7LV6pYTsZWMgBRX1tSvdBR0ymRaTpYP930nPmlCwIDAQAB";
const RSA2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtQNI1fAzhjPo7onM2KvoEaBN5KIXaALQs9P3BmsliPcoN39SKmGLv3aHhuEiTyMJ3V7TbTRzhKvndLih/6NNj52VXwhV09fmD1aIFsE2KlJYbctET/iy+aDbcGkjqkwupLOwvUzzJ+ql7tEkkX+IDcMPnk72iw9W7ze3xmcLunI84ZzdA2AbVoGKx4t+6dOEB6i1oImWNMgrSkZrEgEEnooe3ymYoGKJGvL60VmyMNCeN9Y8zfDnPP/pJeNbP30kviSEZ8sayst2r+gvx+ITkeH2V0k9BYL9Lm2OJ0JXeBD3bPO15Wg9nvUbyYCIdfIdT+lkIM9dBDFii1W25n8KPwIDAQAB";

/// The comparison zones. Each SPF test domain also gets an MX and an address so that
/// the peers' other checks have something to look at.
fn zones() -> Result<Zone, Box<dyn std::error::Error>> {
    let mut z = Zone::new();
    let spf: &[(&str, &str)] = &[
        ("good.example", "v=spf1 ip4:192.0.2.0/24 -all"),
        ("plusall.example", "v=spf1 +all"),
        ("qall.example", "v=spf1 ip4:198.51.100.0/24 ?all"),
        ("noall.example", "v=spf1 ip4:198.51.100.0/24"),
        (
            "toomany.example",
            "v=spf1 include:i1.toomany.example include:i2.toomany.example include:i3.toomany.example include:i4.toomany.example include:i5.toomany.example include:i6.toomany.example a:a7.toomany.example a:a8.toomany.example a:a9.toomany.example a:a10.toomany.example a:a11.toomany.example ip4:192.0.2.10 -all",
        ),
        (
            "ten.example",
            "v=spf1 include:i1.toomany.example include:i2.toomany.example include:i3.toomany.example include:i4.toomany.example include:i5.toomany.example include:i6.toomany.example a:a7.toomany.example a:a8.toomany.example a:a9.toomany.example a:a10.toomany.example ip4:192.0.2.10 -all",
        ),
        (
            "void.example",
            "v=spf1 a:nx1.void.example a:nx2.void.example a:nx3.void.example ip4:192.0.2.10 -all",
        ),
        ("ptr.example", "v=spf1 ptr -all"),
        (
            "redirall.example",
            "v=spf1 ip4:198.51.100.1 -all redirect=_spf.redirall.example",
        ),
        ("_spf.redirall.example", "v=spf1 +all"),
        ("redir.example", "v=spf1 redirect=_spf.redir.example"),
        ("_spf.redir.example", "v=spf1 ip4:192.0.2.0/24 -all"),
        (
            "dupinc.example",
            "v=spf1 include:_spf.redir.example include:_spf.redir.example -all",
        ),
        ("incnone.example", "v=spf1 include:nothing.example -all"),
        ("syntax.example", "v=spf1 ip4:192.0.2.300 -all"),
        ("afterall.example", "v=spf1 -all ip4:192.0.2.10"),
        ("mx11.example", "v=spf1 mx -all"),
        ("unknownmod.example", "v=spf1 foo=bar ip4:192.0.2.10 -all"),
        ("badmod.example", "v=spf1 ip4:192.0.2.10 exp=%{z} -all"),
        ("caseall.example", "V=SPF1 IP4:192.0.2.10 -ALL"),
    ];
    for (d, rec) in spf {
        z.txt(d, rec);
    }
    for i in 1..=6 {
        z.txt(
            &format!("i{i}.toomany.example"),
            &format!("v=spf1 ip4:198.51.100.{i} -all"),
        );
    }
    for i in 7..=11 {
        z.a(&format!("a{i}.toomany.example"), "198.51.100.99".parse()?);
    }
    // Two SPF records.
    z.txt("multi.example", "v=spf1 ip4:192.0.2.10 -all")
        .txt("multi.example", "v=spf1 -all");
    // A 600-octet record in three strings: ip4 terms, then -all.
    let mut long = String::from("v=spf1");
    let mut n = 0u8;
    while long.len() < 580 {
        long.push_str(&format!(" ip4:203.0.113.{n}"));
        n = n.wrapping_add(1);
    }
    long.push_str(" ip4:192.0.2.10 -all");
    z.txt("long.example", &long);
    // A 470-octet record (over the 450 recommendation, under 512).
    let mut mid = String::from("v=spf1");
    let mut n = 0u8;
    while mid.len() < 450 {
        mid.push_str(&format!(" ip4:203.0.113.{n}"));
        n = n.wrapping_add(1);
    }
    mid.push_str(" -all");
    z.txt("long450.example", &mid);
    // 11 MX hosts for `mx`.
    for i in 1..=11 {
        let h = format!("mx{i}.mx11.example");
        z.mx("mx11.example", 10, &h).a(&h, "198.51.100.50".parse()?);
    }
    // ptr: 192.0.2.10 points to host.ptr.example which resolves back.
    z.ptr("192.0.2.10".parse()?, "host.ptr.example")
        .a("host.ptr.example", "192.0.2.10".parse()?);

    // DMARC.
    let dmarc: &[(&str, &str)] = &[
        (
            "good.example",
            "v=DMARC1; p=reject; rua=mailto:agg@good.example",
        ),
        (
            "dm-pct.example",
            "v=DMARC1; p=reject; pct=50; rf=afrf; ri=3600; rua=mailto:agg@dm-pct.example",
        ),
        (
            "dm-badtag.example",
            "v=DMARC1; p=reject; foo=bar; rua=mailto:agg@dm-badtag.example",
        ),
        ("dm-badp.example", "v=DMARC1; p=block"),
        ("dm-nop.example", "v=DMARC1; rua=mailto:agg@dm-nop.example"),
        (
            "dm-ext.example",
            "v=DMARC1; p=reject; rua=mailto:agg@reports.example",
        ),
        (
            "dm-extok.example",
            "v=DMARC1; p=reject; rua=mailto:agg@reportsok.example",
        ),
        ("dm-none.example", "v=DMARC1; p=none"),
        (
            "dm-t.example",
            "v=DMARC1; p=reject; t=y; rua=mailto:agg@dm-t.example",
        ),
        (
            "dm-np.example",
            "v=DMARC1; p=reject; sp=none; np=quarantine; rua=mailto:agg@dm-np.example",
        ),
        ("dm-psdbad.example", "v=DMARC1; p=reject; psd=x"),
        (
            "dm-order.example",
            "v=DMARC1; rua=mailto:agg@dm-order.example; p=reject",
        ),
        (
            "dm-http.example",
            "v=DMARC1; p=reject; rua=https://reports.example/dmarc",
        ),
        // Tree walk: a PSD record, an intermediate record, a deep name.
        ("psd.example", "v=DMARC1; p=reject; psd=y"),
        (
            "b.inter.example",
            "v=DMARC1; p=quarantine; rua=mailto:agg@inter.example",
        ),
        (
            "inter.example",
            "v=DMARC1; p=reject; rua=mailto:agg@inter.example",
        ),
        (
            "deep.example",
            "v=DMARC1; p=reject; rua=mailto:agg@deep.example",
        ),
        (
            "orgn.example",
            "v=DMARC1; p=none; rua=mailto:agg@orgn.example",
        ),
        (
            "sub.orgn.example",
            "v=DMARC1; p=reject; psd=n; rua=mailto:agg@orgn.example",
        ),
    ];
    for (d, rec) in dmarc {
        z.txt(&format!("_dmarc.{d}"), rec);
    }
    z.txt("_dmarc.dm-multi.example", "v=DMARC1; p=reject")
        .txt("_dmarc.dm-multi.example", "v=DMARC1; p=none");
    z.txt(
        "dm-extok.example._report._dmarc.reportsok.example",
        "v=DMARC1",
    );
    z.a("mail.org1.psd.example", "192.0.2.10".parse()?)
        .a("a.b.inter.example", "192.0.2.10".parse()?)
        .a("a.b.c.d.e.f.g.h.deep.example", "192.0.2.10".parse()?)
        .a("x.sub.orgn.example", "192.0.2.10".parse()?);

    // DKIM.
    z.txt(
        "k1024._domainkey.good.example",
        &format!("v=DKIM1; k=rsa; p={RSA1024}"),
    )
    .txt(
        "k2048._domainkey.good.example",
        &format!("v=DKIM1; k=rsa; p={RSA2048}"),
    )
    .txt("revoked._domainkey.good.example", "v=DKIM1; k=rsa; p=")
    .txt(
        "testing._domainkey.good.example",
        &format!("v=DKIM1; k=rsa; t=y; p={RSA2048}"),
    )
    .txt(
        "sha1._domainkey.good.example",
        &format!("v=DKIM1; k=rsa; h=sha1; p={RSA2048}"),
    );

    // Every domain gets an MX and an address.
    let mut domains: Vec<&str> = spf.iter().chain(dmarc).map(|(d, _)| *d).collect();
    domains.extend([
        "multi.example",
        "long.example",
        "long450.example",
        "dm-multi.example",
    ]);
    domains.sort_unstable();
    domains.dedup();
    for d in domains {
        if d.starts_with('_') || d == "mx11.example" {
            continue;
        }
        let mx = format!("mail.{d}");
        z.mx(d, 10, &mx).a(&mx, "192.0.2.25".parse()?);
    }
    Ok(z)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5300".to_owned())
        .parse()?;
    let server = TestServer::start_on(addr, zones()?).await?;
    println!("{}", server.addr());
    let mut last = usize::MAX;
    loop {
        let n = server.queries_received();
        if n != last {
            println!("queries {n}");
            last = n;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
