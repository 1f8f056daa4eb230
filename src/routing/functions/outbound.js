'use strict';

// Protected. Voice URL of the TwiML App the desktop Voice SDK calls through, for a known desktop
// identity only. With `Room` (how the app places its calls) the desktop joins that two-party
// conference, into which the app then dials the other party over REST, so hold, transfer and
// digits work; without it, `To` is dialed directly with a caller ID the user owns. Anything else
// is refused with a spoken reason and never dialed.

/* global Runtime, Twilio */

const CLIENT_PREFIX = 'client:';
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
  if (!identity || !config.identities.includes(identity)) {
    return 'This device is not allowed to place calls.';
  }
  if (event.Room !== undefined) {
    return typeof event.Room === 'string' && ROOM.test(event.Room)
      ? null
      : 'This call could not be connected. Try again from the app.';
  }
  if (!isE164(event.To)) {
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
  const callerId = event.CallerId || (config ? config.callerIds[0] : undefined);

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
  dial.number(event.To);
  return callback(null, twiml);
};
