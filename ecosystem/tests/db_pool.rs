//! `examples/db_pool` against a real PostgreSQL server: 50 tasks through
//! a pool of 5, transactions committed and rolled back, a cancelled
//! query's connection replaced. No mock.
//!
//! The server is `UNILOOP_PG_URL` if set (`.ci/run` starts one with
//! `.ci/postgres.sh` and sets it); otherwise, if PostgreSQL's binaries are
//! here (on PATH or in `/usr/lib/postgresql/*/bin`), the test starts a
//! throwaway server of its own with the same script, and stops it at the
//! end. Without either it is skipped, with a message, outside CI; in CI it
//! fails.

mod support;

use support::{example, output_within_hang, Postgres};

#[test]
fn fifty_tasks_transactions_and_a_cancelled_query_on_a_real_server() {
    let Some(server) = Postgres::find() else {
        return;
    };
    let mut command = example("db_pool");
    command.args(["--url", &server.url, "--size", "5"]);
    let out = output_within_hang(command, "example db_pool");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "db_pool failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert_eq!(
        lines[1],
        "concurrent: 50 tasks, 50 answers right, on 5 backends, at most 5 connections in use at once"
    );
    assert_eq!(
        lines[2],
        r#"transactions: commit kept its row, rollback and an error midway left none; read back ["committed"]"#
    );
    assert_eq!(
        lines[3],
        "cancelled: pg_sleep(30) dropped after 100 ms; its connection was replaced, not reused (replaced: 1), and its backend stopped"
    );
    assert_eq!(
        lines[4],
        "stats: Stats { opened: 6, replaced: 1, closed: 0, peak_in_use: 5 }"
    );
    assert!(lines[5].starts_with("ok: "), "{stdout}");
}
