#!/usr/bin/env node
// An independent verifier of Consentry's consent log, written from the standards and not from
// the service's code: RFC 9162 §2.1 (Merkle tree hashing, inclusion and consistency proof
// verification, §2.1.3.2 and §2.1.4.2), C2SP signed-note and C2SP tlog-checkpoint. Node's
// built-in crypto only (SHA-256, Ed25519); no npm module.
//
//   node verify.mjs note        --key KEY NOTE
//   node verify.mjs checkpoint  --key KEY CHECKPOINT
//   node verify.mjs inclusion   --key KEY --checkpoint CHECKPOINT --proof PROOF.json
//                               [--record RECORD --salt SALT]
//   node verify.mjs consistency --key KEY --old CHECKPOINT --new CHECKPOINT --proof PROOF.json
//   node verify.mjs batch CHECKS
//
// CHECKS holds one check a line, each the arguments of one of the commands above as a JSON
// array (an auditor's many proofs in one run); every line is checked and each failure told.
//
// KEY is a file holding the verifier key `<name>+<key id hex>+<base64(0x01 || public key)>`;
// NOTE and CHECKPOINT files hold a signed note; PROOF.json is `{"index", "tree_size",
// "leaf_hash", "path"}` or `{"first", "second", "path"}` (hashes in standard base64); RECORD is
// the record's bytes and SALT its salt in URL-safe base64 without padding, to check that the
// proof's leaf is that record: leaf hash = SHA-256(0x00 || salt || record).
//
// Exit status: 0 verified, 1 something does not verify (said on stderr), 2 bad usage.

import { createHash, createPublicKey, verify as ed25519Verify } from "node:crypto";
import { readFileSync } from "node:fs";

class Failure extends Error {}
class Usage extends Error {}

const sha256 = (...parts) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

// ---- Encodings (RFC 4648 §4 standard base64 with padding, §5 URL-safe without) ----

function base64(text, what) {
  const ok = /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
  const bytes = Buffer.from(text, "base64");
  if (!ok || bytes.toString("base64") !== text) {
    throw new Failure(`${what} is not standard base64`);
  }
  return bytes;
}

function base64url(text, what) {
  const bytes = Buffer.from(text, "base64url");
  if (!/^[A-Za-z0-9_-]*$/.test(text) || bytes.toString("base64url") !== text) {
    throw new Failure(`${what} is not URL-safe base64 without padding`);
  }
  return bytes;
}

function hash32(text, what) {
  if (typeof text !== "string") throw new Failure(`${what} is not a base64 string`);
  const bytes = base64(text, what);
  if (bytes.length !== 32) throw new Failure(`${what} is ${bytes.length} bytes, not 32`);
  return bytes;
}

// ---- C2SP signed-note ----

// Key names: non-empty, no Unicode space, no plus.
const validName = (name) => name.length > 0 && !/[\s+]/u.test(name);

function parseVerifierKey(text) {
  const line = text.replace(/\n$/, "");
  const first = line.indexOf("+");
  const second = first < 0 ? -1 : line.indexOf("+", first + 1);
  if (second < 0) throw new Failure("the verifier key is not <name>+<id>+<key>");
  const name = line.slice(0, first);
  const idHex = line.slice(first + 1, second);
  const key = base64(line.slice(second + 1), "the verifier key");
  if (!validName(name)) throw new Failure("the verifier key's name is not a key name");
  if (!/^[0-9a-f]{8}$/i.test(idHex)) throw new Failure("the verifier key's id is not 8 hex digits");
  if (key.length !== 33 || key[0] !== 0x01) throw new Failure("the verifier key is not Ed25519");
  // key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 public key)[:4]
  const id = sha256(Buffer.from(name, "utf8"), Buffer.from([0x0a]), key).subarray(0, 4);
  if (id.toString("hex") !== idHex.toLowerCase()) {
    throw new Failure("the verifier key's id does not match its name and key");
  }
  let publicKey;
  try {
    publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: key.subarray(1).toString("base64url") },
      format: "jwk",
    });
  } catch (e) {
    throw new Failure(`the verifier key is not an Ed25519 public key: ${e.message}`);
  }
  return { name, id, publicKey };
}

