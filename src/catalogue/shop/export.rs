//! vitrine's results written back into the shop's own file: every cell vitrine does not change
//! stays byte for byte as it was, and vitrine's tags and lookalikes fill the columns the
//! platform imports.
//!
//! - Shopify: `Tags` (the shop's tags kept, vitrine's added, optionally with a prefix such as
//!   `vitrine:`; tags with that prefix from an earlier export are replaced) and
//!   [`SHOPIFY_RELATED`] with the five lookalikes' handles, on each product's first row.
//! - WooCommerce: `Tags` and `Cross-sells` (the lookalikes' SKUs, or `id:N` for a product
//!   without one), on each product's row (not its variations').
//! - Google Merchant: a supplemental feed (tab-separated) with `id`, `custom_label_0` (the
//!   tags) and, when any offer lacks one, `color` (the shop's own where it has one).

use std::collections::HashMap;
use std::path::Path;

use ::csv::{ByteRecord, Terminator, WriterBuilder};

use super::merchant;
use super::table::Table;
use super::{shopify, woo, ShopFormat};

/// The Shopify column for related products (the Search & Discovery app's metafield).
pub const SHOPIFY_RELATED: &str =
    "Related products (product.metafields.shopify--discovery--product_recommendation.related_products)";

/// The longest value Merchant Center takes in a custom label.
const CUSTOM_LABEL_CHARS: usize = 100;

/// What vitrine found for one product.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductResult {
    /// Its tags, as the user corrected them (see the docs for which tags these are).
    pub tags: Vec<String>,
    /// Its lookalikes' product keys, best first.
    pub lookalikes: Vec<String>,
    /// A colour vitrine gives it, for feeds whose offer has none.
    pub colour: Option<String>,
}

/// Which file to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShopExport {
    /// The Shopify product CSV, with tags and related products.
    Shopify,
    /// The WooCommerce product CSV, with tags and cross-sells.
    WooCommerce,
    /// A Merchant Center supplemental feed.
    Merchant,
}

impl ShopExport {
    /// Whether a catalogue read in `format` can be exported this way.
    pub fn fits(self, format: ShopFormat) -> bool {
        matches!(
            (self, format),
            (ShopExport::Shopify, ShopFormat::Shopify)
                | (ShopExport::WooCommerce, ShopFormat::WooCommerce)
                | (
                    ShopExport::Merchant,
                    ShopFormat::MerchantTsv | ShopFormat::MerchantXml
                )
        )
    }
}

/// Options of an export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Put before each of vitrine's tags (e.g. `vitrine:`); empty for none.
    pub tag_prefix: String,
}

/// Renders the export of `source` (the shop file as read at import, in `format`) with
/// `results` by product key. An error says why the file cannot be exported.
pub fn render(
    source: &[u8],
    format: ShopFormat,
    export: ShopExport,
    results: &HashMap<String, ProductResult>,
    options: &ExportOptions,
) -> Result<Vec<u8>, String> {
    if !export.fits(format) {
        return Err(format!("the catalogue is a {}", format.label()));
    }
    match export {
        ShopExport::Shopify => shopify_file(source, results, options),
        ShopExport::WooCommerce => woo_file(source, results, options),
        ShopExport::Merchant => merchant_feed(source, format, results, options),
    }
}

/// Merges vitrine's tags into the shop's comma-separated list: the shop's kept (less those
/// with the prefix, which an earlier export wrote), vitrine's added unless already there.
pub fn merge_tags(shop_tags: &str, tags: &[String], prefix: &str) -> String {
    let mut merged: Vec<String> = shop_tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty() && (prefix.is_empty() || !t.starts_with(prefix)))
        .map(str::to_string)
        .collect();
    for tag in tags {
        let tag = format!("{prefix}{tag}");
        if !merged.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            merged.push(tag);
        }
    }
    merged.join(", ")
}

/// A table being rewritten: its columns (new ones appended) and a writer like its reader.
struct Rewrite {
    table: Table,
}

impl Rewrite {
    fn new(source: &[u8]) -> Result<Rewrite, String> {
        Ok(Rewrite {
            table: Table::read(source)?,
        })
    }

    /// The column named `names[0]` (or another of `names`), appended when absent.
    fn column_or_add(&mut self, names: &[&str]) -> usize {
        if let Some(c) = self.table.column(names) {
            return c;
        }
        self.table.header_record.push_field(names[0].as_bytes());
        self.table.header.push(names[0].to_string());
        self.table.header.len() - 1
    }

    /// Writes the header and every record, `edit` changing cells of each record.
    fn write(
        &self,
        source: &[u8],
        mut edit: impl FnMut(usize, &ByteRecord) -> Vec<(usize, Vec<u8>)>,
    ) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(source.len() + source.len() / 8);
        if source.starts_with(b"\xEF\xBB\xBF") {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let terminator = if source.windows(2).any(|w| w == b"\r\n") {
            Terminator::CRLF
        } else {
            Terminator::Any(b'\n')
        };
        let mut writer = WriterBuilder::new()
            .delimiter(self.table.delimiter)
            .terminator(terminator)
            .flexible(true)
            .from_writer(&mut out);
        let fail = |e: ::csv::Error| e.to_string();
        writer
            .write_byte_record(&self.table.header_record)
            .map_err(fail)?;
        for (i, (_, record)) in self.table.records.iter().enumerate() {
            let changes = edit(i, record);
            if changes.is_empty() && record.len() >= self.table.header.len() {
                writer.write_byte_record(record).map_err(fail)?;
                continue;
            }
            let mut fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
            for (column, value) in changes {
                if fields.len() <= column {
                    fields.resize(column + 1, Vec::new());
                }
                fields[column] = value;
            }
            if fields.len() < self.table.header.len() {
                fields.resize(self.table.header.len(), Vec::new());
            }
            writer.write_record(&fields).map_err(fail)?;
        }
        writer.flush().map_err(|e| e.to_string())?;
        drop(writer);
        Ok(out)
    }
}

