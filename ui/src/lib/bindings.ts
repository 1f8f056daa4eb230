// Generated from the Rust types in src/ by `cargo test --test bindings` with UPDATE_BINDINGS=1.
// Do not edit by hand: a test fails when this file and the Rust types differ.

export type Code = "invalid_input" | "unauthorized" | "forbidden" | "not_found" | "network" | "timeout" | "rate_limited" | "twilio" | "keychain" | "storage" | "not_configured" | "internal";

export type IpcError = { 
/**
 * The kind of failure.
 */
code: Code, 
/**
 * A sentence saying what went wrong and what to do about it.
 */
message: string, };

export type HelpTopic = "api_keys" | "account_sid";

export type AppStatus = { 
/**
 * Switchboard's version.
 */
version: string, 
/**
 * The active profile; `null` until an account is connected.
 */
profile: Profile | null, 
/**
 * Where the database and caches are.
 */
data_dir: string, 
/**
 * Where the log files are.
 */
log_dir: string, };

export type Profile = { 
/**
 * The user's name for it, unique.
 */
name: string, 
/**
 * The account.
 */
account_sid: string, 
/**
 * The account's friendly name, as Twilio reported it when last checked.
 */
account_name: string | null, 
/**
 * The API key requests authenticate with.
 */
api_key_sid: string, 
/**
 * Twilio region (e.g. `ie1`), when not the default.
 */
region: string | null, 
/**
 * Twilio edge (e.g. `dublin`), when not the default.
 */
edge: string | null, 
/**
 * The subaccount requests act on with the parent's key, when one is chosen.
 */
subaccount_sid: string | null, };

export type CredentialsInput = { 
/**
 * `AC…`, from the Twilio Console's account dashboard.
 */
account_sid: string, 
/**
 * `SK…`, from the API key's page.
 */
api_key_sid: string, 
/**
 * The key's secret, shown once when the key is created.
 */
api_key_secret: string, 
/**
 * The profile's name; `default` when absent.
 */
profile_name?: string, };

export type CredentialFieldErrors = { 
/**
 * Problem with the Account SID.
 */
account_sid: string | null, 
/**
 * Problem with the API key SID.
 */
api_key_sid: string | null, 
/**
 * Problem with the API key secret.
 */
api_key_secret: string | null, 
/**
 * Problem with the profile name.
 */
profile_name: string | null, };

export type SyncStatus = { 
/**
 * When every resource last finished syncing (Unix seconds); `null` before the first sync.
 */
last_synced_at: number | null, 
/**
 * Whether the data is older than [`STALE_AFTER_SECONDS`] (or never synced).
 */
stale: boolean, 
/**
 * Local changes (deletes) waiting to reach Twilio.
 */
pending_changes: number, 
/**
 * Unread voicemails in the cache.
 */
unread_voicemails: number, };

export type SyncProgress = { 
/**
 * The resource being synced.
 */
resource: string, 
/**
 * Rows fetched so far in this run.
 */
done: number, };

export type SyncReport = { 
/**
 * One entry per resource, in sync order.
 */
resources: Array<ResourceReport>, };

export type ResourceReport = { 
/**
 * `calls`, `recordings` or `transcriptions`.
 */
resource: string, 
/**
 * Pages requested in this run (including a resumed run's earlier pages).
 */
pages: number, 
/**
 * Rows Twilio sent.
 */
fetched: number, 
/**
 * Rows stored (inserted or updated).
 */
stored: number, 
/**
 * Rows that could not be read and were skipped.
 */
skipped: number, 
/**
 * Rows removed because Twilio no longer has them.
 */
removed: number, 
/**
 * Whether this run continued one that was interrupted.
 */
resumed: boolean, 
/**
 * Whether this run read everything (the first sync, or a rebuild).
 */
full: boolean, 
/**
 * Rows stored by the catch-up that follows a resumed run: what reached Twilio above the
 * place it resumed from while it was interrupted.
 */
caught_up: number, };

export type OwnedNumber = { 
/**
 * `PN…`
 */
sid: string, 
/**
 * E.164.
 */
phone_number: string, 
/**
 * Formatted for people.
 */
display: string, 
/**
 * The user's name for it.
 */
friendly_name: string | null, 
/**
 * Voice, SMS, MMS, fax.
 */
voice: boolean, 
/**
 * SMS.
 */
sms: boolean, 
/**
 * MMS.
 */
mms: boolean, 
/**
 * How its calls are handled.
 */
routing: Routing, 
/**
 * Where Twilio asks what to do with its calls, as set on the number.
 */
voice_url: string | null, };

export type Routing = { "kind": "switchboard" } | { "kind": "webhook", 
/**
 * The URL.
 */
url: string, 
/**
 * `GET` or `POST`.
 */
method: string, } | { "kind": "forward", 
/**
 * Where calls go (E.164).
 */
to: string, } | { "kind": "application", 
/**
 * The app.
 */
sid: string, } | { "kind": "none" };

