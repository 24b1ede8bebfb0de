//! Building the [`MatchIndex`] and queries from what the worker sends, the same way for the
//! window and the command line.

use std::sync::Arc;

use super::score::{MatchIndex, Query};
use super::text::TextIndex;
use crate::engine::protocol::{CatalogueEmbeddings, MatchParts, Prediction};

/// The Match index of a catalogue from its embeddings and (once computed) its colour and text
/// parts; without parts, only the shape term is on.
pub fn match_index(embeddings: &CatalogueEmbeddings, parts: Option<&MatchParts>) -> MatchIndex {
    let n = embeddings.index.len();
    let colours = parts.map(|p| p.colours.clone()).filter(|c| c.len() == n);
    let text = parts
        .map(|p| p.text.clone())
        .filter(|t| t.len() == n)
        .unwrap_or_else(|| Arc::new(TextIndex::build(&vec![""; n])));
    MatchIndex::new(embeddings.index.clone(), colours, text)
}

/// The query for a dropped photo: its embedding, its garment colours, its predicted tags
/// standing in for a description (the description term is off without a trained model), and
/// its kind of garment predicted from the photo (from its predicted tags where the catalogue
/// has too few descriptions for the photo head).
pub fn photo_query(index: &MatchIndex, prediction: &Prediction) -> Query {
    let text = prediction.tags.as_ref().map(|tags| {
        let words: Vec<String> = tags
            .iter()
            .filter(|t| t.predicted)
            .flat_map(|t| super::text::terms_of(&t.name))
            .collect();
        index.text.vector_of_terms(&words)
    });
    let kind = index
        .kinds
        .predict(&index.shape, &prediction.embedding)
        .or_else(|| {
            let names: Vec<&str> = prediction
                .tags
                .as_ref()?
                .iter()
                .filter(|t| t.predicted)
                .map(|t| t.name.as_str())
                .collect();
            super::kind::GarmentTypes::curated().kind_of_text(&names.join(" . "))
        });
    Query::Photo {
        kind,
        embedding: prediction.embedding.clone(),
        colour: prediction
            .palette
            .as_ref()
            .map(super::colour::Palette::descriptor),
        text,
    }
}
