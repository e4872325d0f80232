//! fml, the Japanese mailing-list manager: notices from `LIST-admin@` with an
//! `X-MLServer` header and a `<digits>.FML...@host` Message-ID, one line per problem
//! ending in the address concerned (`You are not a member of this mailing list
//! <list@example.jp>.`, `Duplicated Message-ID in <list@example.jp>.`), then
//! "Original mail as follows:" and the returned message.

use super::Format;
use crate::email::Ctx;
use crate::text::{Found, addresses, clean_address, push_line};

pub(crate) const FORMAT: Format = Format {
    name: "fml",
    detect,
    read: Some(read),
};

fn detect(ctx: &Ctx) -> bool {
    ctx.header("x-mlserver").is_some()
        && (ctx.sender_has("-admin@") || ctx.header_contains("message-id", ".fml"))
}

/// The address a problem line ends with: `... <address>.`
fn problem_address(line: &str) -> Option<String> {
    let t = line.trim_end().strip_suffix('.')?.strip_suffix('>')?;
    let inner = &t[t.rfind('<')? + 1..];
    let (a, b) = *addresses(inner).first()?;
    (a == 0 && b == inner.len()).then(|| clean_address(inner))
}

/// Each problem line and the lines of its paragraph.
fn read(ctx: &mut Ctx) -> Vec<Found> {
    let Some((sec, end)) = ctx.body_section(&[], &["Original mail as follows:"], false) else {
        return Vec::new();
    };
    let sec = sec.to_owned();
    if end < ctx.body.len() {
        ctx.original_from_text(end);
    }
    let mut found: Vec<Found> = Vec::new();
    let mut open = false;
    for line in sec.lines() {
        if let Some(addr) = problem_address(line) {
            match found
                .iter_mut()
                .find(|f| f.recipient.eq_ignore_ascii_case(&addr))
            {
                Some(f) => push_line(&mut f.diagnostic, line),
                None => found.push(Found::new(&addr, line.trim())),
            }
            open = true;
        } else if line.trim().is_empty() {
            open = false;
        } else if open && let Some(f) = found.last_mut() {
            push_line(&mut f.diagnostic, line);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::problem_address;

    #[test]
    fn problem_lines_end_with_the_address() {
        assert_eq!(
            problem_address("Duplicated Message-ID in <list@example.jp>.").as_deref(),
            Some("list@example.jp")
        );
        assert_eq!(problem_address("mail to <list@example.jp> failed."), None);
        assert_eq!(problem_address("see <https://example.jp/>."), None);
        assert_eq!(problem_address("<>."), None);
        assert_eq!(problem_address("."), None);
    }
}
