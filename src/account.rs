//! The account: the CAs it holds, ClientToken idempotency and the emulated cloud account rules.
//!
//! One [`Account`] is one isolated set of CAs (one `PrivateCa` in JavaScript). Every handler
//! computes everything first and changes the account last, so a failed call leaves it exactly as
//! it was. Creating a root CA is split in three steps so that the WebAssembly binding can fetch
//! an RSA key from WebCrypto in between without holding a borrow of the account across the wait:
//! [`Account::prepare_root`] validates and claims (ClientToken, rate-limit slot, purchased
//! instance) synchronously, the key is made, and [`Account::complete_root`] issues and commits,
//! or releases the claims on failure. That last step is itself two, [`Account::build_root`] and
//! [`Account::finish_root`], so that the binding can have WebCrypto make the signature.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::Serialize;
use serde_json::Value;
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use crate::algorithm::{Algorithm, KeyFamily};
use crate::env::{Clock, Entropy, PublicDraw, PublicRandom, UnixMillis};
use crate::error::ApiError;
use crate::keys::{CaKey, KeyProtection};
use crate::profile::{IssuedCertificate, UnsignedRoot, build_root};
use crate::request::CreateRootCaRequest;

/// Settings of the emulated cloud account; everything is off by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountOptions {
    /// Purchased private root CA instances left, per key family. `None`: no instance rule.
    pub instances: Option<BTreeMap<KeyFamily, u32>>,
    /// Calls per second this account accepts. `None`: no rate limit. The cloud's is 10.
    pub rate_limit_per_second: Option<u32>,
}

/// A CA held by an account: its certificate, its private key and its metadata.
#[derive(Debug)]
pub struct StoredCa {
    identifier: String,
    certificate: IssuedCertificate,
    key: CaKey,
    tags: BTreeMap<String, String>,
    resource_group_id: Option<String>,
    created_at: UnixMillis,
}

impl StoredCa {
    /// The 32-hex-digit Identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }
    /// The certificate.
    pub fn certificate(&self) -> &IssuedCertificate {
        &self.certificate
    }
    /// The key algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }
    /// The tags given at creation.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        &self.tags
    }
    /// The resource group given at creation.
    pub fn resource_group_id(&self) -> Option<&str> {
        self.resource_group_id.as_deref()
    }
    /// When the CA was created or imported, in Unix milliseconds.
    pub fn created_at(&self) -> UnixMillis {
        self.created_at
    }
    /// The PEM chain from this certificate to its root, each certificate ending in LF. For a
    /// root, the root alone.
    pub fn certificate_chain(&self) -> String {
        format!("{}\n", self.certificate.pem())
    }
}

/// The response of `CreateRootCACertificate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRootCaResponse {
    /// This call's RequestId: an upper-case UUID.
    pub request_id: String,
    /// The CA's Identifier: 32 lower-case hex digits.
    pub identifier: String,
    /// The certificate PEM, without a trailing newline.
    pub certificate: String,
    /// The chain PEM, each certificate ending in LF.
    pub certificate_chain: String,
}

/// The outcome of [`Account::prepare_root`].
#[derive(Debug)]
pub enum Prepared {
    /// The ClientToken was used before with the same parameters: the first call's result.
    Replay(CreateRootCaResponse),
    /// A call with the same ClientToken and parameters is still in progress; its result is
    /// this call's result too. Only seen when calls overlap (asynchronous key sources).
    InProgress {
        /// The token both calls carry.
        client_token: String,
    },
    /// A new CA is to be made: make a key for `algorithm()`, then call
    /// [`Account::complete_root`] or [`Account::abandon_root`].
    Issue(PendingRoot),
}

/// A validated root CA request whose claims are held until it completes or is abandoned.
#[derive(Debug)]
#[must_use = "a pending root holds claims until complete_root or abandon_root"]
pub struct PendingRoot {
    request_id: String,
    request: CreateRootCaRequest,
    rate_slot: Option<u64>,
    instance: Option<KeyFamily>,
}

impl PendingRoot {
    /// The algorithm of the key to make.
    pub fn algorithm(&self) -> Algorithm {
        self.request.algorithm
    }
    /// The RequestId of the call.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
    /// The ClientToken the call carries, if any.
    pub fn client_token(&self) -> Option<&str> {
        self.request.client_token.as_deref()
    }
}

