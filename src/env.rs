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
use zeroize::{Zeroize, Zeroizing};

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

/// Bytes in live heap blocks, counted by [`WipingAllocator`].
#[cfg(target_arch = "wasm32")]
static HEAP_IN_USE: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// The bytes in live heap blocks of the WebAssembly build: what leak tests compare before and
/// after a sequence of calls that should leave nothing behind. (The linear memory's size only
/// grows, and only in 64 KiB pages.)
#[cfg(target_arch = "wasm32")]
pub fn heap_in_use() -> usize {
    HEAP_IN_USE.load(core::sync::atomic::Ordering::Relaxed)
}

#[cfg(target_arch = "wasm32")]
fn count_allocation(block: *mut u8, size: usize) -> *mut u8 {
    if !block.is_null() {
        HEAP_IN_USE.fetch_add(size, core::sync::atomic::Ordering::Relaxed);
    }
    block
}

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
        count_allocation(unsafe { std::alloc::System.alloc(layout) }, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        count_allocation(
            unsafe { std::alloc::System.alloc_zeroed(layout) },
            layout.size(),
        )
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: `ptr` is a live block of `layout` owned by the caller (the contract of
        // `dealloc`), so its `layout.size()` bytes may be written before it is handed back.
        unsafe {
            zeroize::Zeroize::zeroize(core::slice::from_raw_parts_mut(ptr, layout.size()));
            std::alloc::System.dealloc(ptr, layout);
        }
        HEAP_IN_USE.fetch_sub(layout.size(), core::sync::atomic::Ordering::Relaxed);
    }
}

/// Adapts an [`Entropy`] to the `rand_core` traits that the key and signature crates take.
///
/// Small requests are served from bytes read ahead in blocks that double in size (64 bytes up
/// to 8 KiB), each byte wiped as it is handed out and the rest when the adapter is dropped. In
/// WebAssembly every read of the source is a call into JavaScript's `crypto.getRandomValues`,
/// and P-521 key generation draws 66 bytes at a time until they fall below the group order
/// (about 1 in 128 do), which took some 100 calls and half a millisecond per key.
pub(crate) struct EntropyRng<'a> {
    source: &'a mut dyn Entropy,
    ahead: Zeroizing<Vec<u8>>,
    next: usize,
}

/// The first block read ahead, and the largest.
const READ_AHEAD_FIRST: usize = 64;
const READ_AHEAD_MAX: usize = 8 * 1024;

impl<'a> EntropyRng<'a> {
    pub(crate) fn new(source: &'a mut dyn Entropy) -> Self {
        Self {
            source,
            ahead: Zeroizing::new(Vec::new()),
            next: 0,
        }
    }
}

impl TryRng for EntropyRng<'_> {
    type Error = EntropyError;

    fn try_next_u32(&mut self) -> Result<u32, EntropyError> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, EntropyError> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), EntropyError> {
        if dst.len() >= READ_AHEAD_MAX {
            return self.source.fill(dst);
        }
        let mut filled = 0;
        while filled < dst.len() {
            if self.next == self.ahead.len() {
                let size = (2 * self.ahead.len()).clamp(READ_AHEAD_FIRST, READ_AHEAD_MAX);
                self.ahead.zeroize();
                self.ahead.resize(size, 0);
                self.next = 0;
                self.source.fill(&mut self.ahead)?;
            }
            let take = (dst.len() - filled).min(self.ahead.len() - self.next);
            let ahead = &mut self.ahead[self.next..self.next + take];
            dst[filled..filled + take].copy_from_slice(ahead);
            ahead.zeroize();
            self.next += take;
            filled += take;
        }
        Ok(())
    }
}

impl TryCryptoRng for EntropyRng<'_> {}

/// Random bytes for values that are published anyway: RequestIds, Identifiers and serial
/// numbers. They are read from the account's source 512 bytes at a time, since in Node.js each
/// read is a call to `crypto.getRandomValues` of about 13 µs, and a root took three (a fifth
/// of its time outside WebCrypto, for P-256). Never for key material, whose random bytes are
/// not to wait in memory before they are used.
#[derive(Default)]
pub(crate) struct PublicRandom {
    ahead: Vec<u8>,
    next: usize,
}

/// How many bytes [`PublicRandom`] reads at a time: ten roots' worth.
const PUBLIC_BLOCK: usize = 512;

impl PublicRandom {
    /// An [`Entropy`] that hands out this pool's bytes, refilling it from `source`.
    pub(crate) fn drawing<'a>(&'a mut self, source: &'a mut dyn Entropy) -> PublicDraw<'a> {
        PublicDraw { pool: self, source }
    }
}

/// [`PublicRandom`] with the source it refills from.
pub(crate) struct PublicDraw<'a> {
    pool: &'a mut PublicRandom,
    source: &'a mut dyn Entropy,
}