export type OfferedNumber = { 
/**
 * E.164.
 */
phone_number: string, 
/**
 * Formatted for people.
 */
display: string, 
/**
 * City and region, when known.
 */
place: string | null, 
/**
 * Voice, SMS, MMS.
 */
voice: boolean, 
/**
 * SMS.
 */
sms: boolean, 
/**
 * MMS.
 */
mms: boolean, 
/**
 * Needs an address on file (`none`, `any`, `local`, `foreign`).
 */
address_requirements: string | null, };

export type NumberSearch = { 
/**
 * ISO country code.
 */
country: string, 
/**
 * Local, toll-free or mobile.
 */
kind: NumberType, 
/**
 * Area code (US and Canada).
 */
area_code?: number, 
/**
 * Digits or letters; `*` matches any digit.
 */
contains?: string, 
/**
 * Must take SMS.
 */
sms: boolean, 
/**
 * Must take MMS.
 */
mms: boolean, };

export type NumberType = "local" | "toll_free" | "mobile";

export type SearchResult = { 
/**
 * Up to 30 numbers.
 */
numbers: Array<OfferedNumber>, 
/**
 * The monthly price of a number of this type and country, when Twilio's pricing said.
 */
monthly_price: string | null, 
/**
 * The currency of the price.
 */
price_unit: string | null, };

export type NumberChange = { 
/**
 * A new name (empty to clear).
 */
friendly_name?: string, 
/**
 * New call handling.
 */
routing?: Routing, };

export type RoutingStatus = { 
/**
 * The service (`ZS…`).
 */
service_sid: string, 
/**
 * The environment's domain, such as `switchboard-routing-1234-prod.twil.io`.
 */
domain: string | null, 
/**
 * The voice URL routed numbers use.
 */
inbound_url: string | null, 
/**
 * The TwiML App for outgoing calls.
 */
application_sid: string | null, 
/**
 * The build serving now.
 */
build_sid: string | null, 
/**
 * Whether the deployed code is this app's (else `switchboard routing deploy` updates it).
 */
code_current: boolean, };

export type GreetingsOverview = { 
/**
 * IANA time zone of the schedules.
 */
time_zone: string, 
/**
 * Words text-to-speech says differently.
 */
pronunciations: Array<Pronunciation>, 
/**
 * Every greeting, in the routing's order.
 */
greetings: Array<GreetingRow>, };

export type GreetingRow = { 
/**
 * The user's name for it, unique per account.
 */
name: string, 
/**
 * Whether the routing may play it.
 */
active: boolean, 
/**
 * The greeting itself.
 */
greeting: Greeting, };

export type Greeting = { 
/**
 * Stable identifier.
 */
id: string, 
/**
 * When it plays.
 */
kind: GreetingKind, 
/**
 * Recorded audio (played with `<Play>`); wins over `say`.
 */
url?: string | null, 
/**
 * Text to speech.
 */
say?: Say | null, 
/**
 * Opening hours, for after-hours greetings.
 */
open?: Array<OpeningHours> | null, 
/**
 * First local date (`YYYY-MM-DD`), for holidays.
 */
from?: string | null, 
/**
 * Last local date, inclusive, for holidays.
 */
to?: string | null, };

export type GreetingKind = "default" | "after_hours" | "holiday";

export type Say = { 
/**
 * The words.
 */
text: string, 
/**
 * An Amazon Polly voice Twilio supports, such as `Polly.Joanna-Neural`.
 */
voice?: string | null, 
/**
 * The language, such as `en-US`.
 */
language?: string | null, };

export type OpeningHours = { 
/**
 * 0 is Sunday … 6 is Saturday.
 */
days: Array<number>, 
/**
 * `HH:MM`.
 */
from: string, 
/**
 * `HH:MM`, or `24:00` for the end of the day.
 */
to: string, };

export type GreetingInput = { 
/**
 * Its name.
 */
name: string, 
/**
 * When it plays.
 */
kind: GreetingKind, 
/**
 * What is spoken.
 */
say: Say, 
/**
 * Opening hours, for after-hours greetings.
 */
open?: Array<OpeningHours>, 
/**
 * First local date, for holidays.
 */
from?: string, 
/**
 * Last local date, for holidays.
 */
to?: string, };

export type GreetingsEdit = { "op": "add", "value": GreetingInput } | { "op": "activate", "value": string } | { "op": "remove", "value": string } | { "op": "time_zone", "value": string } | { "op": "pronounce", "value": Pronunciation } | { "op": "unpronounce", "value": string };

