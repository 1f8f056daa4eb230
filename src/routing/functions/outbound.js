'use strict';

// Protected. Voice URL of the TwiML App the desktop Voice SDK calls through, for a known desktop
// identity only. With `Room` (how the app places its calls) the desktop joins that two-party
// conference, into which the app then dials the other party over REST, so hold, transfer and
// digits work; without it, `To` is dialed directly with a caller ID the user owns. It is also
// the voice URL of the SIP Domain: a registered desktop calling `sip:+E164@domain` (its caller ID
// in the `X-Caller-Id` header) is dialed out the same way. Anything else is refused with a
// spoken reason and never dialed.

/* global Runtime, Twilio */

const CLIENT_PREFIX = 'client:';
// Twilio hands a SIP call's custom headers to the webhook as `SipHeader_<name>`.
const SIP_CALLER_ID = 'SipHeader_X-Caller-Id';

// `sip:user@host` without parameters, lower case, from a SIP From or To.
function sipAddress(uri) {
  if (typeof uri !== 'string' || !uri.startsWith('sip:')) return null;
  return uri.split(';')[0].toLowerCase();
}

// The number in `sip:+14155550100@domain`, or the raw value when it is not a SIP address.
function dialedNumber(to) {
  const address = sipAddress(to);
  return address ? address.slice(4).split('@')[0] : to;
}
// The conference names the app makes: `sb-` and 32 hex digits.
const ROOM = /^sb-[0-9a-f]{32}$/i;

// In Twilio Functions private functions are reached through Runtime; tests require the file.
function schedule() {
  return typeof Runtime === 'undefined'
    ? require('./schedule')
    : require(Runtime.getFunctions().schedule.path);
}

// The sentence to speak when the call must not be placed, or null when it may.
function refusal(config, reason, event, callerId, isE164) {
  if (!config) {
    console.warn(`switchboard: no routing configuration, outbound refused: ${reason}`);
    return 'Outbound calling is not set up for this account.';
  }
  const from = typeof event.From === 'string' ? event.From : '';
  const identity = from.startsWith(CLIENT_PREFIX) ? from.slice(CLIENT_PREFIX.length) : null;
  const sipFrom = sipAddress(from);
  const known = identity ? config.identities.includes(identity) : sipFrom !== null && config.sip.includes(sipFrom);
  if (!known) {
    return 'This device is not allowed to place calls.';
  }
  if (event.Room !== undefined) {
    return typeof event.Room === 'string' && ROOM.test(event.Room)
      ? null
      : 'This call could not be connected. Try again from the app.';
  }
  if (!isE164(dialedNumber(event.To))) {
    return 'The number you dialed is not valid. Dial it with a plus sign and the country code.';
  }
  if (!callerId) return 'No caller ID is set up for outbound calls.';
  if (!config.callerIds.includes(callerId)) {
    return 'The caller ID you chose is not one of your numbers.';
  }
  return null;
}

exports.handler = function (context, event, callback) {
  const { readConfig, isE164 } = schedule();
  const { config, reason } = readConfig(context);
  const callerId = event.CallerId || event[SIP_CALLER_ID] || (config ? config.callerIds[0] : undefined);

  const twiml = new Twilio.twiml.VoiceResponse();
  const refused = refusal(config, reason, event, callerId, isE164);
  if (refused) {
    twiml.say(refused);
    twiml.hangup();
    return callback(null, twiml);
  }

  if (event.Room !== undefined) {
    const dial = twiml.dial();
    dial.conference({ beep: 'false', startConferenceOnEnter: true, endConferenceOnExit: true }, event.Room);
    return callback(null, twiml);
  }
  const dial = twiml.dial({ callerId, answerOnBridge: true });
  dial.number(dialedNumber(event.To));
  return callback(null, twiml);
};
