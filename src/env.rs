//! The two seams to the outside world: the clock and the random number source.
//!
//! The core reads time and randomness only through [`Clock`] and [`Entropy`], so tests can
//! inject fixed ones and the WebAssembly build can supply JavaScript's `Date.now()` (wasm32 has
//! no system clock). Randomness in production always comes from the operating system or
//! WebCrypto through `getrandom`.

use rand_core::{TryCryptoRng, TryRng};

use crate::error::ApiError;

/// Milliseconds since the Unix epoch, UTC.
pub type UnixMillis = i64;

/// A source of the current time.
pub trait Clock {
    /// The current time in milliseconds since the Unix epoch.
    fn now(&self) -> UnixMillis;
}

/// A cryptographically secure source of random bytes.
pub trait Entropy {
    /// Fills `dest` with random bytes.
    ///
    /// # Errors
    ///
    /// When the source fails; callers turn that into an `InternalError` and store nothing.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), EntropyError>;
}

/// The random number source failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntropyError;

impl core::fmt::Display for EntropyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the random number source failed")
    }
}

impl core::error::Error for EntropyError {}

impl From<EntropyError> for ApiError {
    fn from(_: EntropyError) -> Self {
        ApiError::internal("the random number source failed")
    }
}

/// Randomness from the operating system, or from WebCrypto's `getRandomValues` on wasm32.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::fill(dest).map_err(|_| EntropyError)
    }
}

/// The system clock. Not available on wasm32, where the binding supplies a JavaScript clock.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now(&self) -> UnixMillis {
        use std::time::{SystemTime, UNIX_EPOCH};
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// Adapts an [`Entropy`] to the `rand_core` traits that the key and signature crates take.
pub(crate) struct EntropyRng<'a>(pub(crate) &'a mut dyn Entropy);

impl TryRng for EntropyRng<'_> {
    type Error = EntropyError;

    fn try_next_u32(&mut self) -> Result<u32, EntropyError> {
        let mut bytes = [0; 4];
        self.0.fill(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, EntropyError> {
        let mut bytes = [0; 8];
        self.0.fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), EntropyError> {
        self.0.fill(dst)
    }
}

impl TryCryptoRng for EntropyRng<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_entropy_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        OsEntropy.fill(&mut a).unwrap();
        OsEntropy.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn system_clock_is_after_2026() {
        assert!(SystemClock.now() > 1_767_225_600_000);
    }
}
