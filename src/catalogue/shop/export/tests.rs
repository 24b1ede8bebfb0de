use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/shop");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

fn result(tags: &[&str], lookalikes: &[&str]) -> ProductResult {
    ProductResult {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        lookalikes: lookalikes.iter().map(|t| t.to_string()).collect(),
        colour: None,
    }
}

/// Every cell of `before` whose (row, column) is not in `changed` is in `after`, byte for
/// byte, under the same column name.
fn assert_cells_kept(before: &Table, after: &Table, changed: &[(usize, &str)]) {
    assert_eq!(before.records.len(), after.records.len());
    for (c, name) in before.header.iter().enumerate() {
        let c_after = after.column(&[name]).unwrap();
        assert_eq!(&before.header_record[c], &after.header_record[c_after]);
        for (r, ((_, old), (_, new))) in before.records.iter().zip(&after.records).enumerate() {
            if changed.contains(&(r, name.as_str())) {
                continue;
            }
            assert_eq!(
                old.get(c).unwrap_or_default(),
                new.get(c_after).unwrap_or_default(),
                "row {r}, column {name}"
            );
        }
    }
}

#[test]
fn shopify_gets_tags_and_related_products_on_first_rows_only() {
    let source = fixture("shopify_products.csv");
    let results = HashMap::from([
        (
            "red-wrap-dress".to_string(),
            result(&["dress", "red", "wrap"], &["slim-jeans", "striped-tee"]),
        ),
        (
            "slim-jeans".to_string(),
            result(&["denim"], &["red-wrap-dress"]),
        ),
    ]);
    let options = ExportOptions {
        tag_prefix: "vitrine:".into(),
    };
    let out = render(
        &source,
        ShopFormat::Shopify,
        ShopExport::Shopify,
        &results,
        &options,
    )
    .unwrap();
    let before = Table::read(&source).unwrap();
    let after = Table::read(&out).unwrap();
    assert_eq!(after.header.len(), before.header.len() + 1);
    assert_eq!(after.header.last().unwrap(), SHOPIFY_RELATED);
    assert_cells_kept(&before, &after, &[(0, "Tags"), (4, "Tags")]);
    let tags = after.column(&["Tags"]);
    let related = after.column(&[SHOPIFY_RELATED]);
    let cell = |r: usize, c| Table::cell(&after.records[r].1, c).into_owned();
    assert_eq!(
        cell(0, tags),
        "summer, wrap, vitrine:dress, vitrine:red, vitrine:wrap"
    );
    assert_eq!(cell(0, related), "slim-jeans, striped-tee");
    assert_eq!(cell(1, related), "");
    assert_eq!(cell(1, tags), "");
    assert_eq!(
        cell(4, tags),
        "denim, \"slim fit\", bestseller, vitrine:denim"
    );
    assert_eq!(cell(6, tags), "");

    // Exporting the export again replaces vitrine's tags instead of piling them up.
    let again = render(
        &out,
        ShopFormat::Shopify,
        ShopExport::Shopify,
        &results,
        &options,
    )
    .unwrap();
    assert_eq!(again, out);
}

#[test]
fn woocommerce_gets_tags_and_cross_sells_by_sku() {
    let source = fixture("woocommerce_products.csv");
    let results = HashMap::from([
        (
            "id:101".to_string(),
            result(&["hoodie"], &["id:104", "id:106"]),
        ),
        (
            "id:106".to_string(),
            result(&["jacket", "denim"], &["id:101"]),
        ),
    ]);
    let out = render(
        &source,
        ShopFormat::WooCommerce,
        ShopExport::WooCommerce,
        &results,
        &ExportOptions::default(),
    )
    .unwrap();
    let before = Table::read(&source).unwrap();
    let after = Table::read(&out).unwrap();
    assert_eq!(before.header, after.header);
    assert_cells_kept(
        &before,
        &after,
        &[
            (0, "Tags"),
            (0, "Cross-sells"),
            (5, "Tags"),
            (5, "Cross-sells"),
        ],
    );
    let cell =
        |r: usize, name: &str| Table::cell(&after.records[r].1, after.column(&[name])).into_owned();
    assert_eq!(cell(0, "Tags"), "fleece, casual, hoodie");
    // The polo has a SKU; the jacket has none, so it is named by its ID.
    assert_eq!(cell(0, "Cross-sells"), "POLO-1, id:106");
    assert_eq!(cell(5, "Tags"), "denim, jacket");
    assert_eq!(cell(5, "Cross-sells"), "HOOD");
    assert_eq!(cell(1, "Tags"), "");
}

#[test]
fn merchant_supplemental_feed_names_every_offer() {
    for (name, format) in [
        ("merchant_feed.tsv", ShopFormat::MerchantTsv),
        ("merchant_feed.xml", ShopFormat::MerchantXml),
    ] {
        let source = fixture(name);
        let mut skirt = result(&["skirt", "pleated"], &[]);
        skirt.colour = Some("navy".into());
        let mut trench = result(&["coat", "belt"], &["PLEAT-1"]);
        trench.colour = Some("white".into());
        let results = HashMap::from([
            ("TRENCH".to_string(), trench),
            ("PLEAT-1".to_string(), skirt),
        ]);
        let out = render(
            &source,
            format,
            ShopExport::Merchant,
            &results,
            &ExportOptions::default(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id\tcustom_label_0\tcolor\n\
             TRENCH-S\tcoat, belt\tBeige\n\
             TRENCH-M\tcoat, belt\tBeige\n\
             PLEAT-1\tskirt, pleated\tnavy\n",
            "{name}"
        );
    }
}

#[test]
fn exports_must_fit_the_catalogue() {
    let source = fixture("shopify_products.csv");
    let err = render(
        &source,
        ShopFormat::Shopify,
        ShopExport::WooCommerce,
        &HashMap::new(),
        &ExportOptions::default(),
    )
    .unwrap_err();
    assert!(err.contains("Shopify"), "{err}");
}

#[test]
fn tags_merge_without_repeats() {
    let tags = vec!["Red".to_string(), "dress".to_string()];
    assert_eq!(merge_tags("red, summer", &tags, ""), "red, summer, dress");
    assert_eq!(merge_tags("", &tags, "v:"), "v:Red, v:dress");
    assert_eq!(
        merge_tags("v:old, sale", &tags, "v:"),
        "sale, v:Red, v:dress"
    );
    let long: Vec<String> = (0..40).map(|i| format!("tag{i}")).collect();
    assert!(custom_label(&long, "").chars().count() <= CUSTOM_LABEL_CHARS);
}
