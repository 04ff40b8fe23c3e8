//! The catalogue of MANRS programmes and their actions (manrs-spec §1.1-1.4):
//! which actions each programme has, which are mandatory, and how many an
//! applicant must implement to join. It is data
//! (`programmes/manrs-programmes.toml`, compiled into the binary as
//! [`Catalogue::builtin`]); [`Catalogue::parse`] reads and validates any
//! such file, so a changed rule is a reviewed edit of that file, and its
//! `version` is recorded with every application.

use serde::Deserialize;

/// The catalogue shipped with manrs.
pub const BUILTIN: &str = include_str!("../../../programmes/manrs-programmes.toml");

/// A problem in a catalogue file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Not valid TOML or not the catalogue's shape.
    #[error("catalogue: {0}")]
    Toml(#[from] toml::de::Error),
    /// Valid TOML breaking a rule of the catalogue.
    #[error("catalogue: {0}")]
    Invalid(String),
}

/// One action of a programme.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Action {
    /// Its number within the programme, from 1.
    pub number: u8,
    /// Short name ("Filtering").
    pub name: String,
    /// The requirement, condensed.
    pub text: String,
    /// Whether every participant of the programme must implement it.
    pub mandatory: bool,
    /// The Observatory key figures (API v2 ids) that measure it; empty
    /// when none does.
    #[serde(default)]
    pub figures: Vec<String>,
    /// Whether something about it (e.g. its figures) was inferred rather
    /// than stated by the sources.
    #[serde(default)]
    pub inferred: bool,
}

/// One programme.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Programme {
    /// Stable identifier used in URLs and the API (`network-operators`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The section of the specification it comes from.
    pub spec: String,
    /// The least number of actions an applicant must implement.
    pub minimum: u8,
    /// The rule to join, in words.
    pub minimum_text: String,
    /// Its actions, numbered from 1.
    #[serde(rename = "action")]
    pub actions: Vec<Action>,
}

impl Programme {
    /// The action with this number.
    pub fn action(&self, number: u8) -> Option<&Action> {
        self.actions.iter().find(|a| a.number == number)
    }

    /// The mandatory actions' numbers.
    pub fn mandatory(&self) -> impl Iterator<Item = u8> + '_ {
        self.actions.iter().filter(|a| a.mandatory).map(|a| a.number)
    }
}

/// The catalogue: a version and the programmes.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Version, recorded with each application.
    pub version: String,
    /// Where it comes from.
    pub spec: String,
    /// The programmes.
    #[serde(rename = "programme")]
    pub programmes: Vec<Programme>,
}

