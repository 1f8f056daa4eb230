//! The output devices the OS offers, as cpal lists them.

use cpal::traits::{DeviceTrait, HostTrait};
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Code, Error};

/// An output device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct OutputDevice {
    /// cpal's stable identifier (`host:device`), what Settings remembers.
    pub id: String,
    /// The name to show.
    pub name: String,
    /// Whether it is the system's default output.
    pub is_default: bool,
}

/// The output devices and the remembered choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AudioOutputs {
    /// What the system offers now.
    pub devices: Vec<OutputDevice>,
    /// The chosen device's id; `null` follows the system default.
    pub selected: Option<String>,
}

/// Lists the output devices.
///
/// # Errors
/// [`Code::NotFound`] when the audio system cannot be asked (no sound server or driver).
pub fn output_devices() -> Result<Vec<OutputDevice>, Error> {
    let host = cpal::default_host();
    let default = host.default_output_device().and_then(|d| d.id().ok());
    let devices = host.output_devices().map_err(|e| {
        Error::new(
            Code::NotFound,
            format!("The sound system cannot list output devices ({e}). Check that audio works on this computer."),
        )
    })?;
    Ok(listed(devices, default.as_ref())
        .into_iter()
        .map(|(id, name, is_default)| OutputDevice {
            id,
            name,
            is_default,
        })
        .collect())
}

/// `(id, name, is_default)` of each device, the default first, then by name.
pub(crate) fn listed(
    devices: impl Iterator<Item = cpal::Device>,
    default: Option<&cpal::DeviceId>,
) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = devices
        .filter_map(|device| {
            let id = device.id().ok()?;
            Some((id.to_string(), device_name(&device), default == Some(&id)))
        })
        .collect();
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// The device with `id` on `host`, if it is there now.
pub(crate) fn find_output(host: &cpal::Host, id: &str) -> Option<cpal::Device> {
    let wanted: cpal::DeviceId = id.parse().ok()?;
    host.output_devices()
        .ok()?
        .find(|d| d.id().ok().as_ref() == Some(&wanted))
}

/// A device's name to show.
pub(crate) fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_owned())
        .or_else(|_| device.id().map(|id| id.to_string()))
        .unwrap_or_else(|_| "unknown device".to_owned())
}
