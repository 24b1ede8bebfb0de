use super::*;

fn load(json: &str, with_images: &[&str]) -> Result<(Vec<Item>, ImportReport), CatalogueError> {
    try_load_bytes(json.as_bytes(), with_images)
}

/// Writes `json` and the named (tiny) images into a temporary folder and imports it.
fn try_load_bytes(
    json: &[u8],
    with_images: &[&str],
) -> Result<(Vec<Item>, ImportReport), CatalogueError> {
    let dir = tempfile::tempdir().unwrap();
    for name in with_images {
        image::RgbImage::new(2, 2)
            .save(dir.path().join(name))
            .unwrap();
    }
    let path = dir.path().join("feidegger.json");
    std::fs::write(&path, json).unwrap();
    let mut report = ImportReport::default();
    // Offline: a photo named by address that is not beside the file is not fetched.
    let offline = crate::catalogue::FetchControl {
        offline: true,
        ..Default::default()
    };
    let items = crate::catalogue::fetch::with_control(offline, || {
        load_json(&path, dir.path(), &ImportOptions::default(), &mut report)
    })?;
    Ok((items, report))
}

#[test]
fn entries_join_descriptions_and_keep_scalars() {
    let (items, report) = load(
        r#"[{"url": "https://img.example.com/a/b1.png?imwidth=762", "descriptions":
             ["  A short dress. ", "Red with white dots!", ""], "split": "3", "score": 0.5,
             "tags": ["x"], "extra": null}]"#,
        &["b1.png"],
    )
    .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].description, "A short dress. Red with white dots!");
    assert_eq!(items[0].id, "https://img.example.com/a/b1.png?imwidth=762");
    let attrs: Vec<(&str, &str)> = items[0]
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(attrs, [("score", "0.5"), ("split", "3")]);
}

#[test]
fn bad_entries_are_reported_by_entry_number() {
    let (items, report) = load(
        r#"[{"url": "https://x/ok.png", "descriptions": ["Fine."]},
            {"descriptions": ["No url."]},
            42,
            {"url": "https://x/gone.png", "descriptions": ["Missing file."]},
            {"url": "https://x/ok2.png"},
            {"url": "https://y/ok.png", "descriptions": ["Same file name."]}]"#,
        &["ok.png", "ok2.png"],
    )
    .unwrap();
    let found: Vec<(Option<usize>, ProblemKind)> =
        report.problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        found,
        [
            (Some(2), ProblemKind::MissingColumns),
            (Some(3), ProblemKind::MalformedEntry),
            (Some(4), ProblemKind::DownloadFailed),
            (Some(5), ProblemKind::EmptyDescription),
            (Some(6), ProblemKind::DuplicateImage),
        ]
    );
    assert!(report.problems[0]
        .message
        .starts_with("entry 2 of feidegger.json: "));
    assert!(report.problems[4]
        .message
        .contains("already listed on entry 1"));
    assert_eq!(report.rows_read, 6);
    assert_eq!(items.len(), 2);
}

#[test]
fn wrong_shapes_are_fatal() {
    let err = load(r#"{"items": []}"#, &[]).unwrap_err();
    assert!(matches!(err, CatalogueError::NotACatalogue { .. }));
    assert!(err.to_string().contains("\"items\""), "{err}");
    assert!(matches!(
        load("[]", &[]).unwrap_err(),
        CatalogueError::Empty { .. }
    ));
    assert!(matches!(
        load("\"text\"", &[]).unwrap_err(),
        CatalogueError::NotACatalogue { .. }
    ));
    let err = load("[{\"url\": ", &[]).unwrap_err();
    assert!(
        matches!(err, CatalogueError::InvalidJson { line: 1, .. }),
        "{err}"
    );
}

fn load_bytes(json: &[u8], with_images: &[&str]) -> (Vec<Item>, ImportReport) {
    try_load_bytes(json, with_images).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let (items, report) = load_bytes(
        b"\xEF\xBB\xBF[{\"url\": \"https://x/a.png\", \"descriptions\": [\"Red top\"]}]",
        &["a.png"],
    );
    assert!(report.is_clean(), "{report}");
    assert_eq!(items[0].description, "Red top");
}

#[test]
fn latin1_bytes_are_replaced_and_reported_by_entry_and_line() {
    let (items, report) = load_bytes(
        b"[\n{\"url\": \"https://x/a.png\", \"descriptions\": [\"Fine.\"]},\n\
          {\"url\": \"https://x/b.png\", \"descriptions\": [\"Caf\xe9 blouse\"],\n\
           \"brand\": \"Ma\xefson\"},\n\
          {\"url\": \"https://x/c.png\", \"descriptions\": [\"Also fine.\"]}\n]",
        &["a.png", "b.png", "c.png"],
    );
    assert_eq!(items.len(), 3, "{report}");
    assert_eq!(items[1].description, "Caf\u{FFFD} blouse");
    let found: Vec<(Option<usize>, ProblemKind)> =
        report.problems.iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(
        found,
        [
            (Some(2), ProblemKind::NonUtf8Description),
            (Some(2), ProblemKind::NonUtf8Text)
        ]
    );
    assert!(
        report.problems[0]
            .message
            .starts_with("entry 2 of feidegger.json: the description is not UTF-8 text"),
        "{report}"
    );
    assert!(
        report.problems[0]
            .message
            .contains("lines 3, 4 of the file"),
        "{report}"
    );
}
