//! Shop exports written from each platform's documented columns (`tests/fixtures/shop/`),
//! read with their photos beside them.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::catalogue::{
    load_with, Catalogue, CatalogueFormat, ImportOptions, ProblemKind, Severity,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shop");
const DEMO_IMAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/images");

/// Copies a fixture into a fresh folder with every demo photo it names beside it.
fn with_photos(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(Path::new(FIXTURES).join(fixture)).unwrap();
    for entry in fs::read_dir(DEMO_IMAGES).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if text.contains(&name) {
            fs::copy(Path::new(DEMO_IMAGES).join(&name), dir.path().join(&name)).unwrap();
        }
    }
    let path = dir.path().join(fixture);
    fs::write(&path, text).unwrap();
    (dir, path)
}

/// Photos not beside the fixture are never fetched: tests stay on this machine.
fn offline() -> crate::catalogue::FetchControl {
    crate::catalogue::FetchControl {
        offline: true,
        ..Default::default()
    }
}

fn open(fixture: &str) -> (tempfile::TempDir, Catalogue) {
    let (dir, path) = with_photos(fixture);
    let catalogue = load_with(&path, &ImportOptions::default(), offline()).unwrap();
    (dir, catalogue)
}

fn attr_of<'a>(catalogue: &'a Catalogue, key: &str, name: &str) -> Option<&'a str> {
    let item = catalogue
        .items
        .iter()
        .find(|i| i.attributes.get(attr::KEY).map(String::as_str) == Some(key))?;
    item.attributes.get(name).map(String::as_str)
}

fn keys(catalogue: &Catalogue) -> Vec<&str> {
    catalogue
        .items
        .iter()
        .map(|i| i.attributes[attr::KEY].as_str())
        .collect()
}

fn assert_no_markup(catalogue: &Catalogue) {
    for item in &catalogue.items {
        for markup in ["<", "&amp;", "&quot;", "&#", "&ndash;"] {
            assert!(
                !item.description.contains(markup),
                "{markup} in {}",
                item.description
            );
        }
    }
}

#[test]
fn shopify_products_fold_variants_and_images() {
    let (_dir, catalogue) = open("shopify_products.csv");
    assert_eq!(catalogue.format, CatalogueFormat::Shop(ShopFormat::Shopify));
    assert_eq!(
        keys(&catalogue),
        [
            "red-wrap-dress",
            "slim-jeans",
            "knit-cardigan",
            "striped-tee"
        ]
    );
    assert_eq!(catalogue.report.rows_read, 9);
    let dress = &catalogue.items[0];
    assert!(dress
        .id
        .ends_with("00588f87-cda1-46d7-93be-71f0fa889895.jpg?v=1712345678"));
    assert_eq!(dress.extra_images.len(), 2);
    assert!(dress.extra_images[0].ends_with("01e42413-5514-46d0-8e44-8060d5410dee.jpg"));
    assert_eq!(
        dress.description,
        "Red Wrap Dress. A red wrap dress with a tie belt & a deep V\u{2011}neck. Tie belt. \
         100% viscose."
    );
    assert_eq!(
        attr_of(&catalogue, "red-wrap-dress", attr::SKU),
        Some("RWD-S, RWD-M, RWD-L")
    );
    assert_eq!(
        attr_of(&catalogue, "red-wrap-dress", attr::COLOUR),
        Some("Red")
    );
    assert_eq!(
        attr_of(&catalogue, "red-wrap-dress", attr::TYPE),
        Some("Dress")
    );
    assert_eq!(
        attr_of(&catalogue, "red-wrap-dress", attr::VENDOR),
        Some("Atelier Nord")
    );
    assert_eq!(
        attr_of(&catalogue, "red-wrap-dress", attr::CATEGORY),
        Some("Apparel & Accessories > Clothing > Dresses")
    );
    assert_eq!(
        attr_of(&catalogue, "slim-jeans", attr::TITLE),
        Some("Slim Jeans, Dark Wash")
    );
    assert_eq!(
        attr_of(&catalogue, "slim-jeans", attr::TAGS),
        Some("denim, \"slim fit\", bestseller")
    );
    assert_eq!(
        attr_of(&catalogue, "slim-jeans", attr::COLOUR),
        Some("Dark blue")
    );
    assert_eq!(
        catalogue.items[1].description,
        "Slim Jeans, Dark Wash. Fit & feel. Slim, \"stretch\" denim with five pockets. Zip fly. \
         Mid rise."
    );
    // An empty description still gives the title as text.
    assert_eq!(catalogue.items[2].description, "Grey Knit Cardigan");
    assert_eq!(
        catalogue.items[3].description,
        "Striped Tee. Breton stripes. cotton jersey."
    );
    assert_no_markup(&catalogue);
    // The scarf has no image at all.
    let skipped: Vec<_> = catalogue.report.skipped().collect();
    assert_eq!(skipped.len(), 1, "{}", catalogue.report);
    assert_eq!(skipped[0].kind, ProblemKind::MissingImage);
    assert_eq!(skipped[0].line, Some(9));
    assert!(
        skipped[0].message.contains("silk-scarf"),
        "{}",
        skipped[0].message
    );
}

