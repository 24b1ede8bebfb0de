//! The vocabulary on the command line: `--vocab`, sizes and one-off edits on `tags` and
//! `train` ([`VocabFlags`]), and `vitrine vocab`, which shows and edits the vocabulary saved
//! with the catalogue's vitrine state (the same file the window edits).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use vitrine::catalogue::Catalogue;
use vitrine::text::vocab::{
    derive_tags, store, DerivedTags, VocabEdit, VocabMode, VocabularyEdits, VocabularySettings,
};
use vitrine::text::TermKind;

use super::CatalogueArgs;

/// Vocabulary flags of `tags` and `train`: applied on top of the catalogue's saved vocabulary
/// for this command only (`vitrine vocab` saves edits).
#[derive(Debug, Args, Clone, Default)]
pub struct VocabFlags {
    /// Vocabulary mode: curated (default: one tag per word, plurals and spellings merged,
    /// words that name no visible property left out) or seed (the original recipe).
    #[arg(long, value_name = "MODE")]
    pub vocab: Option<VocabMode>,
    /// Noun tags in the vocabulary (default 25).
    #[arg(long)]
    pub nouns: Option<usize>,
    /// Adjective tags in the vocabulary (default 25).
    #[arg(long)]
    pub adjectives: Option<usize>,
    /// Remove a tag (repeatable).
    #[arg(long, value_name = "TAG")]
    pub remove_tag: Vec<String>,
    /// Add a word of the descriptions as a tag (repeatable).
    #[arg(long, value_name = "WORD")]
    pub add_tag: Vec<String>,
    /// Rename a tag: `--rename-tag old=new` (repeatable).
    #[arg(long, value_name = "OLD=NEW")]
    pub rename_tag: Vec<String>,
    /// Merge tags: `--merge-tags a,b=c` (repeatable).
    #[arg(long, value_name = "A,B=INTO")]
    pub merge_tags: Vec<String>,
}

impl VocabFlags {
    /// True when no flag is given.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_none()
            && self.nouns.is_none()
            && self.adjectives.is_none()
            && self.remove_tag.is_empty()
            && self.add_tag.is_empty()
            && self.rename_tag.is_empty()
            && self.merge_tags.is_empty()
    }

    /// `base` with these flags: mode and sizes replaced, edits added after its own (removals,
    /// additions, renames, merges, in that order).
    pub fn apply(&self, base: VocabularySettings) -> anyhow::Result<VocabularySettings> {
        let mut settings = base;
        if let Some(mode) = self.vocab {
            settings.options.mode = mode;
        }
        if let Some(n) = self.nouns {
            settings.options.vocab_nouns = n;
        }
        if let Some(n) = self.adjectives {
            settings.options.vocab_adjectives = n;
        }
        for tag in &self.remove_tag {
            settings.edits.push(VocabEdit::Remove { tag: tag.clone() });
        }
        for word in &self.add_tag {
            settings.edits.push(VocabEdit::Add { word: word.clone() });
        }
        for pair in &self.rename_tag {
            let (from, to) = pair
                .split_once('=')
                .with_context(|| format!("--rename-tag {pair:?}: write it as old=new"))?;
            settings.edits.push(VocabEdit::Rename {
                from: from.into(),
                to: to.into(),
            });
        }
        for spec in &self.merge_tags {
            settings.edits.push(parse_merge(spec)?);
        }
        Ok(settings)
    }
}

/// `a,b=c` → merge a and b into c.
fn parse_merge(spec: &str) -> anyhow::Result<VocabEdit> {
    let (tags, into) = spec
        .split_once('=')
        .with_context(|| format!("--merge-tags {spec:?}: write it as a,b=into"))?;
    let tags: Vec<String> = tags.split(',').map(|t| t.trim().to_string()).collect();
    Ok(VocabEdit::Merge {
        tags,
        into: into.into(),
    })
}

/// The vocabulary file of a catalogue (the one the window uses).
pub fn settings_file(catalogue: &Catalogue) -> PathBuf {
    let dir = vitrine::paths::catalogue_state_dir(catalogue);
    store::path_in(&dir)
}

/// The catalogue's saved vocabulary settings (the defaults when it has none).
pub fn saved_settings(catalogue: &Catalogue) -> anyhow::Result<VocabularySettings> {
    let path = settings_file(catalogue);
    Ok(store::load(&path)?.unwrap_or_default())
}

/// Derives the catalogue's tags with these settings.
pub fn derive(catalogue: &Catalogue, settings: &VocabularySettings) -> DerivedTags {
    let descriptions: Vec<&str> = catalogue
        .items
        .iter()
        .map(|i| i.description.as_str())
        .collect();
    derive_tags(&descriptions, settings)
}

#[derive(Debug, Args)]
pub struct VocabArgs {
    #[command(subcommand)]
    action: VocabAction,
}

