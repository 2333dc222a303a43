//! One writer per journal: an advisory lock held for a writer's whole life.
//!
//! Two processes appending to one journal (the window and `knobs run JOURNAL`, or two CLIs)
//! would interleave their trials and each fail the other's running trials as interrupted.
//! A writer therefore locks a file beside the journal (`NAME.writer`, holding its process
//! id) with the system's advisory lock (`flock` on Unix, `LockFileEx` on Windows, through
//! std's `File::try_lock`) before it writes, and keeps it until it is dropped; a second
//! writer is refused at once with the holder's pid. The lock goes with its process: a killed
//! writer leaves the file, and the next writer takes it over.
//!
//! The lock is on a file beside the journal, not on the journal, because creating a journal
//! replaces its file atomically (a rename), which would leave a lock on the old file behind.
//! It is not Optuna's `NAME.lock` either: Optuna's writers take that name as a lock of their
//! own (deleted after each append) and would wait on ours.

use super::StorageError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock of the one writer of a journal, released (and its file removed) on drop.
#[derive(Debug)]
pub(crate) struct WriterLock {
    path: PathBuf,
    file: File,
}

/// The lock file of the journal at `journal`: `NAME.writer` beside it.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal
        .file_name()
        .map(std::ffi::OsStr::to_os_string)
        .unwrap_or_else(|| "journal".into());
    name.push(".writer");
    journal.with_file_name(name)
}

impl WriterLock {
    /// Become the one writer of the journal at `journal`, or say who is.
    pub(crate) fn acquire(journal: &Path) -> Result<WriterLock, StorageError> {
        let path = lock_path(journal);
        let io = |action, source| StorageError::Io {
            path: path.clone(),
            action,
            source,
        };
        // A writer that ends removes the lock file while it still holds the lock; a file
        // opened just before that removal is locked in vain, so the lock taken must be on the
        // file the path names now. Few rounds ever happen; the bound only rules out a loop.
        for _ in 0..64 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| io("cannot open the writer lock", e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    return Err(StorageError::Locked {
                        path: journal.to_owned(),
                        holder: holder.trim().parse().ok(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io("cannot lock", e)),
            }
            if !same_file(&file, &path) {
                continue;
            }
            file.set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| writeln!(file, "{}", std::process::id()))
                .map_err(|e| io("cannot write the writer lock", e))?;
            return Ok(WriterLock { path, file });
        }
        Err(io(
            "cannot lock",
            std::io::Error::other("the lock file keeps being replaced"),
        ))
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Removed while still locked (see `acquire`); the lock goes when `file` closes.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `file` is the file `path` names now.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere an open file cannot be removed, so the path names the locked file.
#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}
