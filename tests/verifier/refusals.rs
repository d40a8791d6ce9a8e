//! Altered evidence does not verify: the independent verifier refuses a proof with a flipped
//! byte, an altered record, a checkpoint signed by another key, and a proof for another tree
//! size.

use super::*;

#[test]
#[cfg_attr(not(node_tests), ignore = "no Node.js: apt-get install -y nodejs")]
fn altered_inclusion_evidence_is_refused() {
    let mut fixture = Fixture::new();
    fixture.grow_to(99);
    let older = fixture.checkpoint(99);
    fixture.grow_to(100);
    let checkpoint = fixture.checkpoint(100);
    let key = fixture.path("key");
    let (proof, record, salt) = fixture.inclusion(41, 100);
    accepts(&inclusion_args(&key, &checkpoint, &proof, &record, &salt));
    let json = std::fs::read_to_string(&proof).expect("the proof");

    let flipped = fixture.write("flipped.json", flip_first_path_byte(&json));
    refuses(
        &inclusion_args(&key, &checkpoint, &flipped, &record, &salt),
        "does not lead to the root",
    );

    let original = std::fs::read_to_string(&record).expect("the record");
    let altered = fixture.write("altered", original.replace("accept-all", "reject-all"));
    refuses(
        &inclusion_args(&key, &checkpoint, &proof, &altered, &salt),
        "do not hash to the proof's leaf_hash",
    );
    let (_, _, other_salt) = fixture.inclusion(42, 100);
    refuses(
        &inclusion_args(&key, &checkpoint, &proof, &record, &other_salt),
        "do not hash to the proof's leaf_hash",
    );

    let mut resized: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    resized["tree_size"] = 99.into();
    let resized = fixture.write("resized.json", resized.to_string());
    refuses(
        &inclusion_args(&key, &checkpoint, &resized, &record, &salt),
        "the proof is for 99 leaves, the checkpoint has 100",
    );
    // The true proof at 99 leaves, held against the checkpoint of 100: the path is not its.
    let (at_99, _, _) = fixture.inclusion(41, 99);
    let mut claimed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&at_99).expect("the proof")).expect("JSON");
    claimed["tree_size"] = 100.into();
    let claimed = fixture.write("claimed.json", claimed.to_string());
    refuses(
        &inclusion_args(&key, &checkpoint, &claimed, &record, &salt),
        "does not lead to the root",
    );
    refuses(
        &inclusion_args(&key, &older, &proof, &record, &salt),
        "the proof is for 100 leaves, the checkpoint has 99",
    );
}

#[test]
#[cfg_attr(not(node_tests), ignore = "no Node.js: apt-get install -y nodejs")]
fn a_checkpoint_signed_by_another_key_or_altered_is_refused() {
    let mut fixture = Fixture::new();
    fixture.grow_to(10);
    let key = fixture.path("key");
    let (proof, record, salt) = fixture.inclusion(3, 10);

    // The same log name, another key: what an impostor holding the database but not the
    // key could sign.
    let impostor = LogSigner::generate(fixture.signer.name().clone());
    let root = fixture.log.root(10).expect("a root");
    let forged = consentry::tlog::Checkpoint::new(impostor.name(), 10, root).sign(&impostor);
    let forged = fixture.write("forged", forged);
    refuses(
        &inclusion_args(&key, &forged, &proof, &record, &salt),
        "not signed by www.example.com/consentry",
    );

    let honest = std::fs::read_to_string(fixture.checkpoint(10)).expect("the checkpoint");
    let grown = fixture.write("grown", honest.replacen("\n10\n", "\n11\n", 1));
    refuses(
        &[
            "checkpoint".as_ref(),
            "--key".as_ref(),
            key.as_os_str(),
            grown.as_os_str(),
        ],
        "does not verify",
    );
}

#[test]
#[cfg_attr(not(node_tests), ignore = "no Node.js: apt-get install -y nodejs")]
fn altered_consistency_evidence_is_refused() {
    let mut fixture = Fixture::new();
    fixture.grow_to(37);
    let old = fixture.checkpoint(37);
    fixture.grow_to(90);
    let new = fixture.checkpoint(90);
    let key = fixture.path("key");
    let proof = fixture.consistency(37, 90);
    accepts(&consistency_args(&key, &old, &new, &proof));

    let json = std::fs::read_to_string(&proof).expect("the proof");
    let flipped = fixture.write("flipped.json", flip_first_path_byte(&json));
    refuses(
        &consistency_args(&key, &old, &new, &flipped),
        "does not lead to the",
    );
    refuses(
        &consistency_args(&key, &new, &old, &proof),
        "the proof is from 37 to 90 leaves, the checkpoints from 90 to 37",
    );
    let other_old = fixture.checkpoint(36);
    refuses(
        &consistency_args(&key, &other_old, &new, &proof),
        "the checkpoints from 36 to 90",
    );

    // A rewritten history: the same first 37 sizes of tree, other records from there on. No
    // proof the log could give leads from the published 37 to it.
    let mut rewritten = Fixture::new();
    rewritten.signer =
        consentry::tlog::read_key(&fixture.folder.path().join("log-key")).expect("the same key");
    rewritten.grow_to(90);
    let rewritten_new = rewritten.checkpoint(90);
    let rewritten_proof = rewritten.consistency(37, 90);
    refuses(
        &consistency_args(&key, &old, &rewritten_new, &rewritten_proof),
        "does not lead to the first root",
    );
}
