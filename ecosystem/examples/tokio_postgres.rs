//! tokio-postgres on uniloop: with `default-features = false` it needs
//! only tokio's I/O traits, which uniloop's TCP stream has with the
//! `tokio-io` feature; no tokio runtime. The connection (the protocol's
//! driver) is a uniloop task.
//!
//! `UNILOOP_PG_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run -p uniloop-ecosystem --example tokio_postgres`
//! (the URL may also be the first argument; TLS is not used).

use tokio_postgres::config::Host;
use tokio_postgres::{Config, NoTls};
use uniloop::net::TcpStream;

fn url() -> String {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var("UNILOOP_PG_URL").ok())
        .expect("give a postgres URL: an argument or UNILOOP_PG_URL")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config: Config = url().parse()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        _ => return Err("this example connects over TCP: give a host".into()),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let rows = uniloop::run(async move {
        let stream = TcpStream::connect((host.as_str(), port)).await?;
        let (client, connection) = config.connect_raw(stream, NoTls).await?;
        // The connection drives the protocol: a task on the loop.
        let connection = uniloop::spawn(connection);

        // Two queries in flight at once on one connection (pipelined).
        let (sum, words) = uniloop::gather!(
            client.query_one("SELECT $1::INT4 + $2::INT4", &[&40, &2]),
            client.query("SELECT unnest(ARRAY['uni', 'loop']) AS w", &[]),
        )
        .await;
        let sum: i32 = sum?.get(0);
        let words: Vec<String> = words?.iter().map(|row| row.get("w")).collect();
        drop(client);
        connection.await.unwrap()?; // ends cleanly once the client is gone
        Ok::<_, Box<dyn std::error::Error>>((sum, words))
    })?;
    assert_eq!(rows, (42, vec!["uni".to_string(), "loop".to_string()]));
    println!("ok: {rows:?}");
    Ok(())
}
