//! A blocking LUSID client (feature `blocking`), for programs without an
//! async runtime: the same builder, every operation, paged operations as
//! iterators.
//!
//! ```no_run
//! # fn main() -> Result<(), lusid::Error> {
//! let client = lusid::Client::builder().secrets_file("secrets.json").build_blocking()?;
//!
//! // Any operation: build the request as with the async client.
//! let page = client.call(|c| c.instruments().list_instruments().limit(1).send())?;
//! println!("{}", page.values[0].name);
//!
//! // A paged operation as an iterator of items.
//! for instrument in client.iter(|c| c.instruments().list_instruments().into_stream()) {
//!     println!("{}", instrument?.lusid_instrument_id);
//! }
//! # Ok(()) }
//! ```
//!
//! The client runs its own single-threaded Tokio runtime on a background
//! thread (as `reqwest::blocking` does): every call is sent there and the
//! calling thread waits. Calling it from inside an async runtime, where
//! waiting would block an executor thread, returns an error instead of
//! blocking, panicking or deadlocking; use [`crate::Client`] there.

use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;

use futures_util::{Stream, StreamExt};

use crate::Error;

/// A blocking LUSID client. Cloning is cheap; clones share the background
/// runtime, the connection pool and the token cache. The runtime stops when
/// the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Client {
    client: crate::Client,
    worker: Arc<Worker>,
}

/// The background thread and its runtime.
#[derive(Debug)]
struct Worker {
    handle: tokio::runtime::Handle,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Joining from inside a runtime would block it: let the thread end
        // by itself there.
        if tokio::runtime::Handle::try_current().is_err() {
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

fn in_runtime_error() -> Error {
    Error::Configuration(
        "the blocking LUSID client was called from inside an async runtime, where waiting would \
         block the executor; use lusid::Client (async) there"
            .into(),
    )
}

fn worker_stopped() -> Error {
    Error::Configuration("the blocking LUSID client's runtime thread stopped".into())
}

impl Client {
    /// Wraps an async client, starting the background runtime thread.
    ///
    /// # Errors
    /// [`Error::Configuration`] when the thread or runtime cannot start.
    pub fn new(client: crate::Client) -> Result<Self, Error> {
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("lusid-blocking".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = handle_tx.send(Err(error));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(runtime.handle().clone()));
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(|error| Error::Configuration(Box::new(error)))?;
        let handle = handle_rx
            .recv()
            .map_err(|_| worker_stopped())?
            .map_err(|error| Error::Configuration(Box::new(error)))?;
        Ok(Self {
            client,
            worker: Arc::new(Worker {
                handle,
                shutdown: Some(shutdown),
                thread: Some(thread),
            }),
        })
    }

    /// The async client, to build requests with.
    pub fn async_client(&self) -> &crate::Client {
        &self.client
    }

    /// Runs one operation and waits for its result: `make` builds the
    /// request on the async client and returns its `send()` future.
    ///
    /// ```no_run
    /// # fn run(client: lusid::blocking::Client) -> Result<(), lusid::Error> {
    /// let instrument = client.call(|c| c.instruments().get_instrument("Figi", "BBG000BLNNH6").send())?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The operation's own error; [`Error::Configuration`] when called
    /// from inside an async runtime.
    pub fn call<T, F>(&self, make: impl FnOnce(&crate::Client) -> F) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
        T: Send + 'static,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(in_runtime_error());
        }
        let future = make(&self.client);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.worker.handle.spawn(async move {
            let _ = tx.send(future.await);
        });
        rx.recv().map_err(|_| worker_stopped())?
    }

    /// A paged operation as a blocking iterator of its items: `make`
    /// returns the request's `into_stream()` (or any stream). Items are
    /// fetched page by page in the background, a few ahead of the caller;
    /// dropping the iterator stops the paging.
    ///
    /// Called from inside an async runtime, the iterator yields one
    /// [`Error::Configuration`] and ends.
    pub fn iter<T, S>(&self, make: impl FnOnce(&crate::Client) -> S) -> Iter<T>
    where
        S: Stream<Item = Result<T, Error>> + Send + 'static,
        T: Send + 'static,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Iter {
                items: None,
                pending_error: Some(in_runtime_error()),
                _worker: self.worker.clone(),
            };
        }
        let stream = make(&self.client);
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        self.worker.handle.spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(item) = stream.next().await {
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        Iter {
            items: Some(rx),
            pending_error: None,
            _worker: self.worker.clone(),
        }
    }
}

/// The items of a paged operation, from [`Client::iter`]. Ends after the
/// last item or after the first error.
#[derive(Debug)]
pub struct Iter<T> {
    items: Option<tokio::sync::mpsc::Receiver<Result<T, Error>>>,
    pending_error: Option<Error>,
    /// Keeps the runtime alive while the iterator is in use.
    _worker: Arc<Worker>,
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(error) = self.pending_error.take() {
            return Some(Err(error));
        }
        let items = self.items.as_mut()?;
        if tokio::runtime::Handle::try_current().is_ok() {
            self.items = None;
            return Some(Err(in_runtime_error()));
        }
        items.blocking_recv()
    }
}

impl crate::ClientBuilder {
    /// Builds a [`blocking::Client`](Client) (feature `blocking`): the same
    /// configuration and stack as [`build`](Self::build), driven by a
    /// background runtime.
    ///
    /// # Errors
    /// As [`build`](Self::build), as [`Error::Configuration`].
    pub fn build_blocking(self) -> Result<Client, Error> {
        // The transport spawns its connection tasks on the runtime that
        // first uses it: the background one.
        Client::new(self.build()?)
    }
}
