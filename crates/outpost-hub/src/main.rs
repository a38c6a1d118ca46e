//! `outpost-hub`: run a hub, enrol devices, revoke them, see who synced.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use outpost_hub::{HubSettings, launch};
use outpost_report::Classification;
use outpost_report::time::{Clock, SystemClock};
use outpost_store::{DataKey, Grant, Passphrase, Store};
use outpost_sync::{LinkBudget, Role};

#[derive(Debug, Parser)]
#[command(
    name = "outpost-hub",
    version,
    about = "The Outpost hub: serves sync to field devices and syncs upstream"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

/// How the hub's store is unlocked: a passphrase in a file only its owner
/// can read, or in the environment.
#[derive(Debug, clap::Args)]
struct Unlock {
    /// A file (mode 0600) whose first line is the store's passphrase;
    /// without it, `OUTPOST_PASSPHRASE` is used. The first start sets the
    /// passphrase up.
    #[arg(long, env = "OUTPOST_PASSPHRASE_FILE")]
    passphrase_file: Option<PathBuf>,
}

impl Unlock {
    fn open(&self, data: &std::path::Path) -> Result<Store> {
        let key = self.key(data)?;
        Ok(Store::open(data, &key, SystemClock.now())?)
    }

    fn key(&self, data: &std::path::Path) -> Result<DataKey> {
        let passphrase = match (&self.passphrase_file, std::env::var("OUTPOST_PASSPHRASE")) {
            (Some(file), _) => Passphrase::from_file(file)?,
            (None, Ok(text)) => Passphrase::new(text),
            (None, Err(_)) => anyhow::bail!(
                "the hub's store is encrypted: give its passphrase with --passphrase-file FILE \
                 (mode 0600) or OUTPOST_PASSPHRASE"
            ),
        };
        outpost_store::unlock(data, &passphrase, SystemClock.now())
            .with_context(|| format!("unlocking the store in {}", data.display()))
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve devices on ADDR (e.g. 0.0.0.0:7878) until interrupted.
    Serve {
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        unlock: Unlock,
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: String,
        /// The next hub up; this hub must be enrolled there first
        /// (`outpost --data DIR enrol --hub URL --code CODE`).
        #[arg(long)]
        upstream: Option<String>,
        /// Seconds between upstream syncs when nothing triggers one sooner.
        #[arg(long, default_value_t = 60)]
        upstream_every: u64,
        /// What the upstream link may carry: wifi, satellite or documents.
        #[arg(long, default_value = "wifi")]
        upstream_budget: LinkBudget,
        /// Serve HTTPS with this certificate chain (PEM)… (default: the
        /// hub's own from `init-tls`, in DATA/tls/)
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// …and this private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP: everything, enrolment codes and credentials
        /// included, crosses the network readable by anyone on it. For tests
        /// on loopback only.
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        insecure_http: bool,
    },
    /// Make the mission's certificate authority and this hub's certificate
    /// (in DATA/tls/), so that it serves HTTPS; devices enrol with the
    /// authority's certificate (`outpost enrol --ca-cert DATA/tls/mission-ca.pem`).
    InitTls {
        #[arg(long)]
        data: PathBuf,
        /// A host name or IP address devices reach this hub by (repeat for several).
        #[arg(long = "name", required = true)]
        names: Vec<String>,
    },
    /// Make a one-time code that enrols one device with this hub.
    Enrol {
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        unlock: Unlock,
        #[arg(long)]
        unit: String,
        #[arg(long, default_value = "")]
        sector: String,
        /// field (a tablet), hq (headquarters) or hub (a hub below this one).
        #[arg(long, default_value = "field")]
        role: Role,
        /// UNCLASSIFIED, CONFIDENTIAL or STRICTLY CONFIDENTIAL.
        #[arg(long)]
        clearance: Classification,
        /// How long the code stays valid.
        #[arg(long, default_value_t = 72)]
        valid_hours: i64,
    },
    /// End a device's access at once.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        unlock: Unlock,
        device: String,
    },
    /// Devices enrolled here, when each last synced, and what each is missing.
    Status {
        #[arg(long)]
        data: PathBuf,
        #[command(flatten)]
        unlock: Unlock,
    },
}

