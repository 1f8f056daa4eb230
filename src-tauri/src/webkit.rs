//! WebKitGTK tuning for a small, quick desktop app (Linux only).
//!
//! A stock WebKitGTK webview under a software-rendered display holds well over 250 MB across
//! its processes. Switchboard's UI is a small single-page app that never navigates, so it gives
//! up what it does not use: GPU compositing (software GL buffers under Xvfb or without a GPU),
//! the back/forward page cache, and WebKit's browser-sized memory caches.

use tauri::{Runtime, WebviewWindow};
use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};

/// Set to `off` to keep WebKit's defaults (for comparison, or if a GPU driver needs them).
pub const ENV: &str = "SWITCHBOARD_WEBKIT_TUNING";

/// Applies the settings to `window`'s webview; a failure only costs memory, so it is logged.
pub fn tune<R: Runtime>(window: &WebviewWindow<R>) {
    if std::env::var(ENV).is_ok_and(|v| v == "off") {
        tracing::info!("WebKit tuning is off");
        return;
    }
    let result = window.with_webview(|platform| {
        let view = platform.inner();
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_page_cache(false);
            settings.set_enable_webgl(false);
            settings.set_enable_back_forward_navigation_gestures(false);
        }
    });
    if let Err(err) = result {
        tracing::warn!(error = %err, "could not tune the webview");
    }
}
