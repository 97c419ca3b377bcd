//! A connection to a target: TCP, or TLS over TCP. Its socket can be
//! detached from the runtime that opened it and attached to the next one,
//! so a pooled connection (TLS state and all) outlives a command's runtime.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::Error;

/// The TCP socket under a connection.
pub enum Socket {
    /// Registered with the running runtime: usable.
    Bound(TcpStream),
    /// Idle in a portable pool, watched by no runtime.
    Detached(std::net::TcpStream),
    /// Lost while moving between the two.
    Gone,
}

impl Socket {
    pub(super) fn bound(&mut self) -> io::Result<&mut TcpStream> {
        match self {
            Socket::Bound(s) => Ok(s),
            _ => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the connection is not attached to this runtime",
            )),
        }
    }

    /// Leaves the runtime: the socket becomes a plain OS one.
    pub fn detach(&mut self) {
        if matches!(self, Socket::Bound(_))
            && let Socket::Bound(s) = std::mem::replace(self, Socket::Gone)
        {
            *self = s.into_std().map_or(Socket::Gone, Socket::Detached);
        }
    }

    /// Joins the running runtime.
    pub fn attach(&mut self) -> bool {
        if matches!(self, Socket::Detached(_))
            && let Socket::Detached(s) = std::mem::replace(self, Socket::Gone)
        {
            *self = TcpStream::from_std(s).map_or(Socket::Gone, Socket::Bound);
        }
        matches!(self, Socket::Bound(_))
    }

    /// An idle connection has nothing to read: end of stream means the
    /// server closed it, and stray bytes mean it cannot frame another
    /// answer (over TLS: a close_notify, most likely).
    pub fn looks_open(&self) -> bool {
        let mut byte = [0u8; 1];
        match self {
            // Pending is the healthy case: no readiness, so no syscall either.
            Socket::Bound(s) => s.peek(&mut byte).now_or_never().is_none(),
            Socket::Detached(s) => {
                matches!(s.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
            }
            Socket::Gone => false,
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut().bound() {
            Ok(s) => Pin::new(s).poll_read(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().bound() {
            Ok(s) => Pin::new(s).poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().bound() {
            Ok(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Socket::Bound(s) => s.is_write_vectored(),
            _ => false,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().bound() {
            Ok(s) => Pin::new(s).poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().bound() {
            Ok(s) => Pin::new(s).poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

/// One connection, plain or TLS.
pub enum Conn {
    Plain(Socket),
    Tls(Box<tokio_rustls::client::TlsStream<Socket>>),
}

impl Conn {
    pub fn socket(&self) -> &Socket {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(t) => t.get_ref().0,
        }
    }

    pub fn socket_mut(&mut self) -> &mut Socket {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(t) => t.get_mut().0,
        }
    }
}

/// Opens a connection to the URL's host, with TLS when `tls` is given.
pub async fn connect(
    url: &url::Url,
    tls: Option<tokio_rustls::TlsConnector>,
) -> Result<Conn, Error> {
    let port = url.port_or_known_default().unwrap_or(80);
    let (tcp, name) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (
            TcpStream::connect((ip, port)).await,
            ServerName::IpAddress(ip.into()),
        ),
        Some(url::Host::Ipv6(ip)) => (
            TcpStream::connect((ip, port)).await,
            ServerName::IpAddress(ip.into()),
        ),
        Some(url::Host::Domain(host)) => {
            let name = ServerName::try_from(host.to_string())
                .map_err(|_| Error::BadRequest(format!("{host:?} is not a host name")))?;
            (TcpStream::connect((host, port)).await, name)
        }
        None => return Err(Error::BadRequest("the URL has no host".into())),
    };
    let tcp = tcp.map_err(Error::Connect)?;
    // Small writes (head, then body) must not wait for Nagle.
    let _ = tcp.set_nodelay(true);
    let socket = Socket::Bound(tcp);
    match tls {
        None => Ok(Conn::Plain(socket)),
        Some(connector) => {
            // A refused certificate is a failure to connect, like a refused port.
            let stream = connector
                .connect(name, socket)
                .await
                .map_err(Error::Connect)?;
            Ok(Conn::Tls(Box::new(stream)))
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(t) => t.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(t) => Pin::new(t.as_mut()).poll_shutdown(cx),
        }
    }
}
