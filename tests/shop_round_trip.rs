//! The round trip a shop makes: its Shopify export (the demo catalogue as 240 products, with
//! variant and image-only rows) → `vitrine train` (fast) → `vitrine export shop shopify` →
//! the exported file imports again with every original cell as it was and vitrine's tags and
//! lookalikes added.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use csv::{ByteRecord, ReaderBuilder, WriterBuilder};
use vitrine::catalogue::shop::attr;
use vitrine::catalogue::shop::export::SHOPIFY_RELATED;
use vitrine::catalogue::{self, CatalogueFormat, ImportOptions, ShopFormat};

const HEADER: [&str; 12] = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Option1 Name",
    "Option1 Value",
    "Variant SKU",
    "Variant Price",
    "Image Src",
    "Image Position",
];

/// The demo catalogue written as a Shopify export into `dir`, photos beside it.
fn shopify_demo(dir: &Path) -> PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let mut reader = csv::Reader::from_path(demo.join("catalogue.csv")).unwrap();
    let mut writer = WriterBuilder::new()
        .from_path(dir.join("products_export.csv"))
        .unwrap();
    writer.write_record(HEADER).unwrap();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let (image, description, category) = (&row[0], &row[1], &row[2]);
        let name = Path::new(image).file_name().unwrap().to_str().unwrap();
        fs::copy(demo.join(image), dir.join(name)).unwrap();
        let url = format!("https://cdn.example-shop.com/files/{name}?v=17");
        let handle = format!("{}-{i}", category.to_lowercase().replace(' ', "-"));
        let body = format!(
            "<p>{}</p><ul><li>Care: hand wash &amp; dry flat</li></ul>",
            description
        );
        let shop_tags = if i % 3 == 0 { "new-in, \"sale\"" } else { "" };
        let first = [
            handle.as_str(),
            category,
            &body,
            "Demo & Co",
            category,
            shop_tags,
            "Size",
            "S",
            &format!("SKU-{i}-S"),
            "19.90",
            &url,
            "1",
        ];
        writer.write_record(first).unwrap();
        let variant = [
            handle.as_str(),
            "",
            "",
            "",
            "",
            "",
            "",
            "M",
            &format!("SKU-{i}-M"),
            "19.90",
            "",
            "",
        ];
        writer.write_record(variant).unwrap();
        if i % 4 == 0 {
            // An image-only row: the same photo again under another address is the product's
            // second view.
            let second = format!("https://cdn.example-shop.com/files/{name}?v=18&view=back");
            let image_row = [
                handle.as_str(),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                &second,
                "2",
            ];
            writer.write_record(image_row).unwrap();
        }
    }
    writer.flush().unwrap();
    dir.join("products_export.csv")
}

fn records(path: &Path) -> (ByteRecord, Vec<ByteRecord>) {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    let mut all: Vec<ByteRecord> = reader.byte_records().map(|r| r.unwrap()).collect();
    let header = all.remove(0);
    (header, all)
}

#[test]
fn a_shopify_export_round_trips_with_vitrines_results_added() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    fs::create_dir(&shop).unwrap();
    let source = shopify_demo(&shop);
    let checkpoints = dir.path().join("checkpoints");
    let weights =
        vitrine::vision::default_weights_path(vitrine::vision::BackboneKind::EfficientNetLite0);
    let vitrine = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(args)
            .arg("--checkpoints")
            .arg(&checkpoints)
            .arg("--backbone-weights")
            .arg(&weights)
            .env(vitrine::paths::DATA_DIR_ENV, dir.path().join("data"))
            .env(
                vitrine::paths::CACHE_DIR_ENV,
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("shop-round-trip-cache"),
            )
            .output()
            .expect("vitrine runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let source_arg = source.to_str().unwrap();
    vitrine(&["train", source_arg, "--mode", "fast"]);
    // Beside the photos, where the shop keeps its export.
    let exported = shop.join("for-shopify.csv");
    vitrine(&[
        "export",
        "shop",
        "shopify",
        source_arg,
        "--out",
        exported.to_str().unwrap(),
        "--tag-prefix",
        "vitrine:",
    ]);

    // Every original cell is there, byte for byte, under its column; only Tags changed.
    let (header_before, before) = records(&source);
    let (header_after, after) = records(&exported);
    assert_eq!(header_after.len(), header_before.len() + 1);
    assert_eq!(
        &header_after[header_before.len()],
        SHOPIFY_RELATED.as_bytes()
    );
    assert_eq!(before.len(), after.len());
    let tags = HEADER.iter().position(|h| *h == "Tags").unwrap();
    let related = header_before.len();
    let mut handles_seen = HashMap::new();
    let mut with_vitrine_tags = 0;
    for (old, new) in before.iter().zip(&after) {
        for (c, name) in HEADER.iter().enumerate().take(header_before.len()) {
            if c != tags {
                assert_eq!(old.get(c), new.get(c), "column {name}");
            }
        }
        let handle = String::from_utf8_lossy(&old[0]).into_owned();
        let first_row = handles_seen.insert(handle, ()).is_none();
        let new_tags = String::from_utf8_lossy(&new[tags]).into_owned();
        if first_row {
            // The shop's tags first, as they were, then vitrine's.
            let shop_tags = String::from_utf8_lossy(&old[tags]).into_owned();
            assert!(new_tags.starts_with(shop_tags.as_str()), "{new_tags}");
            if new_tags.contains("vitrine:") {
                with_vitrine_tags += 1;
            }
            let lookalikes: Vec<&str> = std::str::from_utf8(&new[related])
                .unwrap()
                .split(", ")
                .collect();
            assert_eq!(lookalikes.len(), 5, "{lookalikes:?}");
        } else {
            assert_eq!(old.get(tags), new.get(tags));
            assert_eq!(new.get(related).unwrap_or_default(), b"");
        }
    }

    // Nearly every demo description names a tag of the vocabulary.
    assert!(
        with_vitrine_tags >= 200,
        "{with_vitrine_tags} of 240 products got tags"
    );

    // The exported file imports again: the same products, vitrine's tags among the shop's.
    let again = catalogue::load(&exported, &ImportOptions::default()).unwrap();
    assert_eq!(again.format, CatalogueFormat::Shop(ShopFormat::Shopify));
    assert_eq!(again.items.len(), 240, "{}", again.report);
    let first = catalogue::load(&source, &ImportOptions::default()).unwrap();
    for (a, b) in first.items.iter().zip(&again.items) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.description, b.description);
        assert_eq!(a.extra_images, b.extra_images);
        let shop_tags = a.attributes.get(attr::TAGS).cloned().unwrap_or_default();
        let tags = b.attributes.get(attr::TAGS).cloned().unwrap_or_default();
        assert!(tags.starts_with(&shop_tags), "{tags}");
    }
    for item in &again.items {
        for markup in ["<p>", "<li>", "&amp;"] {
            assert!(!item.description.contains(markup), "{}", item.description);
        }
    }
}
