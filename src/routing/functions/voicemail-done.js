'use strict';

// Protected. Action of the voicemail Record: the message is saved, end the call. Recording and
// transcription are picked up by the desktop app from the REST API, not from this request.

/* global Twilio */

exports.handler = function (context, event, callback) {
  const twiml = new Twilio.twiml.VoiceResponse();
  twiml.hangup();
  return callback(null, twiml);
};
