// A Twilio-shaped server for the real-window voicemail test (the node twin of
// tests/support/fake_twilio.rs): the account check, the call, recording and transcription lists
// in the 2010 API's page shape, each recording's MP3 with the real bytes, an empty list of owned
// numbers, and an empty Serverless service list (so routing reads as not deployed: publishing a
// greeting reads both to update the routing). It checks the API key's Basic auth as Twilio
// does, records every request, and logs requests it has no answer for to stderr so a new one the
// app makes shows up in the test output.
//
// It is also a small phone network for calls placed from the window (the node twin of
// tests/support/fake_voice.rs): conference participants dialed by number, calls whose status
// moves on as they are polled (`pickup` says what each number does), hold, mute, redirects and
// recordings, and every request's form kept for the test to read.
import { createServer } from 'node:http';
import { once } from 'node:events';

const API = '/2010-04-01';

/** Twilio's RFC 2822 date: `Fri, 18 Oct 2019 17:00:00 +0000`. */
export function rfc2822(ms) {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/**
 * Starts the server. `voicemails` are `{ call, recording, transcription, from, callerName,
 * to, at (Unix ms), seconds, text, mp3 (Buffer) }`; the newest is listed first.
 */
export async function startFakeTwilio({
  account, keySid, secret, friendlyName, voicemails = [], numbers = [], pickup = {}, sip = null,
}) {
  const requests = [];
  // The phone network: calls placed as conference participants, by SID.
  const live = [];
  const unknown = [];
  const expected = `Basic ${Buffer.from(`${keySid}:${secret}`).toString('base64')}`;
  const sorted = [...voicemails].sort((a, b) => b.at - a.at);
  const base = `${API}/Accounts/${account}`;

  const error = (res, status, code, message) => {
    const body = JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const json = (res, value) => {
    const body = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  /** One page holding every row: Twilio's 2010 list shape with no next page. */
  const page = (key, path, url, rows) => {
    const size = Number(url.searchParams.get('PageSize') ?? 50);
    const uri = `${path}?PageSize=${size}&Page=0`;
    return {
      [key]: rows,
      first_page_uri: uri,
      end: Math.max(0, rows.length - 1),
      previous_page_uri: null,
      next_page_uri: null,
      page: 0,
      page_size: size,
      start: 0,
      uri,
    };
  };

  const call = (v) => ({
    sid: v.call,
    account_sid: account,
    parent_call_sid: null,
    from: v.from,
    from_formatted: v.from,
    to: v.to,
    to_formatted: v.to,
    status: 'completed',
    direction: 'inbound',
    caller_name: v.callerName ?? null,
    answered_by: null,
    date_created: rfc2822(v.at),
    date_updated: rfc2822(v.at + (v.seconds + 10) * 1000),
    start_time: rfc2822(v.at),
    end_time: rfc2822(v.at + (v.seconds + 8) * 1000),
    duration: String(v.seconds + 8),
    price: '-0.00850',
    price_unit: 'USD',
    api_version: '2010-04-01',
    uri: `${base}/Calls/${v.call}.json`,
  });
  const recording = (v) => ({
    sid: v.recording,
    account_sid: account,
    call_sid: v.call,
    conference_sid: null,
    api_version: '2010-04-01',
    date_created: rfc2822(v.at + 6000),
    date_updated: rfc2822(v.at + (v.seconds + 8) * 1000),
    start_time: rfc2822(v.at + 6000),
    duration: String(v.seconds),
    price: '-0.00250',
    price_unit: 'USD',
    status: 'completed',
    channels: 1,
    source: 'RecordVerb',
    error_code: null,
    encryption_details: null,
    media_url: `https://api.twilio.com${base}/Recordings/${v.recording}`,
    uri: `${base}/Recordings/${v.recording}.json`,
  });
  const transcription = (v) => ({
    sid: v.transcription,
    account_sid: account,
    api_version: '2010-04-01',
    recording_sid: v.recording,
    status: 'completed',
    transcription_text: v.text,
    type: 'fast',
    duration: String(v.seconds),
    price: '-0.05000',
    price_unit: 'USD',
    date_created: rfc2822(v.at + (v.seconds + 30) * 1000),
    date_updated: rfc2822(v.at + (v.seconds + 30) * 1000),
    uri: `${base}/Transcriptions/${v.transcription}.json`,
  });

  const liveCall = (c) => ({
    sid: c.sid, account_sid: account, parent_call_sid: null, from: c.from, to: c.to, status: c.status,
    direction: 'outbound-api', date_created: rfc2822(c.at), api_version: '2010-04-01',
    uri: `${base}/Calls/${c.sid}.json`,
  });
  const participant = (c) => ({
    account_sid: account, call_sid: c.sid, conference_sid: 'CFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', label: c.label,
    status: c.status === 'in-progress' ? 'connected' : 'queued', hold: c.hold, muted: c.muted,
    start_conference_on_enter: true, end_conference_on_exit: true, coaching: false,
  });
  // Each poll moves a ringing call on: it answers after `pickup[to].answerAfter` polls (2 by
  // default), or is `busy` at once.
  const advance = (c) => {
    if (c.sip) return;
    if (c.status !== 'queued' && c.status !== 'ringing') return;
    c.polls += 1;
    const rule = pickup[c.to] ?? { answerAfter: 2 };
    if (rule.busy) c.status = 'busy';
    else c.status = c.polls > rule.answerAfter ? 'in-progress' : 'ringing';
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    requests.push({ method: req.method, path, query: url.search, auth: req.headers.authorization ?? null, form });
    if (req.headers.authorization !== expected) return error(res, 401, 20003, 'Authenticate');
    if (req.method === 'POST' && path.startsWith(`${base}/Conferences/`) && path.endsWith('/Participants.json')) {
      const c = {
        sid: `CA${(0xca110000 + live.length).toString(16).padStart(32, '0')}`, to: form.To, from: form.From,
        label: form.Label ?? null, status: 'queued', polls: 0, hold: false, muted: false, twiml: [], at: Date.now(),
      };
      live.push(c);
      // A SIP address is dialed for real, through `sip.dial` (the test's SIP network); its
      // status follows that call instead of the polls.
      if (sip && form.To?.startsWith('sip:')) {
        c.status = 'ringing';
        c.sip = sip.dial(form.To);
        c.sip.answered.then((ok) => { if (c.status === 'ringing') c.status = ok ? 'in-progress' : 'failed'; });
        c.sip.ended.then(() => { if (c.status === 'in-progress') c.status = 'completed'; else if (c.status === 'ringing') c.status = 'failed'; });
      }
      const body = JSON.stringify(participant(c));
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      return res.end(body);
    }
    const member = path.match(new RegExp(`^${base}/Conferences/[^/]+/Participants/(CA[0-9a-f]{32})\\.json$`));
    if (req.method === 'POST' && member) {
      const c = live.find((x) => x.sid === member[1]);
      if (!c) return error(res, 404, 20404, `The requested resource ${path} was not found`);
      if (form.Hold !== undefined) c.hold = form.Hold === 'true';
      if (form.Muted !== undefined) c.muted = form.Muted === 'true';
      return json(res, participant(c));
    }
    const oneCall = path.match(new RegExp(`^${base}/Calls/(CA[0-9a-f]{32})\\.json$`));
    if (oneCall) {
      const c = live.find((x) => x.sid === oneCall[1]);
      if (!c) return error(res, 404, 20404, `The requested resource ${path} was not found`);
      if (req.method === 'GET') advance(c);
      if (req.method === 'POST') {
        const ended = ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(c.status);
        if (form.Status && ended) return error(res, 400, 21220, 'Call is not in-progress. Cannot redirect.');
        if (form.Status === 'completed' && c.status === 'in-progress') c.status = 'completed';
        if (form.Status === 'canceled' && c.status !== 'in-progress') c.status = 'canceled';
        if ((form.Status === 'completed' || form.Status === 'canceled') && c.sip) c.sip.hangUp();
        if (form.Twiml) c.twiml.push(form.Twiml);
      }
      return json(res, liveCall(c));
    }
    const recordings = path.match(new RegExp(`^${base}/Calls/(CA[0-9a-f]{32})/Recordings(/[^/]+)?\\.json$`));
    if (req.method === 'POST' && recordings) {
      return json(res, {
        sid: 'REcccccccccccccccccccccccccccccccc', account_sid: account, call_sid: recordings[1],
        status: form.Status ?? 'in-progress', source: 'StartCallRecordingAPI', channels: 1,
      });
    }
    if (req.method === 'GET' && path === `${base}/Applications.json`) {
      return json(res, page('applications', path, url, []));
    }
    // No SIP Domain provisioned: the routing config has no SIP desktop to ring.
    if (req.method === 'GET' && path === `${base}/SIP/Domains.json`) {
      return json(res, page('domains', path, url, []));
    }
    if (req.method === 'GET' && path === `${API}/Accounts/${account}.json`) {
      return json(res, {
        sid: account,
        owner_account_sid: account,
        friendly_name: friendlyName,
        status: 'active',
        type: 'Full',
        auth_token: '[Redacted]',
        date_created: rfc2822(Date.parse('2024-03-01T10:00:00Z')),
        date_updated: rfc2822(Date.parse('2024-03-01T10:00:00Z')),
        uri: `${API}/Accounts/${account}.json`,
      });
    }
    if (req.method === 'GET' && path === `${base}/Calls.json`) return json(res, page('calls', path, url, sorted.map(call)));
    if (req.method === 'GET' && path === `${base}/Recordings.json`) return json(res, page('recordings', path, url, sorted.map(recording)));
    if (req.method === 'GET' && path === `${base}/Transcriptions.json`) {
      return json(res, page('transcriptions', path, url, sorted.map(transcription)));
    }
    // The account's numbers (the routing's and the dialer's caller IDs).
    if (req.method === 'GET' && path === `${base}/IncomingPhoneNumbers.json`) {
      const rows = numbers.map((n, i) => ({
        sid: `PN${i.toString(16).padStart(32, '0')}`, account_sid: account, phone_number: n, friendly_name: n,
        capabilities: { voice: true, sms: true, mms: false, fax: false }, voice_url: null, voice_application_sid: null,
        date_created: rfc2822(Date.parse('2024-03-01T10:00:00Z')), uri: `${base}/IncomingPhoneNumbers/PN${i}.json`,
      }));
      return json(res, page('incoming_phone_numbers', path, url, rows));
    }
    const media = path.match(new RegExp(`^${base}/Recordings/(RE[0-9a-f]{32})\\.mp3$`));
    if ((req.method === 'GET' || req.method === 'HEAD') && media) {
      const v = sorted.find((x) => x.recording === media[1]);
      if (!v) return error(res, 404, 20404, `The requested resource ${path} was not found`);
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': v.mp3.length });
      return res.end(req.method === 'HEAD' ? undefined : v.mp3);
    }
    const one = path.match(new RegExp(`^${base}/Recordings/(RE[0-9a-f]{32})\\.json$`));
    if (req.method === 'GET' && one) {
      const v = sorted.find((x) => x.recording === one[1]);
      return v ? json(res, recording(v)) : error(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    // Serverless (the routing check, when SWITCHBOARD_SERVERLESS_BASE points here): nothing deployed.
    if (req.method === 'GET' && path === '/v1/Services') {
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      const first = `${url.origin}/v1/Services?PageSize=${size}&Page=0`;
      return json(res, {
        services: [],
        meta: { page: 0, page_size: size, first_page_url: first, previous_page_url: null, url: first, next_page_url: null, key: 'services' },
      });
    }
    unknown.push(`${req.method} ${req.url}`);
    console.error(`fake Twilio: no answer for ${req.method} ${req.url}`);
    return error(res, 404, 20404, `The requested resource ${path} was not found`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    unknown,
    /** Calls placed on the phone network, in order: `{ sid, to, from, label, status, hold, muted, twiml }`. */
    calls: live,
    /** The other end of the call to `number` hangs up. */
    hangUp: (number) => live.filter((c) => c.to === number).forEach((c) => { c.status = 'completed'; }),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
