//! Amazon SES: delivery-status reports from `amazonses.com` and SES/SNS JSON
//! notifications (`"notificationType":"Bounce"`, `"Delivery"`, `"Complaint"`).

use super::Format;
use crate::email::{Ctx, phrase};
use crate::text::{Found, find_ci};

pub(crate) const FORMAT: Format = Format {
    name: "amazonses",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.sender_has("amazonses.com")
        || ctx.header("x-ses-outgoing").is_some()
        || ctx.body_marker(phrase!("\"notificationType\""))
        || ctx.body_marker(phrase!("\"eventType\""))
        || ctx.header("x-amz-sns-message-type").is_some()
}

/// The SES notification inside the body: either the notification itself or an SNS
/// envelope whose `Message` holds it as a string.
pub(crate) fn notification(body: &str) -> Option<serde_json::Value> {
    let start = body.find('{')?;
    let end = body.rfind('}')?;
    if end <= start {
        return None;
    }
    let raw = &body[start..=end];
    // Mail gateways fold the long JSON line; SNS's email transport folds it with a `!`
    // at the end of a line and a space at the start of the next, both to be removed.
    let unfolded;
    let raw = if raw.contains("!\n ") {
        unfolded = raw.replace("!\n ", "");
        &unfolded[..]
    } else {
        raw
    };
    let v: serde_json::Value = serde_json::from_str(raw)
        .or_else(|_| serde_json::from_str(&raw.replace('\n', "")))
        .or_else(|_| serde_json::from_str(&raw.replace("\n ", "")))
        .ok()?;
    if v.get("notificationType").is_some() || v.get("eventType").is_some() {
        return Some(v);
    }
    let inner = v.get("Message")?.as_str()?;
    serde_json::from_str(inner).ok()
}

/// An Amazon SES complaint notification (a feedback report in SES's JSON): the
/// complaint's feedback type and one recipient per complained-about address.
pub(crate) fn complaint(ctx: &Ctx) -> Option<(Option<String>, Vec<crate::model::BounceRecipient>)> {
    if !detect(ctx) {
        return None;
    }
    find_ci(&ctx.body, "\"Complaint\"")?;
    let n = notification(&ctx.body)?;
    let kind = n
        .get("notificationType")
        .or_else(|| n.get("eventType"))
        .and_then(|v| v.as_str())?;
    if kind != "Complaint" {
        return None;
    }
    let c = &n["complaint"];
    let ftype = c
        .get("complaintFeedbackType")
        .and_then(|v| v.as_str())
        .map(str::to_ascii_lowercase);
    let rcpts: Vec<crate::model::BounceRecipient> = c
        .get("complainedRecipients")
        .and_then(|x| x.as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("emailAddress").and_then(|v| v.as_str()))
        .map(crate::text::clean_address)
        .filter(|a| a.contains('@'))
        .map(|a| {
            let mut b = crate::model::BounceRecipient::new(a, "amazonses");
            b.action = maildiag_reply::Action::Other;
            b.feedback_type.clone_from(&ftype);
            b.arrival_date = c
                .get("arrivalDate")
                .or_else(|| c.get("timestamp"))
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            b.original = ctx.original.clone();
            b
        })
        .collect();
    (!rcpts.is_empty()).then_some((ftype, rcpts))
}

fn read(ctx: &mut Ctx) -> Vec<Found> {
    if find_ci(&ctx.body, "notificationType").is_none() && find_ci(&ctx.body, "eventType").is_none()
    {
        return Vec::new();
    }
    let Some(n) = notification(&ctx.body) else {
        return Vec::new();
    };
    let kind = n
        .get("notificationType")
        .or_else(|| n.get("eventType"))
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let mut out = Vec::new();
    let s =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
    if kind == "Bounce" {
        let b = &n["bounce"];
        let temporary = s(b, "bounceType") == "Transient";
        for r in b
            .get("bouncedRecipients")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            let mut f = Found::new(&s(r, "emailAddress"), &s(r, "diagnosticCode"));
            f.status = s(r, "status").parse().ok();
            f.action = Some(if temporary {
                maildiag_reply::Action::Delayed
            } else {
                maildiag_reply::Action::Failed
            });
            if f.diagnostic.is_empty() {
                f.diagnostic = format!("{} {}", s(b, "bounceType"), s(b, "bounceSubType"));
            }
            f.remote_mta = b
                .get("remoteMtaIp")
                .and_then(|x| x.as_str())
                .map(str::to_owned);
            out.push(f);
        }
    } else if kind == "Delivery" {
        let d = &n["delivery"];
        for r in d
            .get("recipients")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            let mut f = Found::new(r.as_str().unwrap_or(""), &s(d, "smtpResponse"));
            f.action = Some(maildiag_reply::Action::Delivered);
            f.remote_mta = Some(s(d, "remoteMtaIp")).filter(|x| !x.is_empty());
            out.push(f);
        }
    } else if kind == "Complaint" {
        let c = &n["complaint"];
        for r in c
            .get("complainedRecipients")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            let mut f = Found::new(&s(r, "emailAddress"), &s(c, "complaintFeedbackType"));
            f.action = Some(maildiag_reply::Action::Other);
            f.diagnostic_type = Some("feedback".into());
            out.push(f);
        }
    }
    let m = &n["mail"];
    if ctx.original.is_empty() {
        let h = &m["commonHeaders"];
        ctx.original.message_id = h
            .get("messageId")
            .and_then(|x| x.as_str())
            .map(|x| x.trim_matches(['<', '>']).to_owned());
        ctx.original.subject = h.get("subject").and_then(|x| x.as_str()).map(str::to_owned);
        ctx.original.from = h
            .get("from")
            .and_then(|x| x.get(0))
            .and_then(|x| x.as_str())
            .map(str::to_owned);
        ctx.original.date = h.get("date").and_then(|x| x.as_str()).map(str::to_owned);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sns_folding_undone() {
        let folded = "{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{\"emailAddress\":\"bounce@simu!\n lator.amazonses.com\"}]}}";
        let v = super::notification(folded).expect("parsed");
        assert_eq!(
            v["bounce"]["bouncedRecipients"][0]["emailAddress"],
            "bounce@simulator.amazonses.com"
        );
    }
}
