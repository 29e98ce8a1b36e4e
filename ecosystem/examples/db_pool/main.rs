//! asyncpg's pool pattern on uniloop: a small pool of tokio-postgres
//! connections (`pool.rs`) shared by many tasks.
//!
//! tokio-postgres with `default-features = false` runs over uniloop's
//! TCP stream through the `tokio-io` feature; no tokio runtime. The
//! example runs, against a real server:
//! - 50 tasks querying at once through a pool of 5 (`--size`): they
//!   take turns, first come first served, on at most 5 connections;
//! - a transaction that commits, one that rolls back, one that fails
//!   midway (rolled back too), each checked by reading back;
//! - a query cancelled midway (`pg_sleep(30)` under a 100 ms
//!   `uniloop::timeout`): its connection is replaced, not reused, and the
//!   server is asked to stop the query.
//!
//! Each step prints what it checked; the last line starts with "ok:".
//!
//! The asyncpg code it mirrors:
//!
//! ```python
//! pool = await asyncpg.create_pool(url, min_size=0, max_size=5)
//!
//! async def double(i):
//!     async with pool.acquire() as conn:
//!         return await conn.fetchval("SELECT $1::int * 2", i)
//! await asyncio.gather(*(double(i) for i in range(50)))
//!
//! async with pool.acquire() as conn:
//!     async with conn.transaction():          # commits
//!         await conn.execute("INSERT INTO notes (note) VALUES ($1)", "committed")
//!
//! async with pool.acquire() as conn:          # a connection whose query was
//!     await asyncio.wait_for(conn.execute("SELECT pg_sleep(30)"), 0.1)
//!                                             # cancelled is not reused
//! ```
//!
//! Run it against a server:
//! `UNILOOP_PG_URL=postgres://postgres@127.0.0.1:5432/postgres cargo run -p uniloop-ecosystem --example db_pool`
//! (or `--url URL`; `--size N`, default 5; TLS is not used). `.ci/postgres.sh
//! start DIR` starts a throwaway server and prints its URL.

mod pool;

use std::collections::HashSet;
use std::time::Duration;

use tokio_postgres::config::Host;
use tokio_postgres::Config;

use pool::{Error, Pool};

/// How many tasks query at once.
const TASKS: i32 = 50;

fn main() -> Result<(), Error> {
    let (url, size) = options()?;
    let config: Config = url.parse()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        _ => return Err("this example connects over TCP: give a host".into()),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    uniloop::run(async move {
        println!("db_pool: at most {size} connections to {host}:{port}");
        let pool = Pool::new(config, host, port, size);
        concurrent(&pool, size).await?;
        transactions(&pool).await?;
        cancelled(&pool, size).await?;
        println!("stats: {:?}", pool.stats());
        println!(
            "ok: {TASKS} concurrent tasks on {size} connections, commit and rollbacks, a cancelled query's connection replaced"
        );
        Ok(())
    })
}

/// `TASKS` tasks, each acquiring a connection for one query.
async fn concurrent(pool: &Pool, size: usize) -> Result<(), Error> {
    let tasks = (0..TASKS).map(|i| {
        let pool = pool.clone();
        uniloop::spawn(async move {
            let mut conn = pool.acquire().await?;
            // 20 ms each, so that the tasks overlap and wait their turn.
            let row = conn
                .query_one(
                    "SELECT $1::INT4 * 2, pg_backend_pid() FROM pg_sleep(0.02)",
                    &[&i],
                )
                .await?;
            Ok::<_, Error>((i, row.get::<_, i32>(0), row.get::<_, i32>(1)))
        })
    });
    let mut backends = HashSet::new();
    for answer in uniloop::gather_all(tasks).await {
        let (i, doubled, backend) = answer??;
        if doubled != 2 * i {
            return Err(format!("task {i} was told {doubled}").into());
        }
        backends.insert(backend);
    }
    let stats = pool.stats();
    if backends.len() > size || stats.opened > size || stats.peak_in_use != size {
        return Err(format!("{} backends, {stats:?}", backends.len()).into());
    }
    println!(
        "concurrent: {TASKS} tasks, {TASKS} answers right, on {} backends, at most {} connections in use at once",
        backends.len(),
        stats.peak_in_use
    );
    Ok(())
}

