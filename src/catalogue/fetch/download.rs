//! The download pool: up to [`FetchSettings::connections`] "vitrine-fetch-N" threads sharing
//! one HTTP agent (and its pool of kept-alive connections).
//!
//! The client is `ureq` 3 with rustls: blocking I/O suits a fixed pool of threads (no async
//! runtime to start inside a desktop app), its timeouts cover the whole exchange including
//! the body, it follows a bounded number of redirects, and rustls needs no system OpenSSL.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::unbounded;

use super::{FetchControl, FetchFailure, FetchProgress, FetchSettings};
use crate::durable;
use crate::photo::{self, MAX_FILE_BYTES};

/// One photo to fetch: its address and where it goes in the cache.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub url: String,
    pub target: PathBuf,
}

/// What became of one job.
pub(crate) type JobResult = Result<(), FetchFailure>;

/// Fetches every job that is not in the cache yet; results in the order of `jobs`. A job whose
/// target already exists is taken from the cache without a request.
pub(crate) fn download_all(jobs: &[Job], control: &FetchControl) -> Vec<JobResult> {
    let total = jobs.len();
    let mut results: Vec<Option<JobResult>> = vec![None; total];
    let mut progress = FetchProgress {
        total,
        ..FetchProgress::default()
    };
    let report = |progress: FetchProgress| {
        if let Some(callback) = &control.progress {
            callback(progress);
        }
    };
    let mut missing = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        if job.target.is_file() {
            results[i] = Some(Ok(()));
            progress.done += 1;
        } else if control.offline {
            results[i] = Some(Err(FetchFailure::NotCached));
            progress.done += 1;
            progress.failed += 1;
        } else {
            missing.push(i);
        }
    }
    report(progress);
    if !missing.is_empty() {
        if let Err(err) = std::fs::create_dir_all(&control.settings.cache_dir) {
            let failure = FetchFailure::Cache(err.to_string());
            for &i in &missing {
                results[i] = Some(Err(failure.clone()));
            }
            missing.clear();
        }
    }
    if !missing.is_empty() {
        let agent = agent(&control.settings);
        let (job_tx, job_rx) = unbounded::<usize>();
        let (done_tx, done_rx) = unbounded::<(usize, JobResult)>();
        for &i in &missing {
            // The receiver lives until the scope ends; sending cannot fail here.
            let _ = job_tx.send(i);
        }
        drop(job_tx);
        let workers = control.settings.connections.clamp(1, missing.len());
        thread::scope(|scope| {
            for n in 0..workers {
                let (job_rx, done_tx, agent) = (job_rx.clone(), done_tx.clone(), agent.clone());
                let spawned = thread::Builder::new()
                    .name(format!("vitrine-fetch-{n}"))
                    .spawn_scoped(scope, move || {
                        for i in job_rx {
                            let result = fetch_one(&agent, &jobs[i], control);
                            if done_tx.send((i, result)).is_err() {
                                break;
                            }
                        }
                    });
                if let Err(err) = spawned {
                    log::warn!("cannot start a download thread: {err}");
                }
            }
            drop(done_tx);
            for (i, result) in done_rx {
                progress.done += 1;
                match &result {
                    Ok(()) => progress.downloaded += 1,
                    Err(_) => progress.failed += 1,
                }
                results[i] = Some(result);
                report(progress);
            }
        });
    }
    results
        .into_iter()
        // A job no thread took (none could start) was not downloaded.
        .map(|r| r.unwrap_or(Err(FetchFailure::Stopped)))
        .collect()
}

