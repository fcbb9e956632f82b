//! The two seams to the outside world: the clock and the random number source.
//!
//! The core reads time and randomness only through [`Clock`] and [`Entropy`], so tests can
//! inject fixed ones and the WebAssembly build can supply JavaScript's `Date.now()` (wasm32 has
//! no system clock). Randomness in production always comes from the operating system or
//! WebCrypto through `getrandom`.
//!
//! In WebAssembly there is a third seam, memory: the module's allocator zeroes every block as
//! it is freed (`WipingAllocator`, WebAssembly only), so that temporaries holding key material that
//! dependencies free without wiping (the RSA crate's big integers above all) do not stay
//! readable in linear memory.

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

/// The global allocator of the WebAssembly build: the system allocator (dlmalloc), but every
/// block is overwritten with zeros before it is freed, and a reallocation moves the contents
/// to a new block and wipes the old one.
///
/// Wiping costs one pass over each freed block, small beside the arithmetic of key generation
/// and signing. A program that links this crate into its own WebAssembly module and sets
/// another global allocator gets a link error: wrap that allocator the same way instead.
#[cfg(target_arch = "wasm32")]
pub struct WipingAllocator;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: WipingAllocator = WipingAllocator;

#[cfg(target_arch = "wasm32")]
#[expect(
    unsafe_code,
    reason = "a global allocator is an unsafe trait; each method only forwards to System"
)]
// SAFETY: every method forwards to `System` with the same arguments, so `System`'s guarantees
// hold; `dealloc` additionally writes zeros to the `layout.size()` bytes at `ptr`, which the
// caller guarantees are a live block of that layout that it owns and will not use again.
// `realloc` is the trait's default (alloc, copy, dealloc), so old blocks go through `dealloc`.
unsafe impl std::alloc::GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: `ptr` is a live block of `layout` owned by the caller (the contract of
        // `dealloc`), so its `layout.size()` bytes may be written before it is handed back.
        unsafe {
            zeroize::Zeroize::zeroize(core::slice::from_raw_parts_mut(ptr, layout.size()));
            std::alloc::System.dealloc(ptr, layout);
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
