//! The ringtone of incoming calls, played through rodio on the output chosen in Settings
//! (the window's own audio would follow the system default instead).

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use cpal::traits::HostTrait;
use rodio::buffer::SamplesBuffer;
use rodio::{DeviceSinkBuilder, Source};

use super::devices::{device_name, find_output};
use super::player::{no_device, open_failed};
use crate::error::Error;

/// The sample rate of the synthesized ring.
pub const RING_RATE: u32 = 16_000;
/// One ring cycle: two seconds of tone, four of silence (the North American cadence).
pub const RING_ON: Duration = Duration::from_secs(2);
/// The silence after each ring.
pub const RING_OFF: Duration = Duration::from_secs(4);

/// One cycle of the ring: 440 Hz plus 480 Hz, faded in and out over 10 ms so it does not click.
pub fn ring_cycle() -> Vec<f32> {
    let rate = RING_RATE as f32;
    let on = (RING_ON.as_secs_f32() * rate) as usize;
    let off = (RING_OFF.as_secs_f32() * rate) as usize;
    let fade = (0.01 * rate) as usize;
    let mut samples = Vec::with_capacity(on + off);
    for n in 0..on {
        let t = n as f32 / rate;
        let tone = (2.0 * std::f32::consts::PI * 440.0 * t).sin()
            + (2.0 * std::f32::consts::PI * 480.0 * t).sin();
        let edge = n.min(on - 1 - n).min(fade) as f32 / fade as f32;
        samples.push(0.2 * tone * edge);
    }
    samples.resize(on + off, 0.0);
    samples
}

/// Plays the ring until stopped; one at a time.
#[derive(Debug, Default)]
pub struct Ringtone {
    stop: Mutex<Option<mpsc::Sender<()>>>,
}

impl Ringtone {
    /// No ring yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether it is ringing.
    pub fn ringing(&self) -> bool {
        self.stop.lock().expect("ringtone").is_some()
    }

    /// Starts ringing on the output `device` (a core output id; the default output when
    /// `None` or when that device is gone), for `cycles` rings or until [`Ringtone::stop`]
    /// when `None`. Returns the device's name. Ringing already: nothing changes.
    ///
    /// # Errors
    /// [`crate::Code::NotFound`] when no output can be opened.
    pub fn start(&self, device: Option<String>, cycles: Option<usize>) -> Result<String, Error> {
        let mut stop = self.stop.lock().expect("ringtone");
        if stop.is_some() {
            return Ok(String::new());
        }
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<String, Error>>();
        std::thread::Builder::new()
            .name("ringtone".into())
            .spawn(move || {
                let host = cpal::default_host();
                let chosen = device.as_deref().and_then(|id| find_output(&host, id));
                let Some(output) = chosen.or_else(|| host.default_output_device()) else {
                    let _ = ready_tx.send(Err(no_device()));
                    return;
                };
                let name = device_name(&output);
                let sink = match DeviceSinkBuilder::from_device(output)
                    .and_then(|b| b.open_sink_or_fallback())
                {
                    Ok(mut sink) => {
                        sink.log_on_drop(false);
                        sink
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(open_failed(&name, &err)));
                        return;
                    }
                };
                let cycle = SamplesBuffer::new(
                    std::num::NonZero::new(1).expect("mono"),
                    std::num::NonZero::new(RING_RATE).expect("rate"),
                    ring_cycle(),
                );
                let length = RING_ON + RING_OFF;
                match cycles {
                    Some(n) => sink
                        .mixer()
                        .add(cycle.repeat_infinite().take_duration(length * n as u32)),
                    None => sink.mixer().add(cycle.repeat_infinite()),
                }
                tracing::info!(device = %name, "ringing");
                let _ = ready_tx.send(Ok(name));
                match cycles {
                    Some(n) => {
                        let _ = stop_rx.recv_timeout(length * n as u32);
                    }
                    None => {
                        let _ = stop_rx.recv();
                    }
                }
                drop(sink);
            })
            .map_err(|e| {
                Error::new(
                    crate::Code::Internal,
                    format!("The ringtone could not start: {e}"),
                )
            })?;
        let name = ready_rx.recv().unwrap_or_else(|_| {
            Err(Error::new(
                crate::Code::Internal,
                "The ringtone stopped at once.",
            ))
        })?;
        if cycles.is_none() {
            *stop = Some(stop_tx);
        }
        Ok(name)
    }

    /// Stops ringing.
    pub fn stop(&self) {
        if let Some(tx) = self.stop.lock().expect("ringtone").take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_cycle_is_two_seconds_of_tone_then_silence() {
        let cycle = ring_cycle();
        let rate = RING_RATE as usize;
        assert_eq!(cycle.len(), 6 * rate);
        let loud = |s: &[f32]| s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32;
        assert!(loud(&cycle[rate / 2..rate]) > 0.01, "the ring sounds");
        assert_eq!(loud(&cycle[3 * rate..]), 0.0, "then silence");
        assert!(
            cycle[0].abs() < 1e-3 && cycle[2 * rate - 1].abs() < 1e-3,
            "faded edges"
        );
        assert!(cycle.iter().all(|s| s.abs() <= 0.4));
    }
}
