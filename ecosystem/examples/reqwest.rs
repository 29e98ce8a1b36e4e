//! reqwest from uniloop. reqwest is bound to tokio (its connections need
//! tokio's reactor), so it runs beside the loop, in one of two ways:
//!
//! 1. a side tokio runtime on a thread of its own: spawn the request
//!    there and await its `JoinHandle` from a uniloop task (a tokio
//!    `JoinHandle` is a plain future, woken from the other thread);
//! 2. reqwest's blocking client in [`uniloop::to_thread`] (it runs its
//!    own tokio runtime inside).
//!
//! Both fetch from a small HTTP server on the loop (no TLS: reqwest is
//! built without it here).
//!
//! `cargo run -p uniloop-ecosystem --example reqwest`

use std::thread;

use uniloop::net::start_server;

/// A side tokio runtime: a current-thread runtime driven by a thread
/// that does nothing else, until the runtime is dropped.
struct SideRuntime {
    handle: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl SideRuntime {
    fn start() -> std::io::Result<SideRuntime> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("side-tokio".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                })
            })?;
        Ok(SideRuntime {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for SideRuntime {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let side = SideRuntime::start()?;
    let (async_body, blocking_body) = uniloop::run(async {
        // The loop's server: one plain HTTP/1.1 response per connection.
        let server = start_server("127.0.0.1:0", |mut reader, mut writer| async move {
            while let Ok(line) = reader.read_line().await {
                if line == b"\r\n" || line.is_empty() {
                    break; // end of the request's headers
                }
            }
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 18\r\nconnection: close\r\n\r\nhello from uniloop");
            let _ = writer.drain().await;
            writer.close();
        })
        .await?;
        let url = format!("http://{}/", server.local_addr()?);

        // 1. The async client on the side runtime, awaited from the loop.
        let client = reqwest::Client::builder().no_proxy().build()?;
        let request = side.handle.spawn({
            let url = url.clone();
            async move { client.get(url).send().await?.text().await }
        });
        let async_body = request.await??;

        // 2. The blocking client on the loop's blocking pool.
        let blocking_body = uniloop::to_thread(move || {
            let client = reqwest::blocking::Client::builder().no_proxy().build()?;
            client.get(url).send()?.text()
        })
        .await?;
        Ok::<_, Box<dyn std::error::Error>>((async_body, blocking_body))
    })?;
    drop(side);
    assert_eq!(async_body, "hello from uniloop");
    assert_eq!(async_body, blocking_body);
    println!("ok: {async_body:?} both ways");
    Ok(())
}
