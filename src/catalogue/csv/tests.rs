use super::*;
use crate::catalogue::MAX_DESCRIPTION_CHARS;
use std::path::PathBuf;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("images")).unwrap();
        for name in ["a.png", "b.png", "c.png"] {
            image::RgbImage::new(4, 3)
                .save(dir.path().join("images").join(name))
                .unwrap();
        }
        Fixture { dir }
    }

    fn load(
        &self,
        csv: &[u8],
        opts: &ImportOptions,
    ) -> Result<(Vec<Item>, ImportReport), CatalogueError> {
        let path = self.dir.path().join("shop.csv");
        std::fs::write(&path, csv).unwrap();
        let mut report = ImportReport::default();
        let items = load_csv(&path, self.dir.path(), opts, &mut report)?;
        Ok((items, report))
    }

    fn kinds(report: &ImportReport) -> Vec<(Option<usize>, ProblemKind)> {
        report.problems.iter().map(|p| (p.line, p.kind)).collect()
    }
}

#[test]
fn good_rows_load_with_attributes() {
    let fx = Fixture::new();
    let (items, report) = fx
        .load(
            b"Image,Description,Category,Colour\n\
              images/a.png,A red dress.,Dress,red\n\
              images/b.png,\"Blue jeans, slim.\",Pants,\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.rows_read, 2);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, "images/a.png");
    assert_eq!(items[0].image_path, fx.dir.path().join("images/a.png"));
    assert_eq!(items[1].description, "Blue jeans, slim.");
    assert_eq!(
        items[0].attributes.get("Colour").map(String::as_str),
        Some("red")
    );
    // Empty values are left out rather than stored as "".
    assert!(!items[1].attributes.contains_key("Colour"));
    assert_eq!(
        items[1].attributes.get("Category").map(String::as_str),
        Some("Pants")
    );
}

#[test]
fn bom_semicolons_and_crlf_are_understood() {
    let fx = Fixture::new();
    let (items, report) = fx
        .load(
            b"\xEF\xBB\xBFfile;caption\r\nimages/a.png;Short coat\r\n\r\nimages/b.png;Long coat\r\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].description, "Long coat");
}

#[test]
fn line_numbers_count_physical_lines() {
    let fx = Fixture::new();
    let (items, report) = fx
        .load(
            b"image,description\nimages/a.png,\"two\nlines\"\nimages/missing.png,x\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        Fixture::kinds(&report),
        [(Some(4), ProblemKind::MissingImage)]
    );
    assert!(report.problems[0]
        .message
        .starts_with("line 4 of shop.csv: "));
}

#[test]
fn short_long_and_empty_rows_are_reported() {
    let fx = Fixture::new();
    let (items, report) = fx
        .load(
            b"category,image,description\n\
              Dress\n\
              Dress,images/a.png\n\
              Top,images/b.png,  \n\
              Top,images/c.png,Cotton, with buttons\n\
              Top,,no image\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(
        Fixture::kinds(&report),
        [
            (Some(2), ProblemKind::MissingColumns),
            (Some(3), ProblemKind::MissingColumns),
            (Some(4), ProblemKind::EmptyDescription),
            (Some(5), ProblemKind::ExtraColumns),
            (Some(6), ProblemKind::MissingImage),
        ]
    );
    assert_eq!(report.problems[0].severity, Severity::Skipped);
    assert_eq!(report.problems[1].severity, Severity::Warning);
    assert_eq!(report.rows_read, 5);
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["images/a.png", "images/b.png", "images/c.png"]);
    assert_eq!(items[2].description, "Cotton");
}

#[test]
fn non_utf8_is_decoded_lossily_and_reported() {
    let fx = Fixture::new();
    let (items, report) = fx
        .load(
            b"image,description,brand\nimages/a.png,Caf\xe9 cr\xe8me blouse,Ma\xefson\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].description, "Caf\u{FFFD} cr\u{FFFD}me blouse");
    assert_eq!(
        Fixture::kinds(&report),
        [
            (Some(2), ProblemKind::NonUtf8Description),
            (Some(2), ProblemKind::NonUtf8Text)
        ]
    );
}

#[test]
fn columns_can_be_named_in_options() {
    let fx = Fixture::new();
    let opts = ImportOptions {
        image_column: Some("Photo".into()),
        description_column: Some("blurb".into()),
        ..Default::default()
    };
    let (items, report) = fx
        .load(
            b"photo,blurb,url\nimages/c.png,Wool scarf,https://x/y.jpg\n",
            &opts,
        )
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(items[0].description, "Wool scarf");
    assert_eq!(
        items[0].attributes.get("url").map(String::as_str),
        Some("https://x/y.jpg")
    );

    let wrong = ImportOptions {
        description_column: Some("notes".into()),
        ..Default::default()
    };
    let err = fx
        .load(b"image,text\nimages/a.png,x\n", &wrong)
        .unwrap_err();
    assert!(matches!(
        err,
        CatalogueError::ColumnNotFound {
            role: "description",
            ..
        }
    ));
    assert!(err.to_string().contains("\"image\", \"text\""), "{err}");
}

#[test]
fn image_column_preference_and_missing_description_column() {
    let fx = Fixture::new();
    // `image` wins over `url` when both exist; no description column is a warning.
    let (items, report) = fx
        .load(
            b"url,image\nhttps://x/remote.jpg,images/a.png\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(items[0].image_path, fx.dir.path().join("images/a.png"));
    assert_eq!(
        Fixture::kinds(&report),
        [(Some(1), ProblemKind::MissingColumns)]
    );
    assert_eq!(report.problems[0].severity, Severity::Warning);
}

#[test]
fn url_column_resolves_to_file_names_beside_the_csv() {
    let fx = Fixture::new();
    std::fs::copy(
        fx.dir.path().join("images/a.png"),
        fx.dir.path().join("shot.png"),
    )
    .unwrap();
    let (items, report) = fx
        .load(
            b"URL,desc\nhttps://cdn.example.com/p/shot.png?w=1,Linen shirt\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(items[0].id, "https://cdn.example.com/p/shot.png?w=1");
    assert_eq!(items[0].image_path, fx.dir.path().join("shot.png"));
}

#[test]
fn not_a_catalogue_names_found_and_expected_columns() {
    let fx = Fixture::new();
    let err = fx
        .load(b"name,price,stock\nShirt,20,3\n", &ImportOptions::default())
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CatalogueError::NoImageColumn { .. }));
    assert!(text.contains("\"name\", \"price\", \"stock\""), "{text}");
    assert!(text.contains("\"image\""), "{text}");
    assert!(text.contains("\"filename\""), "{text}");

    let err = fx.load(b"  \n", &ImportOptions::default()).unwrap_err();
    assert!(matches!(err, CatalogueError::Empty { .. }));
}

#[test]
fn delimiter_sniffing() {
    let p = PathBuf::from("x.csv");
    assert_eq!(sniff_delimiter(&p, b"a,b;c\n"), b',');
    assert_eq!(sniff_delimiter(&p, b"a;b;c\nx,y"), b';');
    assert_eq!(sniff_delimiter(&p, b"a\tb\n"), b'\t');
    assert_eq!(sniff_delimiter(Path::new("x.TSV"), b"a,b\n"), b'\t');
}

#[test]
fn an_unclosed_quote_costs_no_row_and_not_the_rest_of_the_file() {
    let fx = Fixture::new();
    let mut csv = String::from("image,description\n");
    for i in 0..30 {
        image::RgbImage::new(2, 2)
            .save(fx.dir.path().join(format!("images/p{i}.png")))
            .unwrap();
        match i {
            // Row 5, on line 6: a quote that its line never closes.
            4 => csv.push_str("images/p4.png,\"Red dress 4\n"),
            // A properly quoted field later on, whose quote the open one would pair with.
            9 => csv.push_str("images/p9.png,\"Blue jeans, slim\"\n"),
            _ => csv.push_str(&format!("images/p{i}.png,Dress {i}\n")),
        }
    }
    let (items, report) = fx.load(csv.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(items.len(), 30, "{report}");
    assert_eq!(report.rows_read, 30);
    assert_eq!(
        Fixture::kinds(&report),
        [(Some(6), ProblemKind::UnclosedQuote)]
    );
    let message = &report.problems[0].message;
    assert!(
        message.starts_with(
            "line 6 of shop.csv: the double quote (\") that opens the \"description\" field"
        ),
        "{message}"
    );
    assert!(
        message.contains("so line 7 (which reads as a row of its own)"),
        "{message}"
    );
    assert_eq!(report.problems[0].severity, Severity::Warning);
    let p4 = items.iter().find(|i| i.id == "images/p4.png").unwrap();
    assert_eq!(p4.description, "Red dress 4");
    let p9 = items.iter().find(|i| i.id == "images/p9.png").unwrap();
    assert_eq!(p9.description, "Blue jeans, slim");
    assert_eq!(items.last().map(|i| i.id.as_str()), Some("images/p29.png"));
}

#[test]
fn crlf_files_report_the_same_line_numbers() {
    let fx = Fixture::new();
    for newline in ["\n", "\r\n"] {
        let csv = [
            "image,description",
            "images/a.png,\"two",
            "lines\"",
            "",
            "images/missing.png,x",
            "images/b.png,",
        ]
        .join(newline)
            + newline;
        let (items, report) = fx.load(csv.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            Fixture::kinds(&report),
            [
                (Some(5), ProblemKind::MissingImage),
                (Some(6), ProblemKind::EmptyDescription)
            ],
            "{newline:?}: {report}"
        );
        assert!(
            report.problems[0]
                .message
                .starts_with("line 5 of shop.csv: "),
            "{report}"
        );
    }
}

#[test]
fn a_quote_closed_by_the_next_row_loads_both_rows_and_names_both_lines() {
    let fx = Fixture::new();
    // The quote opened on line 2 closes at the end of line 3's description, so the CSV reader
    // sees one record; line 3 has the header's three columns once its price is counted.
    let csv = "image,description,price\n\
               images/a.png,\"Red dress,12\n\
               images/b.png,Blue top\",13\n\
               images/c.png,Hat,5\n";
    let (items, report) = fx.load(csv.as_bytes(), &ImportOptions::default()).unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["images/a.png", "images/b.png", "images/c.png"],
        "{report}"
    );
    // The quoted row keeps what its own line holds (its price is on the next line, so it is
    // reported missing).
    assert_eq!(
        Fixture::kinds(&report),
        [
            (Some(2), ProblemKind::MissingColumns),
            (Some(2), ProblemKind::UnclosedQuote)
        ]
    );
    let quote = &report.problems[1];
    assert!(
        quote.message.starts_with("line 2 of shop.csv"),
        "{}",
        quote.message
    );
    assert!(
        quote.message.contains("so line 3 (which"),
        "{}",
        quote.message
    );
    assert_eq!(quote.severity, Severity::Warning);
    assert_eq!(items[0].description, "Red dress,12");
    assert_eq!(items[1].description, "Blue top\"");
}

#[test]
fn a_header_without_rows_is_a_warning() {
    let fx = Fixture::new();
    let (items, report) = fx
        .load(b"image,description\n", &ImportOptions::default())
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(Fixture::kinds(&report), [(Some(1), ProblemKind::NoRows)]);
    assert_eq!(report.problems[0].severity, Severity::Warning);
    assert!(
        !report.summary().contains("no problems"),
        "{}",
        report.summary()
    );
}

#[test]
fn a_description_over_the_limit_is_cut_and_reported() {
    let fx = Fixture::new();
    let long = "é".repeat(MAX_DESCRIPTION_CHARS * 3);
    let csv = format!("image,description\nimages/a.png,{long}\nimages/b.png,Short\n");
    let (items, report) = fx.load(csv.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].description.chars().count(), MAX_DESCRIPTION_CHARS);
    assert!(items[0].description.chars().all(|c| c == 'é'));
    assert_eq!(items[1].description, "Short");
    assert_eq!(
        Fixture::kinds(&report),
        [(Some(2), ProblemKind::LongDescription)]
    );
    assert_eq!(report.problems[0].severity, Severity::Warning);
    assert!(report.problems[0]
        .message
        .contains("first 10000 characters"));
}