export type GreetingsPublished = { 
/**
 * The deployed routing plays the new greetings from the next call.
 */
live: boolean, 
/**
 * Why not, when not (not deployed, or Twilio could not be reached).
 */
note: string | null, };

export type Pronunciation = { 
/**
 * The word as written, such as `PixlyPro`.
 */
term: string, 
/**
 * What to say instead, such as `Pixly Pro`.
 */
say_as: string, };

export type Voicemail = { 
/**
 * The recording.
 */
recording_sid: string, 
/**
 * The call it was left on.
 */
call_sid: string | null, 
/**
 * Who called (E.164, or `client:…`), once the call is synced.
 */
caller: string | null, 
/**
 * The caller's number formatted for people: nationally when it is of the called
 * number's country, internationally otherwise.
 */
caller_display: string | null, 
/**
 * Caller ID name, when Twilio looked it up.
 */
caller_name: string | null, 
/**
 * The number that was called.
 */
called: string | null, 
/**
 * When it was left, Unix seconds.
 */
created_at: number, 
/**
 * Length in seconds.
 */
duration: number | null, 
/**
 * `completed`, or `processing` while Twilio prepares the audio.
 */
recording_status: string | null, 
/**
 * The transcription, when there is one.
 */
transcription_sid: string | null, 
/**
 * `in-progress`, `completed`, `failed`, or `null` for none.
 */
transcription_status: string | null, 
/**
 * The transcript text.
 */
transcript: string | null, 
/**
 * `unread`, `read`, `archived` or `deleted`.
 */
state: string, 
/**
 * Where the audio is cached, once downloaded.
 */
audio_path: string | null, 
/**
 * The S3 key of its archived copy, once uploaded and verified.
 */
archive_key: string | null, };

export type VoicemailFilter = "all" | "unread" | "archived";

export type VoicemailAction = "read" | "unread" | "archive" | "delete" | "restore";

export type PlaybackState = "idle" | "loading" | "playing" | "paused" | "ended" | "failed";

export type Playback = { 
/**
 * The voicemail loaded; `null` when idle.
 */
recording_sid: string | null, 
/**
 * Where the player is.
 */
state: PlaybackState, 
/**
 * Position in the message.
 */
position_ms: number, 
/**
 * The message's length.
 */
duration_ms: number, 
/**
 * Playback speed, 0.75 to 2.
 */
speed: number, 
/**
 * Volume, 0 to 1.
 */
volume: number, 
/**
 * The output device in use, by name.
 */
device: string | null, 
/**
 * Something to know that is not a failure (a device that went away).
 */
notice: string | null, 
/**
 * Why playback failed.
 */
error: PlaybackError | null, };

export type PlaybackError = { 
/**
 * The kind of failure.
 */
code: Code, 
/**
 * What went wrong and what to do.
 */
message: string, 
/**
 * Whether downloading the audio again may help.
 */
redownload: boolean, };

export type PlaybackControl = { "kind": "pause" } | { "kind": "resume" } | { "kind": "seek", 
/**
 * Where, clamped to the message.
 */
position_ms: number, } | { "kind": "speed", 
/**
 * The factor.
 */
speed: number, } | { "kind": "volume", 
/**
 * The level.
 */
volume: number, } | { "kind": "stop" };

export type Waveform = { 
/**
 * The voicemail.
 */
recording_sid: string, 
/**
 * [`audio::PEAK_BUCKETS`] values in 0..=1 over the whole message.
 */
peaks: Array<number>, 
/**
 * The message's decoded length.
 */
duration_ms: number, };

export type OutputDevice = { 
/**
 * cpal's stable identifier (`host:device`), what Settings remembers.
 */
id: string, 
/**
 * The name to show.
 */
name: string, 
/**
 * Whether it is the system's default output.
 */
is_default: boolean, };

export type AudioOutputs = { 
/**
 * What the system offers now.
 */
devices: Array<OutputDevice>, 
/**
 * The chosen device's id; `null` follows the system default.
 */
selected: string | null, };

export type ArchiveSettings = { 
/**
 * A custom endpoint (MinIO, R2, a local server); `null` for AWS.
 */
endpoint: string | null, 
/**
 * The bucket's region.
 */
region: string, 
/**
 * The bucket.
 */
bucket: string, 
/**
 * Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need.
 */
path_style: boolean, 
/**
 * The access key id; its secret is in the keychain.
 */
access_key_id: string, 
/**
 * Delete a voicemail from Twilio once its archived copy is verified.
 */
delete_from_twilio: boolean, };

