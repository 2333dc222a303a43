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
            take(&mut file).map_err(|e| match e {
                Taken::Held(holder) => StorageError::Locked {
                    path: journal.to_owned(),
                    holder,
                    host: None,
                    study: None,
                },
                Taken::Failed(e) => io("cannot lock", e),
            })?;
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

/// Fail with [`StorageError::Locked`] (naming the holder's pid) when a live process is
/// writing the journal at `journal`; else return at once, holding nothing. For a caller
/// about to judge the journal's content (the CLI refusing to replace an unfinished study):
/// a journal another process is writing is unfinished because it is being written, and the
/// user must hear that, not "resume it".
pub fn ensure_no_writer(journal: &Path) -> Result<(), StorageError> {
    WriterLock::acquire(journal).map(drop)
}

/// Why [`take`] did not lock.
enum Taken {
    /// A live writer holds the lock (its pid, as it wrote it).
    Held(Option<u32>),
    /// The system refused.
    Failed(std::io::Error),
}

/// Lock `file` (the lock file of `journal`) without waiting on a live writer.
///
/// A writer killed while it was starting a trial command leaves its lock held for a moment
/// by the command's process, between fork and exec (which closes the lock file, opened
/// close-on-exec). So while the pid in the file is of a process that no longer exists, the
/// lock is tried again a few times, briefly, rather than refused; a live holder is refused
/// at once. Unreadable or foreign pids count as alive.
fn take(file: &mut File) -> Result<(), Taken> {
    const TRIES: usize = 100;
    for _ in 0..TRIES {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::Error(e)) => return Err(Taken::Failed(e)),
            Err(TryLockError::WouldBlock) => {}
        }
        let mut text = String::new();
        let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
        let holder: Option<u32> = text.trim().parse().ok();
        if holder.is_none_or(alive) {
            return Err(Taken::Held(holder));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    Err(Taken::Held(text.trim().parse().ok()))
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Removed while still locked (see `acquire`); the lock goes when `file` closes.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether process `pid` exists (signal 0 checks without sending; EPERM means it exists).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 only asks the kernel whether the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere a writer is taken to be alive while its lock is held.
#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
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
