//! The store's data key: a random 256-bit key that encrypts the database
//! (SQLCipher) and seals every file of the store (XChaCha20-Poly1305). It is
//! never written in clear: `outpost.key` holds it wrapped by a key derived
//! from the user's passphrase or PIN with Argon2id.
//!
//! Wiping destroys that file first: without it the rest of the folder is
//! random bytes, so a wipe interrupted half way reveals nothing either.
//!
//! A copy of `outpost.key` can be attacked offline at the cost of one Argon2id
//! derivation per guess; the slowdown after wrong attempts below only holds
//! against someone using the device's own screen or command line. A short
//! PIN therefore protects against a casual finder, a long passphrase against
//! a determined one (see `docs/at-rest.md`).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use outpost_report::Timestamp;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::private_files::{self, private_dir};

/// The file, in the store's folder, that holds the wrapped data key.
pub const KEY_FILE: &str = "outpost.key";

/// The shortest passphrase accepted when a store is set up: a six-digit PIN.
pub const MIN_PASSPHRASE_CHARS: usize = 6;

/// Wrong attempts allowed before each further one must wait.
const FREE_ATTEMPTS: u32 = 5;
/// The first wait after the free attempts; it doubles with each failure.
const FIRST_WAIT_MS: i64 = 30_000;
/// The longest wait between two attempts.
const LONGEST_WAIT_MS: i64 = 15 * 60_000;

/// Magic at the start of every sealed file, with the format's version.
const SEALED_MAGIC: &[u8; 4] = b"OPS1";
const NONCE_LEN: usize = 24;

/// The 256-bit key that encrypts one store. Zeroed when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

/// What the user types to unlock a store. Zeroed when dropped.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Passphrase {
        Passphrase(Zeroizing::new(text.into()))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The passphrase kept in a file (a hub's, given at start): its first
    /// line. The file must be readable by its owner only (mode 0600 or
    /// stricter); one others may read is refused, not used.
    pub fn from_file(path: &Path) -> Result<Passphrase> {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(StoreError::PassphraseFileOpen {
                path: path.to_path_buf(),
                mode,
            });
        }
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?);
        Ok(Passphrase::new(text.lines().next().unwrap_or("")))
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

impl DataKey {
    fn generate() -> DataKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(key.as_mut());
        DataKey(key)
    }

    /// The key in the form SQLCipher takes a raw key (no second derivation).
    pub(crate) fn sqlcipher_key(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }

    /// Encrypts `plain` for a file; `label` (what the file is, e.g. its
    /// name) is bound to it, so one sealed file cannot stand in for another.
    pub(crate) fn seal(&self, label: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: label,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length a file has");
        let mut out = Vec::with_capacity(SEALED_MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(SEALED_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plain bytes of a sealed file, or `None` if it was not sealed by
    /// this key under `label` (damaged, swapped, or never sealed).
    pub(crate) fn open(&self, label: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let body = sealed.strip_prefix(SEALED_MAGIC)?;
        if body.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        XChaCha20Poly1305::new(self.0.as_ref().into())
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: label,
                },
            )
            .ok()
    }
}

/// Whether `bytes` start like a file sealed by [`DataKey::seal`].
pub(crate) fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(SEALED_MAGIC)
}

/// `outpost.key` as stored.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    /// Argon2id cost, kept with the key so that a later release may raise
    /// the cost of new stores and still open old ones.
    memory_kib: u32,
    iterations: u32,
    lanes: u32,
    salt: String,
    nonce: String,
    wrapped: String,
    /// Wrong attempts since the last right one, and when the last was made.
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    last_failure_ms: i64,
}

const WRAP_LABEL: &[u8] = b"outpost data key v1";

fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

/// Whether the store in `dir` has a key (is set up and not wiped).
pub fn has_key(dir: &Path) -> bool {
    key_path(dir).exists()
}

/// The data key of the store in `dir`, unwrapped with `passphrase`. A folder
/// without a key gets a new one, wrapped with this passphrase: that is how a
/// store is set up.
///
/// A wrong passphrase is counted; after a few, each attempt must wait
/// longer ([`StoreError::UnlockDelayed`]).
pub fn unlock(dir: &Path, passphrase: &Passphrase, now: Timestamp) -> Result<DataKey> {
    let path = key_path(dir);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return set_up(dir, passphrase, now);
        }
        Err(e) => return Err(StoreError::io(&path, e)),
    };
    let mut file: KeyFile =
        serde_json::from_slice(&text).map_err(|_| StoreError::KeyDamaged { path: path.clone() })?;
    if file.failures >= FREE_ATTEMPTS {
        let wait = wait_after(file.failures);
        let next = file.last_failure_ms.saturating_add(wait);
        if now.as_millis() < next {
            return Err(StoreError::UnlockDelayed {
                seconds: ((next - now.as_millis()) as u64).div_ceil(1000),
            });
        }
    }
    match unwrap(&file, passphrase, &path)? {
        Some(key) => {
            if file.failures > 0 {
                file.failures = 0;
                file.last_failure_ms = 0;
                write_key_file(dir, &file)?;
            }
            Ok(key)
        }
        None => {
            file.failures = file.failures.saturating_add(1);
            file.last_failure_ms = now.as_millis();
            write_key_file(dir, &file)?;
            Err(StoreError::WrongPassphrase {
                attempts_left: FREE_ATTEMPTS.saturating_sub(file.failures),
            })
        }
    }
}

