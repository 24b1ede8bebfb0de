//! WooCommerce's product CSV export: one row per product, variations on rows of their own
//! that name their parent (`Parent` = `id:123` or the parent's SKU); `Images` is a
//! comma-separated list of addresses.

use std::collections::HashMap;

use super::attr;
use super::product::Product;
use super::table::Table;
use crate::catalogue::rows::{Locator, Problems};

pub(crate) const ID: [&str; 1] = ["ID"];
pub(crate) const TYPE: [&str; 1] = ["Type"];
pub(crate) const SKU: [&str; 1] = ["SKU"];
pub(crate) const NAME: [&str; 1] = ["Name"];
pub(crate) const SHORT_DESCRIPTION: [&str; 1] = ["Short description"];
pub(crate) const DESCRIPTION: [&str; 1] = ["Description"];
pub(crate) const CATEGORIES: [&str; 1] = ["Categories"];
/// The shop's tags: a comma-separated list.
pub const TAGS: [&str; 1] = ["Tags"];
pub(crate) const IMAGES: [&str; 1] = ["Images"];
pub(crate) const PARENT: [&str; 1] = ["Parent"];
pub(crate) const BRANDS: [&str; 1] = ["Brands"];

/// Attribute names whose values are colours.
const COLOUR_ATTRIBUTES: [&str; 3] = ["color", "colour", "pa_color"];

/// The key a WooCommerce product is known by: its ID, else its SKU, else its line.
pub(crate) fn product_key(id: &str, sku: &str, line: usize) -> String {
    if !id.is_empty() {
        format!("id:{id}")
    } else if !sku.is_empty() {
        sku.to_string()
    } else {
        format!("line {line}")
    }
}

/// True when a row is a variation of another product.
pub(crate) fn is_variation(kind: &str) -> bool {
    kind.split(',')
        .any(|k| k.trim().eq_ignore_ascii_case("variation"))
}

/// Reads a WooCommerce product CSV into products; variations fold into their parent.
pub(super) fn read(bytes: &[u8], problems: &mut Problems<'_>) -> Result<Vec<Product>, String> {
    let table = Table::read(bytes)?;
    let col = |names: &[&str]| table.column(names);
    let (id, kind, sku, name) = (col(&ID), col(&TYPE), col(&SKU), col(&NAME));
    let (short, long, categories, tags) = (
        col(&SHORT_DESCRIPTION),
        col(&DESCRIPTION),
        col(&CATEGORIES),
        col(&TAGS),
    );
    let (images, parent, brands) = (col(&IMAGES), col(&PARENT), col(&BRANDS));
    let attributes: Vec<(usize, usize)> = (1..=20)
        .filter_map(|n| {
            Some((
                table.column(&[format!("Attribute {n} name").as_str()])?,
                table.column(&[format!("Attribute {n} value(s)").as_str()])?,
            ))
        })
        .collect();
    problems.report.rows_read = table.records.len();

    let mut products: Vec<Product> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut variations = Vec::new();
    for (line, record) in &table.records {
        let cell = |c: Option<usize>| Table::cell(record, c);
        if is_variation(&cell(kind)) {
            variations.push((*line, record));
            continue;
        }
        let key = product_key(&cell(id), &cell(sku), *line);
        let mut product = Product::new(Locator::Line(*line), key.clone());
        product.title = cell(name).to_string();
        for part in [cell(short), cell(long)] {
            if !part.is_empty() {
                product.descriptions.push(part.to_string());
            }
        }
        product.add_field(attr::SKU, &cell(sku));
        product.add_field(attr::CATEGORY, &cell(categories));
        product.add_field(attr::TAGS, &cell(tags));
        product.add_field(attr::VENDOR, &cell(brands));
        add_images(&mut product, &cell(images));
        add_colours(&mut product, record, &attributes);
        if !cell(sku).is_empty() {
            by_key.insert(cell(sku).to_string(), products.len());
        }
        by_key.insert(key, products.len());
        products.push(product);
    }
    for (line, record) in variations {
        let cell = |c: Option<usize>| Table::cell(record, c);
        let parent_ref = cell(parent);
        let Some(&index) = by_key.get(parent_ref.as_ref()) else {
            problems.add(
                Locator::Line(line),
                crate::catalogue::report::ProblemKind::MissingColumns,
                crate::catalogue::report::Severity::Skipped,
                format!("the variation names a parent \"{parent_ref}\" that is not in the file; skipped"),
            );
            continue;
        };
        let product = &mut products[index];
        product.add_field(attr::SKU, &cell(sku));
        add_images(product, &cell(images));
        add_colours(product, record, &attributes);
    }
    Ok(products)
}

fn add_images(product: &mut Product, cell: &str) {
    for image in cell.split(',') {
        product.add_image(image);
    }
}

fn add_colours(product: &mut Product, record: &::csv::ByteRecord, attributes: &[(usize, usize)]) {
    for &(name, value) in attributes {
        let name = Table::cell(record, Some(name));
        if COLOUR_ATTRIBUTES
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c))
        {
            for colour in Table::cell(record, Some(value)).split(',') {
                product.add_field(attr::COLOUR, colour);
            }
        }
    }
}
