//! Embeddings and nearest neighbours.