export type ArchiveSettingsInput = { 
/**
 * As [`ArchiveSettings::endpoint`].
 */
endpoint: string | null, 
/**
 * As [`ArchiveSettings::region`].
 */
region: string, 
/**
 * As [`ArchiveSettings::bucket`].
 */
bucket: string, 
/**
 * As [`ArchiveSettings::path_style`].
 */
path_style: boolean, 
/**
 * As [`ArchiveSettings::access_key_id`].
 */
access_key_id: string, 
/**
 * The secret access key; `null` keeps the one stored.
 */
secret_access_key: string | null, 
/**
 * As [`ArchiveSettings::delete_from_twilio`].
 */
delete_from_twilio: boolean, };

export type ArchiveOutcome = { 
/**
 * The voicemail.
 */
recording_sid: string, 
/**
 * The S3 key of the verified copy; `null` when no archive is configured (archived
 * locally only).
 */
key: string | null, 
/**
 * The size verified.
 */
bytes: number | null, 
/**
 * The SHA-256 verified, hex.
 */
sha256: string | null, 
/**
 * A delete from Twilio was queued (only after verification, and only when set).
 */
delete_queued: boolean, };

export type RetentionPolicy = { 
/**
 * Delete recordings (voicemail and call recordings) and their transcriptions from Twilio
 * once older than this many days; `null` keeps them.
 */
recordings_days: number | null, 
/**
 * Only recordings with a verified copy in the S3 archive.
 */
only_archived: boolean, 
/**
 * Prune cached voicemail audio to this many bytes, least recently played first; `null`
 * keeps it all.
 */
audio_budget_bytes: number | null, 
/**
 * Keep the local call log this many days; `null` keeps it all.
 */
call_log_days: number | null, };

export type StoredPolicy = { 
/**
 * The policy.
 */
policy: RetentionPolicy, 
/**
 * When it last changed, Unix seconds (`null`: never set).
 */
updated_at: number | null, 
/**
 * When the user confirmed it; `null` until then, and again after each change.
 */
confirmed_at: number | null, };

export type RetentionStatus = { 
/**
 * The stored policy and its confirmation.
 */
policy: StoredPolicy, 
/**
 * The latest run, with its progress.
 */
last_run: RetentionRun | null, 
/**
 * Deletions waiting for Twilio, across runs.
 */
waiting: number, 
/**
 * Whether an S3 archive is set up (without one, "only archived" keeps every recording).
 */
archive_configured: boolean, };

export type ExpiringRecording = { 
/**
 * The recording.
 */
recording_sid: string, 
/**
 * A voicemail (`true`) or a call recording.
 */
voicemail: boolean, 
/**
 * When it was made, Unix seconds.
 */
created_at: number, 
/**
 * Who called, formatted when known.
 */
caller: string | null, 
/**
 * Its length in seconds.
 */
duration: number | null, 
/**
 * Whether a verified copy is in the S3 archive (it stays listed, playable from there).
 */
archived: boolean, 
/**
 * Whether its audio is cached on this computer (kept: then the only copy).
 */
local_copy: boolean, 
/**
 * Its transcriptions, deleted with it.
 */
transcriptions: number, };

export type PrunedAudio = { 
/**
 * The voicemail.
 */
recording_sid: string, 
/**
 * The file's size.
 */
bytes: number, 
/**
 * When it was last played (or downloaded), Unix seconds.
 */
last_used_at: number, };

export type RetentionPreview = { 
/**
 * The moment the cut-offs are computed from; confirming this preview runs as of it.
 */
as_of: number, 
/**
 * The policy previewed, and when it changed (a confirmation names it).
 */
policy: StoredPolicy, 
/**
 * Recordings made before this are deleted from Twilio.
 */
recordings_before: number | null, 
/**
 * The recordings deleted from Twilio, oldest first (at most the limit asked).
 */
recordings: Array<ExpiringRecording>, 
/**
 * All of them.
 */
recordings_total: number, 
/**
 * How many of them are voicemails.
 */
voicemails_total: number, 
/**
 * Transcriptions deleted with them.
 */
transcriptions_total: number, 
/**
 * Old enough, but kept: no verified archived copy (when the policy asks for one).
 */
kept_unarchived: number, 
/**
 * Cached audio removed, least recently played first (at most the limit asked).
 */
audio: Array<PrunedAudio>, 
/**
 * All of it: files.
 */
audio_files_total: number, 
/**
 * All of it: bytes.
 */
audio_bytes_total: number, 
/**
 * Cached audio on this computer now, bytes.
 */
audio_bytes_cached: number, 
/**
 * Calls removed from the local call log (not from Twilio).
 */
calls_total: number, 
/**
 * Calls made before this leave the local call log.
 */
calls_before: number | null, };

