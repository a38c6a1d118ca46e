# Messages for every error and problem code Outpost emits, in English.
# Message ids are codes with "." and "_" written as "-": validation.too_long -> validation-too-long.

## Validation of answers against a form
validation-required = { $field } is required.
validation-unknown-field = "{ $field }" is not a field of this form.
validation-wrong-type = { $field } must be { $expected }.
validation-too-long = { $field } is too long: { $length } characters, at most { $max }.
validation-below-min = { $field } must be at least { $min } { $unit }.
validation-above-max = { $field } must be at most { $max } { $unit }.
validation-not-integer = { $field } must be a whole number.
validation-unknown-option = "{ $value }" is not one of the choices for { $field }.
validation-duplicate-option = "{ $value }" is chosen twice in { $field }.
validation-bad-datetime = { $field }: "{ $value }" is not a date and time (expected e.g. 2026-03-14T06:30:00Z).
validation-in-future = { $field } is in the future.
validation-before-other = { $field } cannot be before { $other }.
validation-constraint = { $field }: this answer does not meet the form's condition ({ $condition }).
validation-option-not-offered = { $field }: “{ $value }” is not offered given the other answers.
report-answer-not-asked = Not kept: { $field } ({ $id }) is not asked given the other answers.
validation-bad-latitude = { $field }: latitude must be between -90 and 90.
validation-bad-longitude = { $field }: longitude must be between -180 and 180.
validation-bad-accuracy = { $field }: accuracy must be zero or more metres.
validation-location-empty = { $field }: give coordinates (latitude and longitude) or a place name.
validation-location-half = { $field }: latitude and longitude go together; one of them is missing.
validation-count-negative = { $field }: the count for { $group } must be zero or more.
validation-count-too-large = { $field }: the count for { $group } cannot be more than { $max }.
validation-count-unknown-group = { $field }: "{ $group }" is not a group of this count.
validation-too-many-items = { $field }: at most { $max } items.
validation-bad-reference = { $field }: "{ $value }" is not a valid reference.
validation-unknown-attachment = { $field }: "{ $value }" is not a file attached to this report.
validation-entry-count = { $field }: { $count } entries are expected, { $entries } given.

expected-text = text
expected-number = a number
expected-whole-number = a whole number
expected-choice = one of the choices
expected-choices = a list of choices
expected-datetime = a date and time
expected-location = a location
expected-people-count = counts by sex and age band
expected-list = a list
expected-entries = a list of entries

## Photos
photo-empty = The photo file is empty.
photo-file-too-large = The photo file is too large ({ $bytes } bytes; at most { $max }).
photo-unsupported-format = This file is not a photo Outpost can read (use JPEG, PNG, WebP, GIF, BMP or TIFF).
photo-too-many-pixels = The photo is too large to open safely ({ $width } × { $height } pixels; at most { $max } pixels).
photo-corrupt = The photo file is damaged or incomplete and cannot be read ({ $detail }).
photo-dimensions-too-large = The photo is too large to open safely ({ $width } × { $height } pixels; at most { $max_width } × { $max_height }).
photo-too-large = The photo needs more memory than this device allows for one photo ({ $max } bytes).
photo-encode-failed = The { $variant } copy of the photo could not be made.
photo-unknown = The photo could not be processed.

## Voice notes
voice-empty = The voice note is empty: nothing was recorded.
voice-too-large = The voice note is too large ({ $bytes } bytes; at most { $max }).
voice-unsupported = This file is not a recording Outpost can keep (use WebM, Ogg, WAV, MP3, M4A or FLAC).

