//! SPF linter (placeholder while being written).
