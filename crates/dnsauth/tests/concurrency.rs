//! MX targets and DKIM selectors are looked up concurrently, with findings in a fixed
//! order. Each name below times out (the loopback server drops the query), so
//! sequential lookups would take the timeout once per name.

use std::time::{Duration, Instant};

use maildiag_dnsauth::dns::{DnsConfig, HickoryLookup};
use maildiag_dnsauth::testserver::{TestServer, Zone};
use maildiag_dnsauth::{dkim, mx};

fn resolver(server: &TestServer) -> HickoryLookup {
    let cfg = DnsConfig::with_nameservers(vec![server.addr()])
        .query_timeout(Duration::from_millis(400))
        .attempts(1)
        .deadline(Duration::from_secs(30));
    HickoryLookup::new(cfg).expect("resolver")
}

#[tokio::test]
async fn mx_targets_and_selectors_run_concurrently() {
    let mut z = Zone::new();
    for i in 0..6 {
        let h = format!("mx{i}.slow.example");
        z.mx("slow.example", 10 + i, &h).timeout(&h);
        z.timeout(&format!("s{i}._domainkey.slow.example"));
    }
    let server = TestServer::start(z).await.expect("server");
    let dns = resolver(&server);

    let t = Instant::now();
    let (_, f) = mx::check_mx(&dns, "slow.example").await;
    let took = t.elapsed();
    // 6 targets x 3 lookups x 400 ms would be 7.2 s one after another.
    assert!(took < Duration::from_millis(2500), "MX took {took:?}");
    let names: Vec<&str> = f.iter().filter_map(|f| f.name.as_deref()).collect();
    let want: Vec<String> = (0..6).map(|i| format!("mx{i}.slow.example")).collect();
    assert_eq!(names, want, "findings follow the MX order");

    let sels: Vec<String> = (0..6).map(|i| format!("s{i}")).collect();
    let t = Instant::now();
    let (_, f) = dkim::check_dkim(&dns, "slow.example", &sels).await;
    let took = t.elapsed();
    assert!(took < Duration::from_millis(2000), "DKIM took {took:?}");
    let names: Vec<&str> = f.iter().filter_map(|f| f.name.as_deref()).collect();
    let want: Vec<String> = (0..6)
        .map(|i| format!("s{i}._domainkey.slow.example"))
        .collect();
    assert_eq!(names, want, "findings follow the selector order");
}
