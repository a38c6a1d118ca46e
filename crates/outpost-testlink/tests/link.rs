//! Behaviour of the emulated link, against small servers on loopback. Timing assertions
//! are lower bounds only: the shaper can make things slower than nominal on a busy
//! machine, never faster, so a lower bound failing means the shaping is broken.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use outpost_testlink::{Direction, Link, LinkProfile, LinkStats};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

/// Only guards against hangs; no test should come near it.
const LIMIT: Duration = Duration::from_secs(30);

fn profile(rate_bits_per_sec: u64, rtt_ms: u64, loss: f64) -> LinkProfile {
    LinkProfile {
        name: "test",
        rate_bits_per_sec,
        rtt: Duration::from_millis(rtt_ms),
        loss,
    }
}

async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind test server");
    let addr = listener.local_addr().expect("test server address");
    (listener, addr)
}

async fn connect(link: &Link) -> TcpStream {
    let stream = TcpStream::connect(link.addr())
        .await
        .expect("connect to link");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

/// Echoes every connection back, and half-closes when the client does.
async fn echo_server() -> SocketAddr {
    let (listener, addr) = listen().await;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let (mut r, mut w) = stream.split();
                if tokio::io::copy(&mut r, &mut w).await.is_ok() {
                    let _ = w.shutdown().await;
                }
            });
        }
    });
    addr
}

/// Reads each connection to EOF (or error), reports the byte count, then answers with the
/// count as 8 big-endian bytes padded with zeros to `reply_len` bytes, and closes.
async fn count_server(reply_len: usize) -> (SocketAddr, mpsc::UnboundedReceiver<u64>) {
    let (listener, addr) = listen().await;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut count = 0u64;
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => count += n as u64,
                    }
                }
                let _ = tx.send(count);
                let mut reply = count.to_be_bytes().to_vec();
                reply.resize(reply_len.max(8), 0);
                if stream.write_all(&reply).await.is_ok() {
                    let _ = stream.shutdown().await;
                }
            });
        }
    });
    (addr, rx)
}

/// Sends `request`, half-closes, reads the reply to EOF.
async fn exchange(link: &Link, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(link).await;
    let mut reply = Vec::new();
    timeout(LIMIT, async {
        stream.write_all(request).await?;
        stream.shutdown().await?;
        stream.read_to_end(&mut reply).await
    })
    .await
    .expect("exchange timed out")
    .expect("exchange failed");
    reply
}

/// Times `rounds` one-byte ping-pongs through an echo server.
async fn ping_pong(link: &Link, rounds: usize) -> Vec<Duration> {
    let mut stream = connect(link).await;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        stream.write_all(b"p").await.expect("ping");
        let mut pong = [0u8; 1];
        timeout(LIMIT, stream.read_exact(&mut pong))
            .await
            .expect("pong timed out")
            .expect("pong");
        assert_eq!(&pong, b"p");
        times.push(start.elapsed());
    }
    times
}

#[tokio::test]
async fn passes_bytes_unchanged_both_ways() {
    let link = Link::start(echo_server().await, LinkProfile::loopback(), 1)
        .await
        .expect("start link");
    let mut payload = vec![0u8; 1 << 20];
    StdRng::seed_from_u64(42).fill_bytes(&mut payload);
    let mut stream = connect(&link).await;
    let (mut r, mut w) = stream.split();
    // Write and read concurrently: 1 MB does not fit in the socket buffers.
    let (sent, received) = timeout(LIMIT, async {
        tokio::join!(
            async {
                w.write_all(&payload).await?;
                w.shutdown().await
            },
            async {
                let mut received = Vec::new();
                r.read_to_end(&mut received).await.map(|_| received)
            }
        )
    })
    .await
    .expect("echo timed out");
    sent.expect("send payload");
    let received = received.expect("receive echo");
    assert_eq!(received.len(), payload.len());
    assert!(
        received == payload,
        "echoed bytes differ from what was sent"
    );
    assert_eq!(
        link.stats(),
        LinkStats {
            bytes_up: 1 << 20,
            bytes_down: 1 << 20,
            connections: 1
        }
    );
    link.shutdown().await;
}