// The text if `key` signed the note; signatures of other keys are ignored.
function openNote(note, key) {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) {
    throw new Failure("the note holds a control character");
  }
  if (!note.endsWith("\n")) throw new Failure("the note does not end with a newline");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new Failure("the note has no blank line before its signatures");
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split("\n");
  lines.pop(); // what follows the final newline
  if (text === "\n" || text === "") throw new Failure("the note's text is empty");
  if (lines.length === 0) throw new Failure("the note has no signature");
  let verified = false;
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!m || !validName(m[1])) throw new Failure(`malformed signature line: ${line}`);
    const blob = base64(m[2], "a signature");
    if (blob.length < 5) throw new Failure("a signature is too short");
    if (m[1] !== key.name || !blob.subarray(0, 4).equals(key.id)) continue;
    const ok = ed25519Verify(null, Buffer.from(text, "utf8"), key.publicKey, blob.subarray(4));
    if (!ok) throw new Failure(`the signature of ${key.name} does not verify`);
    verified = true;
  }
  if (!verified) throw new Failure(`the note is not signed by ${key.name}`);
  return text;
}

// ---- C2SP tlog-checkpoint ----

function openCheckpoint(note, key) {
  const lines = openNote(note, key).split("\n");
  lines.pop();
  if (lines.length < 3) throw new Failure("a checkpoint has an origin, a size and a root hash");
  const [origin, size, root] = lines;
  if (origin === "") throw new Failure("the checkpoint's origin is empty");
  if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new Failure(`the tree size ${size} is not decimal`);
  if (lines.slice(3).some((l) => l === "")) throw new Failure("an extension line is empty");
  if (origin !== key.name) {
    throw new Failure(`the checkpoint is of ${origin}, not of the key's log ${key.name}`);
  }
  return { origin, size: BigInt(size), root: hash32(root, "the root hash") };
}

// ---- RFC 9162 §2.1 ----

const nodeHash = (left, right) => sha256(Buffer.from([0x01]), left, right);
const lsb = (n) => (n & 1n) === 1n;

