//! Serves a small demo zone on 127.0.0.1 (ephemeral port, printed) until interrupted, for
//! trying `maildiag check DOMAIN --nameserver 127.0.0.1:PORT` by hand.
//!
//! `cargo run -p maildiag-dnsauth --example serve_demo`

use maildiag_dnsauth::testserver::{TestServer, Zone};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut z = Zone::new();
    z.txt(
        "example.com",
        "v=spf1 mx include:_spf.example.net include:_spf.example.net ~all",
    )
    .txt(
        "_spf.example.net",
        "v=spf1 ip4:198.51.100.0/24 a:gone.example.net -all",
    )
    .mx("example.com", 10, "mail.example.com")
    .mx("example.com", 20, "192.0.2.99")
    .a("mail.example.com", "192.0.2.1".parse()?)
    .ptr("192.0.2.1".parse()?, "mail.example.com")
    .txt(
        "_dmarc.example.com",
        "v=DMARC1; p=none; pct=50; rua=mailto:d@reports.example.org",
    )
    .txt("selector1._domainkey.example.com", "v=DKIM1; k=rsa; p=")
    .txt("_mta-sts.example.com", "v=STSv1; id=2024")
    .a("1.2.0.192.bl.example", "127.0.0.2".parse()?);
    let server = TestServer::start(z).await?;
    println!("{}", server.addr());
    std::future::pending::<()>().await;
    Ok(())
}