/// A transaction that commits, one that rolls back, one that fails
/// midway; the rows read back on another acquire.
async fn transactions(pool: &Pool) -> Result<(), Error> {
    // A table of this run's own, so that runs may share a database.
    let table = format!("uniloop_db_pool_{}", std::process::id());
    let insert = format!("INSERT INTO {table} (note) VALUES ($1)");
    let mut conn = pool.acquire().await?;
    conn.execute(
        &format!("CREATE TABLE {table} (id SERIAL PRIMARY KEY, note TEXT NOT NULL)"),
        &[],
    )
    .await?;
    conn.run(async |client| {
        let tx = client.transaction().await?;
        tx.execute(&insert, &[&"committed"]).await?;
        tx.commit().await
    })
    .await?;
    conn.run(async |client| {
        let tx = client.transaction().await?;
        tx.execute(&insert, &[&"rolled back"]).await?;
        tx.rollback().await
    })
    .await?;
    let failed = conn
        .run(async |client| {
            let tx = client.transaction().await?;
            tx.execute(&insert, &[&"failed midway"]).await?;
            tx.execute("SELECT 1 / 0", &[]).await?; // division by zero
            tx.commit().await // never reached: dropping `tx` rolls back
        })
        .await;
    if failed.is_ok() {
        return Err("1 / 0 succeeded".into());
    }
    drop(conn);

    let mut conn = pool.acquire().await?;
    let rows = conn
        .query(&format!("SELECT note FROM {table} ORDER BY id"), &[])
        .await?;
    let notes: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    conn.execute(&format!("DROP TABLE {table}"), &[]).await?;
    if notes != ["committed"] {
        return Err(format!("read back {notes:?}").into());
    }
    println!("transactions: commit kept its row, rollback and an error midway left none; read back {notes:?}");
    Ok(())
}

/// A query cancelled midway: its connection is replaced, not reused, and
/// its backend stops.
async fn cancelled(pool: &Pool, size: usize) -> Result<(), Error> {
    let before = pool.stats();
    let mut conn = pool.acquire().await?;
    let doomed: i32 = conn.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
    let slow = conn.execute("SELECT pg_sleep(30)", &[]);
    if uniloop::timeout(Duration::from_millis(100), slow)
        .await
        .is_ok()
    {
        return Err("pg_sleep(30) returned within 100 ms".into());
    }
    drop(conn); // in doubt: discarded

    // Every connection at once: none is the one in doubt, one is new.
    let mut guards = uniloop::try_gather_all((0..size).map(|_| pool.acquire())).await?;
    let mut backends = Vec::new();
    for conn in &mut guards {
        backends.push(
            conn.query_one("SELECT pg_backend_pid()", &[])
                .await?
                .get::<_, i32>(0),
        );
    }
    let after = pool.stats();
    if backends.contains(&doomed)
        || after.replaced != before.replaced + 1
        || after.opened != before.opened + 1
    {
        return Err(format!("backends {backends:?} after {doomed} was dropped; {after:?}").into());
    }

    // The server was asked to cancel the query: its backend ends long
    // before the 30 s are up.
    let conn = &mut guards[0];
    let gone = uniloop::timeout(Duration::from_secs(10), async {
        loop {
            let row = conn
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                    &[&doomed],
                )
                .await?;
            if row.get::<_, i64>(0) == 0 {
                return Ok::<_, Error>(());
            }
            uniloop::sleep(Duration::from_millis(20)).await;
        }
    });
    match gone.await {
        Ok(result) => result?,
        Err(_) => return Err(format!("backend {doomed} still there after 10 s").into()),
    }
    println!(
        "cancelled: pg_sleep(30) dropped after 100 ms; its connection was replaced, not reused (replaced: {}), and its backend stopped",
        after.replaced
    );
    Ok(())
}

/// `--url URL` (default: `UNILOOP_PG_URL`) and `--size N` (default 5).
fn options() -> Result<(String, usize), Error> {
    let usage = "usage: db_pool [--url postgres://user@host:port/db] [--size N]";
    let mut args = std::env::args().skip(1);
    let (mut url, mut size) = (std::env::var("UNILOOP_PG_URL").ok(), 5);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(usage)?;
        match arg.as_str() {
            "--url" => url = Some(value),
            "--size" => size = value.parse().map_err(|_| usage)?,
            _ => return Err(usage.into()),
        }
    }
    if size == 0 {
        return Err(usage.into());
    }
    Ok((
        url.ok_or("give a postgres URL: --url or UNILOOP_PG_URL")?,
        size,
    ))
}
