'use strict';

// Protected. Action of the inbound Dial, and the voicemail entry point when there was nobody to
// ring: after an answered call it hangs up; otherwise it plays the active greeting and records a
// voicemail with transcription.

/* global Runtime, Twilio */

const FALLBACK_GREETING =
  'The person you are calling is not available. Please leave a message after the tone.';
const MAX_RECORD_DEFAULT = 120;

// In Twilio Functions private functions are reached through Runtime; tests require the file.
function schedule() {
  return typeof Runtime === 'undefined'
    ? require('./schedule')
    : require(Runtime.getFunctions().schedule.path);
}

exports.handler = function (context, event, callback) {
  const twiml = new Twilio.twiml.VoiceResponse();
  const status = event.DialCallStatus;
  if (status === 'completed' || status === 'answered') {
    twiml.hangup();
    return callback(null, twiml);
  }

  // no-answer, busy, failed, canceled, or no status at all (sent here by /inbound). Any other
  // value also records: a missed message is worse than an unexpected prompt.
  const { readConfig, activeGreeting } = schedule();
  const { config, reason } = readConfig(context);
  if (!config) console.warn(`switchboard: no routing configuration, built-in greeting: ${reason}`);

  let greeting = null;
  try {
    greeting = activeGreeting(config, new Date());
  } catch (err) {
    // The caller must still reach the recorder, whatever went wrong with the schedule.
    console.error(`switchboard: greeting schedule failed: ${err.message}`);
  }

  if (greeting && greeting.url) {
    twiml.play(greeting.url);
  } else if (greeting && greeting.say) {
    const attributes = {};
    if (greeting.say.voice) attributes.voice = greeting.say.voice;
    if (greeting.say.language) attributes.language = greeting.say.language;
    twiml.say(attributes, greeting.say.text);
  } else {
    twiml.say(FALLBACK_GREETING);
  }

  twiml.record({
    maxLength: config ? config.maxRecord : MAX_RECORD_DEFAULT,
    playBeep: true,
    timeout: 5,
    transcribe: true,
    action: '/voicemail-done',
    method: 'POST',
  });
  // Reached only if Record ends without requesting its action.
  twiml.hangup();
  return callback(null, twiml);
};