impl Catalogue {
    /// Parses and validates a catalogue: a non-empty version; unique
    /// programme ids of lower-case letters, digits and `-`; actions
    /// numbered 1..n in order with non-empty names; known key figure ids;
    /// a minimum at least the number of mandatory actions and at most the
    /// number of actions.
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let c: Catalogue = toml::from_str(text)?;
        c.validate()?;
        Ok(c)
    }

    /// The catalogue shipped with manrs ([`BUILTIN`]).
    pub fn builtin() -> &'static Catalogue {
        static C: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        // The shipped file is checked by a test; a broken one cannot pass CI.
        C.get_or_init(|| {
            Catalogue::parse(BUILTIN).unwrap_or_else(|e| {
                eprintln!("manrs-programme: the built-in {e}");
                Catalogue { version: "invalid".into(), spec: String::new(), programmes: Vec::new() }
            })
        })
    }

    /// The programme with this id.
    pub fn programme(&self, id: &str) -> Option<&Programme> {
        self.programmes.iter().find(|p| p.id == id)
    }

    /// The programme ids, comma-separated (for messages).
    pub fn ids(&self) -> String {
        self.programmes.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn validate(&self) -> Result<(), CatalogueError> {
        let bad = |m: String| Err(CatalogueError::Invalid(m));
        if self.version.trim().is_empty() {
            return bad("version is empty".into());
        }
        if self.programmes.is_empty() {
            return bad("no programme".into());
        }
        for (i, p) in self.programmes.iter().enumerate() {
            let id_ok = !p.id.is_empty()
                && p.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
                return bad(format!(
                    "programme id {:?}: use lower-case letters, digits and '-'",
                    p.id
                ));
            }
            if self.programmes[..i].iter().any(|q| q.id == p.id) {
                return bad(format!("programme {} is defined twice", p.id));
            }
            if p.actions.is_empty() {
                return bad(format!("programme {} has no action", p.id));
            }
            for (n, a) in p.actions.iter().enumerate() {
                if usize::from(a.number) != n + 1 {
                    return bad(format!(
                        "programme {}: action {} is listed as number {}; number the actions 1, 2, ... in order",
                        p.id,
                        n + 1,
                        a.number
                    ));
                }
                if a.name.trim().is_empty() || a.text.trim().is_empty() {
                    return bad(format!(
                        "programme {} action {}: empty name or text",
                        p.id, a.number
                    ));
                }
                for f in &a.figures {
                    if manrs_engine::Figure::parse(f).is_none() {
                        return bad(format!(
                            "programme {} action {}: unknown key figure {f:?}",
                            p.id, a.number
                        ));
                    }
                }
            }
            let mandatory = p.mandatory().count();
            if usize::from(p.minimum) < mandatory || usize::from(p.minimum) > p.actions.len() {
                return bad(format!(
                    "programme {}: minimum {} must be between the {mandatory} mandatory actions and the {} actions",
                    p.id,
                    p.minimum,
                    p.actions.len()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_has_the_four_programmes() {
        let c = Catalogue::parse(BUILTIN).unwrap();
        let summary: Vec<(&str, usize, Vec<u8>, u8)> = c
            .programmes
            .iter()
            .map(|p| (p.id.as_str(), p.actions.len(), p.mandatory().collect(), p.minimum))
            .collect();
        assert_eq!(
            summary,
            [
                ("network-operators", 4, vec![1, 3, 4], 3),
                ("ixps", 5, vec![1, 2], 3),
                ("cdn-cloud", 6, vec![1, 2, 3, 4, 5], 5),
                ("equipment-vendors", 2, vec![1, 2], 2),
            ]
        );
        let netops = c.programme("network-operators").unwrap();
        assert_eq!(
            netops.action(4).unwrap().figures,
            ["routingInformationIRR", "routingInformationRPKI"]
        );
        assert!(!netops.action(1).unwrap().inferred);
        assert!(c.programme("cdn-cloud").unwrap().action(1).unwrap().inferred);
        assert_eq!(Catalogue::builtin().version, c.version);
    }

    fn broken(edit: impl Fn(&str) -> String) -> String {
        Catalogue::parse(&edit(BUILTIN)).unwrap_err().to_string()
    }

    #[test]
    fn broken_catalogues_are_refused_with_the_reason() {
        let e = broken(|t| t.replacen("number = 2\n", "number = 3\n", 1));
        assert!(e.contains("action 2 is listed as number 3"), "{e}");
        let e = broken(|t| t.replacen("minimum = 3\n", "minimum = 2\n", 1));
        assert!(e.contains("minimum 2 must be between the 3 mandatory actions"), "{e}");
        let e = broken(|t| t.replacen("id = \"ixps\"", "id = \"network-operators\"", 1));
        assert!(e.contains("network-operators is defined twice"), "{e}");
        let e = broken(|t| t.replacen("[\"antiSpoofing\"]", "[\"spoofing\"]", 1));
        assert!(e.contains("unknown key figure \"spoofing\""), "{e}");
        let e = broken(|t| t.replacen("version = \"2026.1\"", "version = \"\"", 1));
        assert!(e.contains("version is empty"), "{e}");
        let e = broken(|t| t.replacen("mandatory = true", "mandatory = true\nweight = 2", 1));
        assert!(e.contains("unknown field `weight`"), "{e}");
    }
}
