//! `fs::File` on the blocking pool: round trips, seeks, reads and writes
//! interleaved, errors as `io::Error`s; and the `fs` functions.

use std::io::{ErrorKind, SeekFrom};
use std::path::PathBuf;

use futures::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use uniloop::fs::{self, File, OpenOptions};

/// A path of its own in the temporary directory for `test`.
fn scratch(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!("uniloop-fs-{test}-{}", std::process::id()))
}

#[test]
fn a_file_round_trips_large_and_small_writes() {
    uniloop::run(async {
        let path = scratch("round-trip");
        let big: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
        let mut file = File::create(&path).await.unwrap();
        file.write_all(b"head:").await.unwrap();
        file.write_all(&big).await.unwrap();
        file.close().await.unwrap();
        assert_eq!(file.metadata().await.unwrap().len(), 5 + big.len() as u64);

        let mut back = Vec::new();
        File::open(&path)
            .await
            .unwrap()
            .read_to_end(&mut back)
            .await
            .unwrap();
        assert_eq!(&back[..5], b"head:");
        assert_eq!(&back[5..], &big[..]);
        fs::remove_file(&path).await.unwrap();
    });
}

#[test]
fn seeks_and_interleaved_reads_and_writes_keep_the_position() {
    uniloop::run(async {
        let path = scratch("seek");
        fs::write(&path, b"0123456789").await.unwrap();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .await
            .unwrap();
        // A small read: the file read ahead, but the position is after "012".
        let mut three = [0; 3];
        file.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"012");
        file.write_all(b"abc").await.unwrap(); // at 3, not at the read-ahead's end
        assert_eq!(file.seek(SeekFrom::Current(0)).await.unwrap(), 6);
        file.seek(SeekFrom::End(-2)).await.unwrap();
        let mut tail = String::new();
        file.read_to_string(&mut tail).await.unwrap();
        assert_eq!(tail, "89");
        file.seek(SeekFrom::Start(1)).await.unwrap();
        let mut two = [0; 2];
        file.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"12");
        assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 4);
        file.close().await.unwrap();
        assert_eq!(fs::read(&path).await.unwrap(), b"012abc6789");
        fs::remove_file(&path).await.unwrap();
    });
}

#[test]
fn errors_come_back_as_io_errors() {
    uniloop::run(async {
        let missing = File::open("/no/such/dir/file").await.unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound);

        let path = scratch("exists");
        fs::write(&path, b"x").await.unwrap();
        let exists = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await;
        assert_eq!(exists.unwrap_err().kind(), ErrorKind::AlreadyExists);

        // Writing to a file opened read-only fails at the write or the flush.
        let mut read_only = File::open(&path).await.unwrap();
        let failed = match read_only.write_all(b"no").await {
            Err(e) => e,
            Ok(()) => read_only.flush().await.unwrap_err(),
        };
        assert!(failed.raw_os_error().is_some(), "{failed:?}");

        // Permission denied, unless the tests run as root.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
            match File::open(&path).await {
                Err(e) => assert_eq!(e.kind(), ErrorKind::PermissionDenied),
                Ok(_) => eprintln!("running as root: the permission check is skipped"),
            }
        }
        fs::remove_file(&path).await.unwrap();
    });
}

#[test]
fn the_fs_functions_work_on_a_directory_tree() {
    uniloop::run(async {
        let root = scratch("tree");
        let deep = root.join("a/b");
        fs::create_dir_all(&deep).await.unwrap();
        fs::write(deep.join("one"), b"1").await.unwrap();
        fs::rename(deep.join("one"), deep.join("two"))
            .await
            .unwrap();
        let names: Vec<_> = fs::read_dir(&deep)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["two"]);
        assert!(fs::metadata(&deep).await.unwrap().is_dir());
        assert_eq!(
            fs::metadata(root.join("none")).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        uniloop::to_thread(move || std::fs::remove_dir_all(root))
            .await
            .unwrap();
    });
}
