//! `--json`: one object per event, the diagnosis' fields plus the event's.

use maildiag::Classifier;
use maildiag_logs::DeliveryEvent;
use serde_json::{Map, Value, json};

/// Appends `ev` (read from input `file`) as one JSON line to `out`.
pub fn write_event(out: &mut Vec<u8>, classifier: &Classifier, file: &str, ev: &DeliveryEvent<'_>) {
    let d = classifier.classify_event(ev);
    let mut map = match serde_json::to_value(&d) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    map.insert("verdict".into(), d.verdict().into());
    map.insert(
        "timestamp".into(),
        ev.timestamp.map(|t| t.to_string()).into(),
    );
    map.insert("format".into(), ev.format.as_str().into());
    map.insert("queue_id".into(), ev.queue_id.as_deref().into());
    map.insert("sender".into(), ev.sender.as_deref().into());
    map.insert("recipient".into(), ev.recipient.as_deref().into());
    map.insert(
        "recipient_domain".into(),
        ev.recipient_domain.as_deref().into(),
    );
    map.insert(
        "relay".into(),
        ev.relay.as_ref().map_or(Value::Null, |r| {
            json!({
                "host": r.host.as_deref(),
                "ip": r.ip.map(|ip| ip.to_string()),
                "port": r.port,
            })
        }),
    );
    map.insert("outcome".into(), ev.outcome.as_str().into());
    map.insert("delay".into(), ev.delay.into());
    map.insert("reply_text".into(), ev.reply_text().into());
    map.insert("file".into(), file.into());
    map.insert(
        "span".into(),
        json!({ "start": ev.span.start, "end": ev.span.end }),
    );
    if serde_json::to_writer(&mut *out, &Value::Object(map)).is_ok() {
        out.push(b'\n');
    }
}