/// How long to wait after `failures` wrong attempts.
fn wait_after(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(FREE_ATTEMPTS).min(10);
    (FIRST_WAIT_MS << doublings).min(LONGEST_WAIT_MS)
}

/// Wraps the key of the store in `dir` with a new passphrase (the old one
/// must be right).
pub fn change_passphrase(
    dir: &Path,
    old: &Passphrase,
    new: &Passphrase,
    now: Timestamp,
) -> Result<()> {
    let key = unlock(dir, old, now)?;
    check_length(new)?;
    write_key_file(dir, &wrap(&key, new)?)
}

fn set_up(dir: &Path, passphrase: &Passphrase, now: Timestamp) -> Result<DataKey> {
    check_length(passphrase)?;
    if dir.join(crate::DATABASE_FILE).exists() && database_is_encrypted(dir)? {
        // An encrypted database without its key file: the key was wiped (or
        // the file lost). A new key would not open it; say so.
        return Err(StoreError::KeyMissing {
            path: key_path(dir),
        });
    }
    private_dir(dir)?;
    let key = DataKey::generate();
    let bytes =
        serde_json::to_vec_pretty(&wrap(&key, passphrase)?).expect("the key file serialises");
    let path = key_path(dir);
    let tmp = dir.join(format!("{KEY_FILE}.new-{:016x}", rand::random::<u64>()));
    let placed = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        // A link never replaces: of two programs setting up the same store
        // at once, one key wins and the other program uses it.
        let linked = fs::hard_link(&tmp, &path);
        fs::remove_file(&tmp)?;
        linked?;
        File::open(dir)?.sync_all()
    })();
    match placed {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(&tmp);
            unlock(dir, passphrase, now)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(StoreError::io(&path, e))
        }
    }
}

