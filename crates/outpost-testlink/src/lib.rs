//! A throttling TCP proxy on loopback that emulates the bad links Outpost tablets sync
//! over (BGAN satellite, a few minutes of camp Wi-Fi), for tests and benchmarks, without
//! root (no `tc`/netem): [`Link::start`] listens on `127.0.0.1:0` and forwards every
//! connection to an upstream address, shaping both directions.
//!
//! # Shaping model
//! Each direction (up = client→server, down = server→client) is shaped independently,
//! and all connections through one [`Link`] share it, like one satellite terminal:
//!
//! * **Rate.** Data is forwarded in chunks of at most [`CHUNK`] bytes (one TCP segment).
//!   A chunk occupies the direction for `len * 8 / rate_bits_per_sec` seconds, and chunks
//!   are serialized one after another in the order their connections asked. That is a
//!   token bucket filling at `rate / 8` bytes per second whose depth is one chunk and
//!   which starts empty: no burst ever beats the rate. Each connection asks for its next
//!   chunk only when the previous one has left, so concurrent connections take turns
//!   chunk by chunk (round robin) instead of one queue hogging the link.
//! * **Latency.** A chunk is delivered `rtt / 2` after it left (so never earlier than
//!   `rtt / 2` after it was read from the sender). Latency is pipelined: each
//!   connection-direction keeps a FIFO of `(deliver_at, bytes)`, so a stream pays the
//!   `rtt / 2` once, not per chunk. End of stream (a half-close) travels the same queue,
//!   so the receiver's write side is shut down only after the bytes before it arrived.
//! * **Loss.** TCP hides loss from the application; what it shows is delay. So there is
//!   no real packet loss here: with probability `loss` a chunk is held one extra `rtt`
//!   (a retransmission), and the chunks behind it wait for it (head-of-line blocking).
//!   Retransmissions do not consume extra bandwidth and congestion control (window
//!   halving, slow start) is not modelled. The draws come from an RNG seeded from the
//!   `seed` given to [`Link::start`] and the connection's accept order, so runs repeat.
//! * **Backpressure.** At most [`WINDOW`] bytes are queued per connection-direction; beyond
//!   that the proxy stops reading from the sender, which in turn sees its writes block.
//!   (Like a TCP window, this caps one connection at `WINDOW / (rtt / 2)` even on a
//!   fast long link; irrelevant for the profiles here, whose bandwidth-delay product is
//!   a few KiB.)
//!
//! Faults: [`Link::cut_all`], [`Link::cut_after`] and [`Link::set_down`] end connections
//! with a TCP reset on both sides (the proxy closes its sockets with `SO_LINGER = 0`).
//! A real dropped Wi-Fi would rather show up as silence until a timeout; tests that need
//! that can stop reading instead. An I/O error on either side of a connection (say the
//! server resets it) is passed on as a reset to the other side at once, without waiting
//! for the queued bytes.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, sleep_until};

/// Largest chunk forwarded at once: about one TCP segment on a 1500-byte MTU.
pub const CHUNK: usize = 1400;
/// Bytes that may be queued per connection-direction before the proxy stops reading.
pub const WINDOW: usize = 64 * 1024;
/// `budget` value meaning "no cut_after pending".
const NO_BUDGET: u64 = u64::MAX;

/// What a link does to the bytes crossing it (see the crate doc for the exact model).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkProfile {
    pub name: &'static str,
    /// Bandwidth of each direction, independently. `0` and `u64::MAX` mean unlimited.
    pub rate_bits_per_sec: u64,
    /// Round trip; each direction adds `rtt / 2` of one-way latency to every byte.
    pub rtt: Duration,
    /// 0.0..=1.0: per chunk probability of a one-`rtt` stall (a TCP retransmission).
    pub loss: f64,
}

