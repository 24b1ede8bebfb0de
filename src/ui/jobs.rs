//! The window's record of the commands it sent to the worker and has not seen end: a table
//! keyed by request id. Every answer names its request, so nothing is inferred from the order
//! or the text of events.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::engine::RequestId;

/// What a request sent to the worker was for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Take a catalogue and derive its tags.
    Catalogue,
    /// Compute the catalogue's embeddings.
    Embed,
    /// Load a checkpoint's model; `announce` says whether to tell the user when it is ready
    /// (not for the model loaded automatically with a catalogue).
    Checkpoint {
        /// The checkpoint folder.
        path: PathBuf,
        /// Tell the user once the model is in use.
        announce: bool,
    },
    /// A training run.
    Train,
    /// Tag a photo.
    Predict {
        /// The photo.
        photo: PathBuf,
    },
    /// Remake the catalogue's tags with edited vocabulary settings.
    Vocabulary,
    /// Hand the user's tag corrections to the engine.
    Corrections,
    /// Compute the catalogue's garment colours and description index.
    Colours,
}

impl JobKind {
    /// Jobs that prepare the catalogue; training waits for them so Stop cannot hit them.
    pub fn prepares(&self) -> bool {
        matches!(
            self,
            JobKind::Catalogue
                | JobKind::Embed
                | JobKind::Colours
                | JobKind::Checkpoint { .. }
                | JobKind::Vocabulary
        )
    }
}

/// Requests sent and not ended yet.
#[derive(Debug, Default)]
pub struct JobTable {
    jobs: BTreeMap<RequestId, JobKind>,
}

impl JobTable {
    /// Records a request just sent.
    pub fn started(&mut self, request: RequestId, kind: JobKind) {
        self.jobs.insert(request, kind);
    }

    /// What `request` was for, while it runs.
    pub fn get(&self, request: RequestId) -> Option<&JobKind> {
        self.jobs.get(&request)
    }

    /// Removes a request that ended (its `Done` or `Failed` arrived) and says what it was;
    /// `None` for a request this table never saw or already ended.
    pub fn finish(&mut self, request: RequestId) -> Option<JobKind> {
        self.jobs.remove(&request)
    }

    /// The request the worker is on now: it runs them in the order sent, and ids grow.
    pub fn running(&self) -> Option<(RequestId, &JobKind)> {
        self.jobs.iter().next().map(|(id, kind)| (*id, kind))
    }

    /// True while a catalogue-preparing request is queued or running.
    pub fn any_preparing(&self) -> bool {
        self.jobs.values().any(JobKind::prepares)
    }

    /// The newest request of a kind matching `pick`.
    pub fn newest(&self, pick: impl Fn(&JobKind) -> bool) -> Option<RequestId> {
        self.jobs
            .iter()
            .rev()
            .find(|(_, kind)| pick(kind))
            .map(|(id, _)| *id)
    }

    /// The training request, if one is queued or running.
    pub fn training(&self) -> Option<RequestId> {
        self.newest(|k| *k == JobKind::Train)
    }

    /// True while a catalogue request is queued or running.
    pub fn opening_catalogue(&self) -> bool {
        self.newest(|k| *k == JobKind::Catalogue).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl JobTable {
        fn len(&self) -> usize {
            self.jobs.len()
        }

        fn is_empty(&self) -> bool {
            self.jobs.is_empty()
        }
    }

    fn photo(name: &str) -> JobKind {
        JobKind::Predict {
            photo: PathBuf::from(name),
        }
    }

    #[test]
    fn a_failed_catalogue_job_ends_only_itself() {
        let mut jobs = JobTable::default();
        jobs.started(RequestId(1), JobKind::Catalogue);
        jobs.started(RequestId(2), JobKind::Embed);
        jobs.started(RequestId(3), JobKind::Catalogue);
        // The first catalogue fails: only its own entry ends.
        assert_eq!(jobs.finish(RequestId(1)), Some(JobKind::Catalogue));
        assert_eq!(jobs.running(), Some((RequestId(2), &JobKind::Embed)));
        assert!(jobs.opening_catalogue());
        assert_eq!(jobs.finish(RequestId(2)), Some(JobKind::Embed));
        // The second one is still known and ends normally.
        assert_eq!(jobs.get(RequestId(3)), Some(&JobKind::Catalogue));
        assert_eq!(jobs.finish(RequestId(3)), Some(JobKind::Catalogue));
        assert!(jobs.is_empty());
        // An answer to a request that already ended changes nothing.
        assert_eq!(jobs.finish(RequestId(3)), None);
    }

    #[test]
    fn a_failure_in_each_kind_of_job_leaves_the_others() {
        let kinds = [
            JobKind::Catalogue,
            JobKind::Embed,
            JobKind::Checkpoint {
                path: PathBuf::from("ck"),
                announce: true,
            },
            JobKind::Train,
            photo("a.jpg"),
        ];
        for (failing, kind) in kinds.iter().enumerate() {
            let mut jobs = JobTable::default();
            for (i, k) in kinds.iter().enumerate() {
                jobs.started(RequestId(i as u64 + 1), k.clone());
            }
            assert_eq!(
                jobs.finish(RequestId(failing as u64 + 1)).as_ref(),
                Some(kind)
            );
            assert_eq!(jobs.len(), kinds.len() - 1);
            for (i, k) in kinds.iter().enumerate().filter(|(i, _)| *i != failing) {
                assert_eq!(jobs.get(RequestId(i as u64 + 1)), Some(k));
            }
        }
    }

    #[test]
    fn preparing_jobs_hold_training_back_and_the_newest_photo_is_found() {
        let mut jobs = JobTable::default();
        jobs.started(RequestId(4), photo("old.jpg"));
        jobs.started(RequestId(5), JobKind::Embed);
        jobs.started(RequestId(6), photo("new.jpg"));
        assert!(jobs.any_preparing());
        let newest = jobs.newest(|k| matches!(k, JobKind::Predict { .. }));
        assert_eq!(newest, Some(RequestId(6)));
        jobs.finish(RequestId(5));
        assert!(!jobs.any_preparing());
        assert_eq!(jobs.training(), None);
        jobs.started(RequestId(7), JobKind::Train);
        assert_eq!(jobs.training(), Some(RequestId(7)));
        assert_eq!(jobs.running(), Some((RequestId(4), &photo("old.jpg"))));
    }
}
