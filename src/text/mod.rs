//! Tags from text.