#[tokio::test]
async fn rate_limits_throughput() {
    let (server, mut counts) = count_server(8).await;
    let link = Link::start(server, profile(512_000, 0, 0.0), 2)
        .await
        .expect("start link");
    let start = Instant::now();
    let reply = exchange(&link, &[7u8; 64 * 1024]).await;
    let elapsed = start.elapsed();
    assert_eq!(counts.recv().await, Some(64 * 1024));
    assert_eq!(reply[..8], (64u64 * 1024).to_be_bytes());
    println!("64 KiB at 512 kbit/s took {elapsed:?} (nominal 1.024 s)");
    assert!(
        elapsed >= Duration::from_millis(800),
        "64 KiB at 512 kbit/s took only {elapsed:?}"
    );
}

#[tokio::test]
async fn adds_round_trip_latency() {
    let link = Link::start(echo_server().await, profile(1_000_000, 400, 0.0), 3)
        .await
        .expect("start link");
    let times = ping_pong(&link, 3).await;
    println!("1-byte round trips at 400 ms rtt: {times:?}");
    for t in times {
        assert!(
            t >= Duration::from_millis(400),
            "round trip took only {t:?}"
        );
    }
}

#[tokio::test]
async fn loss_stalls_for_a_round_trip() {
    // Certain loss: every chunk, each way, waits one extra rtt.
    let link = Link::start(echo_server().await, profile(u64::MAX, 100, 1.0), 4)
        .await
        .expect("start link");
    let times = ping_pong(&link, 2).await;
    println!("1-byte round trips at 100 ms rtt, 100 % loss: {times:?}");
    for t in times {
        assert!(
            t >= Duration::from_millis(300),
            "round trip took only {t:?}"
        );
    }
}

#[tokio::test]
async fn stats_count_exactly_what_crossed() {
    let (server, mut counts) = count_server(5000).await;
    let link = Link::start(server, LinkProfile::camp_wifi(), 5)
        .await
        .expect("start link");
    for _ in 0..2 {
        assert_eq!(exchange(&link, &[1u8; 3000]).await.len(), 5000);
        assert_eq!(counts.recv().await, Some(3000));
    }
    assert_eq!(
        link.stats(),
        LinkStats {
            bytes_up: 6000,
            bytes_down: 10_000,
            connections: 2
        }
    );
    link.reset_stats();
    assert_eq!(link.stats(), LinkStats::default());
    assert_eq!(exchange(&link, &[1u8; 10]).await.len(), 5000);
    assert_eq!(
        link.stats(),
        LinkStats {
            bytes_up: 10,
            bytes_down: 5000,
            connections: 1
        }
    );
}

#[tokio::test]
async fn cut_after_interrupts_an_upload_mid_stream() {
    let (server, mut counts) = count_server(8).await;
    let link = Link::start(server, profile(2_000_000, 20, 0.0), 6)
        .await
        .expect("start link");
    link.cut_after(Direction::Up, 10_000);
    let mut stream = connect(&link).await;
    let payload = vec![1u8; 100_000];
    let mut reply = Vec::new();
    let (write, read) = timeout(LIMIT, async {
        let write = async {
            stream.write_all(&payload).await?;
            stream.shutdown().await
        }
        .await;
        (write, stream.read_to_end(&mut reply).await)
    })
    .await
    .expect("interrupted upload hung");
    let received = timeout(LIMIT, counts.recv())
        .await
        .expect("server never finished")
        .expect("count");
    println!(
        "server received {received} bytes; sender: write {write:?}, read {read:?}, {} reply bytes",
        reply.len()
    );
    assert!(
        (10_000..100_000).contains(&received),
        "server received {received} bytes"
    );
    assert!(
        write.is_err() || read.is_err() || reply.len() < 8,
        "the sender saw a complete exchange"
    );

    // One-shot: the next upload goes through whole.
    let reply = exchange(&link, &payload).await;
    assert_eq!(reply[..8], 100_000u64.to_be_bytes());
}

