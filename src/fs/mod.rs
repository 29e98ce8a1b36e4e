//! Files that do not block the loop (≙ aiofiles, and what asyncio code
//! does with `await asyncio.to_thread(path.read_bytes)`): whole-file
//! [`read`], [`read_to_string`] and [`write()`]; an open [`File`] with
//! futures-io's `AsyncRead`, `AsyncWrite` and `AsyncSeek`, opened with
//! [`File::open`], [`File::create`] or [`OpenOptions`]; and [`metadata`],
//! [`remove_file`], [`rename`], [`create_dir_all`], [`read_dir`] (≙
//! `aiofiles.os`).
//!
//! Each call runs `std::fs` on the runtime's blocking pool (as
//! [`to_thread`](crate::to_thread) does) and awaits the result. The loop
//! keeps running other tasks meanwhile.
//!
//! # Panics
//!
//! Outside a uniloop runtime, at the first poll: "uniloop::fs::read()
//! called outside a uniloop runtime" (each function names itself).
//!
//! # Errors
//!
//! Besides what `std::fs` returns: the OS's error if the pool has no
//! thread and cannot start one.
//!
//! # Cancel safety
//!
//! Dropping one of these futures does not stop the operation: the pool
//! thread finishes it, and its result is discarded. A dropped
//! [`write()`] may still write the file.
//!
//! # Examples
//!
//! Write a file, read it back, and run any other `std::fs` call the same
//! way, with [`to_thread`](crate::to_thread):
//!
//! ```
//! uniloop::run(async {
//!     let path = std::env::temp_dir().join(format!("uniloop-fs-{}.txt", std::process::id()));
//!     uniloop::fs::write(&path, "hello\n").await?; // ≙ path.write_text("hello\n")
//!     assert_eq!(uniloop::fs::read_to_string(&path).await?, "hello\n");
//!     assert_eq!(uniloop::fs::read(&path).await?, b"hello\n");
//!     uniloop::to_thread(move || std::fs::remove_file(path)).await?;
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod file;

pub use file::{File, OpenOptions};

use std::io;
use std::path::Path;

/// Read the whole file at `path` (≙ `pathlib.Path.read_bytes`).
///
/// # Errors
///
/// What `std::fs::read` fails with (`NotFound`, `PermissionDenied`, ...).
///
/// # Cancel safety
///
/// Cancel safe: a read has no effect to lose.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let err = uniloop::fs::read("/no/such/file").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    crate::blocking::run_blocking("fs::read", move || std::fs::read(path))?.await
}

/// Read the whole file at `path` as UTF-8 (≙ `pathlib.Path.read_text`).
///
/// # Errors
///
/// What `std::fs::read_to_string` fails with; `InvalidData` if the file
/// is not UTF-8.
///
/// # Cancel safety
///
/// Cancel safe: a read has no effect to lose.
///
/// # Examples
///
/// ```
/// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.txt", std::process::id()));
/// uniloop::run(async {
///     uniloop::fs::write(&path, "hello").await.unwrap();
///     assert_eq!(uniloop::fs::read_to_string(&path).await.unwrap(), "hello");
/// });
/// std::fs::remove_file(&path).unwrap();
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    crate::blocking::run_blocking("fs::read_to_string", move || std::fs::read_to_string(path))?
        .await
}

/// Write `contents` to the file at `path`, creating it or replacing what
/// it held (≙ `pathlib.Path.write_bytes`).
///
/// # Errors
///
/// What `std::fs::write` fails with (`NotFound` for a missing directory,
/// `PermissionDenied`, ...).
///
/// # Cancel safety
///
/// Not cancel safe: once started, the write goes on without the future,
/// so the file may be written (or half written, if it fails) after the
/// future was dropped.
///
/// # Examples
///
/// ```
/// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.bin", std::process::id()));
/// uniloop::run(async {
///     uniloop::fs::write(&path, [1, 2, 3]).await.unwrap();
///     assert_eq!(uniloop::fs::read(&path).await.unwrap(), [1, 2, 3]);
/// });
/// std::fs::remove_file(&path).unwrap();
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    crate::blocking::run_blocking("fs::write", move || std::fs::write(path, contents))?.await
}

/// Metadata of `path`, following symlinks (≙ `aiofiles.os.stat`).
///
/// # Errors
///
/// What `std::fs::metadata` gives (`NotFound`, `PermissionDenied`, ...).
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::fs::metadata() called outside a
/// uniloop runtime".
///
/// # Cancel safety
///
/// Cancel safe (it only reads).
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     assert!(uniloop::fs::metadata("Cargo.toml").await.unwrap().is_file());
/// });
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let path = path.as_ref().to_owned();
    crate::blocking::run_blocking("fs::metadata", move || std::fs::metadata(path))?.await
}