impl Entropy for PublicDraw<'_> {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), EntropyError> {
        if dest.len() > PUBLIC_BLOCK {
            return self.source.fill(dest);
        }
        let pool = &mut *self.pool;
        let mut filled = 0;
        while filled < dest.len() {
            if pool.next == pool.ahead.len() {
                pool.ahead.resize(PUBLIC_BLOCK, 0);
                // Empty until the read succeeds: a failed read hands out nothing.
                pool.next = PUBLIC_BLOCK;
                self.source.fill(&mut pool.ahead)?;
                pool.next = 0;
            }
            let take = (dest.len() - filled).min(pool.ahead.len() - pool.next);
            dest[filled..filled + take].copy_from_slice(&pool.ahead[pool.next..pool.next + take]);
            pool.next += take;
            filled += take;
        }
        Ok(())
    }
}

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

    /// Counts up from 1, one byte at a time, and counts its calls.
    struct Counter {
        last: u8,
        calls: usize,
    }

    impl Entropy for Counter {
        fn fill(&mut self, dest: &mut [u8]) -> Result<(), EntropyError> {
            self.calls += 1;
            for byte in dest {
                self.last = self.last.wrapping_add(1);
                *byte = self.last;
            }
            Ok(())
        }
    }

    #[test]
    fn reading_ahead_hands_out_the_source_stream_in_order_and_wipes_it() {
        let mut source = Counter { last: 0, calls: 0 };
        let mut rng = EntropyRng::new(&mut source);
        let mut stream = Vec::new();
        // 100 draws of 66 bytes, as P-521 key generation makes them, then words.
        for _ in 0..100 {
            let mut draw = [0u8; 66];
            rng.try_fill_bytes(&mut draw).unwrap();
            stream.extend_from_slice(&draw);
        }
        stream.extend_from_slice(&rng.try_next_u32().unwrap().to_le_bytes());
        stream.extend_from_slice(&rng.try_next_u64().unwrap().to_le_bytes());
        let expected: Vec<u8> = (1..=stream.len()).map(|i| i as u8).collect();
        assert_eq!(stream, expected);
        assert!(
            rng.ahead[..rng.next].iter().all(|&b| b == 0),
            "handed-out bytes are wiped"
        );
        drop(rng);
        // 6,612 bytes in 7 reads (64, 128, ..., 4096 bytes), not 102.
        assert_eq!(source.calls, 7);
    }

    #[test]
    fn large_requests_go_straight_to_the_source() {
        let mut source = Counter { last: 0, calls: 0 };
        let mut rng = EntropyRng::new(&mut source);
        let mut big = vec![0u8; READ_AHEAD_MAX];
        rng.try_fill_bytes(&mut big).unwrap();
        assert!(rng.ahead.is_empty());
        assert_eq!(big[..3], [1, 2, 3]);
    }

    #[test]
    fn public_randomness_is_the_source_stream_read_in_blocks() {
        let mut source = Counter { last: 0, calls: 0 };
        let mut pool = PublicRandom::default();
        let mut stream = Vec::new();
        // Three roots: a RequestId, a serial and an Identifier each.
        for _ in 0..9 {
            let mut draw = [0u8; 16];
            pool.drawing(&mut source).fill(&mut draw).unwrap();
            stream.extend_from_slice(&draw);
        }
        let expected: Vec<u8> = (1..=stream.len()).map(|i| i as u8).collect();
        assert_eq!(stream, expected);
        assert_eq!(source.calls, 1);
        // A draw across the end of a block continues the stream from the next block.
        let mut rest = vec![0u8; PUBLIC_BLOCK - 9 * 16 + 4];
        pool.drawing(&mut source).fill(&mut rest).unwrap();
        let expected: Vec<u8> = (9 * 16 + 1..=PUBLIC_BLOCK + 4).map(|i| i as u8).collect();
        assert_eq!(rest, expected);
        assert_eq!(source.calls, 2);
    }

    /// A source that always fails.
    struct Failing;

    impl Entropy for Failing {
        fn fill(&mut self, _: &mut [u8]) -> Result<(), EntropyError> {
            Err(EntropyError)
        }
    }

    #[test]
    fn a_failed_public_read_hands_out_nothing_twice() {
        let mut pool = PublicRandom::default();
        let mut draw = [0u8; 16];
        assert_eq!(
            pool.drawing(&mut Failing).fill(&mut draw),
            Err(EntropyError)
        );
        // A block used up, then a failed refill: the next good read is fresh bytes, not the
        // used block's again.
        let mut source = Counter { last: 0, calls: 0 };
        for _ in 0..PUBLIC_BLOCK / 16 {
            pool.drawing(&mut source).fill(&mut draw).unwrap();
        }
        assert_eq!(
            pool.drawing(&mut Failing).fill(&mut draw),
            Err(EntropyError)
        );
        let mut source = Counter {
            last: 100,
            calls: 0,
        };
        pool.drawing(&mut source).fill(&mut draw).unwrap();
        let expected: Vec<u8> = (101..=116).collect();
        assert_eq!(draw.to_vec(), expected);
        assert_eq!(source.calls, 1);
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn system_clock_is_after_2026() {
        assert!(SystemClock.now() > 1_767_225_600_000);
    }
}
