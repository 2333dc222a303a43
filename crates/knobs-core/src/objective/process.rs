//! One trial's command as a contained process: its own process group, ended as a whole.
//!
//! A training script is rarely one process: `sh` starts `python`, `python` starts data
//! loader workers, a script may leave a `sleep` in the background. Killing only the direct
//! child leaves the rest running as orphans. So on Unix every trial's command leads a new
//! process group, and every way a trial ends (exit, timeout, Stop, Knobs itself told to
//! quit) ends the whole group: SIGTERM first, SIGKILL after a grace period for whatever is
//! still there, then the leader is reaped (with `wait4`, whose rusage gives its CPU time
//! and peak memory). The trial ends when the leader exits, whatever its children do with
//! the pipes.
//!
//! While the leader exits we keep it unreaped (`waitid` with `WNOWAIT`), so the group's id
//! cannot be reused by an unrelated process while we signal it.
//!
//! [`terminate_all`] ends every live group at once: the CLI calls it on SIGINT/SIGTERM and
//! the window when it closes.

use crate::study::Resources;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Set by [`terminate_all`]: running groups are ended and no new one starts.
static SHUTDOWN: AtomicBool = AtomicBool::new(false);
/// Leaders (= process group ids) of the groups alive now.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// How often memory is sampled while a group runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// End every running trial command (each whole process group) and refuse new ones; returns
/// whether all were gone within `wait` (each gets its grace period before SIGKILL). For
/// Knobs shutting down: a signal to the CLI, the window closing.
pub fn terminate_all(wait: Duration) -> bool {
    SHUTDOWN.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + wait;
    loop {
        let empty = LIVE.lock().map(|l| l.is_empty()).unwrap_or(true);
        if empty {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether [`terminate_all`] was called: no trial command may start any more.
pub(crate) fn shutting_down() -> bool {
    SHUTDOWN.load(Ordering::SeqCst)
}

/// How the leader ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// A signal killed it.
    Signal(i32),
    /// The platform did not say.
    Unknown,
}

/// Why waiting stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// The command exited by itself.
    Exited,
    /// The trial's time ran out; the group was ended.
    TimedOut,
    /// The run was stopped or Knobs is shutting down; the group was ended.
    Cancelled,
    /// The trial was told to stop (a pruner's verdict); the group was ended.
    Halted,
}

/// A finished, reaped command.
pub(crate) struct Finished {
    pub(crate) ending: Ending,
    pub(crate) status: ExitStatus,
    pub(crate) resources: Resources,
}

/// A running command that leads its own process group (on Unix).
pub(crate) struct Group {
    child: Child,
    started: Instant,
    peak_group_rss: u64,
    reaped: bool,
}

impl Group {
    /// Start `cmd` with piped stdin, stdout and stderr as the leader of a new process group.
    pub(crate) fn spawn(cmd: &mut Command) -> std::io::Result<Group> {
        if shutting_down() {
            return Err(std::io::Error::other("Knobs is shutting down"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        // Windows: a Job object (CreateJobObject, AssignProcessToJobObject with
        // JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) is what would contain the process tree here;
        // without one only the direct child is killed.
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Ok(mut live) = LIVE.lock() {
            live.push(child.id());
        }
        Ok(Group {
            child,
            started: Instant::now(),
            peak_group_rss: 0,
            reaped: false,
        })
    }

    /// The pipes, to be handed to threads.
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Wait for the leader to exit, for `timeout`, for `cancel` (the whole run stops) or for
    /// `halt` (this trial stops), whichever comes first; then end the whole group (SIGTERM,
    /// SIGKILL after `grace`) and reap the leader.
    pub(crate) fn wait(
        mut self,
        timeout: Duration,
        grace: Duration,
        cancel: &AtomicBool,
        halt: &AtomicBool,
    ) -> Finished {
        let mut last_sample: Option<Instant> = None;
        let ending = loop {
            if self.leader_exited() {
                break Ending::Exited;
            }
            if cancel.load(Ordering::SeqCst) || shutting_down() {
                break Ending::Cancelled;
            }
            if halt.load(Ordering::SeqCst) {
                break Ending::Halted;
            }
            if self.started.elapsed() >= timeout {
                break Ending::TimedOut;
            }
            if last_sample.is_none_or(|t| t.elapsed() >= SAMPLE_EVERY) {
                self.sample_memory();
                last_sample = Some(Instant::now());
            }
            // Short at first, so quick commands end quickly; then gentle on the CPU.
            let pause = if self.started.elapsed() < Duration::from_millis(100) {
                1
            } else {
                10
            };
            std::thread::sleep(Duration::from_millis(pause));
        };
        self.end_group(grace);
        let (status, mut resources) = self.reap();
        resources.wall_seconds = self.started.elapsed().as_secs_f64();
        // The group's sampled memory wins over the leader's rusage: Linux carries the
        // spawning process's own high-water mark into the child's `ru_maxrss` across exec,
        // so a command started from a 100 MB window would report at least 100 MB. rusage
        // stays as the figure for a command that ended before the first sample.
        if self.peak_group_rss > 0 {
            resources.peak_rss_bytes = Some(self.peak_group_rss);
        }
        Finished {
            ending,
            status,
            resources,
        }
    }

    fn unregister(&self) {
        let id = self.child.id();
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|p| *p != id);
        }
    }
}

impl Drop for Group {
    /// A group never outlives its trial, even if the trial's thread unwinds.
    fn drop(&mut self) {
        if !self.reaped {
            self.end_group(Duration::ZERO);
            let _ = self.reap();
        }
    }
}

#[cfg(unix)]
impl Group {
    fn pid(&self) -> libc::pid_t {
        // Process ids fit in pid_t by construction: the kernel handed this one out.
        self.child.id() as libc::pid_t
    }

    /// Whether the leader has exited, without reaping it.
    fn leader_exited(&self) -> bool {
        // SAFETY: `info` is a plain C struct, zeroed so that "no child ready" reads as
        // si_signo 0; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: a valid pointer to `info`; the pid is our own unreaped child.
        let r = unsafe { libc::waitid(libc::P_PID, self.pid() as libc::id_t, &mut info, flags) };
        // An error (ECHILD) means there is nothing left to wait for: treat it as exited.
        r != 0 || info.si_signo == libc::SIGCHLD
    }

    /// SIGTERM to the group, then SIGKILL to whatever is still alive after `grace`.
    fn end_group(&mut self, grace: Duration) {
        let pgid = self.pid();
        // SAFETY: signalling our own child's group; the leader is unreaped, so the id is
        // still ours.
        unsafe { libc::killpg(pgid, libc::SIGTERM) };
        let deadline = Instant::now() + grace;
        while group_has_live_members(pgid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        if group_has_live_members(pgid) {
            // SAFETY: as above.
            unsafe { libc::killpg(pgid, libc::SIGKILL) };
        }
    }

    /// Collect the leader's exit status and rusage; unregister the group.
    fn reap(&mut self) -> (ExitStatus, Resources) {
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is a plain C struct that wait4 fills.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = loop {
            // SAFETY: valid pointers; our own child.
            let r = unsafe { libc::wait4(self.pid(), &mut status, 0, &mut usage) };
            if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            }
            break r;
        };
        self.reaped = true;
        self.unregister();
        if r != self.pid() {
            return (ExitStatus::Unknown, Resources::default());
        }
        let exit = if libc::WIFEXITED(status) {
            ExitStatus::Code(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            ExitStatus::Signal(libc::WTERMSIG(status))
        } else {
            ExitStatus::Unknown
        };
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        // Linux reports ru_maxrss in KiB, macOS in bytes.
        let max_rss = usage.ru_maxrss.max(0) as u64;
        let peak = if cfg!(target_os = "macos") {
            max_rss
        } else {
            max_rss * 1024
        };
        let resources = Resources {
            wall_seconds: 0.0,
            cpu_seconds: Some(seconds(usage.ru_utime) + seconds(usage.ru_stime)),
            peak_rss_bytes: (peak > 0).then_some(peak),
        };
        (exit, resources)
    }

    /// Add up the resident memory of the group's members now; keep the largest total.
    fn sample_memory(&mut self) {
        let total: u64 = group_members(self.pid()).iter().map(|m| m.rss_bytes).sum();
        self.peak_group_rss = self.peak_group_rss.max(total);
    }
}

/// A process seen in `/proc`.
#[cfg(unix)]
struct Member {
    zombie: bool,
    rss_bytes: u64,
}

/// The processes whose process group is `pgid` (Linux: from `/proc`; elsewhere empty).
#[cfg(unix)]
fn group_members(pgid: libc::pid_t) -> Vec<Member> {
    #[cfg(target_os = "linux")]
    {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
        dir.filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            })
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter_map(|stat| {
                // Fields after the command name (which may hold spaces and parentheses):
                // state ppid pgrp … rss is the 24th field of the line, 22nd after `)`.
                let rest = &stat[stat.rfind(')')? + 1..];
                let fields: Vec<&str> = rest.split_whitespace().collect();
                let pgrp: libc::pid_t = fields.get(2)?.parse().ok()?;
                let rss_pages: u64 = fields.get(21)?.parse().ok()?;
                (pgrp == pgid).then(|| Member {
                    zombie: fields.first() == Some(&"Z"),
                    rss_bytes: rss_pages * page,
                })
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pgid;
        Vec::new()
    }
}

/// Whether any process of the group is still alive (zombies are dead; they only wait for a
/// parent to collect them).
#[cfg(unix)]
fn group_has_live_members(pgid: libc::pid_t) -> bool {
    if cfg!(target_os = "linux") {
        group_members(pgid).iter().any(|m| !m.zombie)
    } else {
        // Without /proc, ask the kernel; the unreaped leader counts, so this waits out the
        // grace period once the leader has exited.
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::killpg(pgid, 0) == 0 }
    }
}

#[cfg(not(unix))]
impl Group {
    fn leader_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    fn end_group(&mut self, _grace: Duration) {
        // The Job object would be closed here, ending the whole tree.
        let _ = self.child.kill();
    }

    fn reap(&mut self) -> (ExitStatus, Resources) {
        self.reaped = true;
        self.unregister();
        let status = match self.child.wait() {
            Ok(s) => s.code().map_or(ExitStatus::Unknown, ExitStatus::Code),
            Err(_) => ExitStatus::Unknown,
        };
        (status, Resources::default())
    }

    fn sample_memory(&mut self) {}
}
