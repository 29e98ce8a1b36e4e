//! A connection pool for tokio-postgres on uniloop: asyncpg's `Pool` in
//! miniature.
//!
//! - At most `size` connections: a [`Semaphore`] of `size` permits, one
//!   held by each [`PooledConnection`] (FIFO: the first task to wait is
//!   the first served). Connections are opened on demand and kept, idle,
//!   for the next `acquire`.
//! - [`Pool::acquire`] returns a guard; dropping it gives the connection
//!   back (before the permit, so the task the permit goes to finds it).
//! - A query cancelled midway (its future dropped: a `timeout`, a
//!   cancelled task) leaves its connection in doubt: responses may still
//!   be on the way, a transaction may be open. The guard knows (every
//!   query goes through [`PooledConnection::run`], which is "in flight"
//!   until the query completes), and on drop the pool discards such a
//!   connection instead of reusing it: it asks the server to cancel the
//!   query (else the backend would run on) and closes the connection; the
//!   next `acquire` opens a new one. asyncpg does the same to a
//!   connection whose query was cancelled.
//!
//! # Invariants
//! - A connection is in `idle` only if no query of it is in flight and it
//!   was not closed when given back — `PooledConnection::drop`.
//! - `size - permits.available_permits()` guards exist; so at most `size`
//!   connections are open, counting those being discarded — `acquire`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row};
use uniloop::net::TcpStream;
use uniloop::sync::{OwnedSemaphorePermit, Semaphore};

/// The pool's and its connections' errors: the server's, or the socket's.
pub type Error = Box<dyn std::error::Error>;

/// What the pool did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections opened.
    pub opened: usize,
    /// Connections discarded because a query was cancelled midway.
    pub replaced: usize,
    /// Idle connections found closed (by the server) and dropped.
    pub closed: usize,
    /// The most guards out at once.
    pub peak_in_use: usize,
}

/// A pool of at most `size` connections to one server; cheap to clone
/// (one pool, shared by every task).
#[derive(Clone)]
pub struct Pool {
    shared: Rc<Shared>,
}

struct Shared {
    config: Config,
    host: String,
    port: u16,
    size: usize,
    /// One permit for each connection that may be out.
    permits: Rc<Semaphore>,
    /// Connections given back in good order, the most recent last.
    idle: RefCell<Vec<Client>>,
    stats: Cell<Stats>,
}

impl Pool {
    /// A pool for `config`'s database at `host:port` (TCP, no TLS); no
    /// connection is opened before the first `acquire`.
    pub fn new(config: Config, host: String, port: u16, size: usize) -> Pool {
        Pool {
            shared: Rc::new(Shared {
                config,
                host,
                port,
                size,
                permits: Rc::new(Semaphore::new(size)),
                idle: RefCell::default(),
                stats: Cell::default(),
            }),
        }
    }

    /// A connection for the caller alone until the guard is dropped:
    /// an idle one, or a new one if none is idle. Waits (first come,
    /// first served) while `size` guards are out.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped while waiting, it holds nothing; dropped
    /// while connecting, the new connection is dropped and its permit
    /// given back.
    pub async fn acquire(&self) -> Result<PooledConnection, Error> {
        let shared = &self.shared;
        let permit = shared.permits.clone().acquire_owned().await;
        shared.count(|stats| {
            let in_use = shared.size - shared.permits.available_permits();
            stats.peak_in_use = stats.peak_in_use.max(in_use);
        });
        let idle = loop {
            let Some(client) = shared.idle.borrow_mut().pop() else {
                break None;
            };
            if !client.is_closed() {
                break Some(client);
            }
            shared.count(|stats| stats.closed += 1);
        };
        let client = match idle {
            Some(client) => client,
            None => shared.connect().await?,
        };
        Ok(PooledConnection {
            client: Some(client),
            in_flight: false,
            shared: shared.clone(),
            _permit: permit,
        })
    }

    /// What the pool did so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats.get()
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.shared.size)
            .field("idle", &self.shared.idle.borrow().len())
            .field("stats", &self.stats())
            .finish()
    }
}

impl Shared {
    fn count(&self, update: impl FnOnce(&mut Stats)) {
        let mut stats = self.stats.get();
        update(&mut stats);
        self.stats.set(stats);
    }

    async fn connect(&self) -> Result<Client, Error> {
        let stream = TcpStream::connect((self.host.as_str(), self.port)).await?;
        let (client, connection) = self.config.connect_raw(stream, NoTls).await?;
        // The connection drives the protocol: a task on the loop, which
        // ends when the client is dropped.
        uniloop::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("db_pool: connection failed: {e}");
            }
        })
        .detach();
        self.count(|stats| stats.opened += 1);
        Ok(client)
    }

    /// Close a connection whose query was cancelled midway, after asking
    /// the server to cancel that query (on a connection of its own, as
    /// the protocol wants): else its backend would run it to the end.
    fn discard(&self, client: Client) {
        self.count(|stats| stats.replaced += 1);
        let token = client.cancel_token();
        drop(client);
        let (host, port) = (self.host.clone(), self.port);
        uniloop::spawn(async move {
            let cancel = async {
                let stream = TcpStream::connect((host.as_str(), port)).await?;
                token.cancel_query_raw(stream, NoTls).await?;
                Ok::<_, Error>(())
            };
            if let Err(e) = cancel.await {
                eprintln!("db_pool: could not cancel a query: {e}");
            }
        })
        .detach();
    }
}

/// A connection of the pool, the caller's until dropped; dropping it
/// gives the connection back, or discards it if a query was cancelled
/// midway.
pub struct PooledConnection {
    /// `None` only in `drop`.
    client: Option<Client>,
    /// A query is in flight: set by `run` before it starts, cleared when
    /// it completes (so still set if `run`'s future was dropped).
    in_flight: bool,
    shared: Rc<Shared>,
    /// Dropped after `drop` gave the connection back.
    _permit: OwnedSemaphorePermit,
}

impl PooledConnection {
    /// Run `work` on the connection (queries, a transaction): the one way
    /// to the `Client`, so that the guard knows whether it completed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before `work` completed marks the connection
    /// as in doubt: the pool discards it when the guard is dropped.
    pub async fn run<T>(&mut self, work: impl AsyncFnOnce(&mut Client) -> T) -> T {
        let client = self
            .client
            .as_mut()
            .expect("the client is taken only on drop");
        self.in_flight = true;
        let output = work(client).await;
        self.in_flight = false;
        output
    }

    /// `Client::query` through [`run`](Self::run).
    pub async fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.run(async |client| client.query(sql, params).await)
            .await
    }

    /// `Client::query_one` through [`run`](Self::run).
    pub async fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, tokio_postgres::Error> {
        self.run(async |client| client.query_one(sql, params).await)
            .await
    }

    /// `Client::execute` through [`run`](Self::run).
    pub async fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        self.run(async |client| client.execute(sql, params).await)
            .await
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let client = self.client.take().expect("dropped once");
        if self.in_flight {
            self.shared.discard(client);
        } else if !client.is_closed() {
            self.shared.idle.borrow_mut().push(client);
        }
        // The permit is released after this, with the connection back.
    }
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}
