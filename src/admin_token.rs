//! The admin token: a secret that never prints and is compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `CONSENTRY_ADMIN_TOKEN`, checked once at start so that the token that works is exactly the
/// one configured. `Debug` shows `[redacted]`, so no settings dump or log line carries it.
#[derive(Clone)]
pub struct AdminToken(String);

/// An admin token no HTTP client can send, so every admin request would get 401, silently:
/// header values lose their leading and trailing whitespace on the way (RFC 9110 §5.5) and
/// carry visible ASCII only. Refused at start rather than trimmed, so the service never
/// guesses at a secret.
#[derive(Debug, thiserror::Error)]
pub enum AdminTokenError {
    #[error(
        "CONSENTRY_ADMIN_TOKEN starts or ends with whitespace (a newline left by the file it \
         was read from?), which no HTTP client can send: remove it"
    )]
    Whitespace,
    #[error(
        "CONSENTRY_ADMIN_TOKEN holds {0:?}, which an HTTP header cannot carry: use visible \
         ASCII characters only"
    )]
    Character(char),
}

impl AdminToken {
    pub fn parse(token: impl Into<String>) -> Result<AdminToken, AdminTokenError> {
        let token = token.into();
        if token.trim() != token {
            return Err(AdminTokenError::Whitespace);
        }
        match token
            .chars()
            .find(|c| !(c.is_ascii_graphic() || *c == ' ' || *c == '\t'))
        {
            Some(c) => Err(AdminTokenError::Character(c)),
            None => Ok(AdminToken(token)),
        }
    }

    /// True when `given` is the token. Hashing first makes the comparison independent of both
    /// lengths, too.
    pub(crate) fn matches(&self, given: &str) -> bool {
        Sha256::digest(given.trim().as_bytes())
            .ct_eq(&Sha256::digest(self.0.as_bytes()))
            .into()
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_prints() {
        let token = AdminToken::parse("s3cret-token").expect("a sendable token");

        assert_eq!(format!("{token:?}"), "AdminToken([redacted])");
        assert!(!format!("{:?}", Some(token)).contains("s3cret"));
    }

    #[test]
    fn only_the_exact_token_matches() {
        let token = AdminToken::parse("s3cret-token").expect("a sendable token");

        assert!(token.matches("s3cret-token"));
        for other in ["", "s3cret", "s3cret-token-and-more", "S3CRET-TOKEN"] {
            assert!(!token.matches(other), "{other:?}");
        }
    }

    #[test]
    fn a_token_no_client_can_send_is_refused() {
        for token in ["s3cret\n", " s3cret", "s3cret ", "s3crét"] {
            assert!(AdminToken::parse(token).is_err(), "{token:?}");
        }
    }
}
