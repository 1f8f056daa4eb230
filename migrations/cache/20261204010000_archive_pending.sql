-- The S3 key a voicemail is being archived under, written before the upload starts and cleared
-- once the copy is verified (`archive_key`). A process killed mid-upload leaves the mark: the
-- next archive run finishes or removes that object, so S3 never holds a copy the app does not
-- know about.
ALTER TABLE voicemail_state ADD COLUMN archive_pending TEXT;
