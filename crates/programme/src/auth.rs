//! Account primitives: roles, password hashing with Argon2id (the RustCrypto
//! `argon2` crate, its default parameters, a random salt per hash, PHC
//! strings), random tokens for sessions, CSRF and API keys, and the hash
//! under which a token is stored (BLAKE2b: tokens are 256 random bits, so a
//! fast hash is enough; a stolen database yields no usable token).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use blake2::{Blake2b512, Digest};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (hashing cost is bounded).
pub const MAX_PASSWORD: usize = 1024;

/// Problems with credentials.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A password outside the accepted length.
    #[error("the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")]
    PasswordLength,
    /// Not an e-mail address.
    #[error("{0:?} is not an e-mail address")]
    Email(String),
    /// An unknown role name.
    #[error("unknown role {0:?} (roles: participant, auditor, admin)")]
    Role(String),
    /// The operating system gave no random bytes.
    #[error("no random bytes from the operating system: {0}")]
    Random(String),
    /// Hashing failed (parameters; not expected with the defaults).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// An organisation: applies, and once approved is a participant that
    /// sees its own reports and gives feedback on its incidents.
    Participant,
    /// The secretariat: reviews applications and feedback.
    Auditor,
    /// Everything an auditor may, and managing accounts.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`] (`applicant` is a participant's account
    /// before approval, so it is accepted for it).
    pub fn parse(s: &str) -> Result<Role, AuthError> {
        match s {
            "participant" | "applicant" => Ok(Role::Participant),
            "auditor" => Ok(Role::Auditor),
            "admin" => Ok(Role::Admin),
            _ => Err(AuthError::Role(s.to_string())),
        }
    }

    /// Whether it may review applications and feedback.
    pub fn reviews(self) -> bool {
        matches!(self, Role::Auditor | Role::Admin)
    }
}

/// Checks an e-mail address loosely (one `@`, a dot in the domain, no
/// spaces or controls, at most 254 bytes) and returns it lower-case.
pub fn normalise_email(email: &str) -> Result<String, AuthError> {
    let e = email.trim().to_ascii_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.contains('@') && !d.starts_with('.') && !d.ends_with('.'));
    if ok { Ok(e) } else { Err(AuthError::Email(email.to_string())) }
}

/// Hashes a password (Argon2id, default parameters, random salt) into a PHC
/// string.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(AuthError::PasswordLength);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Whether `password` matches a PHC string made by [`hash_password`]; a
/// malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD * 4 {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash to spend the same time on an unknown account as on a known one
/// (so response times do not tell which e-mail addresses have accounts).
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get_or_init(|| hash_password("not-a-real-password").ok()) {
        let _ = verify_password(password, h);
    }
}

/// 32 random bytes as 64 lower-case hex digits.
pub fn new_token() -> Result<String, AuthError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(hex(&b))
}

/// The stored form of a token (BLAKE2b-512, hex).
pub fn token_hash(token: &str) -> String {
    hex(&Blake2b512::digest(token.as_bytes()))
}

/// Whether two strings are equal, in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("correct horse battery", "not a hash"));
        // A new salt each time.
        assert_ne!(h, hash_password("correct horse battery").unwrap());
        assert!(matches!(hash_password("short"), Err(AuthError::PasswordLength)));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 128);
        assert!(same(&a, &a.clone()) && !same(&a, &b) && !same("ab", "abc"));
    }

    #[test]
    fn emails_and_roles() {
        assert_eq!(normalise_email(" Ops@Example.NET ").unwrap(), "ops@example.net");
        for bad in
            ["ops", "@example.net", "ops@example", "a b@example.net", "ops@.net", "a@b@c.net"]
        {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
        assert_eq!(Role::parse("applicant").unwrap(), Role::Participant);
        assert!(Role::parse("auditor").unwrap().reviews());
        assert!(!Role::Participant.reviews());
        assert_eq!(
            Role::parse("root").unwrap_err().to_string(),
            "unknown role \"root\" (roles: participant, auditor, admin)"
        );
    }
}
