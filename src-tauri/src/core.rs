//! The core, opened in the background so the window appears without waiting for the database.

use switchboard::keychain::Keychain;
use switchboard::paths::Paths;
use switchboard::twilio::{ApiBase, Domain};
use switchboard::{Code, Error, Switchboard};
use tokio::sync::OnceCell;

/// Managed state: the core, opened once on first use (or at start, see [`Core::warm`]).
pub struct Core {
    cell: OnceCell<Result<Switchboard, Error>>,
    paths: Result<Paths, Error>,
    api_base: Result<Option<ApiBase>, Error>,
}

impl Core {
    /// Reads the data directory and any `SWITCHBOARD_API_BASE` override; failures are kept and
    /// reported by every command instead of stopping the app.
    pub fn from_env(paths: anyhow::Result<Paths>) -> Self {
        let api_base = ApiBase::from_env().map_err(|e| Error::new(Code::InvalidInput, e));
        Self {
            cell: OnceCell::new(),
            paths: paths
                .map_err(|e| Error::new(Code::Storage, format!("No place to keep data: {e:#}"))),
            api_base,
        }
    }

    /// The opened core, or why it could not be opened.
    pub async fn get(&self) -> Result<&Switchboard, Error> {
        self.cell
            .get_or_init(|| async {
                let paths = self.paths.clone()?;
                let api_base = self.api_base.clone()?;
                let mut core = Switchboard::open(paths, Keychain::system(), api_base).await?;
                // Per-product overrides, as the CLI takes them (tests serve each spec apart).
                for (var, domain) in [
                    ("SWITCHBOARD_PRICING_BASE", Domain::Pricing),
                    ("SWITCHBOARD_SERVERLESS_BASE", Domain::Serverless),
                    (
                        "SWITCHBOARD_SERVERLESS_UPLOAD_BASE",
                        Domain::ServerlessUpload,
                    ),
                ] {
                    if let Ok(raw) = std::env::var(var)
                        && !raw.trim().is_empty()
                    {
                        core = core.with_domain_base(domain, &raw).map_err(|e| {
                            Error::new(Code::InvalidInput, format!("{var}: {}", e.message))
                        })?;
                    }
                }
                Ok(core)
            })
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Opens the core now, so the first command does not wait for it.
    pub async fn warm(&self) {
        if let Err(err) = self.get().await {
            tracing::error!(code = ?err.code, error = %err.message, "the core could not be opened");
        }
    }
}
