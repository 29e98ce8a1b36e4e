//! futures-rustls on uniloop: a TLS server and client in one process over
//! uniloop's TCP (futures-io; no adapter), rustls with the `ring`
//! provider, and a self-signed certificate made at start with rcgen.
//!
//! `cargo run -p uniloop-ecosystem --example tls`

use std::sync::Arc;

use futures_rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use futures_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use futures_rustls::{TlsAcceptor, TlsConnector};
use uniloop::io::{AsyncReadExt, AsyncWriteExt};
use uniloop::net::{TcpListener, TcpStream};

fn configs() -> Result<(ServerConfig, ClientConfig), Box<dyn std::error::Error>> {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    // The crypto provider is the one the crate features select: `ring`
    // (ecosystem/Cargo.toml enables no other).
    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)?;

    let mut roots = RootCertStore::empty();
    roots.add(cert)?;
    let client = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((server, client))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (server_config, client_config) = configs()?;
    let (reply, version) = uniloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::new(server_config));
        let server = uniloop::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let mut tls = acceptor.accept(stream).await?;
            let mut request = [0; 4];
            tls.read_exact(&mut request).await?;
            tls.write_all(if &request == b"ping" {
                b"pong"
            } else {
                b"what"
            })
            .await?;
            tls.close().await?; // close_notify, then the write side
            Ok::<_, std::io::Error>(())
        });

        let connector = TlsConnector::from(Arc::new(client_config));
        let stream = TcpStream::connect(addr).await?;
        let mut tls = connector
            .connect(ServerName::try_from("localhost")?, stream)
            .await?;
        tls.write_all(b"ping").await?;
        tls.flush().await?;
        let mut reply = String::new();
        tls.read_to_string(&mut reply).await?;
        let version = format!("{:?}", tls.get_ref().1.protocol_version().unwrap());
        server.await.unwrap()?;
        Ok::<_, Box<dyn std::error::Error>>((reply, version))
    })?;
    assert_eq!(reply, "pong");
    println!("ok: {reply} over {version}");
    Ok(())
}