/// Codes are typed on tablets with gloves: no 0/O, 1/I/L confusions.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let chars: Vec<char> = (0..12)
        .map(|_| CODE_ALPHABET[rand::random_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn main() -> Result<()> {
    // Everything a hub writes (its store, certificates and keys) is
    // readable by its owner only.
    // SAFETY: called once at start, before the runtime's threads exist.
    unsafe {
        libc::umask(0o077);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(run(Args::parse()))
}

async fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Serve {
            data,
            unlock,
            listen,
            upstream,
            upstream_every,
            upstream_budget,
            tls_cert,
            tls_key,
            insecure_http,
        } => {
            // HTTPS unless told otherwise in so many words.
            let own = outpost_hub::tls::default_files(&data);
            let tls = match (tls_cert.zip(tls_key), insecure_http) {
                (Some((cert, key)), _) => Some(outpost_hub::tls::TlsFiles { cert, key }),
                (None, true) => None,
                (None, false) if own.cert.exists() && own.key.exists() => Some(own),
                (None, false) => anyhow::bail!(
                    "this hub has no certificate, and will not serve enrolment codes, \
                     credentials and reports in clear: run `outpost-hub init-tls --data {} \
                     --name HOST` first (or give --tls-cert and --tls-key; --insecure-http \
                     is for tests on loopback only)",
                    data.display()
                ),
            };
            let key = unlock.key(&data)?;
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            eprintln!(
                "outpost-hub serving {} on {}://{}",
                data.display(),
                if tls.is_some() { "https" } else { "http" },
                listener.local_addr()?
            );
            let mut settings = HubSettings::new(data, key);
            settings.upstream = upstream;
            settings.upstream_every = Duration::from_secs(upstream_every.max(1));
            settings.upstream_budget = upstream_budget;
            settings.tls = tls;
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            launch(settings, listener, shutdown).await?;
        }
        Command::InitTls { data, names } => {
            let made = outpost_hub::tls::init(&data, &names)?;
            println!("{}", made.ca_cert.display());
            eprintln!(
                "mission certificate authority {} (SHA-256 {}); hub certificate {} for {}.\n\
                 Devices enrol with --ca-cert {}. Move {} off this machine once every hub \
                 certificate is made: whoever holds it can vouch for a hub of the mission.",
                made.ca_cert.display(),
                made.fingerprint,
                made.hub.cert.display(),
                names.join(", "),
                made.ca_cert.display(),
                made.ca_key.display(),
            );
        }
        Command::Enrol {
            data,
            unlock,
            unit,
            sector,
            role,
            clearance,
            valid_hours,
        } => {
            let mut store = unlock.open(&data)?;
            let code = new_code();
            let grant = Grant {
                unit,
                sector,
                role: role.as_str().into(),
                clearance: clearance.as_str().into(),
            };
            store.add_enrolment_code(&code, &grant, SystemClock.now(), valid_hours * 3_600_000)?;
            println!("{code}");
            eprintln!(
                "one-time code for a {} device of {} ({}), cleared {}; valid {valid_hours} h",
                grant.role, grant.unit, grant.sector, grant.clearance
            );
            // The device pins the mission authority from its fingerprint,
            // given with the code (read out, or as the QR payload below).
            let authority = std::fs::read_to_string(outpost_hub::tls::mission_ca_file(&data))
                .ok()
                .and_then(|pem| outpost_sync::trust::fingerprint_of_pem(&pem));
            match authority {
                Some(fingerprint) => eprintln!(
                    "mission authority SHA-256 {fingerprint}\n\
                     on the device, code and authority in one (type it, or show it as a QR code):\n  {}",
                    outpost_sync::trust::EnrolmentCard::line(&code, &fingerprint)
                ),
                None => eprintln!(
                    "this hub has no mission authority in {}: give devices the certificate that signed its own",
                    outpost_hub::tls::mission_ca_file(&data).display()
                ),
            }
        }
        Command::Revoke {
            data,
            unlock,
            device,
        } => {
            let mut store = unlock.open(&data)?;
            if !store.revoke_device(&device, SystemClock.now())? {
                anyhow::bail!("no device {device} is enrolled with this hub");
            }
            eprintln!("device {device} revoked: its next request is refused");
        }
        Command::Status { data, unlock } => {
            let store = unlock.open(&data)?;
            let status =
                outpost_hub::upstream::status_json(&store, &store.device_id().to_string())?;
            println!("{}", serde_json::to_string_pretty(&status)?);
        }
    }
    Ok(())
}