/// Remove a file (≙ `aiofiles.os.remove`).
///
/// # Errors
///
/// What `std::fs::remove_file` gives.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::fs::remove_file() called outside
/// a uniloop runtime".
///
/// # Cancel safety
///
/// Not cancel safe: dropped before it completes, the file may or may not
/// be gone.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let missing = uniloop::fs::remove_file("/no/such/file").await;
///     assert_eq!(missing.unwrap_err().kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    crate::blocking::run_blocking("fs::remove_file", move || std::fs::remove_file(path))?.await
}

/// Rename `from` to `to`, replacing `to` if it exists (≙
/// `aiofiles.os.rename`/`replace`).
///
/// # Errors
///
/// What `std::fs::rename` gives.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::fs::rename() called outside a
/// uniloop runtime".
///
/// # Cancel safety
///
/// Not cancel safe: dropped before it completes, the rename may or may not
/// have happened.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let dir = std::env::temp_dir();
///     let (a, b) = (dir.join(format!("uniloop-a-{}", std::process::id())), dir.join(format!("uniloop-b-{}", std::process::id())));
///     uniloop::fs::write(&a, "moved").await?;
///     uniloop::fs::rename(&a, &b).await?;
///     assert_eq!(uniloop::fs::read_to_string(&b).await?, "moved");
///     uniloop::fs::remove_file(&b).await
/// })
/// .unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    crate::blocking::run_blocking("fs::rename", move || std::fs::rename(from, to))?.await
}

/// Create a directory and every missing parent (≙
/// `aiofiles.os.makedirs(path, exist_ok=True)`).
///
/// # Errors
///
/// What `std::fs::create_dir_all` gives.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::fs::create_dir_all() called
/// outside a uniloop runtime".
///
/// # Cancel safety
///
/// Not cancel safe: dropped before it completes, some of the directories
/// may exist.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let dir = std::env::temp_dir().join(format!("uniloop-dirs-{}/a/b", std::process::id()));
///     uniloop::fs::create_dir_all(&dir).await?;
///     assert!(uniloop::fs::metadata(&dir).await?.is_dir());
///     uniloop::to_thread(move || std::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap())).await
/// })
/// .unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    crate::blocking::run_blocking("fs::create_dir_all", move || std::fs::create_dir_all(path))?
        .await
}

/// The entries of a directory, in the order the system gives them (≙
/// `aiofiles.os.listdir`, but with each entry's path and file type).
///
/// # Errors
///
/// What `std::fs::read_dir` gives, or the first error reading an entry.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::fs::read_dir() called outside a
/// uniloop runtime".
///
/// # Cancel safety
///
/// Cancel safe (it only reads).
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let entries = uniloop::fs::read_dir(".").await.unwrap();
///     assert!(entries.iter().any(|e| e.file_name() == "Cargo.toml"));
/// });
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<Vec<std::fs::DirEntry>> {
    let path = path.as_ref().to_owned();
    crate::blocking::run_blocking("fs::read_dir", move || std::fs::read_dir(path)?.collect())?.await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory under the temporary directory that no other test uses,
    /// removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "uniloop-fs-{name}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn write_read_round_trip() {
        let dir = TempDir::new("round-trip");
        let path = dir.0.join("data.bin");
        crate::run(async {
            let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
            write(&path, &data).await.unwrap();
            assert_eq!(read(&path).await.unwrap(), data);
            write(&path, "replaced\n").await.unwrap();
            assert_eq!(read_to_string(&path).await.unwrap(), "replaced\n");
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"replaced\n");
    }

    #[test]
    fn errors_are_io_errors() {
        let dir = TempDir::new("errors");
        crate::run(async {
            let missing = dir.0.join("missing");
            assert_eq!(
                read(&missing).await.unwrap_err().kind(),
                io::ErrorKind::NotFound
            );
            let nested = missing.join("file");
            assert_eq!(
                write(&nested, b"x").await.unwrap_err().kind(),
                io::ErrorKind::NotFound
            );
            let latin1 = dir.0.join("latin1");
            write(&latin1, [0xe9]).await.unwrap();
            assert_eq!(
                read_to_string(&latin1).await.unwrap_err().kind(),
                io::ErrorKind::InvalidData
            );
        });
    }

    #[test]
    fn the_loop_runs_while_a_file_is_read() {
        let dir = TempDir::new("concurrent");
        let path = dir.0.join("f");
        // One pool thread, held by a job that only a task on the loop can
        // release: the read queued behind it completes only if the loop
        // ran that task while the read was pending. No timing involved.
        let rt = crate::Runtime::builder()
            .blocking_threads(1)
            .build()
            .unwrap();
        rt.block_on(async {
            write(&path, b"abc").await.unwrap();
            let (release, gate) = std::sync::mpsc::channel::<()>();
            let blocker = crate::to_thread(move || gate.recv().unwrap());
            let ran = std::rc::Rc::new(std::cell::Cell::new(false));
            let flag = ran.clone();
            let releaser = crate::spawn(async move {
                flag.set(true);
                release.send(()).unwrap();
            });
            assert_eq!(read(&path).await.unwrap(), b"abc");
            assert!(ran.get());
            blocker.await;
            releaser.await.unwrap();
        });
    }
}
