//! The consent log of CONTRACT §7: every record a leaf of one append-only Merkle tree (RFC 9162
//! §2.1), its head published as a C2SP checkpoint signed with Ed25519, so that anyone holding
//! the verifier key can check that a record is in the log and that the log was never
//! rewritten.
//!
//! - `hash`: leaf and node hashing, the record's salt;
//! - `nodes`, `sled_nodes`: where the tree's perfect subtrees are kept (a trait per store);
//! - `tree`: the log (appends by the store's single writer) and the proofs of any size;
//! - `proof`: the proofs' JSON and their verification (RFC 9162 §2.1.3.2, §2.1.4.2);
//! - `keys`, `key_file`: the log's name, verifier and signing keys, the key's file;
//! - `note`, `checkpoint`: C2SP signed notes and checkpoints;
//! - `continuity`: whether the log still extends a checkpoint someone kept;
//! - `command`: `consentry log key`.
//!
//! The store calls it; it calls no store, so the records never flow back into it: the nodes
//! alone answer every proof, and an erased record's leaf hash stays.

mod checkpoint;
pub mod command;
mod continuity;
mod hash;
mod key_file;
mod keys;
mod nodes;
mod note;
mod proof;
mod sled_nodes;
mod tree;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use continuity::{Break, Continuity, ContinuityError, Unreadable, compare};
pub use hash::{EncodingError, Salt, TreeHash};
pub use key_file::{
    KEY_FILE, KeyFileError, open_or_create as open_or_create_key, read as read_key,
};
pub use keys::{KeyError, LogName, LogSigner, VerifierKey};
pub use nodes::{NodeId, NodeStore, NodesError};
pub use note::{MAX_SIGNATURES, Note, NoteError, NoteSignature, sign as sign_note};
pub use proof::{
    ConsistencyProof, InclusionProof, ProofError, verify_consistency, verify_inclusion,
};
pub use sled_nodes::{
    LEGACY_NODES_TREE, NODES_TREE, SIZE_KEY, SledNodes, TILE, migrate_legacy, node_key, tile_key,
    write_tiles,
};
pub use tree::{Log, LogError, Tree};