/// A root CA built up to its signature by [`Account::build_root`]; it holds the pending
/// call's claims until [`Account::finish_root`].
#[derive(Debug)]
#[must_use = "an unsigned root holds claims until finish_root"]
pub struct UnsignedRootCa {
    pending: PendingRoot,
    key: Option<Result<CaKey, ApiError>>,
    certificate: UnsignedRoot,
    now: UnixMillis,
}

impl UnsignedRootCa {
    /// The DER `TBSCertificate` to sign with the CA's own key.
    pub fn to_be_signed(&self) -> &[u8] {
        self.certificate.to_be_signed()
    }
    /// The certificate's SubjectPublicKeyInfo, which its signature must verify with.
    pub fn public_key_info(&self) -> &SubjectPublicKeyInfoOwned {
        self.certificate.public_key_info()
    }
    /// Hands over the key of a root built by [`Account::build_root_for`], or the error that
    /// reading it gave. [`Account::finish_root`] checks that it fits the certificate.
    pub fn set_key(&mut self, key: Result<CaKey, ApiError>) {
        self.key = Some(key);
    }
}

/// A signature made outside the crate, for [`Account::finish_root`], in the certificate's
/// encoding (see [`crate::keys::signature_from_fixed`]).
#[derive(Debug)]
pub enum OutsideSignature {
    /// To be verified here with the certificate's public key.
    Unverified(Vec<u8>),
    /// Already verified with the certificate's public key by the platform's own cryptography;
    /// see [`crate::profile::UnsignedRoot::finish_verified`].
    Verified(Vec<u8>),
}

#[derive(Debug)]
enum TokenState {
    Pending(CreateRootCaRequest),
    Done {
        request: CreateRootCaRequest,
        identifier: String,
    },
}

/// One isolated set of CAs with its emulated cloud account rules.
pub struct Account {
    options: AccountOptions,
    cas: BTreeMap<String, StoredCa>,
    tokens: HashMap<String, TokenState>,
    instances_left: BTreeMap<KeyFamily, u32>,
    recent_calls: VecDeque<(u64, UnixMillis)>,
    next_slot: u64,
    clock: Box<dyn Clock>,
    entropy: Box<dyn Entropy>,
    /// `entropy` read ahead, for RequestIds, Identifiers and serial numbers only.
    public_random: PublicRandom,
}

impl core::fmt::Debug for Account {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Account")
            .field("options", &self.options)
            .field("cas", &self.cas.len())
            .finish_non_exhaustive()
    }
}

impl Account {
    /// An account with the given rules, clock and random number source.
    pub fn new(options: AccountOptions, clock: Box<dyn Clock>, entropy: Box<dyn Entropy>) -> Self {
        Self {
            instances_left: options.instances.clone().unwrap_or_default(),
            options,
            cas: BTreeMap::new(),
            tokens: HashMap::new(),
            recent_calls: VecDeque::new(),
            next_slot: 0,
            clock,
            entropy,
            public_random: PublicRandom::default(),
        }
    }