impl LinkProfile {
    /// Inmarsat BGAN terminal: 64 kbit/s, 800 ms round trip, 2 % loss.
    pub fn satellite() -> Self {
        Self {
            name: "BGAN satellite",
            rate_bits_per_sec: 64_000,
            rtt: Duration::from_millis(800),
            loss: 0.02,
        }
    }
    /// Shared Wi-Fi at a field camp: 2 Mbit/s, 40 ms round trip, 0.5 % loss.
    pub fn camp_wifi() -> Self {
        Self {
            name: "camp Wi-Fi",
            rate_bits_per_sec: 2_000_000,
            rtt: Duration::from_millis(40),
            loss: 0.005,
        }
    }
    /// No shaping at all, for baselines (the proxy still counts bytes and can cut).
    pub fn loopback() -> Self {
        Self {
            name: "loopback",
            rate_bits_per_sec: u64::MAX,
            rtt: Duration::ZERO,
            loss: 0.0,
        }
    }

    fn unlimited(&self) -> bool {
        self.rate_bits_per_sec == 0 || self.rate_bits_per_sec == u64::MAX
    }

    /// How long `bytes` occupy one direction of the link.
    fn transmission_time(&self, bytes: usize) -> Duration {
        let nanos = bytes as u128 * 8 * 1_000_000_000 / u128::from(self.rate_bits_per_sec.max(1));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// Which way bytes cross the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server (tablet to hub).
    Up,
    /// Server to client (hub to tablet).
    Down,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::Up => 0,
            Direction::Down => 1,
        }
    }
}

/// Payload bytes forwarded (delivered to the receiving side) since start or the last reset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Client to server.
    pub bytes_up: u64,
    /// Server to client.
    pub bytes_down: u64,
    /// Connections accepted and forwarded (not those refused while down).
    pub connections: u64,
}

/// State shared by the accept loop, every connection task and the [`Link`] handle.
struct Shared {
    upstream: SocketAddr,
    profile: LinkProfile,
    seed: u64,
    bytes: [AtomicU64; 2],
    connections: AtomicU64,
    down: AtomicBool,
    /// Cuts close both sockets (FIN) instead of resetting them (RST): each end
    /// then still reads every byte that reached it before seeing the stream
    /// end early, as when a dead link is finally noticed.
    graceful_cuts: AtomicBool,
    /// Bytes still allowed per direction before `cut_after` fires, or `NO_BUDGET`.
    budget: [AtomicU64; 2],
    /// When each direction of the link is next free to start sending a chunk.
    next_free: [Mutex<Instant>; 2],
    /// Bumped to cut every open connection; each connection task watches it.
    cut: watch::Sender<u64>,
}