#[tokio::test]
async fn down_link_refuses_and_cuts() {
    let link = Link::start(echo_server().await, LinkProfile::loopback(), 7)
        .await
        .expect("start link");
    let mut open = connect(&link).await;
    open.write_all(b"hi").await.expect("write");
    let mut buf = [0u8; 16];
    open.read_exact(&mut buf[..2])
        .await
        .expect("echo before going down");

    link.set_down(true);
    let cut = timeout(LIMIT, open.read(&mut buf))
        .await
        .expect("open connection was not cut");
    assert!(
        matches!(cut, Ok(0) | Err(_)),
        "open connection still delivers: {cut:?}"
    );

    // The listener stays bound, so connect may succeed; the connection must die at once.
    if let Ok(mut fresh) = TcpStream::connect(link.addr()).await {
        let _ = fresh.write_all(b"hello").await;
        let got = timeout(Duration::from_secs(5), fresh.read(&mut buf))
            .await
            .expect("new connection stayed open while down");
        assert!(
            matches!(got, Ok(0) | Err(_)),
            "new connection works while down: {got:?}"
        );
    }
    assert_eq!(link.stats().connections, 1);

    link.set_down(false);
    let mut back = connect(&link).await;
    back.write_all(b"back").await.expect("write after restore");
    timeout(LIMIT, back.read_exact(&mut buf[..4]))
        .await
        .expect("echo after restore timed out")
        .expect("echo after restore");
    assert_eq!(&buf[..4], b"back");
}

/// Reads one HTTP/1.1 message (head, then a Content-Length body); `None` on EOF between messages.
async fn read_message(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
) -> io::Result<Option<(String, Vec<u8>)>> {
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            if pending.len() >= end + 4 + length {
                let body = pending[end + 4..end + 4 + length].to_vec();
                pending.drain(..end + 4 + length);
                return Ok(Some((head, body)));
            }
        }
        let mut buf = [0u8; 4096];
        match stream.read(&mut buf).await? {
            0 if pending.is_empty() => return Ok(None),
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => pending.extend_from_slice(&buf[..n]),
        }
    }
}

fn message(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("{head}\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Answers each request with its body reversed, keeps the connection alive until the
/// client half-closes, then closes.
async fn http_server() -> SocketAddr {
    let (listener, addr) = listen().await;
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut pending = Vec::new();
                while let Ok(Some((_, mut body))) = read_message(&mut stream, &mut pending).await {
                    body.reverse();
                    if stream
                        .write_all(&message("HTTP/1.1 200 OK", &body))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn http_keep_alive_and_half_close() {
    let link = Link::start(http_server().await, LinkProfile::camp_wifi(), 8)
        .await
        .expect("start link");
    let mut stream = connect(&link).await;
    let mut pending = Vec::new();
    let body: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let first = message("POST /reports HTTP/1.1\r\nhost: hub", &body);
    let second = message("GET /status HTTP/1.1\r\nhost: hub", b"");
    let reversed: Vec<u8> = body.iter().rev().copied().collect();
    // What the server sends back, byte for byte.
    let down = message("HTTP/1.1 200 OK", &reversed).len() + message("HTTP/1.1 200 OK", b"").len();
    timeout(LIMIT, async {
        // Keep-alive: a second request on the same connection after the first answer.
        stream.write_all(&first).await.expect("first request");
        let (head, reply) = read_message(&mut stream, &mut pending)
            .await
            .expect("first response")
            .expect("no first response");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(reply, reversed);
        // Then half-close and read the answer to EOF.
        stream.write_all(&second).await.expect("second request");
        stream.shutdown().await.expect("half-close");
        let (head, reply) = read_message(&mut stream, &mut pending)
            .await
            .expect("second response")
            .expect("no second response");
        assert!(
            head.starts_with("HTTP/1.1 200") && reply.is_empty(),
            "{head}"
        );
        assert!(
            read_message(&mut stream, &mut pending)
                .await
                .expect("EOF")
                .is_none(),
            "bytes after the last response"
        );
    })
    .await
    .expect("HTTP exchange timed out");
    let expected = LinkStats {
        bytes_up: (first.len() + second.len()) as u64,
        bytes_down: down as u64,
        connections: 1,
    };
    assert_eq!(link.stats(), expected);
}

#[test]
fn works_from_sync_code_with_its_own_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let reply = runtime.block_on(async {
        let link = Link::start(echo_server().await, LinkProfile::camp_wifi(), 9)
            .await
            .expect("start link");
        assert!(
            link.url().starts_with("http://127.0.0.1:"),
            "{}",
            link.url()
        );
        let reply = exchange(&link, &[5u8; 10_000]).await;
        link.shutdown().await;
        reply
    });
    assert_eq!(reply, vec![5u8; 10_000]);
}
