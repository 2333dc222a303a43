//! The window's one background job layer: a [`Worker`] runs slow work (fitting a GP, loading
//! a CSV, building an objective) on its own thread so no frame waits for it.
//!
//! Every worker behaves the same way:
//! - **latest request wins**: requests that pile up while the thread is busy are coalesced,
//!   only the newest is computed, and a result that arrives for a request that has since
//!   been replaced (a stale key) is dropped, so the window never draws an old answer over a
//!   newer question;
//! - **panics are caught**: a job that panics becomes [`Poll::Failed`] with a message to
//!   show, and the thread goes on serving requests;
//! - **the UI is woken**: the [`Waker`] (the app passes `request_repaint`) is called after
//!   each result, so an idle window redraws when there is something new;
//! - **one poll type**: [`Poll`], read once per frame without blocking, or awaited with
//!   [`Worker::wait`] (tests and screenshots) by blocking on the channel, never by sleeping.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, unbounded};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Called when a result is ready (the app passes `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What polling a worker found.
#[derive(Debug)]
pub enum Poll<Res> {
    /// Nothing new for the latest request.
    Nothing,
    /// The result of the latest request.
    Ready(Res),
    /// The latest request's job panicked; the message says which job. The worker still
    /// serves new requests.
    Failed(String),
    /// The thread is gone (it could not go on, or could not start).
    Gone,
}

/// What the thread sends back: the request's key and its result or panic message.
type Answer<K, Res> = (K, Result<Res, String>);

/// A background thread computing `Res` from `Req`, with requests told apart by a key `K`
/// (what the result will show, e.g. a revision and the chosen axes).
pub struct Worker<K, Req, Res> {
    requests: Sender<(K, Req)>,
    results: Receiver<Answer<K, Res>>,
    /// The key of the newest request, whose result is the only one wanted.
    latest: Option<K>,
    /// Whether the newest request's result has yet to arrive.
    pending: bool,
}

