//! TLS for a hub (rustls with the `ring` provider). Handshakes run in tasks
//! of their own, so one slow satellite handshake never holds up the next
//! device.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The hub's certificate chain and private key, both PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Where `init-tls` writes a hub's certificates, under its data directory.
pub fn default_files(data: &std::path::Path) -> TlsFiles {
    let dir = data.join("tls");
    TlsFiles {
        cert: dir.join("hub.pem"),
        key: dir.join("hub.key"),
    }
}

/// Where `init` writes the mission authority's certificate; a hub serving a
/// certificate of its own puts the authority that signed it there, for
/// devices that enrol with its fingerprint.
pub fn mission_ca_file(data: &std::path::Path) -> PathBuf {
    data.join("tls").join("mission-ca.pem")
}

/// What `init` made: the mission authority's certificate (for devices to
/// pin) and its SHA-256 fingerprint (for a person to compare).
#[derive(Debug, Clone)]
pub struct MadeAuthority {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub fingerprint: String,
    pub hub: TlsFiles,
}

/// Makes a mission certificate authority and a certificate for this hub
/// under `names` (host names or IP addresses devices use to reach it), in
/// `DATA/tls/`. Private keys are written 0600. An existing authority is
/// never overwritten: the devices that pinned it would be cut off.
pub fn init(data: &std::path::Path, names: &[String]) -> Result<MadeAuthority, InitError> {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let dir = data.join("tls");
    let ca_cert = mission_ca_file(data);
    let ca_key = dir.join("mission-ca.key");
    if ca_cert.exists() {
        return Err(InitError::Exists(ca_cert));
    }
    {
        #[cfg(unix)]
        use std::os::unix::fs::DirBuilderExt;
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder
            .create(&dir)
            .map_err(|e| InitError::Io(dir.clone(), e))?;
    }
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Outpost mission CA");
    let ca_keys = KeyPair::generate()?;
    let ca_pem_key = ca_keys.serialize_pem();
    let ca = CertifiedIssuer::self_signed(ca_params, ca_keys)?;
    let hub_keys = KeyPair::generate()?;
    let mut hub_params = CertificateParams::new(names.to_vec())?;
    hub_params.distinguished_name.push(
        DnType::CommonName,
        names.first().map_or("outpost hub", String::as_str),
    );
    let hub_cert = hub_params.signed_by(&hub_keys, &ca)?;
    let hub = default_files(data);
    write_private(&ca_key, ca_pem_key.as_bytes())?;
    write_private(&hub.key, hub_keys.serialize_pem().as_bytes())?;
    // Certificates are public, but a hub's folder holds nothing others read.
    write_private(&hub.cert, hub_cert.pem().as_bytes())?;
    write_private(&ca_cert, ca.pem().as_bytes())?;
    let fingerprint = outpost_sync::trust::fingerprint_of_der(ca.der());
    Ok(MadeAuthority {
        ca_cert,
        ca_key,
        fingerprint,
        hub,
    })
}

/// Writes a file readable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), InitError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .map_err(|e| InitError::Io(path.to_path_buf(), e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| InitError::Io(path.to_path_buf(), e))
}

/// Why `init` made nothing (or stopped part way).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "a mission authority already exists at {0}; it is never replaced (the devices that pinned it would be cut off)"
    )]
    Exists(PathBuf),
    #[error("cannot write {0}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("cannot make the certificates")]
    Certificate(#[from] rcgen::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate {path}")]
    Certificate {
        path: PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("cannot read the private key {path}")]
    Key {
        path: PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("the certificate and key cannot be used together")]
    Config(#[from] rustls::Error),
}

pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|source| TlsError::Certificate {
            path: files.cert.clone(),
            source,
        })?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|source| TlsError::Key {
        path: files.key.clone(),
        source,
    })?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    Ok(Arc::new(config))
}

/// A listener that hands axum connections once their TLS handshake is done.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
    ) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let Ok((stream, addr)) = tcp.accept().await else {
                    // Out of file descriptors and the like: back off, go on.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (acceptor, handed) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    // A device that never finishes its handshake is dropped.
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(60), acceptor.accept(stream)).await
                    {
                        let _ = handed.send((tls, addr)).await;
                    }
                });
                if tx.is_closed() {
                    return;
                }
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
