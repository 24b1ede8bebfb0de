use super::*;

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn replaces_the_target_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("a.json");
    write_file(&target, b"one").unwrap();
    write_file(&target, b"two").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"two");
    assert_eq!(names_in(dir.path()), ["a.json"]);
}

#[test]
fn temporary_names_are_unique_and_recognised() {
    let target = Path::new("/x/shard-000001.safetensors");
    let (a, b) = (tmp_path_for(target), tmp_path_for(target));
    assert_ne!(a, b);
    assert!(is_tmp(&a) && !is_tmp(target));
    assert!(a
        .to_str()
        .unwrap()
        .starts_with("/x/shard-000001.safetensors."));
}

#[test]
fn a_failed_write_reports_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_file(&dir.path().join("missing/a.json"), b"x").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn a_stream_is_invisible_until_committed_and_gone_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("export.csv");
    std::fs::write(&target, b"old").unwrap();
    let mut file = AtomicFile::create(&target).unwrap();
    for _ in 0..10_000 {
        file.write_all(b"a row of an export\n").unwrap();
    }
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    drop(file);
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(names_in(dir.path()), ["export.csv"]);

    let mut file = AtomicFile::create(&target).unwrap();
    file.write_all(b"new").unwrap();
    file.commit().unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"new");
    assert_eq!(names_in(dir.path()), ["export.csv"]);
}

#[cfg(unix)]
#[test]
fn writing_onto_a_link_writes_its_target_and_keeps_the_link() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    std::fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("shop.csv");
    std::fs::write(&real, b"old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.csv");
    symlink("real/shop.csv", &link).unwrap();
    let chain = dir.path().join("chain.csv");
    symlink(&link, &chain).unwrap();

    write_file(&chain, b"new").unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::symlink_metadata(&chain)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&real).unwrap(), b"new");
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the replaced file keeps its permissions");
    assert_eq!(names_in(&real_dir), ["shop.csv"]);

    let dangling = dir.path().join("dangling.csv");
    symlink("real/new.csv", &dangling).unwrap();
    write_file(&dangling, b"made").unwrap();
    assert_eq!(std::fs::read(real_dir.join("new.csv")).unwrap(), b"made");

    let (a, b) = (dir.path().join("loop-a"), dir.path().join("loop-b"));
    symlink(&b, &a).unwrap();
    symlink(&a, &b).unwrap();
    assert!(write_file(&a, b"x").is_err());
}

#[test]
fn io_errors_are_described_without_their_number() {
    let e = std::io::Error::from_raw_os_error(28);
    assert_eq!(describe_io(&e), "No space left on device");
    let e = std::io::Error::other("plain words");
    assert_eq!(describe_io(&e), "plain words");
}

#[test]
fn debug_text_and_repeated_causes_become_plain_words() {
    let debug = "the network failed: cannot save: IoError(Os { code: 28, kind: StorageFull, \
                 message: \"No space left on device\" })";
    assert_eq!(
        plain_words(debug),
        "the network failed: cannot save: No space left on device"
    );
    assert_eq!(
        plain_words("cannot write a.csv: Read-only file system (os error 30)"),
        "cannot write a.csv: Read-only file system"
    );

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot write a.csv: {}", self.0)
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let e = Outer(std::io::Error::from_raw_os_error(30));
    let chain: Vec<&(dyn std::error::Error + 'static)> = vec![&e, &e.0];
    assert_eq!(
        describe_chain(chain),
        "cannot write a.csv: Read-only file system"
    );
}
