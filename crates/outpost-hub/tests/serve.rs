//! The `outpost-hub` binary: it makes its own mission authority and serves
//! HTTPS by default, and will not serve in clear unless told in so many words.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use outpost_report::Lang;
use outpost_report::time::{Clock, SystemClock};
use outpost_store::Store;

const PASSPHRASE: &str = "hub test passphrase";

fn hub(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outpost-hub"));
    cmd.args(args)
        .env("OUTPOST_PASSPHRASE", PASSPHRASE)
        .env_remove("OUTPOST_PASSPHRASE_FILE");
    cmd
}

fn run(args: &[&str]) -> Output {
    hub(args).output().expect("outpost-hub runs")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port()
}

/// `outpost-hub serve` on `port`, once it says it is listening.
fn serve(data: &Path, port: u16) -> (Child, String) {
    let mut child = hub(&["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("serving") => return (child, line),
            Some(_) => continue,
            None => panic!("the hub exited before listening"),
        }
    }
}

#[test]
fn a_hub_without_a_certificate_refuses_to_serve_in_clear() {
    let data = tempfile::tempdir().expect("dir");
    let port = free_port();
    let out = hub(&["serve", "--data"])
        .arg(data.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .output()
        .expect("runs");
    assert!(!out.status.success(), "no certificate, no service");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("init-tls"),
        "and it says what to do: {stderr}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_tls_makes_an_authority_once_and_the_hub_serves_https_with_it() {
    let data = tempfile::tempdir().expect("dir");
    let made = run(&[
        "init-tls",
        "--data",
        &data.path().to_string_lossy(),
        "--name",
        "localhost",
        "--name",
        "127.0.0.1",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let tls = data.path().join("tls");
    use std::os::unix::fs::PermissionsExt;
    for key in ["mission-ca.key", "hub.key"] {
        let mode = std::fs::metadata(tls.join(key))
            .expect(key)
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{key} is readable by its owner only");
    }
    let ca_pem = std::fs::read_to_string(tls.join("mission-ca.pem")).expect("the authority");
    let again = run(&[
        "init-tls",
        "--data",
        &data.path().to_string_lossy(),
        "--name",
        "x",
    ]);
    assert!(!again.status.success(), "an authority is never replaced");
    assert_eq!(
        std::fs::read_to_string(tls.join("mission-ca.pem")).expect("still there"),
        ca_pem
    );

    // The operator's enrolment card: the code with the authority's
    // fingerprint, which the device checks what the hub hands it against.
    let made = run(&[
        "enrol",
        "--data",
        &data.path().to_string_lossy(),
        "--unit",
        "BATGAO-1",
        "--sector",
        "East",
        "--clearance",
        "CONFIDENTIAL",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let said = String::from_utf8_lossy(&made.stderr).to_string();
    let card = said
        .split_whitespace()
        .find(|w| w.starts_with(outpost_sync::trust::CARD_PREFIX))
        .unwrap_or_else(|| panic!("a card in {said}"))
        .to_string();
    let card = outpost_sync::trust::EnrolmentCard::read(&card);
    assert_eq!(
        card.fingerprint
            .as_deref()
            .and_then(outpost_sync::trust::parse_fingerprint),
        outpost_sync::trust::fingerprint_of_pem(&ca_pem)
            .as_deref()
            .and_then(outpost_sync::trust::parse_fingerprint),
        "the card carries the authority's fingerprint"
    );
    let code = card.code.as_str();
    let port = free_port();
    let (mut child, said) = serve(data.path(), port);
    assert!(said.contains("https://"), "HTTPS by default: {said}");
    let device = tempfile::tempdir().expect("dir");
    let mut store = Store::unlock(
        device.path(),
        &outpost_store::Passphrase::new(PASSPHRASE),
        SystemClock.now(),
    )
    .expect("device store");
    let url = format!("https://localhost:{port}");
    // A fingerprint that is not the mission's: nothing is trusted, nothing sent.
    let mut wrong = card.fingerprint.clone().expect("a fingerprint");
    wrong.replace_range(0..2, if wrong.starts_with("00") { "11" } else { "00" });
    let refused = outpost_sync::trust::trust_for(
        &url,
        outpost_sync::trust::Given {
            fingerprint: Some(wrong),
            ..Default::default()
        },
        Lang::En,
    )
    .await
    .expect_err("another fingerprint");
    assert_eq!(refused.code(), "sync.ca_fingerprint");
    // A device will not talk to the hub in clear unless told in so many words.
    let refused = outpost_sync::http::HubClient::new(
        &format!("http://127.0.0.1:{port}"),
        None,
        Lang::Fr,
        &outpost_sync::http::HubTrust::System,
    )
    .map(|_| ())
    .expect_err("an http:// address");
    assert_eq!(refused.code(), "sync.insecure_hub");
    assert!(refused.localised(Lang::Fr).1.contains("HTTPS"));

    let trust = outpost_sync::trust::trust_for(
        &url,
        outpost_sync::trust::Given {
            fingerprint: card.fingerprint.clone(),
            ..Default::default()
        },
        Lang::En,
    )
    .await
    .expect("the authority with the card's fingerprint");
    assert_eq!(trust, outpost_sync::http::HubTrust::Pinned(ca_pem.clone()));
    let record = outpost_sync::http::enrol(&mut store, &url, code, "tablet", Lang::En, trust)
        .await
        .expect("enrols with the mission's authority");
    outpost_sync::http::sync(
        &mut store,
        &record,
        &outpost_sync::LinkBudget::wifi(),
        Lang::En,
    )
    .await
    .expect("syncs over HTTPS");
    let plain = outpost_sync::http::HubClient::new(
        &format!("http://127.0.0.1:{port}"),
        None,
        Lang::En,
        &outpost_sync::http::HubTrust::InsecureHttp,
    )
    .expect("client")
    .exchange(&outpost_sync::protocol::SyncRequest {
        version: outpost_sync::protocol::VERSION,
        request_id: [1; 16],
        since: 0,
        docs: Vec::new(),
        need_full: Vec::new(),
        vouchers: Vec::new(),
    })
    .await;
    assert!(plain.is_err(), "nothing is answered in clear");
    child.kill().expect("stop");
    let _ = child.wait();
}

#[test]
fn the_hubs_passphrase_file_must_be_private_and_right() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::tempdir().expect("dir");
    let data_arg = data.path().to_string_lossy().to_string();
    // Set up with the passphrase from the environment.
    let made = run(&["status", "--data", &data_arg]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let secrets = tempfile::tempdir().expect("dir");
    let file = secrets.path().join("passphrase");
    let with_file = |file: &Path| {
        hub(&["status", "--data", &data_arg, "--passphrase-file"])
            .arg(file)
            .env_remove("OUTPOST_PASSPHRASE")
            .output()
            .expect("runs")
    };
    std::fs::write(&file, format!("{PASSPHRASE}\n")).expect("written");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = with_file(&file);
    assert!(
        !out.status.success(),
        "a passphrase others may read is not used"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("make it 0600"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = with_file(&file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(&file, "not the passphrase\n").expect("written");
    let out = with_file(&file);
    assert!(!out.status.success(), "a wrong passphrase opens nothing");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("wrong passphrase"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "nothing of the store is shown");
}