impl Shared {
    fn cut_all(&self) {
        self.cut
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// Sends `len` bytes over the shared direction: waits for its turn and the transmission
    /// time, and returns the instant the last bit left (the start of the propagation delay).
    async fn transmit(&self, dir: Direction, len: usize) -> Instant {
        if self.profile.unlimited() {
            return Instant::now();
        }
        // A std mutex held for a few instructions only; the turn is reserved, then awaited.
        let done = {
            let mut next = self.next_free[dir.index()]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *next = (*next).max(Instant::now()) + self.profile.transmission_time(len);
            *next
        };
        sleep_until(done).await;
        done
    }

    /// Takes up to `len` bytes from the `cut_after` budget of `dir`: returns how many bytes
    /// may be delivered and whether the budget ran out (then the link must be cut).
    fn take_budget(&self, dir: Direction, len: usize) -> (usize, bool) {
        let len64 = len as u64;
        let mut outcome = (len, false);
        let _ = self.budget[dir.index()].fetch_update(SeqCst, SeqCst, |left| {
            if left == NO_BUDGET {
                outcome = (len, false);
                return None;
            }
            let allowed = left.min(len64);
            // One-shot: once spent, later traffic is not limited any more.
            let exhausted = allowed == left;
            outcome = (allowed as usize, exhausted);
            Some(if exhausted { NO_BUDGET } else { left - allowed })
        });
        outcome
    }

    /// Reproducible loss draws per connection-direction, independent of task scheduling.
    fn rng(&self, connection: u64, dir: Direction) -> StdRng {
        let stream = connection
            .wrapping_mul(2)
            .wrapping_add(dir.index() as u64 + 1);
        StdRng::seed_from_u64(self.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
}

/// A running proxy. Dropping it stops it too (from within the runtime's lifetime).
pub struct Link {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// Dropping this stops the accept loop, which then resets every connection.
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("addr", &self.addr)
            .field("profile", &self.shared.profile.name)
            .finish()
    }
}

impl Link {
    /// Binds 127.0.0.1:0, forwards every accepted connection to `upstream`, shaping both
    /// directions by `profile`. Must be called inside a tokio runtime (with time and IO
    /// enabled); the proxy runs as tasks on that runtime. `seed` drives the loss draws.
    pub async fn start(
        upstream: SocketAddr,
        mut profile: LinkProfile,
        seed: u64,
    ) -> io::Result<Link> {
        // `random_bool` panics outside 0..=1; NaN means "no loss".
        profile.loss = if profile.loss.is_nan() {
            0.0
        } else {
            profile.loss.clamp(0.0, 1.0)
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let now = Instant::now();
        let shared = Arc::new(Shared {
            upstream,
            profile,
            seed,
            bytes: [AtomicU64::new(0), AtomicU64::new(0)],
            connections: AtomicU64::new(0),
            down: AtomicBool::new(false),
            graceful_cuts: AtomicBool::new(false),
            budget: [AtomicU64::new(NO_BUDGET), AtomicU64::new(NO_BUDGET)],
            next_free: [Mutex::new(now), Mutex::new(now)],
            cut: watch::channel(0).0,
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stopped));
        Ok(Link {
            addr,
            shared,
            stop,
            task,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for HTTP clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes that actually crossed (were delivered), both directions, since start or reset.
    pub fn stats(&self) -> LinkStats {
        LinkStats {
            bytes_up: self.shared.bytes[0].load(SeqCst),
            bytes_down: self.shared.bytes[1].load(SeqCst),
            connections: self.shared.connections.load(SeqCst),
        }
    }

    pub fn reset_stats(&self) {
        self.shared.bytes.iter().for_each(|b| b.store(0, SeqCst));
        self.shared.connections.store(0, SeqCst);
    }

    /// Cut every open connection abruptly (both sides see a reset) — the Wi-Fi drops.
    /// New connections are accepted again right away.
    pub fn cut_all(&self) {
        self.shared.cut_all();
    }

    /// Cut the connection(s) once `n` more bytes have crossed in `direction` (counted from
    /// now, over all connections), mid-stream: exactly `n` bytes are delivered, then every
    /// open connection is reset, like the link dropping. One-shot; `n == 0` cuts now.
    pub fn cut_after(&self, direction: Direction, n: u64) {
        if n == 0 {
            self.shared.budget[direction.index()].store(NO_BUDGET, SeqCst);
            self.shared.cut_all();
        } else {
            // n == u64::MAX would read as "no budget"; nobody sends that much through a test.
            self.shared.budget[direction.index()].store(n.min(NO_BUDGET - 1), SeqCst);
        }
    }

    /// Whether cuts end connections with a close (FIN: the ends keep what
    /// reached them) rather than a reset (RST: unread bytes are discarded by
    /// the receiving kernel). Resets are the default.
    pub fn set_graceful_cuts(&self, graceful: bool) {
        self.shared.graceful_cuts.store(graceful, SeqCst);
    }

    /// While down, new connections are reset right after accept and open ones are cut.
    pub fn set_down(&self, down: bool) {
        // Store before cutting: a connection that subscribes to cuts after this point sees
        // the flag, one that subscribed before sees the cut.
        self.shared.down.store(down, SeqCst);
        if down {
            self.shared.cut_all();
        }
    }

    /// Stops listening and resets every open connection; returns once they are closed.
    pub async fn shutdown(self) {
        drop(self.stop);
        // The accept task never panics; a JoinError here could only be a runtime shutdown.
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) if shared.down.load(SeqCst) => {
                    let _ = socket.set_zero_linger();
                }
                Ok((socket, _)) => {
                    shared.connections.fetch_add(1, SeqCst);
                    connections.spawn(connection(Arc::clone(&shared), socket, next_id));
                    next_id += 1;
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Aborting drops each connection's sockets, which resets them (see ResetOnDrop).
    connections.shutdown().await;
}

/// Owns a socket and resets it when dropped (SO_LINGER 0, so close sends RST) unless the
/// connection ended cleanly. A cut, an error, or an aborted task all end up here.
struct ResetOnDrop {
    stream: TcpStream,
    reset: bool,
}

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        if self.reset {
            let _ = self.stream.set_zero_linger();
        }
    }
}

async fn connection(shared: Arc<Shared>, client: TcpStream, id: u64) {
    let mut cut = shared.cut.subscribe();
    let mut client = ResetOnDrop {
        stream: client,
        reset: true,
    };
    if shared.down.load(SeqCst) {
        return;
    }
    let upstream = tokio::select! {
        connected = TcpStream::connect(shared.upstream) => connected,
        _ = cut.changed() => return,
    };
    // Upstream unreachable: the client sees a reset, as through a real relay.
    let Ok(upstream) = upstream else { return };
    let mut upstream = ResetOnDrop {
        stream: upstream,
        reset: true,
    };
    // Small writes must not wait for Nagle: the profile alone decides the latency.
    let _ = client.stream.set_nodelay(true);
    let _ = upstream.stream.set_nodelay(true);
    let clean = {
        let (client_read, client_write) = client.stream.split();
        let (upstream_read, upstream_write) = upstream.stream.split();
        let up = pipe(&shared, Direction::Up, id, client_read, upstream_write);
        let down = pipe(&shared, Direction::Down, id, upstream_read, client_write);
        tokio::select! {
            both = async { tokio::try_join!(up, down) } => both.is_ok(),
            _ = cut.changed() => false,
        }
    };
    let reset = !clean && !shared.graceful_cuts.load(SeqCst);
    client.reset = reset;
    upstream.reset = reset;
}

/// Forwards one direction of one connection until end of stream: a reader paced by the
/// shared link, and a writer delivering each chunk at its `deliver_at`, joined by a FIFO.
/// An empty chunk marks end of stream. Any error ends the whole connection (with resets).
async fn pipe(
    shared: &Shared,
    dir: Direction,
    connection: u64,
    mut src: ReadHalf<'_>,
    mut dst: WriteHalf<'_>,
) -> io::Result<()> {
    // Seeded per connection and direction, so a run replays exactly.
    let mut rng = shared.rng(connection, dir);
    let (queue, mut delivery) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    // Bounds the queue in bytes (the channel itself is unbounded).
    let window = Semaphore::new(WINDOW);
    let half_rtt = shared.profile.rtt / 2;
    let reader = async {
        loop {
            // Reserve room for a full chunk before reading, give back what the read did not use.
            window
                .acquire_many(CHUNK as u32)
                .await
                .map_err(io::Error::other)?
                .forget();
            let mut chunk = vec![0u8; CHUNK];
            let n = src.read(&mut chunk).await?;
            window.add_permits(CHUNK - n);
            chunk.truncate(n);
            let left = if n == 0 {
                Instant::now()
            } else {
                shared.transmit(dir, n).await
            };
            let mut deliver_at = left + half_rtt;
            if n > 0 && rng.random_bool(shared.profile.loss) {
                deliver_at += shared.profile.rtt;
            }
            // The writer only goes away after an error, which ends the connection anyway.
            if queue.send((deliver_at, chunk)).is_err() || n == 0 {
                return Ok::<(), io::Error>(());
            }
        }
    };
    let writer = async {
        while let Some((deliver_at, chunk)) = delivery.recv().await {
            if deliver_at > Instant::now() {
                sleep_until(deliver_at).await;
            }
            if chunk.is_empty() {
                // Half-close: the peer may already be gone, and then there is nobody to tell.
                let _ = dst.shutdown().await;
                return Ok(());
            }
            let (allowed, exhausted) = shared.take_budget(dir, chunk.len());
            dst.write_all(&chunk[..allowed]).await?;
            shared.bytes[dir.index()].fetch_add(allowed as u64, SeqCst);
            window.add_permits(chunk.len());
            if exhausted {
                shared.cut_all();
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "cut_after: budget reached",
                ));
            }
        }
        Ok(())
    };
    tokio::try_join!(reader, writer).map(|_| ())
}
