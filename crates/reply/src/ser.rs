//! serde helpers: byte strings serialise as (lossy) UTF-8 strings.

use std::borrow::Cow;

use serde::Serializer;

// serde's `serialize_with` passes a reference to the field's own type.
#[allow(clippy::ptr_arg)]
pub(crate) fn bytes<S: Serializer>(v: &Cow<'_, [u8]>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(v))
}

pub(crate) fn opt_bytes<S: Serializer>(v: &Option<Cow<'_, [u8]>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => bytes(v, s),
        None => s.serialize_none(),
    }
}

pub(crate) fn lines<S: Serializer>(v: &[Cow<'_, [u8]>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|l| String::from_utf8_lossy(l)))
}

pub(crate) fn slice<S: Serializer>(v: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(v))
}
