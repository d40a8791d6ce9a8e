//! Who holds a data folder. sled lets one process at a time open a folder (an exclusive `flock`
//! on `sled/db`) and reports another holder only in an I/O error's text; an operator wants to
//! know which process to stop.

use std::path::Path;

use crate::store::StoreError;

/// The error a refused lock becomes (any other error is kept as it is): the folder, and the
/// holder as `/proc/locks` names it.
pub(super) fn in_use(dir: &Path, e: StoreError) -> StoreError {
    // sled reports a held lock only in its message.
    let locked = matches!(&e, StoreError::Sled(sled::Error::Io(io)) if io.to_string().contains("could not acquire lock"));
    if !locked {
        return e;
    }
    let by = match holder(&dir.join("sled").join("db")) {
        Some((pid, Some(name))) => format!("another {name} process (pid {pid})"),
        Some((pid, None)) => format!("another process (pid {pid})"),
        None => "another process".to_owned(),
    };
    StoreError::InUse {
        path: dir.to_path_buf(),
        by,
    }
}

/// The pid (and the name, from `/proc/<pid>/comm`) of the process holding a lock on `file`;
/// `None` where `/proc` does not say (another system, another pid namespace).
fn holder(file: &Path) -> Option<(u32, Option<String>)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(file).ok()?;
    let (dev, ino) = (meta.dev(), meta.ino());
    // The kernel writes the device as hex `major:minor`.
    let (major, minor) = (u64::from(libc::major(dev)), u64::from(libc::minor(dev)));
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let own = std::process::id();
    let pid = locks.lines().find_map(|line| {
        // `1: FLOCK  ADVISORY  WRITE 22621 fe:00:6317000 0 EOF`; waiters carry `->` after `1:`.
        let mut fields = line.split_whitespace().skip(1).skip_while(|f| *f == "->");
        let pid: u32 = fields.nth(3)?.parse().ok()?;
        let mut at = fields.next()?.split(':');
        let (maj, min) = (at.next()?, at.next()?);
        let held = u64::from_str_radix(maj, 16).ok()? == major
            && u64::from_str_radix(min, 16).ok()? == minor
            && at.next()?.parse::<u64>().ok()? == ino;
        (held && pid != own).then_some(pid)
    })?;
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    Some((pid, name))
}
