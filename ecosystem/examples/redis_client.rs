//! The redis crate on uniloop: a multiplexed connection over a uniloop
//! TCP stream (the `tokio-io` feature gives it tokio's I/O traits; redis
//! demands a `Send` stream, which `uniloop::send::SendStream` makes it,
//! soundly: it panics if touched off the loop's thread). Its driver is a
//! uniloop task.
//!
//! `UNILOOP_REDIS_URL=redis://127.0.0.1:6379 cargo run -p uniloop-ecosystem --example redis_client`
//! (the URL may also be the first argument).

use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, ConnectionAddr, IntoConnectionInfo};
use uniloop::net::TcpStream;
use uniloop::send::SendStream;

fn url() -> String {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var("UNILOOP_REDIS_URL").ok())
        .expect("give a redis URL: an argument or UNILOOP_REDIS_URL")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let info = url().into_connection_info()?;
    let ConnectionAddr::Tcp(host, port) = &info.addr else {
        return Err("this example connects over plain TCP".into());
    };
    let (host, port) = (host.clone(), *port);
    let got = uniloop::run(async move {
        let stream = TcpStream::connect((host.as_str(), port)).await?;
        let (mut conn, driver): (MultiplexedConnection, _) =
            MultiplexedConnection::new(&info.redis, SendStream::new(stream)).await?;
        // The connection's driver runs as a task on the loop.
        let driver = uniloop::spawn(driver);

        let key = format!("uniloop:example:{}", std::process::id());
        let _: () = conn.set_ex(&key, "hello", 60).await?;
        // Several commands in flight on one connection at once.
        let mut a = conn.clone();
        let mut b = conn.clone();
        let (incr, value): (redis::RedisResult<i64>, redis::RedisResult<String>) =
            uniloop::gather!(a.incr(format!("{key}:n"), 5), b.get(&key)).await;
        let _: () = conn.del(&[key.clone(), format!("{key}:n")]).await?;
        drop((conn, a, b));
        driver.await.ok(); // ends once every handle is gone
        Ok::<_, Box<dyn std::error::Error>>((incr?, value?))
    })?;
    assert_eq!(got, (5, "hello".to_string()));
    println!("ok: {got:?}");
    Ok(())
}
