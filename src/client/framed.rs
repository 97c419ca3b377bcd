//! One request on a fresh connection with the body framed on purpose:
//! by its length, chunked in pieces that arrive apart, or held back behind
//! `Expect: 100-continue`. check's transport case sends the valid
//! delivery each way; a correct server answers all three alike.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::conn::{Conn, connect};
use super::request::request_head;
use super::{Answer, Error, MAX_ANSWER_BODY, response};

/// How a request's body is framed on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length`, head and body in one write.
    Length,
    /// `Transfer-Encoding: chunked`, in a few chunks written apart.
    Chunked,
    /// `Content-Length` and `Expect: 100-continue`: the body follows the
    /// server's `100 Continue`, or a second without an answer.
    ExpectContinue,
}

/// The pause between chunks, so that they arrive in separate reads.
const CHUNK_GAP: Duration = Duration::from_millis(40);

/// How many chunks a chunked body is cut into.
const CHUNKS: usize = 3;

/// How long to wait for `100 Continue` before sending the body anyway
/// (curl waits a second too).
const EXPECT_WAIT: Duration = Duration::from_secs(1);

/// Sends one request on a fresh `http://` connection, its body framed as
/// asked, and reads the answer, within `timeout`. Under TLS the framing is
/// the TLS library's, so check's transport case sends plain HTTP only.
pub(super) async fn send_framed<'h>(
    method: &str,
    url: &url::Url,
    raw: &str,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    body: &[u8],
    timeout: Duration,
    framing: Framing,
) -> Result<Answer, Error> {
    let head = request_head(method, url, raw, headers, body, framing)?;
    let exchange = async {
        let mut conn = connect(url, None).await?;
        let Conn::Plain(socket) = &mut conn else {
            return Err(Error::BadRequest(
                "framing is chosen only over http://".into(),
            ));
        };
        let tcp = socket.bound().map_err(Error::Io)?;
        if let Err(e) = write(tcp, &head.bytes, body, framing).await {
            // A server may answer (411, 413) and close before taking the body.
            return match response::read(tcp, false, MAX_ANSWER_BODY).await {
                Ok((answer, _)) => Ok(answer),
                Err(_) => Err(Error::Io(e)),
            };
        }
        let (answer, _) = response::read(tcp, false, MAX_ANSWER_BODY)
            .await
            .map_err(Error::Read)?;
        Ok(answer)
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| Error::Timeout)?
}

async fn write(
    conn: &mut TcpStream,
    head: &[u8],
    body: &[u8],
    framing: Framing,
) -> std::io::Result<()> {
    match framing {
        Framing::Length => {
            conn.write_all(&[head, body].concat()).await?;
        }
        Framing::Chunked => {
            conn.write_all(head).await?;
            conn.flush().await?;
            let size = body.len().div_ceil(CHUNKS).max(1);
            for piece in body.chunks(size) {
                tokio::time::sleep(CHUNK_GAP).await;
                let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
                chunk.extend_from_slice(piece);
                chunk.extend_from_slice(b"\r\n");
                conn.write_all(&chunk).await?;
                conn.flush().await?;
            }
            conn.write_all(b"0\r\n\r\n").await?;
        }
        Framing::ExpectContinue => {
            conn.write_all(head).await?;
            conn.flush().await?;
            if go_ahead(conn).await {
                conn.write_all(body).await?;
            }
        }
    }
    conn.flush().await
}

/// After an `Expect: 100-continue` head: true to send the body (`100
/// Continue` came, or nothing within [`EXPECT_WAIT`]), false when the
/// server already gave its final answer. The bytes are only peeked: the
/// answer reader skips the interim `100` itself.
async fn go_ahead(conn: &TcpStream) -> bool {
    let deadline = tokio::time::Instant::now() + EXPECT_WAIT;
    let mut status = [0u8; 12];
    loop {
        match tokio::time::timeout_at(deadline, conn.peek(&mut status)).await {
            Err(_) => return true,
            Ok(Ok(0) | Err(_)) => return false,
            Ok(Ok(n)) if n >= status.len() => return &status[9..12] == b"100",
            Ok(Ok(_)) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_heads_say_so_and_expect_heads_carry_the_length() {
        let url = url::Url::parse("http://127.0.0.1:9/hook").unwrap();
        let head = |f| {
            String::from_utf8(
                request_head("POST", &url, url.as_str(), [], b"{}", f)
                    .unwrap()
                    .bytes,
            )
            .unwrap()
        };
        let chunked = head(Framing::Chunked);
        assert!(
            chunked.contains("Transfer-Encoding: chunked\r\n"),
            "{chunked}"
        );
        assert!(!chunked.contains("Content-Length"), "{chunked}");
        let expect = head(Framing::ExpectContinue);
        assert!(
            expect.ends_with("Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"),
            "{expect}"
        );
    }
}
