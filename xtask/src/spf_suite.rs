//! `cargo xtask spf-suite PATH...`: runs OpenSPF-format YAML suites (such as
//! `rfc7208-tests.yml`) through `maildiag-dnsauth`'s SPF evaluator, with each scenario's
//! zone data served by the crate's loopback DNS test server.
//!
//! Zone data follows the pyspf driver: records typed `SPF` are also served as `TXT`
//! unless the name has `TXT` records of its own (`TXT: NONE` means "no TXT, and do not
//! copy"); a bare `TIMEOUT` item makes every query for that name go unanswered.
//!
//! Prints one line per failing test and finally `N passed, M failed`.

use std::net::IpAddr;
use std::time::Duration;

use maildiag_dnsauth::dns::{DnsConfig, HickoryLookup};
use maildiag_dnsauth::spf::{SpfLimits, SpfRequest, check_host};
use maildiag_dnsauth::testserver::{TestServer, Zone, ZoneRecord};
use serde::Deserialize;
use serde_yaml::Value;

/// Entry point: `spf-suite [-v] PATH...`.
pub fn run(args: Vec<String>) -> Result<(), String> {
    let verbose = args.iter().any(|a| a == "-v" || a == "--verbose");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if paths.is_empty() {
        return Err("usage: cargo xtask spf-suite [-v] PATH.yml...".into());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut failures = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let (p, f, names) = rt
            .block_on(run_file(&text, verbose))
            .map_err(|e| format!("{path}: {e}"))?;
        println!("{path}: {p} passed, {f} failed");
        passed += p;
        failed += f;
        failures.extend(names);
    }
    for f in &failures {
        println!("FAILED {f}");
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        Err(format!("{failed} test(s) failed"))
    } else {
        Ok(())
    }
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A TXT value's character-strings. A TXT with no strings at all (`[]`, zero-length
/// RDATA) is served as one empty string: RFC 1035 3.3.14 requires at least one
/// character-string and hickory's decoder rejects the whole answer otherwise.
fn txt_parts(v: &Value) -> Vec<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = match v {
        Value::Sequence(items) => items
            .iter()
            .filter_map(str_of)
            .map(String::into_bytes)
            .collect(),
        other => vec![str_of(other).unwrap_or_default().into_bytes()],
    };
    if parts.is_empty() {
        parts.push(Vec::new());
    }
    parts
}

/// Builds one scenario's zone the way pyspf's test driver does.
fn build_zone(zonedata: &Value) -> Result<Zone, String> {
    let mut zone = Zone::new();
    let Value::Mapping(map) = zonedata else {
        return Ok(zone);
    };
    for (owner, recs) in map {
        let owner = str_of(owner).ok_or("owner name is not a string")?;
        let Value::Sequence(recs) = recs else {
            continue;
        };
        let mut has_txt = false;
        let mut has_timeout = false;
        let mut spf_copies = Vec::new();
        for r in recs {
            match r {
                Value::String(s) if s == "TIMEOUT" => {
                    has_timeout = true;
                    zone.timeout(&owner);
                }
                Value::Mapping(m) => {
                    for (t, v) in m {
                        let t = str_of(t).unwrap_or_default();
                        let is_none = matches!(v, Value::String(s) if s == "NONE");
                        match t.as_str() {
                            "TXT" => {
                                has_txt = true;
                                if !is_none {
                                    zone.add(&owner, ZoneRecord::Txt(txt_parts(v)));
                                }
                            }
                            "SPF" => {
                                if !is_none {
                                    spf_copies.push(txt_parts(v));
                                }
                            }
                            "A" | "AAAA" => {
                                let ips: Vec<String> = match v {
                                    Value::Sequence(s) => s.iter().filter_map(str_of).collect(),
                                    other => str_of(other).into_iter().collect(),
                                };
                                for ip in ips {
                                    let ip: IpAddr = ip
                                        .parse()
                                        .map_err(|e| format!("{owner}: bad address {ip}: {e}"))?;
                                    zone.a(&owner, ip);
                                }
                            }
                            "MX" => {
                                let Value::Sequence(s) = v else {
                                    return Err(format!("{owner}: bad MX"));
                                };
                                let pref = s.first().and_then(Value::as_u64).unwrap_or(0);
                                let host = s.get(1).and_then(str_of).unwrap_or_default();
                                zone.mx(&owner, u16::try_from(pref).unwrap_or(0), &host);
                            }
                            "PTR" => {
                                zone.add(&owner, ZoneRecord::Ptr(str_of(v).unwrap_or_default()));
                            }
                            "CNAME" => {
                                zone.cname(&owner, &str_of(v).unwrap_or_default());
                            }
                            other => return Err(format!("{owner}: unknown record type {other}")),
                        }
                    }
                }
                _ => {}
            }
        }
        // pyspf appends the copies after the list, so a TIMEOUT item comes first.
        if !has_txt && !has_timeout {
            for parts in spf_copies {
                zone.add(&owner, ZoneRecord::Txt(parts));
            }
        }
    }
    Ok(zone)
}

async fn run_file(text: &str, verbose: bool) -> Result<(usize, usize, Vec<String>), String> {
    let server = TestServer::start(Zone::new())
        .await
        .map_err(|e| format!("test server: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    let mut failures = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let scenario = Value::deserialize(doc).map_err(|e| format!("YAML: {e}"))?;
        let desc = scenario
            .get("description")
            .and_then(str_of)
            .unwrap_or_default();
        let zone = build_zone(scenario.get("zonedata").unwrap_or(&Value::Null))?;
        server.set_zone(zone);
        let Some(Value::Mapping(tests)) = scenario.get("tests") else {
            continue;
        };
        for (name, t) in tests {
            let name = str_of(name).unwrap_or_default();
            let get = |k: &str| t.get(k).and_then(str_of).unwrap_or_default();
            let ip: IpAddr = get("host")
                .parse()
                .map_err(|e| format!("{name}: bad host: {e}"))?;
            let expected: Vec<String> = match t.get("result") {
                Some(Value::Sequence(s)) => s.iter().filter_map(str_of).collect(),
                Some(v) => str_of(v).into_iter().collect(),
                None => Vec::new(),
            };
            let cfg = DnsConfig::with_nameservers(vec![server.addr()])
                .query_timeout(Duration::from_millis(300))
                .attempts(1)
                .deadline(Duration::from_secs(20));
            let dns = HickoryLookup::new(cfg).map_err(|e| e.to_string())?;
            let req = SpfRequest::new(ip, &get("helo"), &get("mailfrom"));
            let out = check_host(&dns, &req, SpfLimits::default()).await;
            let got = out.result.as_str();
            let mut ok = expected.iter().any(|e| e.eq_ignore_ascii_case(got));
            let mut why = format!("expected {} got {got} ({})", expected.join("|"), out.reason);
            if ok
                && got == "fail"
                && let Some(exp) = t.get("explanation").and_then(str_of)
            {
                let got_exp = out.explanation.clone().unwrap_or_else(|| "DEFAULT".into());
                if exp != got_exp {
                    ok = false;
                    why = format!("explanation expected {exp:?} got {got_exp:?}");
                }
            }
            if ok {
                passed += 1;
                if verbose {
                    println!("ok     {desc} / {name}: {got}");
                }
            } else {
                failed += 1;
                println!("FAIL   {desc} / {name}: {why}");
                failures.push(format!("{name}: {why}"));
            }
        }
    }
    Ok((passed, failed, failures))
}
