fn main() {
    let out = uniloop::run(async {
        let a = uniloop::spawn_named("a", async {
            for _ in 0..3 {
                uniloop::yield_now().await;
            }
            1
        });
        let b = uniloop::spawn(async { panic!("boom") });
        let c = uniloop::spawn(std::future::pending::<()>());
        assert!(c.cancel());
        let h = uniloop::Handle::current();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            h.call_soon_threadsafe(move || tx.send(5).unwrap())
                .ok()
                .unwrap()
        });
        t.join().unwrap();
        let mut got = None;
        while got.is_none() {
            got = rx.try_recv().ok();
            uniloop::yield_now().await;
        }
        (
            a.await.unwrap(),
            b.await.unwrap_err().is_panic(),
            c.await.unwrap_err().is_cancelled(),
            got,
        )
    });
    println!("{out:?}");
}
