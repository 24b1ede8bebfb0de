//! The dismissible message area under the toolbar: errors, warnings and news in plain words.

use eframe::egui;
use egui::{Color32, RichText};

/// How serious a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something failed; the user may need to act.
    Error,
    /// Worth knowing, nothing failed (e.g. some photos could not be used).
    Warning,
    /// Good news (e.g. training finished).
    Info,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// How serious it is.
    pub level: Level,
    /// The text, in plain words.
    pub text: String,
    /// How many times it arrived (repeats are shown once).
    pub count: usize,
}

/// Messages waiting to be dismissed, oldest first.
#[derive(Default)]
pub struct Messages {
    items: Vec<Message>,
}

/// Messages beyond this are dropped, oldest first.
const MAX_MESSAGES: usize = 20;
/// Messages shown at once; the rest are summarised.
const SHOWN: usize = 4;

impl Messages {
    /// Adds a message (a repeat of a shown one only bumps its count).
    pub fn push(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if let Some(m) = self
            .items
            .iter_mut()
            .find(|m| m.level == level && m.text == text)
        {
            m.count += 1;
            return;
        }
        self.items.push(Message {
            level,
            text,
            count: 1,
        });
        if self.items.len() > MAX_MESSAGES {
            self.items.remove(0);
        }
    }

    /// Adds an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(Level::Error, text);
    }

    /// Adds a warning.
    pub fn warning(&mut self, text: impl Into<String>) {
        self.push(Level::Warning, text);
    }

    /// Adds good news.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(Level::Info, text);
    }

    /// The messages, oldest first.
    pub fn items(&self) -> &[Message] {
        &self.items
    }

    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Removes every message.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

fn colours(level: Level, dark: bool) -> (Color32, Color32, &'static str) {
    match (level, dark) {
        (Level::Error, true) => (
            Color32::from_rgb(90, 30, 30),
            Color32::from_rgb(255, 200, 200),
            "Error",
        ),
        (Level::Error, false) => (
            Color32::from_rgb(255, 228, 228),
            Color32::from_rgb(140, 20, 20),
            "Error",
        ),
        (Level::Warning, true) => (
            Color32::from_rgb(80, 64, 20),
            Color32::from_rgb(255, 230, 170),
            "Note",
        ),
        (Level::Warning, false) => (
            Color32::from_rgb(255, 244, 214),
            Color32::from_rgb(110, 80, 0),
            "Note",
        ),
        (Level::Info, true) => (
            Color32::from_rgb(28, 64, 40),
            Color32::from_rgb(200, 255, 210),
            "Done",
        ),
        (Level::Info, false) => (
            Color32::from_rgb(226, 246, 230),
            Color32::from_rgb(20, 100, 40),
            "Done",
        ),
    }
}

/// Draws the newest messages, each with a Dismiss button.
pub fn messages_ui(ui: &mut egui::Ui, messages: &mut Messages) {
    let dark = ui.visuals().dark_mode;
    let hidden = messages.items.len().saturating_sub(SHOWN);
    let mut dismiss = None;
    for (i, message) in messages.items.iter().enumerate().skip(hidden) {
        let (fill, text_colour, label) = colours(message.level, dark);
        egui::Frame::new()
            .fill(fill)
            .corner_radius(4.0)
            .inner_margin(egui::Margin::symmetric(8, 4))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.label(RichText::new(label).strong().color(text_colour));
                    let right_width = 80.0;
                    let text = if message.count > 1 {
                        format!("{} (×{})", message.text, message.count)
                    } else {
                        message.text.clone()
                    };
                    ui.scope(|ui| {
                        ui.set_max_width((ui.available_width() - right_width).max(100.0));
                        ui.add(egui::Label::new(RichText::new(text).color(text_colour)).wrap());
                    });
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button("Dismiss").clicked() {
                            dismiss = Some(i);
                        }
                    });
                });
            });
    }
    ui.horizontal(|ui| {
        if hidden > 0 {
            ui.weak(format!("{hidden} older message(s) hidden"));
        }
        if messages.items.len() > 1 && ui.small_button("Dismiss all").clicked() {
            messages.clear();
        }
    });
    if let Some(i) = dismiss {
        messages.items.remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_counted_and_old_messages_dropped() {
        let mut m = Messages::default();
        m.error("a");
        m.error("a");
        m.warning("a");
        assert_eq!(m.items().len(), 2);
        assert_eq!(m.items()[0].count, 2);
        for i in 0..30 {
            m.info(format!("{i}"));
        }
        assert_eq!(m.items().len(), MAX_MESSAGES);
        assert_eq!(m.items().last().map(|x| x.text.as_str()), Some("29"));
    }
}
