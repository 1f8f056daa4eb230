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

/// What the process environment sets before GTK and WebKit start, each only when the user has
/// not set it. Measured idle under Xvfb (`scripts/bench-window.sh`), the whole tree drops from
/// 240 to about 220 MB PSS:
/// - `GDK_GL=disable`: GTK never opens a GL context for the window (it draws in software).
/// - `WEBKIT_DISABLE_DMABUF_RENDERER=1`: no DMA-BUF buffers between the processes.
/// - `JSC_useJIT=0`: the UI's small script runs in JavaScriptCore's interpreter, without JIT
///   code and its memory (6 MB).
/// - `GALLIUM_DRIVER=softpipe`: the EGL display WebKit insists on creating does not start
///   llvmpipe's compiler (nothing is drawn with GL: hardware acceleration is off).
pub const PROCESS_ENV: &[(&str, &str)] = &[
    ("GDK_GL", "disable"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("JSC_useJIT", "0"),
    ("GALLIUM_DRIVER", "softpipe"),
];

/// Sets [`PROCESS_ENV`] unless tuning is off. Call first thing in `main`, before any thread.
pub fn tune_process() {
    if std::env::var(ENV).is_ok_and(|v| v == "off") {
        return;
    }
    for (name, value) in PROCESS_ENV {
        if std::env::var_os(name).is_none() {
            // SAFETY: called at the start of `main`, before any other thread exists, so no
            // thread can be reading the environment concurrently.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

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