#[test]
fn shopify_2024_columns_are_read_too() {
    let (_dir, catalogue) = open("shopify_products_2024.csv");
    assert_eq!(catalogue.format, CatalogueFormat::Shop(ShopFormat::Shopify));
    assert_eq!(keys(&catalogue), ["floral-midi-skirt", "wool-coat"]);
    let skirt = &catalogue.items[0];
    assert_eq!(skirt.extra_images.len(), 1, "{:?}", skirt.extra_images);
    assert_eq!(
        skirt.description,
        "Floral Midi Skirt. A flowing midi skirt in a green floral print \u{2013} elastic waist."
    );
    assert_eq!(
        attr_of(&catalogue, "floral-midi-skirt", attr::COLOUR),
        Some("Green")
    );
    assert_eq!(
        attr_of(&catalogue, "wool-coat", attr::COLOUR),
        Some("Camel")
    );
    assert_eq!(
        attr_of(&catalogue, "floral-midi-skirt", attr::SKU),
        Some("FMS-S, FMS-M")
    );
    assert!(catalogue.report.is_clean(), "{}", catalogue.report);
}

#[test]
fn woocommerce_variations_fold_into_their_parent() {
    let (_dir, catalogue) = open("woocommerce_products.csv");
    assert_eq!(
        catalogue.format,
        CatalogueFormat::Shop(ShopFormat::WooCommerce)
    );
    assert_eq!(keys(&catalogue), ["id:101", "id:104", "id:106"]);
    let hoodie = &catalogue.items[0];
    assert_eq!(hoodie.extra_images.len(), 2);
    assert_eq!(
        hoodie.description,
        "Hooded Sweatshirt. Cosy & warm. Brushed-back fleece hoodie with a kangaroo pocket. \
         Drawstring hood. Ribbed cuffs."
    );
    assert_eq!(
        attr_of(&catalogue, "id:101", attr::COLOUR),
        Some("Grey, Navy")
    );
    assert_eq!(
        attr_of(&catalogue, "id:101", attr::SKU),
        Some("HOOD, HOOD-GREY-S, HOOD-NAVY-M")
    );
    assert_eq!(
        attr_of(&catalogue, "id:101", attr::CATEGORY),
        Some("Clothing > Hoodies, Sale")
    );
    assert_eq!(
        attr_of(&catalogue, "id:101", attr::TAGS),
        Some("fleece, casual")
    );
    assert_eq!(
        catalogue.items[1].description,
        "Pique Polo, White. Classic pique polo \u{2013} two-button placket."
    );
    assert_eq!(catalogue.items[2].description, "Denim Jacket");
    assert_no_markup(&catalogue);
    let skipped: Vec<_> = catalogue.report.skipped().collect();
    assert_eq!(skipped.len(), 1, "{}", catalogue.report);
    assert!(
        skipped[0].message.contains("id:105"),
        "{}",
        skipped[0].message
    );
}