export type RetentionRun = { 
/**
 * The run.
 */
id: number, 
/**
 * When it started, Unix seconds.
 */
started_at: number, 
/**
 * The moment its cut-offs were computed from.
 */
as_of: number, 
/**
 * Recordings queued for deletion on Twilio.
 */
recordings: number, 
/**
 * Transcriptions queued for deletion on Twilio.
 */
transcriptions: number, 
/**
 * Cached audio files removed.
 */
audio_files: number, 
/**
 * Their bytes.
 */
audio_bytes: number, 
/**
 * Calls removed from the local call log.
 */
calls: number, 
/**
 * Deletions Twilio confirmed.
 */
done: number, 
/**
 * Deletions waiting (some may have failed and will be tried again).
 */
waiting: number, 
/**
 * The last failure of a waiting deletion, if any.
 */
last_error: string | null, };

export type RetentionLogEntry = { 
/**
 * When it was deleted (`null`: not yet).
 */
at: number | null, 
/**
 * `recording`, `transcription` (on Twilio), `audio` or `calls` (on this computer).
 */
kind: string, 
/**
 * The SID, or for calls the cut-off.
 */
target: string, 
/**
 * What it was, in words.
 */
detail: string, 
/**
 * Why the last attempt failed, for a deletion still waiting.
 */
error: string | null, };

export type InputDevice = { 
/**
 * cpal's identifier (`host:device`).
 */
id: string, 
/**
 * The name to show.
 */
name: string, 
/**
 * Whether it is the system's default input.
 */
is_default: boolean, };

export type AudioInputs = { 
/**
 * What the system offers now.
 */
devices: Array<InputDevice>, 
/**
 * The chosen device's id; `null` follows the system default.
 */
selected: string | null, };

export type Level = { 
/**
 * Root mean square, 0..=1.
 */
rms: number, 
/**
 * The loudest sample, 0..=1.
 */
peak: number, 
/**
 * Time recorded so far.
 */
elapsed_ms: number, };

export type Trim = { 
/**
 * First millisecond kept.
 */
start_ms: number, 
/**
 * First millisecond dropped at the end.
 */
end_ms: number, };

export type TakeSummary = { 
/**
 * The whole take's length.
 */
duration_ms: number, 
/**
 * The trim found automatically (the user may move it).
 */
trim: Trim, 
/**
 * 400 peaks over the whole take, 0..=1, for drawing it with the trim handles.
 */
peaks: Array<number>, 
/**
 * The device it was recorded from.
 */
device: string, };

export type GreetingsHosting = { 
/**
 * Whether an S3 bucket is set up (Settings); without one only text-to-speech works.
 */
configured: boolean, 
/**
 * The public address greetings are served from.
 */
public_base: string | null, 
/**
 * The bucket policy that makes only `greetings/` publicly readable.
 */
policy: string | null, 
/**
 * Whether the bucket has that policy now (`null`: it cannot be read).
 */
policy_applied: boolean | null, };

export type RecordedGreetingInput = { 
/**
 * Its name; an existing greeting of that name gets the new audio.
 */
name: string, 
/**
 * When it plays (for a new greeting).
 */
kind: GreetingKind, 
/**
 * Opening hours, for after-hours greetings.
 */
open?: Array<OpeningHours>, 
/**
 * First local date, for holidays.
 */
from?: string, 
/**
 * Last local date, for holidays.
 */
to?: string, 
/**
 * The part of the take to keep.
 */
trim: Trim, };

export type EngineKind = "webview" | "bridge" | "sip";

export type EnginePreference = "auto" | "webview" | "bridge" | "sip";

export type Capabilities = { 
/**
 * `RTCPeerConnection` exists in the window.
 */
webrtc: boolean, 
/**
 * `navigator.mediaDevices.getUserMedia` exists in the window.
 */
microphone: boolean, };

export type EngineChoice = { 
/**
 * The engine.
 */
engine: EngineKind, 
/**
 * What Settings asked for.
 */
preference: EnginePreference, 
/**
 * A sentence saying why this engine, shown in the dialer.
 */
reason: string, 
/**
 * Whether the webview engine could run in this window.
 */
webview_available: boolean, 
/**
 * Whether this desktop has a SIP account (the SIP engine could run).
 */
sip_available: boolean, 
/**
 * What must be fixed before a call can be placed, if anything.
 */
blocker: string | null, };

export type CallSettings = { 
/**
 * Which engine to use.
 */
engine: EnginePreference, 
/**
 * The user's own phone, E.164, which the bridge engine rings first.
 */
bridge_phone: string | null, 
/**
 * Incoming calls ring that phone too, alongside the app (the routing forwards to it).
 */
ring_bridge_phone: boolean, 
/**
 * The caller ID calls are placed with by default.
 */
caller_id: string | null, 
/**
 * The output device (as listed by the core) the ringtone plays on; the default when
 * absent.
 */
ringtone_device: string | null, 
/**
 * The window's microphone (a browser `deviceId`) for the webview engine.
 */
microphone: string | null, 
/**
 * The window's speaker (a browser `deviceId`) for the webview engine.
 */
speaker: string | null, 
/**
 * The microphone (as listed by the core) of the SIP engine; the default when absent.
 */
sip_microphone: string | null, 
/**
 * The speaker (as listed by the core) of the SIP engine; the default when absent.
 */
sip_speaker: string | null, };

