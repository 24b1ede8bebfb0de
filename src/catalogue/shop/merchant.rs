//! Google Merchant Center feeds: tab-separated (a header of attribute names) or XML (RSS 2.0
//! `<item>`s or Atom `<entry>`s with `g:` attributes). One offer per row or entry; offers that
//! share an `item_group_id` are variants of one product.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::attr;
use super::product::Product;
use super::table::Table;
use crate::catalogue::report::{ProblemKind, Severity};
use crate::catalogue::rows::{Locator, Problems};

/// An attribute name as feeds write it, bare: `g:image_link` → `image_link`, lowercase.
pub(crate) fn field_name(name: &str) -> String {
    let name = name.trim();
    let bare = name.strip_prefix("g:").unwrap_or(name);
    bare.to_ascii_lowercase()
}

/// One offer: its place and its attributes in order (a name may repeat).
type Offer = (Locator, Vec<(String, String)>);

/// Reads a tab-separated feed.
pub(super) fn read_tsv(bytes: &[u8], problems: &mut Problems<'_>) -> Result<Vec<Product>, String> {
    let table = Table::read(bytes)?;
    let names: Vec<String> = table.header.iter().map(|h| field_name(h)).collect();
    problems.report.rows_read = table.records.len();
    let offers = table
        .records
        .iter()
        .map(|(line, record)| {
            let fields = names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), Table::cell(record, Some(i)).into_owned()))
                .collect();
            (Locator::Line(*line), fields)
        })
        .collect();
    Ok(fold(offers, problems))
}

/// Reads an XML feed (RSS `<item>` or Atom `<entry>` elements).
pub(super) fn read_xml(bytes: &[u8], problems: &mut Problems<'_>) -> Result<Vec<Product>, String> {
    let offers = read_offers(bytes)?;
    problems.report.rows_read = offers.len();
    Ok(fold(offers, problems))
}

/// The offers of an XML feed, with their entry numbers.
pub(crate) fn read_offers(bytes: &[u8]) -> Result<Vec<Offer>, String> {
    let mut reader = Reader::from_reader(bytes);
    let mut offers: Vec<Offer> = Vec::new();
    // Depth below the current <item>; None outside one.
    let mut depth: Option<usize> = None;
    let mut field: Option<(String, String)> = None;
    let mut buffer = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buffer).map_err(|err| {
            format!(
                "its XML cannot be read at byte {} ({err})",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).to_string();
                match depth {
                    None if name == "item" || name == "entry" => {
                        depth = Some(0);
                        offers.push((Locator::Entry(offers.len() + 1), Vec::new()));
                    }
                    Some(d) => {
                        if d == 0 {
                            field = Some((field_name(&name), String::new()));
                        }
                        depth = Some(d + 1);
                    }
                    None => {}
                }
            }
            Event::End(_) => match depth {
                Some(0) => depth = None,
                Some(d) => {
                    if d == 1 {
                        if let (Some((name, value)), Some((_, fields))) =
                            (field.take(), offers.last_mut())
                        {
                            fields.push((name, value.trim().to_string()));
                        }
                    }
                    depth = Some(d - 1);
                }
                None => {}
            },
            Event::Text(text) => {
                if let Some((_, value)) = field.as_mut() {
                    value.push_str(&text.decode().map_err(|e| e.to_string())?);
                }
            }
            Event::CData(data) => {
                if let Some((_, value)) = field.as_mut() {
                    value.push_str(&data.decode().map_err(|e| e.to_string())?);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some((_, value)) = field.as_mut() {
                    let name = reference.decode().map_err(|e| e.to_string())?;
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => value.push(c),
                        _ => match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => value.push_str(text),
                            None => {
                                value.push('&');
                                value.push_str(&name);
                                value.push(';');
                            }
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if offers.is_empty() {
        return Err("it has no <item> or <entry> elements".to_string());
    }
    Ok(offers)
}

/// The key of an offer's product: its `item_group_id`, else its `id`.
pub(crate) fn group_key(fields: &[(String, String)]) -> Option<String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    get("item_group_id").or_else(|| get("id"))
}

/// Folds offers into products by `item_group_id`.
fn fold(offers: Vec<Offer>, problems: &mut Problems<'_>) -> Vec<Product> {
    let mut products: Vec<Product> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (locator, fields) in offers {
        let Some(key) = group_key(&fields) else {
            problems.add(
                locator,
                ProblemKind::MissingColumns,
                Severity::Skipped,
                "the offer has no id; skipped",
            );
            continue;
        };
        let index = *by_key.entry(key.clone()).or_insert_with(|| {
            products.push(Product::new(locator, key));
            products.len() - 1
        });
        let product = &mut products[index];
        for (name, value) in &fields {
            match name.as_str() {
                "title" if product.title.is_empty() => product.title = value.clone(),
                "description" if product.descriptions.is_empty() && !value.is_empty() => {
                    product.descriptions.push(value.clone())
                }
                "image_link" => product.add_image(value),
                "additional_image_link" => value.split(',').for_each(|v| product.add_image(v)),
                "id" => product.add_field(attr::SKU, value),
                "brand" => product.add_field(attr::VENDOR, value),
                "product_type" => product.add_field(attr::TYPE, value),
                "google_product_category" => product.add_field(attr::CATEGORY, value),
                "color" => value
                    .split('/')
                    .for_each(|v| product.add_field(attr::COLOUR, v)),
                _ => {}
            }
        }
    }
    // The main image of a group is its first offer's; additional ones follow in order.
    products
}