fn check_length(passphrase: &Passphrase) -> Result<()> {
    if passphrase.0.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(StoreError::PassphraseTooShort {
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}

fn argon2(memory_kib: u32, iterations: u32, lanes: u32) -> Result<Argon2<'static>> {
    let params = Params::new(memory_kib, iterations, lanes, Some(32)).map_err(|_| {
        StoreError::KeyDamaged {
            path: PathBuf::from(KEY_FILE),
        }
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn wrapping_key(
    passphrase: &Passphrase,
    salt: &[u8],
    memory_kib: u32,
    iterations: u32,
    lanes: u32,
) -> Result<DataKey> {
    let mut out = Zeroizing::new([0u8; 32]);
    argon2(memory_kib, iterations, lanes)?
        .hash_password_into(passphrase.bytes(), salt, out.as_mut())
        .map_err(|_| StoreError::KeyDamaged {
            path: PathBuf::from(KEY_FILE),
        })?;
    Ok(DataKey(out))
}

fn wrap(key: &DataKey, passphrase: &Passphrase) -> Result<KeyFile> {
    let params = Params::DEFAULT_M_COST;
    let (memory_kib, iterations, lanes) = (params, Params::DEFAULT_T_COST, Params::DEFAULT_P_COST);
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let wrapper = wrapping_key(passphrase, &salt, memory_kib, iterations, lanes)?;
    let sealed = wrapper.seal(WRAP_LABEL, key.0.as_ref());
    let (nonce, wrapped) = sealed[SEALED_MAGIC.len()..].split_at(NONCE_LEN);
    Ok(KeyFile {
        version: 1,
        memory_kib,
        iterations,
        lanes,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        wrapped: hex::encode(wrapped),
        failures: 0,
        last_failure_ms: 0,
    })
}

/// The data key, or `None` when the passphrase is wrong.
fn unwrap(file: &KeyFile, passphrase: &Passphrase, path: &Path) -> Result<Option<DataKey>> {
    let damaged = || StoreError::KeyDamaged {
        path: path.to_path_buf(),
    };
    let salt = hex::decode(&file.salt).map_err(|_| damaged())?;
    let nonce = hex::decode(&file.nonce).map_err(|_| damaged())?;
    let wrapped = hex::decode(&file.wrapped).map_err(|_| damaged())?;
    if file.version != 1 || nonce.len() != NONCE_LEN {
        return Err(damaged());
    }
    let wrapper = wrapping_key(
        passphrase,
        &salt,
        file.memory_kib,
        file.iterations,
        file.lanes,
    )
    .map_err(|_| damaged())?;
    let mut sealed = SEALED_MAGIC.to_vec();
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&wrapped);
    let Some(plain) = wrapper.open(WRAP_LABEL, &sealed).map(Zeroizing::new) else {
        return Ok(None);
    };
    let key: [u8; 32] = plain.as_slice().try_into().map_err(|_| damaged())?;
    Ok(Some(DataKey(Zeroizing::new(key))))
}

fn write_key_file(dir: &Path, file: &KeyFile) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(file).expect("the key file serialises");
    let tmp = dir.join(format!("{KEY_FILE}.writing-{:016x}", rand::random::<u64>()));
    private_files::write(&tmp, &key_path(dir), &bytes)
}

/// Whether the database in `dir` is encrypted (does not start with SQLite's
/// plain header).
pub(crate) fn database_is_encrypted(dir: &Path) -> Result<bool> {
    Ok(!is_plain_sqlite(&dir.join(crate::DATABASE_FILE))?)
}

/// Whether `path` is a plain (unencrypted) SQLite database. An empty file
/// is neither: SQLite writes the header with the first page.
pub(crate) fn is_plain_sqlite(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let n = f.read(&mut header).map_err(|e| StoreError::io(path, e))?;
    Ok(n == 16 && &header == b"SQLite format 3\0")
}

/// Destroys the key of the store in `dir`, then the store: the key file is
/// overwritten with random bytes and synced before anything else is
/// removed, so the data is unreadable from the first step on.
pub fn wipe(dir: &Path) -> Result<()> {
    let path = key_path(dir);
    if let Ok(meta) = fs::metadata(&path) {
        let mut noise = vec![0u8; meta.len().max(512) as usize];
        rand::rng().fill_bytes(&mut noise);
        let overwritten = (|| {
            let mut f = OpenOptions::new().write(true).open(&path)?;
            f.write_all(&noise)?;
            f.sync_all()
        })();
        overwritten.map_err(|e| StoreError::io(&path, e))?;
        fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
        private_files::sync_dir(dir)?;
    }
    // Without the key the rest is noise; remove it so the space is freed and
    // the folder is ready for a new store.
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    for entry in entries.flatten() {
        let p = entry.path();
        let removed = if p.is_dir() {
            fs::remove_dir_all(&p)
        } else {
            fs::remove_file(&p)
        };
        removed.map_err(|e| StoreError::io(&p, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timestamp = Timestamp::from_millis(1_777_593_600_000);

    #[test]
    fn the_key_unwraps_with_its_passphrase_only_and_waits_after_wrong_ones() {
        let dir = tempfile::tempdir().unwrap();
        let right = Passphrase::new("correct horse");
        let key = unlock(dir.path(), &right, T).unwrap();
        let again = unlock(dir.path(), &right, T).unwrap();
        assert_eq!(key.0.as_ref(), again.0.as_ref(), "the same key each time");
        let text = fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
        assert!(
            !text.contains(&hex::encode(key.0.as_ref())),
            "never in clear"
        );

        let wrong = Passphrase::new("wrong horse");
        for left in (0..FREE_ATTEMPTS).rev() {
            match unlock(dir.path(), &wrong, T) {
                Err(StoreError::WrongPassphrase { attempts_left }) => {
                    assert_eq!(attempts_left, left)
                }
                other => panic!("a wrong passphrase is refused: {other:?}"),
            }
        }
        // Now even the right one waits…
        assert!(matches!(
            unlock(dir.path(), &right, T),
            Err(StoreError::UnlockDelayed { seconds: 30 })
        ));
        // …until the wait is over, and then it resets the count.
        let later = Timestamp::from_millis(T.as_millis() + FIRST_WAIT_MS);
        unlock(dir.path(), &right, later).unwrap();
        assert!(matches!(
            unlock(dir.path(), &wrong, later),
            Err(StoreError::WrongPassphrase { attempts_left: 4 })
        ));
    }

    #[test]
    fn sealed_files_open_under_their_own_label_and_key_only() {
        let key = DataKey::generate();
        let sealed = key.seal(b"a", b"the photo");
        assert_eq!(key.open(b"a", &sealed).unwrap(), b"the photo");
        assert!(key.open(b"b", &sealed).is_none(), "another label");
        assert!(
            DataKey::generate().open(b"a", &sealed).is_none(),
            "another key"
        );
        let mut bent = sealed.clone();
        *bent.last_mut().unwrap() ^= 1;
        assert!(key.open(b"a", &bent).is_none(), "a flipped bit");
    }

    #[test]
    fn a_short_passphrase_is_refused_when_setting_up() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            unlock(dir.path(), &Passphrase::new("12345"), T),
            Err(StoreError::PassphraseTooShort { min: 6 })
        ));
        assert!(!has_key(dir.path()));
    }

    #[test]
    fn waits_double_up_to_a_ceiling() {
        assert_eq!(wait_after(5), 30_000);
        assert_eq!(wait_after(6), 60_000);
        assert_eq!(wait_after(30), LONGEST_WAIT_MS);
    }
}