export type CallerId = { 
/**
 * E.164.
 */
number: string, 
/**
 * Formatted for people.
 */
display: string, 
/**
 * The user's name for it.
 */
friendly_name: string | null, };

export type CallSetup = { 
/**
 * The engine and why.
 */
choice: EngineChoice, 
/**
 * The calling settings.
 */
settings: CallSettings, 
/**
 * The account's voice numbers.
 */
caller_ids: Array<CallerId>, 
/**
 * Why `caller_ids` could not be read, if it could not.
 */
caller_ids_error: string | null, 
/**
 * The caller ID to preselect: the Settings default while the account still owns it,
 * else the first voice number.
 */
caller_id: string | null, 
/**
 * The country of that caller ID (ISO alpha-2), for reading numbers typed without `+`.
 */
country: string | null, 
/**
 * The Voice SDK identity of this profile's desktop.
 */
identity: string, 
/**
 * Calls in progress.
 */
active: Array<CallView>, };

export type VoiceToken = { 
/**
 * The signed JWT.
 */
token: string, 
/**
 * The client identity it registers.
 */
identity: string, 
/**
 * When it expires, Unix seconds.
 */
expires_at: number, };

export type DialRequest = { 
/**
 * The number as typed.
 */
to: string, 
/**
 * ISO country the number is read in when it has no `+` (the dialer's country picker).
 */
country: string | null, 
/**
 * The caller ID; the Settings default (or the first voice number) when absent.
 */
from: string | null, 
/**
 * The engine that brings the user in.
 */
engine: EngineKind, };

export type CallControl = { "action": "answer" } | { "action": "hangup" } | { "action": "left", 
/**
 * What the window knows, to show when the other party is still there.
 */
reason: string | null, } | { "action": "hold" } | { "action": "resume" } | { "action": "mute", 
/**
 * Muted.
 */
on: boolean, } | { "action": "transfer", 
/**
 * The number, as typed.
 */
to: string, 
/**
 * Country for a number without `+`.
 */
country: string | null, } | { "action": "digits", 
/**
 * `0`-`9`, `*`, `#`, and `w` for a half-second pause.
 */
digits: string, } | { "action": "start_recording" } | { "action": "pause_recording" } | { "action": "resume_recording" } | { "action": "stop_recording" };

export type CallPhase = "placing" | "calling_you" | "ringing" | "in_progress" | "ended";

export type CallDirection = "outbound" | "inbound";

export type RecordingState = "off" | "on" | "paused";

export type CallQuality = { 
/**
 * The codec, e.g. `PCMU`.
 */
codec: string, 
/**
 * Whether the sound travels encrypted (SRTP) both ways.
 */
encrypted: boolean, 
/**
 * Interarrival jitter of what the far end sends (RFC 3550), milliseconds.
 */
jitter_ms: number, 
/**
 * Share of the far end's packets that never arrived, percent.
 */
loss_percent: number, 
/**
 * Round trip, milliseconds, once the far end's RTCP report about our stream came.
 */
rtt_ms: number | null, 
/**
 * Delay added on this end: the jitter buffer plus one packet, milliseconds.
 */
delay_ms: number, 
/**
 * E-model (ITU-T G.107) estimate from loss, codec and the one-way delay (this end's plus
 * half the round trip), 1 to 4.5.
 */
mos: number, 
/**
 * Packets received.
 */
received: number, 
/**
 * The far end's packets that never arrived.
 */
lost: number, 
/**
 * Times the speaker found nothing of the far end's sound buffered (a gap).
 */
underruns: number, 
/**
 * 20 ms frames made up for lost or late packets.
 */
concealed: number, };

export type CallView = { 
/**
 * The call's own name (its conference's friendly name for outbound calls).
 */
id: string, 
/**
 * The engine carrying the user's voice.
 */
engine: EngineKind, 
/**
 * Outbound or inbound.
 */
direction: CallDirection, 
/**
 * The other party, E.164 (or an address such as `client:…` as Twilio reports it).
 */
remote: string, 
/**
 * `remote` formatted for people.
 */
remote_display: string, 
/**
 * The account's number the other party sees (outbound) or that was called (inbound).
 */
caller_id: string, 
/**
 * Where it stands.
 */
phase: CallPhase, 
/**
 * The other party is on hold, hearing music.
 */
on_hold: boolean, 
/**
 * The user's microphone is muted.
 */
muted: boolean, 
/**
 * Recording state.
 */
recording: RecordingState, 
/**
 * The user's leg (`CA…`) once known.
 */
you_sid: string | null, 
/**
 * The other party's leg once dialed.
 */
them_sid: string | null, 
/**
 * When the other party answered, Unix milliseconds.
 */
answered_at: number | null, 
/**
 * When it ended, Unix milliseconds.
 */
ended_at: number | null, 
/**
 * How it ended: a sentence for people.
 */
end_reason: string | null, 
/**
 * Something the user should know now (lost contact with Twilio, a control that failed).
 */
notice: string | null, 
/**
 * Live quality of a SIP call, measured on this end.
 */
quality: CallQuality | null, 
/**
 * Counts this call's changes: a command's answer and the `call://state` events can
 * arrive in either order, and the higher revision is the newer state.
 */
revision: number, };