#[test]
fn merchant_feeds_group_offers_by_item_group_id() {
    for fixture in ["merchant_feed.tsv", "merchant_feed.xml"] {
        let (_dir, catalogue) = open(fixture);
        let expected = if fixture.ends_with("xml") {
            ShopFormat::MerchantXml
        } else {
            ShopFormat::MerchantTsv
        };
        assert_eq!(
            catalogue.format,
            CatalogueFormat::Shop(expected),
            "{fixture}"
        );
        assert_eq!(keys(&catalogue), ["TRENCH", "PLEAT-1"], "{fixture}");
        let trench = &catalogue.items[0];
        assert_eq!(trench.extra_images.len(), 2, "{fixture}");
        assert!(
            trench
                .description
                .starts_with("Belted Trench Coat - S. Water-repellent cotton trench"),
            "{fixture}: {}",
            trench.description
        );
        assert_eq!(
            attr_of(&catalogue, "TRENCH", attr::SKU),
            Some("TRENCH-S, TRENCH-M")
        );
        assert_eq!(attr_of(&catalogue, "TRENCH", attr::COLOUR), Some("Beige"));
        assert_eq!(
            attr_of(&catalogue, "TRENCH", attr::TYPE),
            Some("Apparel > Coats")
        );
        assert_eq!(catalogue.items[1].description, "Pleated Skirt");
        assert_no_markup(&catalogue);
        let skipped: Vec<_> = catalogue.report.skipped().collect();
        assert_eq!(skipped.len(), 1, "{fixture}: {}", catalogue.report);
        assert!(
            skipped[0].message.contains("SCARF-9"),
            "{}",
            skipped[0].message
        );
        assert_eq!(skipped[0].severity, Severity::Skipped);
    }
}

#[test]
fn xml_feed_text_is_decoded() {
    let (_dir, catalogue) = open("merchant_feed.xml");
    assert_eq!(
        catalogue.items[0].description,
        "Belted Trench Coat - S. Water-repellent cotton trench with a belt. Storm flap. Knee \
         length."
    );
    assert_eq!(
        attr_of(&catalogue, "TRENCH", attr::VENDOR),
        Some("Harbour & Co")
    );
}

#[test]
fn detection_needs_the_platform_columns() {
    assert_eq!(detect(b"image,description\na.jpg,x\n"), None);
    assert_eq!(
        detect(b"Handle,Title,Image Src\n"),
        Some(ShopFormat::Shopify)
    );
    assert_eq!(
        detect(b"\xEF\xBB\xBFTitle,URL handle,Product image URL\n"),
        Some(ShopFormat::Shopify)
    );
    assert_eq!(
        detect(b"ID,Type,SKU,Name,Images\n"),
        Some(ShopFormat::WooCommerce)
    );
    assert_eq!(
        detect(b"g:id\tg:title\tg:image_link\n"),
        Some(ShopFormat::MerchantTsv)
    );
    assert_eq!(
        detect(b"<?xml version=\"1.0\"?><rss xmlns:g=\"http://base.google.com/ns/1.0\">"),
        Some(ShopFormat::MerchantXml)
    );
    assert_eq!(detect(b"<html><body>no</body></html>"), None);
}

#[test]
fn named_columns_keep_the_generic_reader() {
    let (_dir, path) = with_photos("shopify_products.csv");
    let opts = ImportOptions {
        image_column: Some("Image Src".into()),
        description_column: Some("Body (HTML)".into()),
        ..ImportOptions::default()
    };
    let catalogue = load_with(&path, &opts, offline()).unwrap();
    assert_eq!(catalogue.format, CatalogueFormat::Csv);
}