fn agent(settings: &FetchSettings) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.download_timeout))
        .max_redirects(settings.max_redirects)
        .http_status_as_error(false)
        .max_idle_connections_per_host(settings.connections.max(1))
        .user_agent(concat!("vitrine/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Whether a failed try is worth another.
enum Attempt {
    Retry(FetchFailure),
    Fail(FetchFailure),
}

fn fetch_one(agent: &ureq::Agent, job: &Job, control: &FetchControl) -> JobResult {
    let settings = &control.settings;
    let attempts = settings.attempts.max(1);
    let mut backoff = settings.first_backoff;
    for attempt in 1..=attempts {
        if control.stop.load(Ordering::Relaxed) {
            return Err(FetchFailure::Stopped);
        }
        match try_fetch(agent, job, settings, &control.stop, attempt) {
            Ok(()) => return Ok(()),
            Err(Attempt::Fail(failure)) => return Err(failure),
            Err(Attempt::Retry(failure)) if attempt == attempts => return Err(failure),
            Err(Attempt::Retry(failure)) => {
                log::debug!("{}: {failure}; trying again in {backoff:?}", job.url);
                if !sleep_unless_stopped(backoff, &control.stop) {
                    return Err(FetchFailure::Stopped);
                }
                backoff = backoff.saturating_mul(2);
            }
        }
    }
    Err(FetchFailure::Stopped)
}

/// Sleeps in short steps; false when stopped meanwhile.
fn sleep_unless_stopped(duration: Duration, stop: &AtomicBool) -> bool {
    let step = Duration::from_millis(50);
    let mut left = duration;
    while !left.is_zero() {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let nap = left.min(step);
        thread::sleep(nap);
        left -= nap;
    }
    !stop.load(Ordering::Relaxed)
}

fn try_fetch(
    agent: &ureq::Agent,
    job: &Job,
    settings: &FetchSettings,
    stop: &AtomicBool,
    attempt: u32,
) -> Result<(), Attempt> {
    let response = agent
        .get(&job.url)
        .call()
        .map_err(|err| classify(err, settings, attempt))?;
    let status = response.status().as_u16();
    if status != 200 {
        let failure = FetchFailure::Status {
            status,
            attempts: attempt,
        };
        let transient = status >= 500 || status == 429 || status == 408;
        return Err(if transient {
            Attempt::Retry(failure)
        } else {
            Attempt::Fail(failure)
        });
    }
    let too_large = FetchFailure::TooLarge {
        limit_mib: MAX_FILE_BYTES / (1024 * 1024),
    };
    if response
        .body()
        .content_length()
        .is_some_and(|len| len > MAX_FILE_BYTES)
    {
        return Err(Attempt::Fail(too_large));
    }
    let tmp = durable::tmp_path_for(&job.target);
    let written = save_body(response.into_body(), &tmp, stop);
    let result = match written {
        Ok(bytes) if bytes > MAX_FILE_BYTES => Err(Attempt::Fail(too_large)),
        Ok(_) => check_and_place(&tmp, &job.target),
        Err(SaveError::Stopped) => Err(Attempt::Fail(FetchFailure::Stopped)),
        Err(SaveError::Cache(err)) => Err(Attempt::Fail(FetchFailure::Cache(err.to_string()))),
        Err(SaveError::Network(err)) => Err(classify(err, settings, attempt)),
    };
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

enum SaveError {
    Stopped,
    Cache(std::io::Error),
    Network(ureq::Error),
}

/// Streams the body into `tmp` (one byte past the limit at most); returns the bytes read.
fn save_body(body: ureq::Body, tmp: &Path, stop: &AtomicBool) -> Result<u64, SaveError> {
    let mut file = File::create(tmp).map_err(SaveError::Cache)?;
    let mut reader = body.into_reader().take(MAX_FILE_BYTES + 1);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(SaveError::Stopped);
        }
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(SaveError::Network(ureq::Error::Io(err))),
        };
        file.write_all(&buffer[..n]).map_err(SaveError::Cache)?;
        total += n as u64;
    }
    file.sync_all().map_err(SaveError::Cache)?;
    Ok(total)
}

/// Checks the downloaded file as a photo, then renames it into the cache.
fn check_and_place(tmp: &Path, target: &Path) -> Result<(), Attempt> {
    if let Err(err) = photo::check(tmp) {
        return Err(Attempt::Fail(FetchFailure::NotAPhoto(
            err.problem.to_string(),
        )));
    }
    std::fs::rename(tmp, target).map_err(|err| Attempt::Fail(FetchFailure::Cache(err.to_string())))
}

fn classify(err: ureq::Error, settings: &FetchSettings, attempt: u32) -> Attempt {
    match err {
        ureq::Error::Timeout(_) => Attempt::Retry(FetchFailure::TimedOut { attempts: attempt }),
        ureq::Error::TooManyRedirects => {
            Attempt::Fail(FetchFailure::TooManyRedirects(settings.max_redirects))
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            Attempt::Retry(FetchFailure::TimedOut { attempts: attempt })
        }
        ureq::Error::Io(io) => Attempt::Retry(FetchFailure::Network {
            reason: network_words(&io),
            attempts: attempt,
        }),
        ureq::Error::HostNotFound => Attempt::Fail(FetchFailure::Network {
            reason: "the server's name is not known".to_string(),
            attempts: attempt,
        }),
        ureq::Error::ConnectionFailed => Attempt::Retry(FetchFailure::Network {
            reason: "no connection to the server".to_string(),
            attempts: attempt,
        }),
        ureq::Error::BadUri(_) | ureq::Error::RequireHttpsOnly(_) => {
            Attempt::Fail(FetchFailure::Network {
                reason: "the address is not a valid web address".to_string(),
                attempts: attempt,
            })
        }
        other => Attempt::Retry(FetchFailure::Network {
            reason: other.to_string(),
            attempts: attempt,
        }),
    }
}

fn network_words(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
            "the connection broke off before the whole photo arrived".to_string()
        }
        ErrorKind::ConnectionRefused => "the server refused the connection".to_string(),
        _ => format!("the connection failed ({err})"),
    }
}