export type LineState = "off" | "registering" | "registered" | "retrying" | "refused";

export type LineStatus = { 
/**
 * Where it stands.
 */
state: LineState, 
/**
 * The address calls ring, `sip:user@domain`.
 */
address: string | null, 
/**
 * Why it is not registered, for people.
 */
reason: string | null, 
/**
 * Seconds until the next attempt, while retrying.
 */
next_in: number | null, };

export type CallLogDirection = "inbound" | "outbound";

export type CallLogOutcome = "answered" | "missed" | "unanswered";

export type CallLogFilter = { 
/**
 * Only this direction.
 */
direction: CallLogDirection | null, 
/**
 * Only this outcome.
 */
outcome: CallLogOutcome | null, 
/**
 * Only calls created at or after this, Unix seconds.
 */
since: number | null, 
/**
 * Only calls created before this, Unix seconds.
 */
until: number | null, 
/**
 * Digits that must appear in the other party's number.
 */
number: string | null, 
/**
 * Leave out calls to this number (the bridge phone).
 */
hide_to: string | null, 
/**
 * Rows to return (default 100, at most 500).
 */
limit: number | null, };

export type CallLogEntry = { 
/**
 * The call.
 */
sid: string, 
/**
 * `inbound` or `outbound`.
 */
direction: CallLogDirection, 
/**
 * How it ended, as the log groups it.
 */
outcome: CallLogOutcome, 
/**
 * Twilio's final status (`completed`, `busy`, …).
 */
status: string, 
/**
 * Who called.
 */
from_number: string | null, 
/**
 * Who was called.
 */
to_number: string | null, 
/**
 * The other party (the caller of an incoming call, the callee of an outgoing one).
 */
remote: string | null, 
/**
 * `remote` formatted for people.
 */
remote_display: string | null, 
/**
 * Caller ID name, when Twilio looked it up.
 */
caller_name: string | null, 
/**
 * When Twilio created it, Unix seconds.
 */
created_at: number, 
/**
 * When it started, Unix seconds.
 */
started_at: number | null, 
/**
 * Seconds.
 */
duration: number | null, 
/**
 * Cost as Twilio reports it (negative).
 */
price: string | null, 
/**
 * Currency of `price`.
 */
price_unit: string | null, 
/**
 * A recording of the call (a voicemail, or a call recording), if any.
 */
recording_sid: string | null, 
/**
 * Whether that recording is a voicemail (in the inbox).
 */
voicemail: boolean, };

export type CallSummary = { 
/**
 * Calls.
 */
total: number, 
/**
 * Incoming calls.
 */
inbound: number, 
/**
 * Outgoing calls.
 */
outbound: number, 
/**
 * Missed incoming calls.
 */
missed: number, 
/**
 * Average length of the calls that connected, seconds.
 */
average_duration: number | null, 
/**
 * What they cost, as a positive amount in `cost_unit`.
 */
total_cost: number | null, 
/**
 * The currency of `total_cost` (the most used one when calls were billed in several).
 */
cost_unit: string | null, };

export type CallLog = { 
/**
 * Newest first.
 */
calls: Array<CallLogEntry>, 
/**
 * Totals over every match.
 */
summary: CallSummary, };

