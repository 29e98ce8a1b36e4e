//! `File`: an open file on the blocking pool, with futures-io's
//! `AsyncRead`, `AsyncWrite` and `AsyncSeek` (≙ aiofiles' file object).
//!
//! # Invariants
//!
//! - At most one operation is in flight: the `std::fs::File` and the
//!   buffer move into the blocking job and come back with its result
//!   (`State::Busy`), so the loop never blocks and never touches the file
//!   while a pool thread does.
//! - Reads fill the buffer; `poll_read` hands out what is buffered before
//!   it reads again. Writes are write-behind (as tokio's `File`): the data
//!   is copied into the buffer and `poll_write` returns at once; the write
//!   runs on the pool and its error, if any, is returned by the next
//!   operation (`flush` waits for it). This is what makes a `write` whose
//!   future was dropped unambiguous: its data was taken whole, or not at
//!   all.
//! - Before a write or a seek, bytes read ahead and not handed out are
//!   given back to the file position (a seek back by their count), so the
//!   position is always where the caller thinks.

use std::fs;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use crate::blocking::{run_blocking, Blocking};

/// The most one blocking job reads or writes.
const MAX_BUF: usize = 64 * 1024;

/// What a blocking job did.
enum Op {
    Read(io::Result<()>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

/// The file and its buffer, moved into each blocking job and back.
struct Inner {
    std: fs::File,
    buf: Vec<u8>,
    /// How much of `buf` was handed out (reads).
    read: usize,
}

impl Inner {
    /// Bytes read ahead, not handed out.
    fn unread(&self) -> usize {
        self.buf.len() - self.read
    }

    /// Move the file position back over the bytes read ahead.
    fn give_back_unread(&mut self) -> io::Result<()> {
        let unread = self.unread();
        self.buf.clear();
        self.read = 0;
        if unread > 0 {
            self.std.seek(SeekFrom::Current(-(unread as i64)))?;
        }
        Ok(())
    }
}

enum State {
    Idle(Option<Inner>),
    Busy(Blocking<(Inner, Op)>),
}

/// An open file whose reads, writes and seeks run on the runtime's
/// blocking pool (≙ `async with aiofiles.open(path) as f`). It implements
/// futures-io's `AsyncRead`, `AsyncWrite` and `AsyncSeek`, so
/// [`io::AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`io::AsyncWriteExt`](crate::io::AsyncWriteExt) (or `futures::io`'s)
/// give it `read_to_end`, `write_all`, `close`, ...
///
/// Writes are buffered: `write` returns once the data is copied, and an
/// error of the write shows at the next operation; call `flush` (or
/// `close`) to know that everything was written.
///
/// # Examples
///
/// ```
/// use futures::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
/// use uniloop::fs::File;
///
/// uniloop::run(async {
///     let path = std::env::temp_dir().join(format!("uniloop-file-doc-{}", std::process::id()));
///     let mut file = File::create(&path).await?;
///     file.write_all(b"hello, file").await?;
///     file.seek(SeekFrom::Start(7)).await?;
///     let mut tail = String::new();
///     File::open(&path).await?.read_to_string(&mut tail).await?;
///     assert_eq!(tail, "hello, file");
///     uniloop::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub struct File {
    state: State,
}

impl File {
    /// Open `path` for reading (≙ `aiofiles.open(path, "rb")`).
    ///
    /// # Errors
    ///
    /// What `std::fs::File::open` gives: a missing file is
    /// `ErrorKind::NotFound`, and so on.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::fs::File::open() called
    /// outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes closes the file once the
    /// open has run.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let missing = uniloop::fs::File::open("/no/such/file").await;
    ///     assert_eq!(missing.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    /// });
    /// ```
    pub async fn open(path: impl AsRef<std::path::Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .open_as(path, "fs::File::open")
            .await
    }

    /// Create `path` (or truncate it) for writing (≙ `aiofiles.open(path,
    /// "wb")`).
    ///
    /// # Errors
    ///
    /// What `std::fs::File::create` gives.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::fs::File::create() called
    /// outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// As [`open`](File::open).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("uniloop-create-doc-{}", std::process::id()));
    ///     let mut file = uniloop::fs::File::create(&path).await?;
    ///     assert_eq!(file.metadata().await?.len(), 0);
    ///     uniloop::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn create(path: impl AsRef<std::path::Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open_as(path, "fs::File::create")
            .await
    }

