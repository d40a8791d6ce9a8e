//! `consentry log key` prints the verifier key of the data folder's signing key: the line an
//! auditor checks checkpoints with. It makes no key: a missing or broken one is an error that
//! names the file.

use super::*;

fn log_key<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(["log", "key"])
        .args(args)
        .env_remove("CONSENTRY_DATA")
        .env_remove("CONSENTRY_LOG_KEY")
        .output()
        .expect("consentry runs")
}

#[test]
#[cfg_attr(not(node_tests), ignore = "no Node.js: apt-get install -y nodejs")]
fn the_printed_key_verifies_the_checkpoints_the_data_folders_key_signs() {
    let mut fixture = Fixture::new();
    fixture.grow_to(5);
    let checkpoint = fixture.checkpoint(5);

    let out = log_key(&["--data".as_ref(), fixture.folder.path().as_os_str()]);

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("text");
    assert!(
        printed.starts_with("www.example.com/consentry+"),
        "{printed}"
    );
    assert_eq!(printed.lines().count(), 1);
    let key = fixture.write("printed-key", &printed);
    accepts(&[
        "checkpoint".as_ref(),
        "--key".as_ref(),
        key.as_os_str(),
        checkpoint.as_os_str(),
    ]);
    // --log-key names the file instead; the same key prints.
    let given = log_key(&["--log-key".as_ref(), fixture.path("log-key").as_os_str()]);
    assert_eq!(String::from_utf8_lossy(&given.stdout), printed);
}

#[test]
fn a_missing_or_broken_key_is_an_error_naming_the_file_and_makes_none() {
    let folder = tempfile::tempdir().expect("a temporary folder");

    let out = log_key(&["--data".as_ref(), folder.path().as_os_str()]);

    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let path = folder.path().join("log-key");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("first start"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(!path.exists(), "no key made");

    let broken = folder.path().join("given");
    std::fs::write(&broken, "PRIVATE+KEY+x+0000000g+AAAA\n").expect("written");
    let out = log_key(&["--log-key".as_ref(), broken.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&broken.display().to_string()), "{stderr}");
    assert!(stderr.contains("key id"), "{stderr}");
}