/** Every command: its arguments and its result. */
export interface Commands {
  app_status: { args: Record<string, never>; returns: AppStatus };
  validate_credentials: { args: { input: CredentialsInput }; returns: CredentialFieldErrors };
  connect_account: { args: { input: CredentialsInput }; returns: Profile };
  open_help: { args: { topic: HelpTopic }; returns: null };
  sync_status: { args: Record<string, never>; returns: SyncStatus | null };
  sync_now: { args: Record<string, never>; returns: SyncReport };
  rebuild_cache: { args: Record<string, never>; returns: SyncReport };
  check_deletions: { args: Record<string, never>; returns: SyncReport };
  list_numbers: { args: Record<string, never>; returns: Array<OwnedNumber> };
  search_numbers: { args: { search: NumberSearch }; returns: SearchResult };
  buy_number: { args: { phone_number: string | null; area_code?: string | null; friendly_name: string | null; wire: boolean }; returns: OwnedNumber };
  update_number: { args: { sid: string; change: NumberChange }; returns: OwnedNumber };
  release_number: { args: { sid: string; typed: string }; returns: null };
  routing_status: { args: Record<string, never>; returns: RoutingStatus | null };
  deploy_routing: { args: Record<string, never>; returns: RoutingStatus };
  remove_routing: { args: Record<string, never>; returns: boolean };
  list_greetings: { args: Record<string, never>; returns: GreetingsOverview };
  change_greetings: { args: { edit: GreetingsEdit }; returns: GreetingsPublished };
  preview_greeting: { args: { local: string }; returns: string | null };
  list_voicemails: { args: { filter: VoicemailFilter; limit: number }; returns: Array<Voicemail> };
  search_voicemails: { args: { query: string }; returns: Array<Voicemail> };
  voicemail_action: { args: { recording_sid: string; action: VoicemailAction }; returns: null };
  play_voicemail: { args: { recording_sid: string; position_ms: number | null }; returns: Playback };
  playback_control: { args: { control: PlaybackControl }; returns: Playback };
  playback_status: { args: Record<string, never>; returns: Playback };
  voicemail_waveform: { args: { recording_sid: string }; returns: Waveform };
  redownload_voicemail: { args: { recording_sid: string }; returns: Waveform };
  save_voicemail_audio: { args: { recording_sid: string }; returns: string };
  audio_outputs: { args: Record<string, never>; returns: AudioOutputs };
  set_output_device: { args: { id: string | null }; returns: AudioOutputs };
  archive_settings: { args: Record<string, never>; returns: ArchiveSettings | null };
  save_archive_settings: { args: { input: ArchiveSettingsInput }; returns: ArchiveSettings };
  clear_archive_settings: { args: Record<string, never>; returns: null };
  archive_voicemail: { args: { recording_sid: string }; returns: ArchiveOutcome };
  retention_status: { args: Record<string, never>; returns: RetentionStatus };
  set_retention: { args: { policy: RetentionPolicy }; returns: RetentionStatus };
  retention_preview: { args: { limit: number }; returns: RetentionPreview };
  confirm_retention: { args: { as_of: number; policy_updated_at: number }; returns: RetentionRun };
  stop_retention: { args: Record<string, never>; returns: RetentionStatus };
  retention_log: { args: { limit: number }; returns: Array<RetentionLogEntry> };
  audio_inputs: { args: Record<string, never>; returns: AudioInputs };
  set_input_device: { args: { id: string | null }; returns: AudioInputs };
  start_recording: { args: Record<string, never>; returns: null };
  stop_recording: { args: Record<string, never>; returns: TakeSummary };
  discard_take: { args: Record<string, never>; returns: null };
  preview_take: { args: { trim: Trim }; returns: Playback };
  publish_take: { args: { input: RecordedGreetingInput }; returns: GreetingsPublished };
  greetings_hosting: { args: Record<string, never>; returns: GreetingsHosting };
  apply_greetings_policy: { args: Record<string, never>; returns: GreetingsHosting };
  call_setup: { args: { capabilities: Capabilities }; returns: CallSetup };
  save_call_settings: { args: { settings: CallSettings }; returns: CallSettings };
  voice_token: { args: Record<string, never>; returns: VoiceToken };
  start_call: { args: { request: DialRequest }; returns: CallView };
  attach_call: { args: { id: string; call_sid: string }; returns: CallView };
  call_control: { args: { id: string; control: CallControl }; returns: CallView };
  incoming_call: { args: { call_sid: string; from: string; to: string }; returns: CallView };
  active_calls: { args: Record<string, never>; returns: Array<CallView> };
  call_log: { args: { filter: CallLogFilter }; returns: CallLog };
  preview_ringtone: { args: Record<string, never>; returns: string };
  sip_line: { args: Record<string, never>; returns: LineStatus };
}

/** Every event: its payload. */
export interface Events {
  "profile://changed": Profile;
  "sync://progress": SyncProgress;
  "sync://finished": SyncStatus;
  "sync://failed": IpcError;
  "playback://state": Playback;
  "voicemail://heard": string;
  "voicemail://new": Voicemail;
  "voicemail://open": string | null;
  "recording://level": Level;
  "recording://stopped": TakeSummary;
  "call://state": CallView;
  "call://answer": string;
  "call://decline": string;
  "sip://line": LineStatus;
}

/** Every error code, for exhaustive switches. */
export const ERROR_CODES = ["invalid_input", "unauthorized", "forbidden", "not_found", "network", "timeout", "rate_limited", "twilio", "keychain", "storage", "not_configured", "internal"] as const satisfies readonly Code[];
