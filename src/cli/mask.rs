//! `vitrine mask`: the garment mask the colour similarity uses, as a picture, to check it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use vitrine::lookalike::colour::lab::LabConverter;
use vitrine::lookalike::colour::mask::garment_mask;
use vitrine::lookalike::colour::Palette;

#[derive(Debug, Args)]
pub struct MaskArgs {
    /// The photo.
    photo: PathBuf,
    /// Where to write the mask picture (PNG): the garment in its colours, background greyed.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: &MaskArgs) -> anyhow::Result<()> {
    let photo = vitrine::vision::transforms::load_image(&args.photo)
        .with_context(|| format!("cannot open {}", args.photo.display()))?;
    let converter = LabConverter::default();
    let mask = garment_mask(&photo, &converter);
    mask.debug_image(&photo)
        .save(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "garment: {:.0}% of the photo{}; mask written to {}",
        mask.garment_share() * 100.0,
        if mask.fallback {
            " (central ellipse: the background model left too little)"
        } else {
            ""
        },
        args.out.display()
    );
    let palette = Palette::of_photo(&photo, &converter);
    for (c, share) in palette.colours.iter().take(5) {
        println!(
            "  L {:5.1} a {:+6.1} b {:+6.1}  {:4.1}%",
            c.l,
            c.a,
            c.b,
            share * 100.0
        );
    }
    Ok(())
}
