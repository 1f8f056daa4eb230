//! Calling commands: the setup and settings, tokens for the webview engine, live calls and
//! their controls, the call log and the ringtone preview.

use switchboard::cache::{CallLog, CallLogFilter};
use switchboard::calling::{
    CallControl, CallSettings, CallSetup, CallView, Capabilities, DialRequest, EngineKind,
    LineStatus, VoiceToken,
};
use switchboard::{Code, Error};
use tauri::{AppHandle, Runtime, State};
use tracing::instrument;

use crate::core::Core;
use crate::live_calls::LiveCalls;

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn call_setup(
    core: State<'_, Core>,
    calls: State<'_, LiveCalls>,
    capabilities: Capabilities,
) -> Result<CallSetup, Error> {
    let core = core.get().await?;
    let setup = core
        .call_setup(&capabilities, calls.calling.active())
        .await?;
    // The SIP line runs while the SIP engine is the one chosen, on the devices of Settings.
    if setup.choice.engine == EngineKind::Sip {
        let started = match core.line_setup().await {
            Ok((account, client, devices)) => {
                calls.calling.start_line(account, client, devices).await
            }
            Err(err) => Err(err),
        };
        if let Err(err) = started {
            tracing::warn!(error = %err.message, "the SIP line could not start");
            calls.line_failed(err.message);
        }
    } else {
        calls.calling.stop_line().await;
    }
    Ok(setup)
}

#[tauri::command(rename_all = "snake_case")]
pub fn sip_line(calls: State<'_, LiveCalls>) -> LineStatus {
    calls.line_status()
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn save_call_settings(
    core: State<'_, Core>,
    settings: CallSettings,
) -> Result<CallSettings, Error> {
    core.get().await?.save_call_settings(&settings).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn voice_token(core: State<'_, Core>) -> Result<VoiceToken, Error> {
    core.get().await?.voice_token().await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, fields(engine = ?request.engine), err(Debug))]
pub async fn start_call(
    core: State<'_, Core>,
    calls: State<'_, LiveCalls>,
    request: DialRequest,
) -> Result<CallView, Error> {
    let call = core.get().await?.prepare_call(&request).await?;
    Ok(calls
        .calling
        .place(call.client, call.engine, &call.to, &call.from))
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub fn attach_call(
    calls: State<'_, LiveCalls>,
    id: String,
    call_sid: String,
) -> Result<CallView, Error> {
    let sid = call_sid
        .parse()
        .map_err(|e: switchboard::sid::SidError| Error::new(Code::InvalidInput, e.message))?;
    calls.calling.attach(&id, &sid)
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, fields(control = ?control), err(Debug))]
pub async fn call_control(
    calls: State<'_, LiveCalls>,
    id: String,
    control: CallControl,
) -> Result<CallView, Error> {
    calls.calling.control(&id, control).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn incoming_call<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    calls: State<'_, LiveCalls>,
    call_sid: String,
    from: String,
    to: String,
) -> Result<CallView, Error> {
    let sid = call_sid
        .parse()
        .map_err(|e: switchboard::sid::SidError| Error::new(Code::InvalidInput, e.message))?;
    let core = core.get().await?;
    let known = calls.calling.get(&call_sid).is_some();
    let view = calls
        .calling
        .incoming(core.client().await?, sid, &from, &to);
    if !known {
        let device = core.call_settings().await?.ringtone_device;
        if let Err(err) = calls.ringtone.start(device, None) {
            tracing::warn!(error = %err.message, "the ringtone could not play");
        }
        crate::live_calls::announce(&app, &view);
    }
    Ok(view)
}

#[tauri::command(rename_all = "snake_case")]
pub fn active_calls(calls: State<'_, LiveCalls>) -> Vec<CallView> {
    calls.calling.active()
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn call_log(core: State<'_, Core>, filter: CallLogFilter) -> Result<CallLog, Error> {
    core.get().await?.call_log(&filter).await
}

#[tauri::command(rename_all = "snake_case")]
#[instrument(skip_all, err(Debug))]
pub async fn preview_ringtone(
    core: State<'_, Core>,
    calls: State<'_, LiveCalls>,
) -> Result<String, Error> {
    let device = core.get().await?.call_settings().await?.ringtone_device;
    calls.ringtone.start(device, Some(1))
}
