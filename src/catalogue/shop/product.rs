//! One shop product gathered from its rows, and products into catalogue items.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::attr;
use super::html::html_to_text;
use crate::catalogue::fetch;
use crate::catalogue::images::check_images;
use crate::catalogue::report::{ProblemKind, Severity};
use crate::catalogue::rows::{assemble, Locator, Problems, Row};
use crate::catalogue::Item;

/// A product read from a shop file: its rows folded together.
#[derive(Clone, Debug)]
pub(crate) struct Product {
    /// Where its first row is.
    pub locator: Locator,
    /// Its key in the shop (see [`attr::KEY`]).
    pub key: String,
    /// Title, for the text and the attributes.
    pub title: String,
    /// Description parts (HTML or text) in order: e.g. short description, then description.
    pub descriptions: Vec<String>,
    /// Image addresses or paths, the main photo first, without repeats.
    pub images: Vec<String>,
    /// Shop fields by [`attr`] name; several values are joined with ", " when the item is made.
    pub fields: BTreeMap<&'static str, Vec<String>>,
}

impl Product {
    /// A product whose first row is at `locator`.
    pub fn new(locator: Locator, key: impl Into<String>) -> Self {
        Product {
            locator,
            key: key.into(),
            title: String::new(),
            descriptions: Vec::new(),
            images: Vec::new(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds an image unless it is empty or already listed.
    pub fn add_image(&mut self, reference: &str) {
        let reference = reference.trim();
        if !reference.is_empty() && !self.images.iter().any(|i| i == reference) {
            self.images.push(reference.to_string());
        }
    }

    /// Adds a field value unless it is empty or already there.
    pub fn add_field(&mut self, name: &'static str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let values = self.fields.entry(name).or_default();
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }

    /// The text tags learn from: the title, then each description part, as sentences.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        let title = html_to_text(&self.title);
        if !title.is_empty() {
            parts.push(title);
        }
        for description in &self.descriptions {
            let text = html_to_text(description);
            // A short description often repeats the start of the long one.
            if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
        }
        let several = parts.len() > 1;
        if let Some(first) = parts.first_mut() {
            if several && !first.ends_with(['.', '!', '?', ':', ';']) {
                first.push('.');
            }
        }
        parts.join(" ")
    }

    fn attributes(&self) -> BTreeMap<String, String> {
        let mut attributes: BTreeMap<String, String> = self
            .fields
            .iter()
            .map(|(name, values)| (name.to_string(), values.join(", ")))
            .collect();
        attributes.insert(attr::KEY.to_string(), self.key.clone());
        if !self.title.is_empty() {
            attributes.insert(attr::TITLE.to_string(), self.title.clone());
        }
        attributes
    }
}

/// Turns products into items: photos fetched (all of a product's at once, so one progress
/// covers them), the main photo checked by the usual import, extra photos checked here and
/// left out with a warning when they fail.
pub(crate) fn into_items(
    products: Vec<Product>,
    base_dir: &Path,
    problems: &mut Problems<'_>,
) -> Vec<Item> {
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    let mut products_with_images = Vec::with_capacity(products.len());
    for product in products {
        if product.images.is_empty() {
            problems.add(
                product.locator,
                ProblemKind::MissingImage,
                Severity::Skipped,
                format!("product \"{}\" has no image; skipped", product.key),
            );
            continue;
        }
        let mut resolved = Vec::new();
        for reference in &product.images {
            match crate::catalogue::rows::resolve_image(reference, base_dir) {
                Ok(path) => {
                    resolved.push(wanted.len());
                    wanted.push((reference.clone(), path));
                }
                Err(reason) => problems.add(
                    product.locator,
                    ProblemKind::MissingImage,
                    Severity::Warning,
                    format!("product \"{}\": {reason}", product.key),
                ),
            }
        }
        products_with_images.push((product, resolved));
    }
    let refs: Vec<(&str, &Path)> = wanted
        .iter()
        .map(|(r, p)| (r.as_str(), p.as_path()))
        .collect();
    let found = fetch::localise(&refs);

    let mut rows = Vec::new();
    let mut extras_of: HashMap<String, Vec<(Locator, String, PathBuf)>> = HashMap::new();
    for (product, resolved) in products_with_images {
        let mut photos = Vec::new();
        for i in resolved {
            match &found[i] {
                Ok(path) => photos.push((wanted[i].0.clone(), path.clone())),
                Err(failure) => problems.add(
                    product.locator,
                    ProblemKind::DownloadFailed,
                    Severity::Warning,
                    format!(
                        "image \"{}\" of product \"{}\" {failure}",
                        wanted[i].0, product.key
                    ),
                ),
            }
        }
        let mut photos = photos.into_iter();
        let Some((id, image_path)) = photos.next() else {
            problems.add(
                product.locator,
                ProblemKind::DownloadFailed,
                Severity::Skipped,
                format!(
                    "product \"{}\" has no photo that could be fetched; skipped",
                    product.key
                ),
            );
            continue;
        };
        let extras = photos.map(|(r, p)| (product.locator, r, p)).collect();
        extras_of.insert(id.clone(), extras);
        rows.push(Row {
            locator: product.locator,
            id,
            image_path,
            description: product.text(),
            attributes: product.attributes(),
        });
    }
    for row in &rows {
        if row.description.is_empty() {
            problems.empty_description(row.locator, &row.id);
        }
    }
    let mut items = assemble(rows, problems);
    attach_extras(&mut items, extras_of, problems);
    items
}

/// Checks the extra photos of the items that loaded and attaches those that pass.
fn attach_extras(
    items: &mut [Item],
    mut extras_of: HashMap<String, Vec<(Locator, String, PathBuf)>>,
    problems: &mut Problems<'_>,
) {
    let extras: Vec<(usize, (Locator, String, PathBuf))> = items
        .iter()
        .enumerate()
        .flat_map(|(i, item)| {
            extras_of
                .remove(&item.id)
                .unwrap_or_default()
                .into_iter()
                .map(move |extra| (i, extra))
        })
        .collect();
    let paths: Vec<&Path> = extras.iter().map(|(_, (_, _, p))| p.as_path()).collect();
    let checks = check_images(&paths);
    for ((i, (locator, reference, path)), check) in extras.into_iter().zip(checks) {
        match check {
            Ok(()) => items[i].extra_images.push(path),
            Err(fault) => problems.add(
                locator,
                fault.kind,
                Severity::Warning,
                format!("extra image \"{reference}\" {}; left out", fault.reason),
            ),
        }
    }
    problems.report.sort();
}
