//! Outpost's integration tests: real SQLite files in temporary directories, the
//! real `outpost` binary, real JPEGs. One test binary; helpers in `util`.

mod util;

mod at_rest;
mod attacks;
mod cli;
mod crash;
mod debrief;
mod declassify;
mod document;
mod export;
mod form_logic;
mod forms;
mod full_disk;
mod migration;
mod policy;
mod projection;
mod repeats;
mod review;
mod review_flow;
mod store;
mod suggest;
mod sync;
mod sync_faults;
mod xlsform;
