//! Files that lose nothing and say nothing wrong: concurrent edits of a catalogue's vocabulary
//! by the real `vitrine vocab` command all survive, and an export killed at a random moment
//! leaves the old file or the new one, never a fragment, and no temporary file once the next
//! export has started.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use vitrine::lookalike::export::write;
use vitrine::lookalike::Match;
use vitrine::text::vocab::{derive_tags, store, VocabEdit, VocabularyEdits, VocabularySettings};

/// The `vitrine` binary with its data and cache folders in `root`.
fn vitrine(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vitrine"));
    command
        .env("VITRINE_DATA_DIR", root.join("data"))
        .env("VITRINE_CACHE_DIR", root.join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Ten tags of the demo catalogue's vocabulary to remove and ten description words to add.
fn demo_edits() -> (Vec<String>, Vec<String>) {
    let demo = vitrine::catalogue::demo().expect("demo catalogue");
    let descriptions: Vec<&str> = demo.items.iter().map(|i| i.description.as_str()).collect();
    let derived = derive_tags(&descriptions, &VocabularySettings::default());
    let vocabulary = &derived.set.vocabulary;
    let removes: Vec<String> = vocabulary.names().into_iter().take(10).collect();
    let adds: Vec<String> = derived
        .words
        .entries
        .iter()
        .filter(|w| w.items.len() >= 2 && w.name.chars().all(|c| c.is_ascii_lowercase()))
        .filter(|w| {
            let add = VocabEdit::Add {
                word: w.name.clone(),
            };
            VocabularyEdits::check(&add, vocabulary, &derived.words).is_ok()
        })
        .map(|w| w.name.clone())
        .take(10)
        .collect();
    assert_eq!(
        (removes.len(), adds.len()),
        (10, 10),
        "the demo has the tags and words"
    );
    (removes, adds)
}

#[test]
fn ten_concurrent_vocabulary_edit_pairs_keep_every_edit() {
    let root = tempfile::tempdir().expect("tempdir");
    let (removes, adds) = demo_edits();
    // The demo catalogue is extracted once, so the pairs race on the vocabulary alone.
    let shown = vitrine(root.path())
        .args(["vocab", "show"])
        .output()
        .expect("vitrine runs");
    assert!(shown.status.success(), "{shown:?}");
    for (remove, add) in removes.iter().zip(&adds) {
        let a = vitrine(root.path())
            .args(["vocab", "add", add])
            .spawn()
            .expect("vitrine runs");
        let b = vitrine(root.path())
            .args(["vocab", "remove", remove])
            .spawn()
            .expect("vitrine runs");
        for child in [a, b] {
            let out = child.wait_with_output().expect("vitrine ends");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("saved in"));
        }
    }
    let file = root.path().join("data/catalogues/demo/vocabulary.json");
    let saved = store::load(&file).expect("readable").expect("saved");
    let mut expected: Vec<VocabEdit> = removes
        .iter()
        .map(|t| VocabEdit::Remove { tag: t.clone() })
        .chain(adds.iter().map(|w| VocabEdit::Add { word: w.clone() }))
        .collect();
    let mut kept = saved.edits.edits.clone();
    let key = |e: &VocabEdit| e.to_string();
    expected.sort_by_key(key);
    kept.sort_by_key(key);
    assert_eq!(kept, expected, "all 20 edits are in the file");
    let leftovers: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

const ITEMS: usize = 20_000;
const CHILD_ENV: &str = "VITRINE_TEST_EXPORT_TARGET";

fn ids() -> Vec<String> {
    (0..ITEMS)
        .map(|i| format!("images/item-{i:05}.jpg"))
        .collect()
}

/// Five lookalikes per item; `version` changes every score, so each version is its own file.
fn lookalikes(version: usize) -> Vec<Vec<Match>> {
    (0..ITEMS)
        .map(|i| {
            (1..=5)
                .map(|r| Match {
                    index: (i + r * 7) % ITEMS,
                    score: (version * 10 + r) as f32 / 100.0,
                    shape: 0.5,
                    colour: 0.25,
                    text: 0.125,
                    kind: 0.0625,
                })
                .collect()
        })
        .collect()
}

/// The bytes of a complete export of `version`.
fn complete(dir: &Path, version: usize) -> Vec<u8> {
    let path = dir.join(format!("complete-{version}.csv"));
    write(&path, &ids(), &lookalikes(version)).expect("written");
    std::fs::read(&path).expect("read back")
}

/// Run only as the child of [`a_killed_export_leaves_the_old_file_or_the_new_one`]: exports
/// versions 1 and 2 in turn to the file it names, until it is killed.
#[test]
#[ignore = "the child process that a_killed_export_leaves_the_old_file_or_the_new_one kills"]
fn export_child_writes_until_killed() {
    let target = PathBuf::from(std::env::var_os(CHILD_ENV).expect("run by the kill test"));
    let (ids, versions) = (ids(), [lookalikes(1), lookalikes(2)]);
    loop {
        for found in &versions {
            write(&target, &ids, found).expect("written");
        }
    }
}

/// Temporary files of `target` (any process's).
fn temporaries(target: &Path) -> Vec<PathBuf> {
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&name) && n.ends_with(".tmp")
        })
        .collect()
}

#[test]
fn a_killed_export_leaves_the_old_file_or_the_new_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let versions: Vec<Vec<u8>> = (0..3).map(|v| complete(dir.path(), v)).collect();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("lookalikes.csv");
    std::fs::write(&target, &versions[0]).unwrap();
    let mut rng = rand::rng();
    let mut killed_mid_write = 0;
    for round in 0..10 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "export_child_writes_until_killed",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        // Wait until the child is writing, then let it run a random while longer.
        let started = Instant::now();
        while temporaries(&target).is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "the child never started writing"
            );
            assert!(child.try_wait().unwrap().is_none(), "the child ended");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(0..400)));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();

        let now = std::fs::read(&target).expect("the file is there");
        assert!(
            versions.contains(&now),
            "round {round}: a fragment of {} bytes is in place of the export",
            now.len()
        );
        let left = temporaries(&target);
        if !left.is_empty() {
            killed_mid_write += 1;
        }
        // The next export of the file removes what the killed one left, and says so.
        let note = vitrine::durable::clear_leftovers_note(&target);
        assert_eq!(note.is_some(), !left.is_empty(), "{note:?}");
        assert!(temporaries(&target).is_empty(), "round {round}");
        let names: Vec<_> = std::fs::read_dir(&out_dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "only the export is left: {names:?}");
    }
    assert!(
        killed_mid_write > 0,
        "no kill landed during a write, so nothing was tested"
    );
}
