//! Shopify's product CSV: one row per variant or extra image, rows of a product sharing its
//! handle; the product's fields on its first row. Both generations of column names are read
//! (`Handle`/`URL handle`, `Body (HTML)`/`Description`, `Image Src`/`Product image URL`, …).

use std::collections::HashMap;

use super::attr;
use super::product::Product;
use super::table::Table;
use crate::catalogue::report::{ProblemKind, Severity};
use crate::catalogue::rows::{Locator, Problems};

/// Column names, older generation first.
pub(crate) const HANDLE: [&str; 2] = ["Handle", "URL handle"];
pub(crate) const TITLE: [&str; 1] = ["Title"];
pub(crate) const BODY: [&str; 2] = ["Body (HTML)", "Description"];
pub(crate) const VENDOR: [&str; 1] = ["Vendor"];
pub(crate) const CATEGORY: [&str; 3] = [
    "Product Category",
    "Product category",
    "Standard Product Type",
];
pub(crate) const TYPE: [&str; 2] = ["Type", "Custom Product Type"];
/// The shop's tags: a comma-separated list.
pub const TAGS: [&str; 1] = ["Tags"];
pub(crate) const SKU: [&str; 2] = ["Variant SKU", "SKU"];
pub(crate) const IMAGE: [&str; 2] = ["Image Src", "Product image URL"];
pub(crate) const IMAGE_POSITION: [&str; 2] = ["Image Position", "Image position"];
pub(crate) const VARIANT_IMAGE: [&str; 2] = ["Variant Image", "Variant image URL"];
pub(crate) const COLOUR: [&str; 2] = ["Google Shopping / Color", "Color"];

/// Option names whose values are colours.
const COLOUR_OPTIONS: [&str; 2] = ["color", "colour"];

struct Columns {
    handle: usize,
    title: Option<usize>,
    body: Option<usize>,
    vendor: Option<usize>,
    category: Option<usize>,
    kind: Option<usize>,
    tags: Option<usize>,
    sku: Option<usize>,
    image: Option<usize>,
    position: Option<usize>,
    variant_image: Option<usize>,
    colour: Option<usize>,
    /// (name column, value column) of Option1..Option3.
    options: Vec<(usize, usize)>,
}

impl Columns {
    fn find(table: &Table) -> Result<Columns, String> {
        let handle = table.column(&HANDLE).ok_or("it has no Handle column")?;
        let options = (1..=3)
            .filter_map(|n| {
                let name = table.column(&[format!("Option{n} Name").as_str()])?;
                let value = table.column(&[format!("Option{n} Value").as_str()])?;
                Some((name, value))
            })
            .collect();
        Ok(Columns {
            handle,
            title: table.column(&TITLE),
            body: table.column(&BODY),
            vendor: table.column(&VENDOR),
            category: table.column(&CATEGORY),
            kind: table.column(&TYPE),
            tags: table.column(&TAGS),
            sku: table.column(&SKU),
            image: table.column(&IMAGE),
            position: table.column(&IMAGE_POSITION),
            variant_image: table.column(&VARIANT_IMAGE),
            colour: table.column(&COLOUR),
            options,
        })
    }
}

/// Reads a Shopify product CSV into products, in the order their handles first appear.
pub(super) fn read(bytes: &[u8], problems: &mut Problems<'_>) -> Result<Vec<Product>, String> {
    let table = Table::read(bytes)?;
    let columns = Columns::find(&table)?;
    problems.report.rows_read = table.records.len();
    let mut products: Vec<Product> = Vec::new();
    // Per product: images with their position (None: no position given), in row order.
    let mut positioned: Vec<Vec<(Option<u32>, String)>> = Vec::new();
    let mut by_handle: HashMap<String, usize> = HashMap::new();
    // Per product and option: whether the option is a colour (names are on the first row).
    let mut colour_options: Vec<Vec<bool>> = Vec::new();
    for (line, record) in &table.records {
        let cell = |c: Option<usize>| Table::cell(record, c);
        let handle = cell(Some(columns.handle));
        if handle.is_empty() {
            problems.add(
                Locator::Line(*line),
                ProblemKind::MissingColumns,
                Severity::Skipped,
                "the row has no handle, so it belongs to no product; skipped",
            );
            continue;
        }
        let index = *by_handle.entry(handle.to_string()).or_insert_with(|| {
            products.push(Product::new(Locator::Line(*line), handle.to_string()));
            positioned.push(Vec::new());
            colour_options.push(vec![false; columns.options.len()]);
            products.len() - 1
        });
        let product = &mut products[index];
        if product.title.is_empty() {
            product.title = cell(columns.title).to_string();
        }
        let body = cell(columns.body);
        if !body.is_empty() && product.descriptions.is_empty() {
            product.descriptions.push(body.to_string());
        }
        product.add_field(attr::HANDLE, &handle);
        product.add_field(attr::VENDOR, &cell(columns.vendor));
        product.add_field(attr::CATEGORY, &cell(columns.category));
        product.add_field(attr::TYPE, &cell(columns.kind));
        product.add_field(attr::TAGS, &cell(columns.tags));
        product.add_field(attr::SKU, &cell(columns.sku));
        product.add_field(attr::COLOUR, &cell(columns.colour));
        for (o, &(name, value)) in columns.options.iter().enumerate() {
            let option_name = cell(Some(name));
            if !option_name.is_empty() {
                colour_options[index][o] = COLOUR_OPTIONS
                    .iter()
                    .any(|c| option_name.eq_ignore_ascii_case(c));
            }
            if colour_options[index][o] {
                product.add_field(attr::COLOUR, &cell(Some(value)));
            }
        }
        let image = cell(columns.image);
        if !image.is_empty() {
            let position = cell(columns.position).parse().ok();
            positioned[index].push((position, image.to_string()));
        }
        let variant_image = cell(columns.variant_image);
        if !variant_image.is_empty() {
            positioned[index].push((None, variant_image.to_string()));
        }
    }
    for (product, mut images) in products.iter_mut().zip(positioned) {
        // Positions first, in order; images without one after, in row order (stable sort).
        images.sort_by_key(|(position, _)| position.unwrap_or(u32::MAX));
        for (_, image) in images {
            product.add_image(&image);
        }
    }
    Ok(products)
}
