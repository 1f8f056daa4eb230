//! Voicemail: the inbox from the cache, playback of the verified local copy, and the S3
//! archive with its delete-after-archive rule.

pub mod archive;
pub mod playback;

use crate::Switchboard;
use crate::error::Error;

pub use playback::Waveform;

impl Switchboard {
    /// Voicemails from the cache, newest first (works offline).
    ///
    /// # Errors
    /// As [`Switchboard::active_cache`].
    pub async fn voicemails(
        &self,
        filter: crate::cache::VoicemailFilter,
        limit: u32,
    ) -> Result<Vec<crate::cache::Voicemail>, Error> {
        let cache = self.active_cache().await?;
        Ok(cache.voicemails(filter, limit.clamp(1, 500), None).await?)
    }

    /// Voicemails whose transcript or caller matches `query`, newest first (works offline).
    ///
    /// # Errors
    /// As [`Switchboard::active_cache`].
    pub async fn search_voicemails(
        &self,
        query: &str,
    ) -> Result<Vec<crate::cache::Voicemail>, Error> {
        let cache = self.active_cache().await?;
        Ok(cache.search_voicemails(query, 100).await?)
    }

    /// Marks, archives, deletes or restores a voicemail; a delete reaches Twilio with the next
    /// sync, after its audio is cached.
    ///
    /// # Errors
    /// As [`crate::cache::Cache::apply`].
    pub async fn voicemail_action(
        &self,
        recording_sid: &str,
        action: crate::cache::VoicemailAction,
    ) -> Result<(), Error> {
        self.active_cache()
            .await?
            .apply(recording_sid, action)
            .await
    }
}
