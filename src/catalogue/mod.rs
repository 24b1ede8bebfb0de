//! Catalogue import and validation.
