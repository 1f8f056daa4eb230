'use strict';

// Protected. Voice URL of the TwiML App the desktop Voice SDK calls through. Dials `To` with a
// caller ID the user owns, for a known desktop identity only; anything else is refused with a
// spoken reason and never dialed.

/* global Runtime, Twilio */

const CLIENT_PREFIX = 'client:';

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

  const dial = twiml.dial({ callerId, answerOnBridge: true });
  dial.number(event.To);
  return callback(null, twiml);
};
