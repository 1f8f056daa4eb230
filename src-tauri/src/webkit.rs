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

/// Sets [`PROCESS_ENV`] unless tuning is off, and keeps EGL out of this process. Call first
/// thing in `main`, before any thread.
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
    without_egl_here();
}

/// The window's process draws nothing with GL (acceleration is off, frames come from the web
/// process in shared memory), yet WebKit opens an EGL display in it, which loads Mesa's
/// software driver and LLVM: about 22 MB. The web process does need EGL. libglvnd reads its
/// vendor list once per process, so this process reads an empty one now, and the variable is
/// gone again before WebKit starts its processes, which find Mesa as usual.
fn without_egl_here() {
    const VENDORS: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
    const EGL_EXTENSIONS: i32 = 0x3055;
    if std::env::var_os(VENDORS).is_some() {
        return;
    }
    // SAFETY: as above, no other thread exists yet.
    unsafe { std::env::set_var(VENDORS, "/dev/null") };
    // SAFETY: libEGL's initialisers only set up its dispatch; eglQueryString on no display is
    // the documented way to ask for client extensions, and makes libglvnd load its vendors.
    let loaded = unsafe { libloading::Library::new("libEGL.so.1") };
    match loaded {
        Ok(egl) => {
            type Query =
                unsafe extern "C" fn(*mut std::ffi::c_void, i32) -> *const std::ffi::c_char;
            // SAFETY: eglQueryString has this C signature.
            if let Ok(query) = unsafe { egl.get::<Query>(b"eglQueryString\0") } {
                // SAFETY: EGL_NO_DISPLAY with EGL_EXTENSIONS is valid; the answer is unused.
                unsafe { query(std::ptr::null_mut(), EGL_EXTENSIONS) };
            }
            // Keep libEGL, with its empty vendor list, for the process's life.
            std::mem::forget(egl);
        }
        Err(err) => tracing::debug!(error = %err, "no libEGL to keep out"),
    }
    // SAFETY: as above.
    unsafe { std::env::remove_var(VENDORS) };
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