// §2.1.3.2 Verifying an Inclusion Proof
function verifyInclusion(leafIndex, treeSize, hash, path, rootHash) {
  // 1.
  if (leafIndex >= treeSize) throw new Failure(`leaf ${leafIndex} is not in a tree of ${treeSize}`);
  // 2.
  let fn = leafIndex;
  let sn = treeSize - 1n;
  // 3.
  let r = hash;
  // 4.
  for (const p of path) {
    // a.
    if (sn === 0n) throw new Failure("the inclusion path is too long");
    // b.
    if (lsb(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    // c.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5.
  if (sn !== 0n) throw new Failure("the inclusion path is too short");
  if (!r.equals(rootHash)) throw new Failure("the inclusion path does not lead to the root");
}

// §2.1.4.2 Verifying Consistency between Two Tree Heads
function verifyConsistency(first, second, firstHash, secondHash, consistencyPath) {
  if (first > second) throw new Failure("the first tree is larger than the second");
  // A tree is consistent with itself and with the empty tree: nothing to prove.
  if (first === 0n || first === second) {
    if (consistencyPath.length !== 0) throw new Failure("the consistency path should be empty");
    if (first === second && !firstHash.equals(secondHash)) {
      throw new Failure("two trees of one size with different roots");
    }
    if (first === 0n && !firstHash.equals(sha256())) {
      throw new Failure("the empty tree's root is not the hash of nothing");
    }
    return;
  }
  // 1.
  if (consistencyPath.length === 0) throw new Failure("the consistency path is empty");
  // 2.
  const path = (first & (first - 1n)) === 0n ? [firstHash, ...consistencyPath] : consistencyPath;
  // 3.
  let fn = first - 1n;
  let sn = second - 1n;
  // 4.
  while (lsb(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5.
  let fr = path[0];
  let sr = path[0];
  // 6.
  for (const c of path.slice(1)) {
    // a.
    if (sn === 0n) throw new Failure("the consistency path is too long");
    // b.
    if (lsb(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    // c.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7.
  if (sn !== 0n) throw new Failure("the consistency path is too short");
  if (!fr.equals(firstHash)) throw new Failure("the consistency path does not lead to the first root");
  if (!sr.equals(secondHash)) throw new Failure("the consistency path does not lead to the second root");
}

// ---- Proof documents ----

function count(value, what) {
  if (!Number.isSafeInteger(value) || value < 0) throw new Failure(`${what} is not a count`);
  return BigInt(value);
}

function hashes(value, what) {
  if (!Array.isArray(value)) throw new Failure(`${what} is not a list`);
  return value.map((h, i) => hash32(h, `${what}[${i}]`));
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Failure(`${file} is not JSON: ${e.message}`);
  }
}

// ---- Command line ----

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const flags = {};
  const files = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i].startsWith("--")) {
      if (i + 1 >= rest.length) throw new Usage(`${rest[i]} needs a value`);
      flags[rest[i].slice(2)] = rest[++i];
    } else {
      files.push(rest[i]);
    }
  }
  return { command, flags, files };
}

function need(flags, name) {
  if (!(name in flags)) throw new Usage(`--${name} is missing`);
  return flags[name];
}

const text = (file) => readFileSync(file, "utf8");

function run(argv) {
  const { command, flags, files } = parseArgs(argv);
  const key = () => parseVerifierKey(text(need(flags, "key")));
  switch (command) {
    case "note": {
      if (files.length !== 1) throw new Usage("note takes one file");
      process.stdout.write(openNote(text(files[0]), key()));
      return;
    }
    case "checkpoint": {
      if (files.length !== 1) throw new Usage("checkpoint takes one file");
      const c = openCheckpoint(text(files[0]), key());
      console.log(`ok: ${c.origin} at ${c.size} leaves, root ${c.root.toString("base64")}`);
      return;
    }
    case "inclusion": {
      const k = key();
      const checkpoint = openCheckpoint(text(need(flags, "checkpoint")), k);
      const proof = readJson(need(flags, "proof"));
      const index = count(proof.index, "index");
      const treeSize = count(proof.tree_size, "tree_size");
      const leaf = hash32(proof.leaf_hash, "leaf_hash");
      if (treeSize !== checkpoint.size) {
        throw new Failure(`the proof is for ${treeSize} leaves, the checkpoint has ${checkpoint.size}`);
      }
      if ("record" in flags || "salt" in flags) {
        const salt = base64url(need(flags, "salt"), "the salt");
        if (salt.length !== 16) throw new Failure("the salt is not 16 bytes");
        const record = readFileSync(need(flags, "record"));
        if (!sha256(Buffer.from([0x00]), salt, record).equals(leaf)) {
          throw new Failure("the record and salt do not hash to the proof's leaf_hash");
        }
      }
      verifyInclusion(index, treeSize, leaf, hashes(proof.path, "path"), checkpoint.root);
      console.log(`ok: leaf ${index} is in ${checkpoint.origin} at ${treeSize} leaves`);
      return;
    }
    case "consistency": {
      const k = key();
      const older = openCheckpoint(text(need(flags, "old")), k);
      const newer = openCheckpoint(text(need(flags, "new")), k);
      const proof = readJson(need(flags, "proof"));
      const first = count(proof.first, "first");
      const second = count(proof.second, "second");
      if (first !== older.size || second !== newer.size) {
        throw new Failure(
          `the proof is from ${first} to ${second} leaves, the checkpoints from ${older.size} to ${newer.size}`,
        );
      }
      verifyConsistency(first, second, older.root, newer.root, hashes(proof.path, "path"));
      console.log(`ok: ${older.size} leaves are a prefix of ${newer.size}`);
      return;
    }
    case "batch": {
      if (files.length !== 1) throw new Usage("batch takes one file");
      batch(text(files[0]));
      return;
    }
    default:
      throw new Usage("the command is note, checkpoint, inclusion, consistency or batch");
  }
}

function batch(checks) {
  const failures = [];
  const lines = checks.split("\n").filter((l) => l.trim() !== "");
  lines.forEach((line, i) => {
    let args;
    try {
      args = JSON.parse(line);
    } catch (e) {
      throw new Usage(`line ${i + 1} is not a JSON array: ${e.message}`);
    }
    if (!Array.isArray(args) || args[0] === "batch") {
      throw new Usage(`line ${i + 1} is not the arguments of one check`);
    }
    try {
      run(args);
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      failures.push(`line ${i + 1}: ${e.message}`);
    }
  });
  if (failures.length > 0) throw new Failure(failures.join("\n"));
  console.log(`ok: ${lines.length} checks`);
}

try {
  run(process.argv.slice(2));
} catch (e) {
  if (e instanceof Failure) {
    console.error(`verify.mjs: ${e.message}`);
    process.exit(1);
  }
  if (e instanceof Usage || e.code === "ENOENT") {
    console.error(`verify.mjs: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
