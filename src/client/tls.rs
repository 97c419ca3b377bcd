//! Whom an `https://` target must prove it is: the system's roots, plus a
//! `--ca` file, or anyone (`--insecure`). ALPN offers http/1.1 only: the
//! request writer speaks HTTP/1.1, header lines as given. A target whose
//! handshake refuses that is offered h2 alone (see `super::h2`).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The trust settings; the TLS configuration is built on the first
/// `https://` request, so plain-HTTP commands never read the system roots.
pub struct Trust {
    insecure: bool,
    extra: Vec<CertificateDer<'static>>,
    config: OnceLock<Arc<ClientConfig>>,
    config_h2: OnceLock<Arc<ClientConfig>>,
}

impl Trust {
    /// The system's roots only.
    pub fn system() -> Self {
        Self {
            insecure: false,
            extra: Vec::new(),
            config: OnceLock::new(),
            config_h2: OnceLock::new(),
        }
    }

    /// `insecure` accepts any certificate; `ca` (given as `flag`, for the
    /// error) is trusted beside the system's roots. The file is read now,
    /// so a bad one is told before anything is sent.
    pub fn new(insecure: bool, ca: Option<&Path>, flag: &str) -> anyhow::Result<Self> {
        let mut trust = Self::system();
        trust.insecure = insecure;
        if let Some(path) = ca {
            let shown = path.display();
            let pem = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("cannot read {flag} {shown}: {e}"))?;
            let certs = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("{flag} {shown} is not a PEM certificate: {e}"))?;
            if certs.is_empty() {
                anyhow::bail!("{flag} {shown} is not a PEM certificate: it holds none");
            }
            let mut check = RootCertStore::empty();
            for c in &certs {
                check
                    .add(c.clone())
                    .map_err(|e| anyhow::anyhow!("{flag} {shown}: {e}"))?;
            }
            trust.extra = certs;
        }
        Ok(trust)
    }

    /// The connector for this trust, built once.
    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.config())
    }

    /// The TLS settings for this trust, built once (the relay client's
    /// WebSocket takes them as they are).
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config
            .get_or_init(|| Arc::new(self.build(b"http/1.1")))
            .clone()
    }

    /// The connector that offers HTTP/2 alone, for a target that refused
    /// http/1.1; built once.
    pub fn connector_h2(&self) -> tokio_rustls::TlsConnector {
        let config = self.config_h2.get_or_init(|| Arc::new(self.build(b"h2")));
        tokio_rustls::TlsConnector::from(config.clone())
    }

    fn build(&self, protocol: &[u8]) -> ClientConfig {
        let mut roots = RootCertStore::empty();
        roots.roots.extend(system_roots().roots.iter().cloned());
        for c in &self.extra {
            let _ = roots.add(c.clone());
        }
        let mut config = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        if self.insecure {
            let schemes = config.crypto_provider().signature_verification_algorithms;
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(AnyCertificate(schemes)));
        }
        config.alpn_protocols = vec![protocol.to_vec()];
        config
    }
}

/// The system's trust anchors, read once per process.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        roots
    })
}

/// `--insecure`: any certificate for any name, though the handshake's
/// signatures are still checked (the server holds the key it shows).
#[derive(Debug)]
struct AnyCertificate(rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
