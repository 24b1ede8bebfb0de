//! The catalogues shops export, recognised from their header: Shopify's product CSV (both
//! generations of column names), WooCommerce's product CSV, and Google Merchant Center feeds
//! (tab-separated or XML).
//!
//! Each becomes one item per product: variants and image-only rows fold into their product
//! (`item_group_id` groups a feed's variants), the first image is the item's photo and the
//! others its [`Item::extra_images`](super::Item::extra_images); the text tags learn from is
//! the title and the description, HTML turned into sentences ([`html_to_text`]); the shop's
//! own fields are kept as attributes under the names in [`attr`].

pub mod export;
mod html;
mod merchant;
mod product;
mod shopify;
mod table;
mod woo;

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::CatalogueError;
use super::report::ImportReport;
use super::rows::Problems;
use super::Item;

pub use self::html::html_to_text;
pub(crate) use self::product::Product;
pub use self::table::Table;

/// The attribute names shop fields are kept under.
pub mod attr {
    /// The product's key in its shop: Shopify's handle, WooCommerce's ID (or SKU), a feed's
    /// `item_group_id` (or `id`).
    pub const KEY: &str = "product key";
    /// Shopify's URL handle.
    pub const HANDLE: &str = "handle";
    /// The product's title.
    pub const TITLE: &str = "title";
    /// Vendor or brand.
    pub const VENDOR: &str = "vendor";
    /// The shop's product type.
    pub const TYPE: &str = "type";
    /// The shop's category (Shopify's product category, WooCommerce's categories, a feed's
    /// `google_product_category`).
    pub const CATEGORY: &str = "category";
    /// The shop's own tags.
    pub const TAGS: &str = "tags";
    /// Every variant's SKU.
    pub const SKU: &str = "sku";
    /// The colours the shop gives (options, attributes, `color`).
    pub const COLOUR: &str = "colour";
}

/// A shop platform's catalogue format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShopFormat {
    /// Shopify's product CSV export.
    Shopify,
    /// WooCommerce's product CSV export.
    WooCommerce,
    /// A Google Merchant Center feed, tab-separated.
    MerchantTsv,
    /// A Google Merchant Center feed, RSS or Atom XML.
    MerchantXml,
}

impl ShopFormat {
    /// The platform's name for people.
    pub fn label(self) -> &'static str {
        match self {
            ShopFormat::Shopify => "Shopify product CSV",
            ShopFormat::WooCommerce => "WooCommerce product CSV",
            ShopFormat::MerchantTsv => "Google Merchant feed (tab-separated)",
            ShopFormat::MerchantXml => "Google Merchant feed (XML)",
        }
    }
}

/// The shop format of a catalogue file, from its first bytes (`None`: not a shop format).
pub fn detect(bytes: &[u8]) -> Option<ShopFormat> {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = String::from_utf8_lossy(&start[..start.len().min(4096)]);
    let trimmed = head.trim_start();
    if trimmed.starts_with('<') {
        let lower = trimmed.to_ascii_lowercase();
        let is_feed = (lower.contains("<rss") || lower.contains("<feed"))
            && lower.contains("base.google.com/ns/1.0");
        return is_feed.then_some(ShopFormat::MerchantXml);
    }
    let first_line = head.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') {
        b'\t'
    } else {
        b','
    };
    let header = table::read_header(start, delimiter)?;
    let has = |name: &str| header.iter().any(|h| h.eq_ignore_ascii_case(name));
    if (has("Handle") || has("URL handle"))
        && has("Title")
        && (has("Image Src") || has("Product image URL"))
    {
        return Some(ShopFormat::Shopify);
    }
    if has("ID") && has("Type") && has("Name") && has("Images") {
        return Some(ShopFormat::WooCommerce);
    }
    let bare: Vec<String> = header.iter().map(|h| merchant::field_name(h)).collect();
    let has_bare = |name: &str| bare.iter().any(|h| h == name);
    if has_bare("id") && has_bare("image_link") {
        return Some(ShopFormat::MerchantTsv);
    }
    None
}

/// Reads a shop catalogue's products (no photo checked yet); the locators name their rows.
pub(crate) fn read_products(
    format: ShopFormat,
    bytes: &[u8],
    problems: &mut Problems<'_>,
) -> Result<Vec<Product>, String> {
    match format {
        ShopFormat::Shopify => shopify::read(bytes, problems),
        ShopFormat::WooCommerce => woo::read(bytes, problems),
        ShopFormat::MerchantTsv => merchant::read_tsv(bytes, problems),
        ShopFormat::MerchantXml => merchant::read_xml(bytes, problems),
    }
}

/// Reads a shop catalogue into items, fetching and checking every product's photos.
pub(crate) fn load_shop(
    path: &Path,
    bytes: &[u8],
    format: ShopFormat,
    base_dir: &Path,
    report: &mut ImportReport,
) -> Result<Vec<Item>, CatalogueError> {
    let mut problems = Problems {
        report,
        source_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let products = read_products(format, bytes, &mut problems).map_err(|reason| {
        CatalogueError::NotACatalogue {
            path: path.to_path_buf(),
            reason: format!("it looks like a {} but {reason}", format.label()),
        }
    })?;
    Ok(product::into_items(products, base_dir, &mut problems))
}

#[cfg(test)]
mod tests;