## The field app
app-incomplete = The report is not finished: { $count } answer(s) still need attention. They are marked on the read-back.
app-no-step = This form has no step { $step }.
app-unknown-field = "{ $field }" is not a question of this report.
app-unknown-budget = Unknown link budget "{ $given }". Use wifi, satellite or documents.
app-hub-address = "{ $given }" is not a hub address (expected e.g. https://hub.example:8443).
app-locked = Outpost is locked. Enter your PIN to continue.
app-not-reviewer = Review needs this device to be enrolled with a hub as headquarters (role hq).
app-not-cleared = This report is above your clearance.
app-unknown-status = Unknown review status "{ $given }".
app-empty-question = Write the question first.
app-no-target = Say which unit or sector the question is for.
app-unknown-format = Unknown export format "{ $given }". Use csv, answers or geojson.
app-export-failed = The export could not be written to { $path } ({ $detail }).
app-unknown-language = Unknown language "{ $given }". Use en or fr.

## Printed reports
print-classification = Classification: { $level }
print-status = Status
print-author = Author
print-unit = Unit
print-written-in = Written in
print-filed = Filed
print-updated = Last changed
print-confirmed = Read-back confirmed by { $by } on { $at }
print-not-confirmed = The read-back has not been confirmed by the author.
print-unanswered = Not answered
print-comments = Comments and questions
print-photos = { $count } photo(s) attached
print-voice-notes = { $count } voice note(s) attached

## Exports
export-clearance-required = This device is not enrolled with a hub, so it has no clearance of its own: give the level to export at with --clearance.
export-bad-date = "{ $given }" is not a date (use YYYY-MM-DD).
report-unknown-status = Unknown review status "{ $given }". Use submitted, under_review, needs_information, verified or closed.
report-unknown-stage = Unknown QIP stage "{ $given }". Use assessed, proposed, approved, funded or delivered.

## Reports and documents
report-unknown-kind = Unknown report kind "{ $kind }". Known kinds: { $known }.
report-unknown-classification = Unknown classification "{ $given }". Use UNCLASSIFIED, CONFIDENTIAL or STRICTLY CONFIDENTIAL.
report-invalid-answers = The report has { $count } problem(s); nothing was saved.
report-answers-not-object = The answers file must be a JSON object of field ids to answers.
report-bad-json = The answers file is not valid JSON: { $detail }
report-answers-not-utf8 = The answers file is not UTF-8 text (the bytes after position { $at } cannot be read). Save it as UTF-8.
report-answers-unreadable = The answers file { $path } cannot be read: { $detail }
report-unknown-language = Unknown language "{ $given }". Use en or fr.
document-corrupt = The report document is damaged and cannot be read ({ $detail }).
document-not-a-report = This document is not an Outpost report ({ $detail }).
document-newer-schema = This report was written by a newer version of Outpost (document schema { $found }; this version reads up to { $supported }). Update Outpost to open it.
document-missing-changes = { $count } change(s) this report builds on have not arrived yet; the whole report will be requested.
document-not-a-conflict = { $path } has no open conflict with that value; reload the report, someone may have resolved it already.
document-no-pipeline = Only Quick Impact Project assessments move through the project pipeline; this is a { $form } report.

## The local store
store-too-new = This data folder was written by a newer version of Outpost (database schema { $found }; this version knows up to { $supported }). Update Outpost; the data was not changed.
store-not-found = No report with id { $id } on this device.
store-photo-not-found = No photo with id { $id } on this device.
store-blob-missing = A stored file is missing: { $hash }.
store-blob-corrupt = A stored file is damaged (its content no longer matches { $hash }).
store-partial-offset = The transfer resumed at the wrong place (expected byte { $expected }, got { $given }); it will restart from the right place.
store-io = The data folder could not be read or written: { $detail }
store-database = The local database reported an error: { $detail }
store-disk-full = The device is out of storage space; nothing was saved. Free some space and try again.
sync-hub-disk-full = The hub is out of storage space and stored nothing of this sync. Everything stays on this device; tell whoever runs the hub.
store-busy = The local database is busy in another program; try again.
review-not-lower = { $to } is not lower than the report's classification ({ $from }): a declassified copy must be at a lower level.
store-wrong-passphrase = Wrong PIN or passphrase. { $left } attempts left before each new attempt must wait.
store-unlock-delayed = Too many wrong attempts. Wait { $seconds } seconds before trying again.
store-passphrase-too-short = Choose a PIN or passphrase of at least { $min } characters.
store-key-damaged = The key file { $path } is damaged; the data cannot be unlocked without it.
store-key-missing = This data folder is encrypted and its key is gone ({ $path }): it was wiped or the key file was removed. The data cannot be read.
store-wrong-key = The key does not open this data folder's database (it belongs to another store, or the database is damaged).
store-passphrase-file-open = { $path } may be read by other users (mode { $mode }); make it readable by its owner only: chmod 600 { $path }
store-locked = This data folder is encrypted: give its passphrase in OUTPOST_PASSPHRASE, or run the command in a terminal to be asked for it.
store-passphrases-differ = The two passphrases differ; nothing was changed.
store-wipe-not-confirmed = Wiping destroys every report on this device, synced or not, and cannot be undone: add --yes to confirm.

## Sync and the hub
auth-missing = This request carries no device credential. Enrol the device with the hub first.
auth-unknown = The hub does not know this device's credential. Enrol the device again with a new code.
auth-revoked = This device's access to the hub has been revoked. Ask the hub operator.
auth-forbidden = This device's role may not do that.
enrol-unknown-code = This enrolment code is not known to the hub. Check it with the hub operator.
enrol-expired = This enrolment code has expired. Ask the hub operator for a new one.
enrol-used = This enrolment code has already been used. Ask the hub operator for a new one.
sync-version = The other side speaks sync protocol { $given }; this one speaks { $supported }. Update the older one.
sync-too-large = The message is too large (at most { $max } bytes).
sync-malformed = The message could not be read ({ $detail }).
sync-replayed = This exact message was already received; it was not applied twice.
sync-wrong-document = A document arrived under another report's id.
sync-heads-mismatch = A document arrived without the changes it claimed to carry.
sync-unknown-blob = The hub knows no report with this file ({ $hash }); send the reports first.
sync-hash-mismatch = The file { $hash } arrived damaged (its hash does not match); it will be sent again.
sync-bad-range = The requested part of the file does not exist.
sync-not-found = There is nothing at this address on the hub.
sync-internal = The hub hit an internal problem; nothing was lost. Try again.
sync-link = The hub could not be reached or the link dropped. Nothing was lost; sync again when the link is back.
sync-not-enrolled = This device is not enrolled with a hub. Run: outpost enrol --hub URL --code CODE
sync-http = The hub answered with an unexpected error.
sync-certificate = The certificate authority file given for the hub is not a PEM certificate.

## Weekly summary
summary-title = Weekly summary, { $from } to { $until }
summary-scope = { $count } report(s) of events this week, every sector, up to { $clearance }.
summary-by-sector = Reports by sector and kind
summary-by-status = Reports by review status
summary-sector = Sector
summary-reports = Reports
summary-incidents = Incidents this week ({ $count })
summary-date = Date
summary-place = Place
summary-what = Report
summary-classification = Classification
summary-pipeline = Quick Impact Projects: where the pipeline stands
summary-stage = Stage
summary-overdue = Overdue in their stage ({ $count })
summary-days = Days in stage
summary-waiting = Waiting for an answer from the field ({ $count })
summary-kind = Kind
status-draft = Draft
status-submitted = Submitted
status-under-review = Under review
status-needs-information = Needs information
status-verified = Verified
status-closed = Closed
stage-assessed = Assessed
stage-proposed = Proposed
stage-approved = Approved
stage-funded = Funded
stage-delivered = Delivered

## Trust: what a peer may bring (docs/policy.md)
document-bad-shape = This document is not a report in the expected shape ({ $detail }); nothing of it was stored.
document-too-deep = This document nests values too deeply ({ $detail }); nothing of it was stored.
document-bad-file-ref = This document names a file that is not a SHA-256 reference ({ $detail }); nothing of it was stored.
document-too-large = This document holds more operations than its size allows; nothing of it was stored.
document-unknown-form = This report is of a form the hub does not know; nothing of it was stored.
policy-not-cleared = The device is not cleared to see or change this report.
policy-fixed-field = A report's id, form, author, unit, sector, device and creation time cannot change.
policy-wrong-origin = The report says it comes from another unit, sector or device than the one the hub enrolled.
policy-hq-only = Only headquarters may set a review status, share a report, move a QIP stage, ask the author a question or file this kind of report.
policy-lowered = Only headquarters may lower a report's classification.
policy-other-unit = Only the report's own unit may change what it says.
policy-not-yourself = A comment may only be added in this device's own name.
policy-comment-changed = A comment cannot be changed or removed once made.
policy-forged-actor = The changes were not all made by the device that sent them.
policy-no-pipeline = Only Quick Impact Project assessments have a project pipeline; a stage on another report is refused.
policy-unsigned = The changes carry no signature of the device that made them; nothing of them was stored.
policy-bad-signature = A signature on the changes does not verify against the device that made them; nothing of them was stored.
sync-too-many-documents = Too many reports in one message (at most { $max }); send them in smaller batches.
enrol-device-exists = A device with this identity is already enrolled with this hub. A code enrols a new device; it cannot take over or revive another.
sync-refused = { $count } item(s) were refused or could not be sent; each is listed above. Nothing else was affected.
sync-untrusted-hub = The hub's certificate is not signed by the mission's certificate authority this device trusts, or is not for this address. Nothing was sent. Check the hub address with the operator: someone may be between this device and the hub.
sync-bad-fingerprint = "{ $given }" is not a certificate fingerprint: it is 64 hexadecimal digits (pairs may be separated by colons), as the hub operator gave it.
sync-ca-fingerprint = The hub's certificate authority does not have the fingerprint the operator gave. Nothing was sent. Check the hub address and the fingerprint with the operator: this may be another hub, or someone between this device and the hub.
enrol-no-authority = This hub has no mission authority to give: enrol with the authority's certificate file instead of its fingerprint.
sync-insecure-hub = { $url } is not an HTTPS address. Outpost talks to hubs over TLS only, so that nobody on the network reads the code, the credential or the reports: use the https:// address the hub operator gave.
sync-revoked-wiped = This device was revoked by its hub. As the mission requires, its key was destroyed and its data removed. Ask the hub operator to enrol it again.
xlsform-too-large = The file is { $size } bytes; an XLSForm may be at most { $max } bytes.
xlsform-not-a-workbook = The file is not an .xlsx or .xls workbook ({ $detail }).
xlsform-unpacks-too-large = The workbook unpacks to more than { $max } bytes: refused.
xlsform-missing-sheet = The workbook has no “{ $sheet }” sheet.
xlsform-missing-column = The “{ $sheet }” sheet has no “{ $column }” column.
xlsform-too-many-rows = The “{ $sheet }” sheet has more than { $max } rows.
xlsform-no-questions = The survey sheet has no question Outpost can ask.
xlsform-form-invalid = The converted form does not pass its checks: { $detail }
form-imported = Form { $id }, version { $version }: { $questions } question(s) in { $steps } step(s) from { $rows } survey row(s).
form-not-carried-over = Not carried over as it was ({ $count }):
form-written = Written to { $path }.
form-file-unreadable = Cannot read { $path } ({ $detail }).
form-file-not-written = Cannot write { $path } ({ $detail }); an existing file is never overwritten: give another --out.