    /// A file opened with `std`: its operations then run on the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let std_file = std::fs::File::open("Cargo.toml").unwrap();
    /// let file = uniloop::fs::File::from_std(std_file);
    /// # drop(file);
    /// ```
    pub fn from_std(std: fs::File) -> File {
        File {
            state: State::Idle(Some(Inner {
                std,
                buf: Vec::new(),
                read: 0,
            })),
        }
    }

    /// The file's metadata (≙ `os.fstat`), once the operation in flight
    /// (a buffered write) has finished.
    ///
    /// # Errors
    ///
    /// The error of the write that was in flight, or of `metadata`.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the file stays usable.
    ///
    /// # Examples
    ///
    /// See [`File::create`].
    pub async fn metadata(&mut self) -> io::Result<fs::Metadata> {
        std::future::poll_fn(|cx| self.poll_idle(cx)).await?;
        let std = self.std_clone()?;
        run_blocking("fs::File::metadata", move || std.metadata())?.await
    }

    /// Flush, then `fsync` the file (≙ `os.fsync`).
    ///
    /// # Errors
    ///
    /// The error of a write in flight, or of `sync_all`.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::io::AsyncWriteExt;
    ///
    /// uniloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("uniloop-sync-doc-{}", std::process::id()));
    ///     let mut file = uniloop::fs::File::create(&path).await?;
    ///     file.write_all(b"durable").await?;
    ///     file.sync_all().await?;
    ///     uniloop::fs::remove_file(&path).await
    /// })
    /// .unwrap();
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_idle(cx)).await?;
        let std = self.std_clone()?;
        run_blocking("fs::File::sync_all", move || std.sync_all())?.await
    }

    /// A second handle to the open file, for a one-off blocking call (the
    /// file is idle: see `poll_idle`).
    fn std_clone(&self) -> io::Result<fs::File> {
        match &self.state {
            State::Idle(Some(inner)) => inner.std.try_clone(),
            _ => Err(io::Error::other(
                "uniloop::fs::File: busy or lost to a panic",
            )),
        }
    }

    /// Wait for the operation in flight; `Ok` once idle, or its error.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let State::Busy(job) = &mut self.state {
            let (inner, op) = ready!(Pin::new(job).poll(cx));
            self.state = State::Idle(Some(inner));
            match op {
                Op::Write(Err(e)) | Op::Seek(Err(e)) | Op::Read(Err(e)) => {
                    return Poll::Ready(Err(e))
                }
                Op::Read(Ok(())) | Op::Write(Ok(())) | Op::Seek(Ok(_)) => {}
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Take the idle file out to hand it to a job.
    fn take_idle(&mut self) -> Inner {
        match &mut self.state {
            State::Idle(inner) => inner.take().expect("a File's state was lost to a panic"),
            State::Busy(_) => unreachable!("take_idle while busy"),
        }
    }

    fn start(
        &mut self,
        mut inner: Inner,
        what: &str,
        job: impl FnOnce(&mut Inner) -> Op + Send + 'static,
    ) -> io::Result<()> {
        match run_blocking(what, move || {
            let op = job(&mut inner);
            (inner, op)
        }) {
            Ok(blocking) => {
                self.state = State::Busy(blocking);
                Ok(())
            }
            Err(e) => Err(e), // the pool could not start a thread; the file is lost with the job
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        loop {
            if let State::Busy(job) = &mut this.state {
                let (inner, op) = ready!(Pin::new(job).poll(cx));
                let ended = inner.buf.is_empty();
                this.state = State::Idle(Some(inner));
                match op {
                    Op::Read(Err(e)) | Op::Write(Err(e)) | Op::Seek(Err(e)) => {
                        return Poll::Ready(Err(e))
                    }
                    Op::Read(Ok(())) if ended => return Poll::Ready(Ok(0)), // end of file
                    _ => {}
                }
            }
            let State::Idle(Some(inner)) = &mut this.state else {
                unreachable!("idle after the job");
            };
            if inner.unread() > 0 || out.is_empty() {
                let n = inner.unread().min(out.len());
                out[..n].copy_from_slice(&inner.buf[inner.read..inner.read + n]);
                inner.read += n;
                return Poll::Ready(Ok(n));
            }
            let want = out.len().min(MAX_BUF);
            let inner = this.take_idle();
            this.start(inner, "fs::File::read", move |inner| {
                inner.buf.clear();
                inner.read = 0;
                inner.buf.resize(want, 0);
                match inner.std.read(&mut inner.buf) {
                    Ok(n) => {
                        inner.buf.truncate(n);
                        Op::Read(Ok(()))
                    }
                    Err(e) => {
                        inner.buf.clear();
                        Op::Read(Err(e))
                    }
                }
            })?;
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_idle(cx))?;
        let n = data.len().min(MAX_BUF);
        let mut inner = this.take_idle();
        let unread = inner.unread();
        inner.read = inner.buf.len(); // nothing unread once given back below
        let mut chunk = std::mem::take(&mut inner.buf);
        chunk.clear();
        chunk.extend_from_slice(&data[..n]);
        this.start(inner, "fs::File::write", move |inner| {
            let written = (|| {
                if unread > 0 {
                    inner.std.seek(SeekFrom::Current(-(unread as i64)))?;
                }
                inner.std.write_all(&chunk)
            })();
            inner.buf = chunk;
            inner.buf.clear();
            inner.read = 0;
            Op::Write(written)
        })?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_idle(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    /// Seek; with a seek in flight from an earlier call whose future was
    /// dropped, that one completes first, and this one then runs.
    fn poll_seek(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = &mut *self;
        loop {
            if let State::Busy(job) = &mut this.state {
                let (inner, op) = ready!(Pin::new(job).poll(cx));
                this.state = State::Idle(Some(inner));
                match op {
                    Op::Seek(result) => return Poll::Ready(result),
                    Op::Read(Err(e)) | Op::Write(Err(e)) => return Poll::Ready(Err(e)),
                    Op::Read(Ok(())) | Op::Write(Ok(())) => {}
                }
            }
            let inner = this.take_idle();
            this.start(inner, "fs::File::seek", move |inner| {
                let result = inner.give_back_unread().and_then(|()| inner.std.seek(pos));
                Op::Seek(result)
            })?;
        }
    }
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("fs::File")
            .field("busy", &matches!(self.state, State::Busy(_)))
            .finish()
    }
}

/// How to open a file (≙ `open()`'s mode string, as `std`'s
/// `OpenOptions`); [`open`](OpenOptions::open) runs on the blocking pool.
///
/// # Examples
///
/// ```
/// use futures::io::AsyncWriteExt;
/// use uniloop::fs::OpenOptions;
///
/// uniloop::run(async {
///     let path = std::env::temp_dir().join(format!("uniloop-append-doc-{}", std::process::id()));
///     for line in ["one\n", "two\n"] {
///         let mut log = OpenOptions::new().append(true).create(true).open(&path).await?;
///         log.write_all(line.as_bytes()).await?;
///         log.close().await?;
///     }
///     assert_eq!(uniloop::fs::read_to_string(&path).await?, "one\ntwo\n");
///     uniloop::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(fs::OpenOptions);

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

macro_rules! option {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let options = uniloop::fs::OpenOptions::new().", stringify!($name), "(true).clone();")]
        /// # drop(options);
        /// ```
        pub fn $name(&mut self, value: bool) -> &mut OpenOptions {
            self.0.$name(value);
            self
        }
    };
}

impl OpenOptions {
    /// All options off, as `std::fs::OpenOptions::new`.
    ///
    /// # Examples
    ///
    /// ```
    /// let options = uniloop::fs::OpenOptions::new();
    /// # drop(options);
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(fs::OpenOptions::new())
    }

    option!(
        /// Open for reading.
        read
    );
    option!(
        /// Open for writing.
        write
    );
    option!(
        /// Open for appending.
        append
    );
    option!(
        /// Truncate the file when it is opened.
        truncate
    );
    option!(
        /// Create the file if it does not exist.
        create
    );
    option!(
        /// Create the file, failing if it exists.
        create_new
    );

    /// Open `path` with these options.
    ///
    /// # Errors
    ///
    /// What `std::fs::OpenOptions::open` gives.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::fs::OpenOptions::open()
    /// called outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the file once the open has run.
    ///
    /// # Examples
    ///
    /// See [`OpenOptions`].
    pub async fn open(&self, path: impl AsRef<std::path::Path>) -> io::Result<File> {
        self.open_as(path, "fs::OpenOptions::open").await
    }

    #[track_caller]
    fn open_as(
        &self,
        path: impl AsRef<std::path::Path>,
        what: &'static str,
    ) -> impl std::future::Future<Output = io::Result<File>> {
        let options = self.0.clone();
        let path = path.as_ref().to_owned();
        let job = run_blocking(what, move || options.open(path));
        async move { job?.await.map(File::from_std) }
    }
}
