//! Imports on the command line: photos named by web address are fetched with a progress bar
//! ("Fetching photos 812 of 2,000"), and Ctrl-C is left to end the process as usual.

use std::path::Path;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use vitrine::catalogue::{self, Catalogue, CatalogueError, FetchControl, ImportOptions};

/// Imports `path`, showing the photo downloads when there are any.
pub fn load(
    path: &Path,
    options: &ImportOptions,
    offline: bool,
) -> Result<Catalogue, CatalogueError> {
    let bar = ProgressBar::hidden();
    if let Ok(style) = ProgressStyle::with_template(
        "Fetching photos {bar:40} {human_pos} of {human_len} ({per_sec}, {eta} left) {msg}",
    ) {
        bar.set_style(style);
    }
    let shown = bar.clone();
    let control = FetchControl {
        offline,
        progress: Some(Arc::new(move |p: catalogue::FetchProgress| {
            if p.total == 0 {
                return;
            }
            if shown.is_hidden() && p.done < p.total {
                shown.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            shown.set_length(p.total as u64);
            shown.set_position(p.done as u64);
            if p.failed > 0 {
                shown.set_message(format!("{} failed", p.failed));
            }
        })),
        ..FetchControl::default()
    };
    let result = catalogue::load_with(path, options, control);
    bar.finish_and_clear();
    result
}