    /// An account on the system clock and the operating system's randomness.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn with_system(options: AccountOptions) -> Self {
        Self::new(
            options,
            Box::new(crate::env::SystemClock),
            Box::new(crate::env::OsEntropy),
        )
    }

    /// The CAs held, by Identifier.
    pub fn cas(&self) -> impl Iterator<Item = &StoredCa> {
        self.cas.values()
    }

    /// The CA with this Identifier.
    ///
    /// # Errors
    ///
    /// `NotFound` when the account holds no such CA.
    pub fn ca(&self, identifier: &str) -> Result<&StoredCa, ApiError> {
        self.cas.get(identifier).ok_or_else(|| ApiError::NotFound {
            identifier: identifier.to_owned(),
        })
    }

    /// Purchased root instances left per family, when the instance rule is on.
    pub fn instances_left(&self) -> Option<&BTreeMap<KeyFamily, u32>> {
        self.options
            .instances
            .as_ref()
            .map(|_| &self.instances_left)
    }

    /// A fresh RequestId: an upper-case UUID.
    ///
    /// # Errors
    ///
    /// `InternalError` when the random number source fails.
    pub fn new_request_id(&mut self) -> Result<String, ApiError> {
        new_request_id(&mut self.public_random())
    }

    /// Creates a root CA in one synchronous call, making the key in Rust.
    ///
    /// # Errors
    ///
    /// Any error of the contract; the account is then unchanged.
    pub fn create_root_ca_certificate(
        &mut self,
        params: &Value,
        request_id: String,
    ) -> Result<CreateRootCaResponse, ApiError> {
        match self.prepare_root(params, request_id)? {
            Prepared::Replay(response) => Ok(response),
            Prepared::InProgress { .. } => Err(ApiError::internal(
                "a call with this ClientToken is still in progress",
            )),
            Prepared::Issue(pending) => {
                let key = self.generate_key(pending.algorithm());
                self.complete_root(pending, key)
            }
        }
    }

    /// Step one of creating a root CA: validate, then claim the ClientToken, a rate-limit slot
    /// and a purchased instance. Nothing is claimed when it fails.
    ///
    /// # Errors
    ///
    /// Validation errors, `IdempotentParameterMismatch`, `Throttling.User`,
    /// `NoAvailableInstance`, `InvalidParameter.Algorithm` for a family not purchased.
    pub fn prepare_root(
        &mut self,
        params: &Value,
        request_id: String,
    ) -> Result<Prepared, ApiError> {
        let request = CreateRootCaRequest::from_json(params)?;
        if let Some(token) = &request.client_token {
            match self.tokens.get(token) {
                Some(TokenState::Done {
                    request: first,
                    identifier,
                }) if *first == request => {
                    let ca = self.ca(identifier)?;
                    return Ok(Prepared::Replay(response(request_id, ca)));
                }
                Some(TokenState::Pending(first)) if *first == request => {
                    return Ok(Prepared::InProgress {
                        client_token: token.clone(),
                    });
                }
                Some(_) => return Err(ApiError::IdempotentParameterMismatch),
                None => {}
            }
        }
        self.check_instance(request.algorithm)?;
        let rate_slot = self.claim_rate_slot()?;
        let instance = self.claim_instance(request.algorithm);
        if let Some(token) = &request.client_token {
            self.tokens
                .insert(token.clone(), TokenState::Pending(request.clone()));
        }
        Ok(Prepared::Issue(PendingRoot {
            request_id,
            request,
            rate_slot,
            instance,
        }))
    }

    /// Makes a key for `algorithm` with the account's random number source.
    ///
    /// # Errors
    ///
    /// `InternalError` when the random number source fails.
    pub fn generate_key(&mut self, algorithm: Algorithm) -> Result<CaKey, ApiError> {
        CaKey::generate(algorithm, self.entropy.as_mut())
    }

    /// Step three of creating a root CA: issue the certificate with `key`, verify it, and
    /// store the CA. On any failure, including a failed key source, the claims are released.
    /// The same as [`Account::build_root`] then [`Account::finish_root`] with no signature.
    ///
    /// # Errors
    ///
    /// `InternalError` when the key source failed, the key does not fit the algorithm, or the
    /// signature does not verify.
    pub fn complete_root(
        &mut self,
        pending: PendingRoot,
        key: Result<CaKey, ApiError>,
    ) -> Result<CreateRootCaResponse, ApiError> {
        let unsigned = self.build_root(pending, key)?;
        self.finish_root(unsigned, None)
    }

    /// Step three, first half, for a signer outside the crate: build the certificate with
    /// `key` up to its signature. On failure the claims are released.
    ///
    /// # Errors
    ///
    /// `InternalError` when the key source failed, the key does not fit the algorithm, or the
    /// certificate cannot be built.
    pub fn build_root(
        &mut self,
        pending: PendingRoot,
        key: Result<CaKey, ApiError>,
    ) -> Result<UnsignedRootCa, ApiError> {
        let public = key
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|key| Ok((key.algorithm(), key.public_key_info()?)));
        let mut unsigned = self.build_root_for(pending, public)?;
        unsigned.key = Some(key);
        Ok(unsigned)
    }

    /// [`Account::build_root`] for a key known so far by its algorithm and public key, so that
    /// an outside signer can start while the key is read in full: hand the key over with
    /// [`UnsignedRootCa::set_key`] before [`Account::finish_root`].
    ///
    /// # Errors
    ///
    /// As [`Account::build_root`].
    pub fn build_root_for(
        &mut self,
        pending: PendingRoot,
        public: Result<(Algorithm, SubjectPublicKeyInfoOwned), ApiError>,
    ) -> Result<UnsignedRootCa, ApiError> {
        let built = public.and_then(|(algorithm, spki)| {
            if algorithm != pending.request.algorithm {
                return Err(ApiError::internal(
                    "the key does not match the requested algorithm",
                ));
            }
            let now = self.clock.now();
            let request = &pending.request;
            let certificate = build_root(
                &request.subject,
                request.years,
                algorithm,
                spki,
                now,
                &mut self.public_random(),
            )?;
            Ok((certificate, now))
        });
        match built {
            Ok((certificate, now)) => Ok(UnsignedRootCa {
                pending,
                key: None,
                certificate,
                now,
            }),
            Err(error) => {
                self.abandon_root(pending);
                Err(error)
            }
        }
    }

    /// Step three, second half: sign (with the CA's key here when `signature` is `None`),
    /// verify the signature with the certificate's public key (unless the platform did), and
    /// store the CA. On failure the claims are released and nothing is stored.
    ///
    /// # Errors
    ///
    /// `InternalError` when signing fails or the signature does not verify.
    pub fn finish_root(
        &mut self,
        unsigned: UnsignedRootCa,
        signature: Option<OutsideSignature>,
    ) -> Result<CreateRootCaResponse, ApiError> {
        let UnsignedRootCa {
            pending,
            key,
            certificate,
            now,
        } = unsigned;
        let key = key.unwrap_or_else(|| Err(ApiError::internal("the CA's key never came")));
        let signed = key.and_then(|key| {
            let certificate = match signature {
                None => {
                    let signature = key.sign(certificate.to_be_signed(), self.entropy.as_mut())?;
                    certificate.finish(&key, &signature)?
                }
                Some(OutsideSignature::Unverified(signature)) => {
                    certificate.finish(&key, &signature)?
                }
                Some(OutsideSignature::Verified(signature)) => {
                    certificate.finish_verified(&key, &signature)?
                }
            };
            Ok((key, certificate))
        });
        let stored = signed.and_then(|(key, certificate)| {
            let request = &pending.request;
            Ok(StoredCa {
                identifier: self.new_identifier()?,
                certificate,
                key,
                tags: request.tags.clone(),
                resource_group_id: request.resource_group_id.clone(),
                created_at: now,
            })
        });
        match stored {
            Ok(ca) => {
                let identifier = ca.identifier.clone();
                let response = response(pending.request_id.clone(), &ca);
                if let Some(token) = &pending.request.client_token {
                    self.tokens.insert(
                        token.clone(),
                        TokenState::Done {
                            request: pending.request,
                            identifier: identifier.clone(),
                        },
                    );
                }
                self.cas.insert(identifier, ca);
                Ok(response)
            }
            Err(error) => {
                self.abandon_root(pending);
                Err(error)
            }
        }
    }

    /// Releases the claims of a root CA that will not be made (a cancelled call).
    pub fn abandon_root(&mut self, pending: PendingRoot) {
        if let Some(token) = &pending.request.client_token {
            if matches!(self.tokens.get(token), Some(TokenState::Pending(_))) {
                self.tokens.remove(token);
            }
        }
        if let Some(slot) = pending.rate_slot {
            self.recent_calls.retain(|(id, _)| *id != slot);
        }
        if let Some(family) = pending.instance {
            *self.instances_left.entry(family).or_default() += 1;
        }
    }

    /// The result for a ClientToken whose call has completed, for calls that waited on it.
    pub fn replay(&self, client_token: &str, request_id: String) -> Option<CreateRootCaResponse> {
        match self.tokens.get(client_token) {
            Some(TokenState::Done { identifier, .. }) => {
                self.cas.get(identifier).map(|ca| response(request_id, ca))
            }
            _ => None,
        }
    }

    /// Adds a CA that was made elsewhere (an import). Returns its Identifier; a CA whose
    /// certificate the account already holds keeps its Identifier.
    pub(crate) fn insert_imported(
        &mut self,
        certificate: IssuedCertificate,
        key: CaKey,
    ) -> Result<String, ApiError> {
        if let Some(existing) = self.cas.values().find(|ca| ca.certificate == certificate) {
            return Ok(existing.identifier.clone());
        }
        let identifier = self.new_identifier()?;
        let ca = StoredCa {
            identifier: identifier.clone(),
            certificate,
            key,
            tags: BTreeMap::new(),
            resource_group_id: None,
            created_at: self.clock.now(),
        };
        self.cas.insert(identifier.clone(), ca);
        Ok(identifier)
    }

    /// Removes a CA; its private key is wiped as it is dropped. ClientTokens that led to it
    /// are forgotten, so a repeat of such a call makes a new CA.
    ///
    /// # Errors
    ///
    /// `NotFound` when the account holds no such CA.
    pub fn remove_ca(&mut self, identifier: &str) -> Result<(), ApiError> {
        let ca = self
            .cas
            .remove(identifier)
            .ok_or_else(|| ApiError::NotFound {
                identifier: identifier.to_owned(),
            })?;
        self.tokens.retain(|_, state| {
            !matches!(state, TokenState::Done { identifier, .. } if *identifier == ca.identifier)
        });
        drop(ca);
        Ok(())
    }

    /// A CA's private key as PKCS#8 PEM, protected as asked; wiped when dropped.
    ///
    /// # Errors
    ///
    /// `NotFound` when the account holds no such CA; `InternalError` when encryption fails.
    pub fn export_private_key(
        &mut self,
        identifier: &str,
        protection: KeyProtection<'_>,
    ) -> Result<Zeroizing<String>, ApiError> {
        let ca = self.cas.get(identifier).ok_or_else(|| ApiError::NotFound {
            identifier: identifier.to_owned(),
        })?;
        ca.key.export_pkcs8_pem(protection, self.entropy.as_mut())
    }

    fn new_identifier(&mut self) -> Result<String, ApiError> {
        loop {
            let identifier = self.random_uuid()?.simple().to_string();
            if !self.cas.contains_key(&identifier) {
                return Ok(identifier);
            }
        }
    }

    fn random_uuid(&mut self) -> Result<uuid::Uuid, ApiError> {
        random_uuid(&mut self.public_random())
    }

    /// Randomness for values that are made public; see [`PublicRandom`].
    fn public_random(&mut self) -> PublicDraw<'_> {
        self.public_random.drawing(self.entropy.as_mut())
    }

    fn check_instance(&self, algorithm: Algorithm) -> Result<(), ApiError> {
        let Some(purchased) = &self.options.instances else {
            return Ok(());
        };
        let family = algorithm.family();
        if !purchased.contains_key(&family) {
            let families: Vec<&str> = purchased.keys().map(|f| f.name()).collect();
            return Err(ApiError::invalid(
                "Algorithm",
                format!(
                    "Algorithm {algorithm} is of the {} family, but the purchased instances are \
                     of the families: {}.",
                    family.name(),
                    if families.is_empty() {
                        "none".into()
                    } else {
                        families.join(", ")
                    }
                ),
            ));
        }
        if self.instances_left.get(&family).copied().unwrap_or(0) == 0 {
            return Err(ApiError::NoAvailableInstance);
        }
        Ok(())
    }

    fn claim_instance(&mut self, algorithm: Algorithm) -> Option<KeyFamily> {
        self.options.instances.as_ref()?;
        let family = algorithm.family();
        let left = self.instances_left.get_mut(&family)?;
        *left = left.checked_sub(1)?;
        Some(family)
    }

    fn claim_rate_slot(&mut self) -> Result<Option<u64>, ApiError> {
        let Some(limit) = self.options.rate_limit_per_second else {
            return Ok(None);
        };
        let now = self.clock.now();
        while self
            .recent_calls
            .front()
            .is_some_and(|(_, at)| now.saturating_sub(*at) >= 1000)
        {
            self.recent_calls.pop_front();
        }
        if self.recent_calls.len() >= limit as usize {
            return Err(ApiError::Throttled);
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.recent_calls.push_back((slot, now));
        Ok(Some(slot))
    }
}

/// A fresh RequestId from `entropy`: an upper-case UUID. For calls that fail before they
/// reach an account.
///
/// # Errors
///
/// `InternalError` when the random number source fails.
pub fn new_request_id(entropy: &mut dyn Entropy) -> Result<String, ApiError> {
    Ok(random_uuid(entropy)?
        .hyphenated()
        .to_string()
        .to_ascii_uppercase())
}

fn random_uuid(entropy: &mut dyn Entropy) -> Result<uuid::Uuid, ApiError> {
    let mut bytes = [0u8; 16];
    entropy.fill(&mut bytes)?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

fn response(request_id: String, ca: &StoredCa) -> CreateRootCaResponse {
    CreateRootCaResponse {
        request_id,
        identifier: ca.identifier.clone(),
        certificate: ca.certificate.pem(),
        certificate_chain: ca.certificate_chain(),
    }
}