fn shopify_file(
    source: &[u8],
    results: &HashMap<String, ProductResult>,
    options: &ExportOptions,
) -> Result<Vec<u8>, String> {
    let mut rewrite = Rewrite::new(source)?;
    let handle = rewrite
        .table
        .column(&shopify::HANDLE)
        .ok_or("it has no Handle column")?;
    let tags = rewrite.column_or_add(&shopify::TAGS);
    let related = rewrite.column_or_add(&[SHOPIFY_RELATED]);
    let mut seen = std::collections::HashSet::new();
    rewrite.write(source, |_, record| {
        let key = Table::cell(record, Some(handle)).to_string();
        let Some(result) = results.get(&key) else {
            return Vec::new();
        };
        if !seen.insert(key) {
            return Vec::new();
        }
        let shop_tags = Table::cell(record, Some(tags));
        vec![
            (
                tags,
                merge_tags(&shop_tags, &result.tags, &options.tag_prefix).into_bytes(),
            ),
            (related, result.lookalikes.join(", ").into_bytes()),
        ]
    })
}

fn woo_file(
    source: &[u8],
    results: &HashMap<String, ProductResult>,
    options: &ExportOptions,
) -> Result<Vec<u8>, String> {
    let mut rewrite = Rewrite::new(source)?;
    let col = |names: &[&str]| rewrite.table.column(names);
    let (id, kind, sku) = (col(&woo::ID), col(&woo::TYPE), col(&woo::SKU));
    let tags = rewrite.column_or_add(&woo::TAGS);
    let cross_sells = rewrite.column_or_add(&["Cross-sells"]);
    // A product's own SKU, for cross-sells that survive a move to another store.
    let mut sku_of: HashMap<String, String> = HashMap::new();
    for (line, record) in &rewrite.table.records {
        let cell = |c| Table::cell(record, c);
        if !woo::is_variation(&cell(kind)) {
            let key = woo::product_key(&cell(id), &cell(sku), *line);
            sku_of.insert(key, cell(sku).to_string());
        }
    }
    let reference = |key: &String| match sku_of.get(key) {
        Some(sku) if !sku.is_empty() => sku.clone(),
        _ => key.clone(),
    };
    let lines: Vec<usize> = rewrite.table.records.iter().map(|(l, _)| *l).collect();
    rewrite.write(source, |i, record| {
        let cell = |c| Table::cell(record, c);
        if woo::is_variation(&cell(kind)) {
            return Vec::new();
        }
        let key = woo::product_key(&cell(id), &cell(sku), lines[i]);
        let Some(result) = results.get(&key) else {
            return Vec::new();
        };
        let refs: Vec<String> = result.lookalikes.iter().map(&reference).collect();
        vec![
            (
                tags,
                merge_tags(&cell(Some(tags)), &result.tags, &options.tag_prefix).into_bytes(),
            ),
            (cross_sells, refs.join(", ").into_bytes()),
        ]
    })
}

fn merchant_feed(
    source: &[u8],
    format: ShopFormat,
    results: &HashMap<String, ProductResult>,
    options: &ExportOptions,
) -> Result<Vec<u8>, String> {
    let offers: Vec<Vec<(String, String)>> = match format {
        ShopFormat::MerchantXml => merchant::read_offers(source)?
            .into_iter()
            .map(|(_, fields)| fields)
            .collect(),
        _ => {
            let table = Table::read(source)?;
            let names: Vec<String> = table
                .header
                .iter()
                .map(|h| merchant::field_name(h))
                .collect();
            table
                .records
                .iter()
                .map(|(_, record)| {
                    names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (n.clone(), Table::cell(record, Some(i)).into_owned()))
                        .collect()
                })
                .collect()
        }
    };
    let get = |fields: &[(String, String)], name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    let mut any_colour = false;
    for fields in &offers {
        let Some(result) = merchant::group_key(fields).and_then(|k| results.get(&k)) else {
            continue;
        };
        let id = get(fields, "id");
        let label = custom_label(&result.tags, &options.tag_prefix);
        let shop_colour = get(fields, "color");
        let colour = if shop_colour.is_empty() {
            result.colour.clone().unwrap_or_default()
        } else {
            shop_colour
        };
        any_colour |= !colour.is_empty();
        rows.push([id, label, colour]);
    }
    let mut out = Vec::new();
    let mut writer = WriterBuilder::new()
        .delimiter(b'\t')
        .terminator(Terminator::Any(b'\n'))
        .from_writer(&mut out);
    let fail = |e: ::csv::Error| e.to_string();
    let width = if any_colour { 3 } else { 2 };
    writer
        .write_record(&["id", "custom_label_0", "color"][..width])
        .map_err(fail)?;
    for row in &rows {
        writer.write_record(&row[..width]).map_err(fail)?;
    }
    writer.flush().map_err(|e| e.to_string())?;
    drop(writer);
    Ok(out)
}

/// Tags joined with ", ", as many whole tags as fit in a custom label.
fn custom_label(tags: &[String], prefix: &str) -> String {
    let mut label = String::new();
    for tag in tags {
        let next = if label.is_empty() {
            format!("{prefix}{tag}")
        } else {
            format!("{label}, {prefix}{tag}")
        };
        if next.chars().count() > CUSTOM_LABEL_CHARS {
            break;
        }
        label = next;
    }
    label
}

/// Reads `path` for an export: the shop file as it is now.
pub fn read_source(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests;
