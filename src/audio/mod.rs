//! Sound in the core: decoding and checking voicemail audio, waveform peaks, the output devices,
//! and playback through rodio on a thread of its own.
//!
//! Nothing here plays through the webview: the UI sends commands and follows
//! [`Playback`] events, so the sound goes to the device chosen in Settings.

mod analyse;
pub(crate) mod capture;
pub(crate) mod devices;
mod player;
pub(crate) mod realtime;
mod ringtone;
pub mod take;

pub(crate) use analyse::fold_peaks;
pub use analyse::{
    Analysis, AudioProblem, MAX_AUDIO_BYTES, PEAK_BUCKETS, analyse_file, looks_like_mp3,
    peaks_from_bytes, peaks_to_bytes,
};
pub use capture::{
    AudioInputs, InputDevice, Level, MAX_RECORDING, Recorder, Recording, input_devices,
};
pub use devices::{AudioOutputs, OutputDevice, output_devices};
pub use player::{
    HEARD_FRACTION, Playback, PlaybackControl, PlaybackError, PlaybackState, Player, PlayerEvent,
    Track,
};
pub use ringtone::{RING_OFF, RING_ON, RING_RATE, Ringtone, ring_cycle};
