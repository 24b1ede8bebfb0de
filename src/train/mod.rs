//! The background worker, metrics and checkpoints.
