//! What the log signs and proves is what the standards say: the independent verifier accepts
//! it at every size, and accepts the standards' own published examples too, so that it is not
//! merely agreeing with our code.

use super::*;

/// Sizes around powers of two, where the tree's shape changes, and a few larger ones.
const SIZES: [u64; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 32, 33, 64, 100, 257, 1000,
];

#[test]
#[cfg_attr(not(node_tests), ignore = "no Node.js: apt-get install -y nodejs")]
fn every_checkpoint_and_proof_of_many_tree_sizes_verifies_independently() {
    let mut fixture = Fixture::new();
    let key = fixture.path("key");
    let shown = |p: &Path| p.display().to_string();
    let mut checks: Vec<Vec<String>> = Vec::new();
    let mut previous: Option<(u64, PathBuf)> = None;

    for size in SIZES {
        fixture.grow_to(size);
        let checkpoint = fixture.checkpoint(size);
        checks.push(
            ["checkpoint", "--key", &shown(&key), &shown(&checkpoint)]
                .map(str::to_owned)
                .to_vec(),
        );
        let mut indices = vec![0, size / 2, size - 1];
        indices.dedup();
        for index in indices {
            let (proof, record, salt) = fixture.inclusion(index, size);
            checks.push(inclusion_args(&key, &checkpoint, &proof, &record, &salt));
        }
        if let Some((old_size, old)) = &previous {
            let proof = fixture.consistency(*old_size, size);
            checks.push(consistency_args(&key, old, &checkpoint, &proof));
        }
        let from_one = fixture.consistency(1, size);
        checks.push(consistency_args(
            &key,
            &fixture.checkpoint(1),
            &checkpoint,
            &from_one,
        ));
        previous = Some((size, checkpoint));
    }

    // One run for them all: a Node start is a quarter second on a busy machine.
    let lines: Vec<String> = checks
        .iter()
        .map(|c| serde_json::to_string(c).expect("JSON"))
        .collect();
    let batch = fixture.write("checks", lines.join("\n"));
    let out = verify(&["batch".as_ref(), batch.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let oks = stdout.lines().filter(|l| l.starts_with("ok: ")).count();
    assert_eq!(oks, checks.len() + 1, "{stdout}");
    assert!(
        stdout.ends_with(&format!("ok: {} checks\n", checks.len())),
        "{stdout}"
    );
}

#[test]
fn proofs_are_written_in_the_contracts_json_shapes() {
    let mut fixture = Fixture::new();
    fixture.grow_to(6);

    let inclusion =
        serde_json::to_value(fixture.log.inclusion(4, 6).expect("a proof")).expect("JSON");
    let consistency =
        serde_json::to_value(fixture.log.consistency(3, 6).expect("a proof")).expect("JSON");

    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object().expect("an object").keys().cloned().collect()
    };
    assert_eq!(
        keys(&inclusion),
        ["index", "leaf_hash", "path", "tree_size"]
    );
    assert_eq!(inclusion["index"], 4);
    assert_eq!(inclusion["tree_size"], 6);
    let leaf = inclusion["leaf_hash"].as_str().expect("base64");
    assert_eq!(leaf.len(), 44, "32 bytes in padded standard base64: {leaf}");
    assert_eq!(keys(&consistency), ["first", "path", "second"]);
    assert_eq!(consistency["first"], 3);
    assert_eq!(consistency["second"], 6);
    assert!(
        consistency["path"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
}

#[test]
#[cfg_attr(not(node_tests), ignore = "no Node.js: apt-get install -y nodejs")]
fn the_verifier_accepts_the_standards_own_examples() {
    // Go's sumdb/note example (the reference implementation of signed notes), made by Go.
    let folder = tempfile::tempdir().expect("a temporary folder");
    let key = folder.path().join("go-key");
    std::fs::write(
        &key,
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
    )
    .expect("written");
    let text = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n";
    let note = format!(
        "{text}\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    );
    let note_file = folder.path().join("go-note");
    std::fs::write(&note_file, &note).expect("written");

    let out = verify(&[
        "note".as_ref(),
        "--key".as_ref(),
        key.as_os_str(),
        note_file.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), text);

    std::fs::write(&note_file, note.replace("problem,", "problem;")).expect("written");
    refuses(
        &[
            "note".as_ref(),
            "--key".as_ref(),
            key.as_os_str(),
            note_file.as_os_str(),
        ],
        "does not verify",
    );

    // The RFC 6962 test vectors: leaf 5 of the 8-leaf tree, its published root and path,
    // under a checkpoint our key signs.
    let fixture = Fixture::new();
    let root = hash("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    let checkpoint = consentry::tlog::Checkpoint::new(fixture.signer.name(), 8, root);
    let checkpoint = fixture.write("rfc-checkpoint", checkpoint.sign(&fixture.signer));
    let path = [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    .map(|h| hash(h).to_base64());
    let proof = serde_json::json!({
        "index": 5,
        "tree_size": 8,
        "leaf_hash": TreeHash::leaf(&[0x40, 0x41, 0x42, 0x43]).to_base64(),
        "path": path,
    });
    let proof = fixture.write("rfc-proof.json", proof.to_string());
    accepts(&[
        "inclusion".as_ref(),
        "--key".as_ref(),
        fixture.path("key").as_os_str(),
        "--checkpoint".as_ref(),
        checkpoint.as_os_str(),
        "--proof".as_ref(),
        proof.as_os_str(),
    ]);
}

fn hash(hex: &str) -> TreeHash {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    TreeHash::from_bytes(bytes.try_into().expect("32 bytes"))
}