impl<K, Req, Res> Worker<K, Req, Res>
where
    K: Clone + PartialEq + Send + 'static,
    Req: Send + 'static,
    Res: Send + 'static,
{
    /// Start a thread named `thread` that answers each request with `job`; a panic in
    /// `job` is reported as "`what` panicked". `wake` is called after each result is sent.
    /// `job` may keep state between requests (a cache), as it runs on one thread.
    pub fn spawn(
        thread: &str,
        what: &str,
        wake: Option<Waker>,
        mut job: impl FnMut(Req) -> Res + Send + 'static,
    ) -> Result<Self, String> {
        let (requests, request_rx) = unbounded::<(K, Req)>();
        let (result_tx, results) = unbounded::<Answer<K, Res>>();
        let what = what.to_owned();
        std::thread::Builder::new()
            .name(thread.into())
            .spawn(move || {
                while let Ok(mut next) = request_rx.recv() {
                    // Only the newest request matters.
                    while let Ok(newer) = request_rx.try_recv() {
                        next = newer;
                    }
                    let (key, req) = next;
                    let result = catch_unwind(AssertUnwindSafe(|| job(req)))
                        .map_err(|payload| panicked(&what, payload.as_ref()));
                    if result_tx.send((key, result)).is_err() {
                        break;
                    }
                    if let Some(wake) = &wake {
                        wake();
                    }
                }
            })
            .map_err(|e| format!("cannot start the {thread} thread: {e}"))?;
        Ok(Worker {
            requests,
            results,
            latest: None,
            pending: false,
        })
    }

    /// Ask for `req`, which replaces any earlier request: a result for an older key will be
    /// dropped. Returns false if the thread is gone.
    pub fn request(&mut self, key: K, req: Req) -> bool {
        self.latest = Some(key.clone());
        self.pending = true;
        let sent = self.requests.send((key, req)).is_ok();
        if !sent {
            self.pending = false;
        }
        sent
    }

    /// Stop waiting for the latest request: its result, when it comes, is dropped.
    pub fn forget(&mut self) {
        self.latest = None;
        self.pending = false;
    }

    /// Whether the latest request's result has yet to arrive.
    pub fn is_busy(&self) -> bool {
        self.pending
    }

    /// The key of the latest request, if one is still wanted.
    pub fn requested(&self) -> Option<&K> {
        self.latest.as_ref()
    }

    /// Whether the latest request, still awaited, has key `key`.
    pub fn is_computing(&self, key: &K) -> bool {
        self.pending && self.latest.as_ref() == Some(key)
    }

    /// The latest request's result, if it arrived, without blocking. Results for older
    /// requests are dropped.
    pub fn poll(&mut self) -> Poll<Res> {
        let mut found = Poll::Nothing;
        loop {
            match self.results.try_recv() {
                Ok(answer) => {
                    if let Some(fresh) = self.accept(answer) {
                        found = fresh;
                    }
                }
                Err(TryRecvError::Empty) => return found,
                Err(TryRecvError::Disconnected) => {
                    self.pending = false;
                    return match found {
                        Poll::Nothing => Poll::Gone,
                        fresh => fresh,
                    };
                }
            }
        }
    }

    /// Block up to `timeout` for the latest request's result (tests, benchmarks and
    /// screenshots; the window only polls). Returns [`Poll::Nothing`] at once when no
    /// result is awaited, and when the time runs out.
    pub fn wait(&mut self, timeout: Duration) -> Poll<Res> {
        let deadline = Instant::now() + timeout;
        while self.pending {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok(answer) => {
                    if let Some(fresh) = self.accept(answer) {
                        // Newer results may have queued behind it.
                        return match self.poll() {
                            Poll::Nothing | Poll::Gone => fresh,
                            newer => newer,
                        };
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Poll::Nothing,
                Err(RecvTimeoutError::Disconnected) => {
                    self.pending = false;
                    return Poll::Gone;
                }
            }
        }
        Poll::Nothing
    }

    /// The answer as a poll result if it is for the latest request, else `None` (stale).
    fn accept(&mut self, (key, result): Answer<K, Res>) -> Option<Poll<Res>> {
        if self.latest.as_ref() != Some(&key) {
            return None;
        }
        self.pending = false;
        Some(match result {
            Ok(res) => Poll::Ready(res),
            Err(why) => Poll::Failed(why),
        })
    }
}

/// "`what` panicked", with the panic's message when it has one.
fn panicked(what: &str, payload: &(dyn Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned());
    match message {
        Some(m) => format!("{what} panicked: {m}"),
        None => format!("{what} panicked"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    const LONG: Duration = Duration::from_secs(60);

    /// The worker, the go-ahead for its jobs, the inputs it computed, its wake-ups.
    type Gated = (
        Worker<u32, u32, u32>,
        Sender<()>,
        Receiver<u32>,
        Receiver<()>,
    );

    /// A worker whose jobs wait for a go-ahead, so a test can pile requests up behind a
    /// running one; every computed request is reported on `computed`.
    fn gated() -> Gated {
        let (go_tx, go_rx) = unbounded::<()>();
        let (seen_tx, seen_rx) = unbounded::<u32>();
        let (wake_tx, wake_rx) = unbounded::<()>();
        let wake: Waker = Arc::new(move || {
            let _ = wake_tx.send(());
        });
        let worker = Worker::spawn("test-jobs", "the test job", Some(wake), move |n: u32| {
            seen_tx.send(n).unwrap();
            go_rx.recv().unwrap();
            if n == 13 {
                panic!("unlucky {n}");
            }
            n * 10
        })
        .unwrap();
        (worker, go_tx, seen_rx, wake_rx)
    }

    #[test]
    fn only_the_newest_of_a_burst_of_requests_is_computed() {
        let (mut worker, go, computed, woken) = gated();
        assert!(worker.request(1, 1));
        // The thread is now inside job 1; these pile up behind it.
        assert_eq!(computed.recv_timeout(LONG).unwrap(), 1);
        for n in 2..=5 {
            assert!(worker.request(n, n));
        }
        assert!(worker.is_busy());
        go.send(()).unwrap();
        go.send(()).unwrap();
        assert!(matches!(worker.wait(LONG), Poll::Ready(50)));
        assert!(!worker.is_busy());
        // 2, 3 and 4 were coalesced away; 1 was computed but its result was stale.
        assert_eq!(computed.try_iter().collect::<Vec<_>>(), [5]);
        // The UI was woken for each result sent, the stale one included.
        woken.recv_timeout(LONG).unwrap();
        woken.recv_timeout(LONG).unwrap();
        assert!(matches!(worker.poll(), Poll::Nothing));
    }

    #[test]
    fn a_panicking_job_gives_an_error_and_the_worker_keeps_working() {
        let (mut worker, go, _computed, _woken) = gated();
        worker.request(13, 13);
        go.send(()).unwrap();
        match worker.wait(LONG) {
            Poll::Failed(why) => assert_eq!(why, "the test job panicked: unlucky 13"),
            other => panic!("expected a failure, got {other:?}"),
        }
        worker.request(4, 4);
        go.send(()).unwrap();
        assert!(matches!(worker.wait(LONG), Poll::Ready(40)));
    }

    #[test]
    fn a_stale_result_for_an_old_key_is_dropped() {
        let (mut worker, go, computed, _woken) = gated();
        worker.request(1, 1);
        assert_eq!(computed.recv_timeout(LONG).unwrap(), 1);
        // A newer question with the same input but another key: the old answer is stale.
        worker.request(2, 1);
        go.send(()).unwrap();
        go.send(()).unwrap();
        assert_eq!(computed.recv_timeout(LONG).unwrap(), 1);
        assert!(matches!(worker.wait(LONG), Poll::Ready(10)));
        assert_eq!(worker.requested(), Some(&2));
        // A forgotten request's answer is dropped too.
        worker.request(3, 3);
        worker.forget();
        go.send(()).unwrap();
        assert_eq!(computed.recv_timeout(LONG).unwrap(), 3);
        assert!(!worker.is_busy());
        assert!(matches!(worker.wait(LONG), Poll::Nothing));
    }

    #[test]
    fn polling_without_blocking_finds_the_result_once_it_is_sent() {
        let (tx, rx) = bounded::<()>(1);
        let wake: Waker = Arc::new(move || {
            let _ = tx.try_send(());
        });
        let mut worker =
            Worker::spawn("test-poll", "doubling", Some(wake), |n: u64| 2 * n).unwrap();
        assert!(matches!(worker.poll(), Poll::Nothing));
        assert!(worker.request("k", 21));
        assert!(worker.is_computing(&"k"));
        // The waker says when to look, as it tells the window to repaint.
        rx.recv_timeout(LONG).unwrap();
        assert!(matches!(worker.poll(), Poll::Ready(42)));
        assert!(!worker.is_computing(&"k"));
    }
}