#[derive(Debug, Subcommand)]
enum VocabAction {
    /// Show the catalogue's vocabulary, its settings and its saved edits.
    Show(OnCatalogue),
    /// Remove a tag.
    Remove {
        /// The tag.
        tag: String,
        #[command(flatten)]
        on: OnCatalogue,
    },
    /// Add a word of the descriptions as a tag.
    Add {
        /// The word, in any form.
        word: String,
        #[command(flatten)]
        on: OnCatalogue,
    },
    /// Rename a tag.
    Rename {
        /// The tag.
        from: String,
        /// Its new name.
        to: String,
        #[command(flatten)]
        on: OnCatalogue,
    },
    /// Merge tags into one: `vitrine vocab merge a,b c`.
    Merge {
        /// The tags, separated by commas.
        tags: String,
        /// The merged tag's name.
        into: String,
        #[command(flatten)]
        on: OnCatalogue,
    },
    /// Choose the mode (curated or seed) and sizes of the automatic vocabulary.
    Mode {
        /// curated or seed.
        mode: VocabMode,
        /// Noun tags.
        #[arg(long)]
        nouns: Option<usize>,
        /// Adjective tags.
        #[arg(long)]
        adjectives: Option<usize>,
        #[command(flatten)]
        on: OnCatalogue,
    },
    /// Forget every edit (keeps the mode and sizes).
    Reset(OnCatalogue),
}

#[derive(Debug, Args)]
struct OnCatalogue {
    #[command(flatten)]
    catalogue: CatalogueArgs,
}

/// Runs `vitrine vocab`.
pub fn run(args: &VocabArgs) -> anyhow::Result<()> {
    let (on, change): (&OnCatalogue, Option<Change>) = match &args.action {
        VocabAction::Show(on) => (on, None),
        VocabAction::Remove { tag, on } => (
            on,
            Some(Change::Edit(VocabEdit::Remove { tag: tag.clone() })),
        ),
        VocabAction::Add { word, on } => (
            on,
            Some(Change::Edit(VocabEdit::Add { word: word.clone() })),
        ),
        VocabAction::Rename { from, to, on } => (
            on,
            Some(Change::Edit(VocabEdit::Rename {
                from: from.clone(),
                to: to.clone(),
            })),
        ),
        VocabAction::Merge { tags, into, on } => (
            on,
            Some(Change::Edit(parse_merge(&format!("{tags}={into}"))?)),
        ),
        VocabAction::Mode {
            mode,
            nouns,
            adjectives,
            on,
        } => (on, Some(Change::Mode(*mode, *nouns, *adjectives))),
        VocabAction::Reset(on) => (on, Some(Change::Reset)),
    };
    let catalogue = on.catalogue.load()?;
    let path = settings_file(&catalogue);
    // An edit reads, changes and writes the file under its lock, so edits made at the same
    // moment (another command, the window) all survive.
    let lock = match change {
        Some(_) => Some(store::lock(&path)?),
        None => None,
    };
    let mut settings = saved_settings(&catalogue)?;
    if let Some(change) = change {
        let current = derive(&catalogue, &settings);
        match change {
            Change::Edit(edit) => {
                let edit = VocabularyEdits::check(&edit, &current.set.vocabulary, &current.words)
                    .map_err(|e| anyhow::anyhow!("cannot {edit}: {e}"))?;
                println!("{edit}");
                settings.edits.push(edit);
            }
            Change::Mode(mode, nouns, adjectives) => {
                settings.options.mode = mode;
                if let Some(n) = nouns {
                    settings.options.vocab_nouns = n;
                }
                if let Some(n) = adjectives {
                    settings.options.vocab_adjectives = n;
                }
            }
            Change::Reset => settings.edits = VocabularyEdits::default(),
        }
        store::save(&path, &settings)?;
        drop(lock);
        println!("saved in {}", path.display());
    }
    show(&catalogue, &settings);
    Ok(())
}

enum Change {
    Edit(VocabEdit),
    Mode(VocabMode, Option<usize>, Option<usize>),
    Reset,
}

/// Prints the vocabulary made with `settings`.
pub fn show(catalogue: &Catalogue, settings: &VocabularySettings) {
    let derived = derive(catalogue, settings);
    println!(
        "{}: {} tags ({})",
        catalogue.name,
        derived.set.vocabulary.len(),
        settings.describe()
    );
    for edit in &settings.edits.edits {
        println!("  edit: {edit}");
    }
    for note in &derived.notes {
        println!("  note: {note} (skipped)");
    }
    for (kind, label) in [
        (TermKind::Noun, "nouns"),
        (TermKind::Adjective, "adjectives"),
    ] {
        let list: Vec<String> = derived
            .set
            .vocabulary
            .tags
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| format!("{} ({})", t.name, t.count))
            .collect();
        println!("  {label}: {}", list.join(", "));
    }
    if derived.set.vocabulary.is_empty() {
        if catalogue.has_descriptions() {
            println!(
                "  (the vocabulary is empty: every tag was removed or its sizes are 0; `vitrine \
                 vocab reset` forgets the edits)"
            );
        } else {
            println!("  (the catalogue has no descriptions)");
        }
    }
}
