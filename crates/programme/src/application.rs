//! An application to a MANRS programme (manrs-spec §1.5, §1.6): the
//! organisation, the areas it serves, its ASNs, and one claim per action of
//! the programme (implemented or not, a description of how, links to the
//! evidence). [`Application::check`] holds it against the catalogue and
//! names every problem at once, so a form can show them all.

use manrs_types::{Asn, Country};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Programme};

/// Longest organisation name accepted.
pub const MAX_NAME: usize = 200;
/// Longest description of one action.
pub const MAX_TEXT: usize = 5000;
/// Most ASNs in one application.
pub const MAX_ASNS: usize = 500;
/// Most evidence links per action.
pub const MAX_LINKS: usize = 20;

/// What the applicant says about one action.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionClaim {
    /// The action's number in the programme.
    pub action: u8,
    /// Whether it is implemented.
    pub implemented: bool,
    /// How (published on the participant page, manrs-spec §1.6).
    #[serde(default)]
    pub description: String,
    /// Links to the evidence (policies, documentation, database objects).
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// An application's content, as the form and the API give it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Application {
    /// Programme id from the catalogue.
    pub programme: String,
    /// Organisation name.
    pub organisation: String,
    /// Areas served (ISO 3166 alpha-2 codes).
    #[serde(default)]
    pub areas: Vec<String>,
    /// The organisation's AS numbers.
    #[serde(default)]
    pub asns: Vec<u32>,
    /// One claim per action of the programme.
    #[serde(default)]
    pub actions: Vec<ActionClaim>,
}

/// Everything wrong with an application.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the application is not complete: {}", .problems.join("; "))]
pub struct ApplicationError {
    /// One sentence per problem.
    pub problems: Vec<String>,
}

impl Application {
    /// Parses a list of AS numbers separated by commas, spaces or new
    /// lines (`64500`, `AS64500`); the error names the first bad one.
    pub fn parse_asns(text: &str) -> Result<Vec<u32>, String> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<Asn>().map(|a| a.0).map_err(|_| format!("{t:?} is not an AS number"))
            })
            .collect()
    }

    /// Splits a list of codes or links separated by commas, spaces or new
    /// lines.
    pub fn split_list(text: &str) -> Vec<String> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Checks the application against the catalogue and returns it
    /// normalised (areas upper-case, ASNs sorted without repeats, claims in
    /// action order): a known programme, an organisation name, at least one
    /// valid area and ASN, exactly one claim per action of the programme,
    /// a description for every implemented action, http(s) evidence links,
    /// every mandatory action implemented and at least the programme's
    /// minimum.
    pub fn check(&self, catalogue: &Catalogue) -> Result<Application, ApplicationError> {
        let mut problems = Vec::new();
        let Some(programme) = catalogue.programme(&self.programme) else {
            return Err(ApplicationError {
                problems: vec![format!(
                    "unknown programme {:?} (programmes: {})",
                    self.programme,
                    catalogue.ids()
                )],
            });
        };
        let mut out = self.clone();
        out.organisation = self.organisation.trim().to_string();
        if out.organisation.is_empty() {
            problems.push("the organisation name is missing".to_string());
        } else if out.organisation.chars().count() > MAX_NAME {
            problems.push(format!("the organisation name is longer than {MAX_NAME} characters"));
        }
        out.areas.clear();
        for a in &self.areas {
            match a.trim().parse::<Country>() {
                Ok(c) if !out.areas.iter().any(|x| x == c.as_str()) => {
                    out.areas.push(c.as_str().to_string())
                }
                Ok(_) => {}
                Err(_) => {
                    problems.push(format!("area {a:?} is not an ISO 3166 two-letter economy code"))
                }
            }
        }
        if self.areas.is_empty() {
            problems.push("no area served is given".to_string());
        }
        out.asns.sort_unstable();
        out.asns.dedup();
        if out.asns.is_empty() && programme.id != "equipment-vendors" {
            problems.push("no AS number is given".to_string());
        }
        if out.asns.len() > MAX_ASNS {
            problems.push(format!("more than {MAX_ASNS} AS numbers"));
        }
        if out.asns.contains(&0) {
            problems.push("AS0 cannot be a participant's AS".to_string());
        }
        out.actions = Vec::new();
        check_claims(programme, &self.actions, &mut out.actions, &mut problems);
        if problems.is_empty() { Ok(out) } else { Err(ApplicationError { problems }) }
    }
}

fn check_claims(
    programme: &Programme,
    claims: &[ActionClaim],
    out: &mut Vec<ActionClaim>,
    problems: &mut Vec<String>,
) {
    for c in claims {
        if programme.action(c.action).is_none() {
            problems.push(format!(
                "{} has no Action {} (it has Actions 1 to {})",
                programme.name,
                c.action,
                programme.actions.len()
            ));
        }
    }
    for a in &programme.actions {
        let mine: Vec<&ActionClaim> = claims.iter().filter(|c| c.action == a.number).collect();
        let claim = match mine.as_slice() {
            [] => {
                problems.push(format!("Action {} ({}) is not answered", a.number, a.name));
                continue;
            }
            [c] => (*c).clone(),
            _ => {
                problems.push(format!("Action {} is answered more than once", a.number));
                continue;
            }
        };
        let mut claim = ActionClaim { description: claim.description.trim().to_string(), ..claim };
        if claim.implemented && claim.description.is_empty() {
            problems
                .push(format!("Action {} ({}): describe how it is implemented", a.number, a.name));
        }
        if claim.description.chars().count() > MAX_TEXT {
            problems.push(format!(
                "Action {}: the description is longer than {MAX_TEXT} characters",
                a.number
            ));
        }
        if claim.evidence.len() > MAX_LINKS {
            problems.push(format!("Action {}: more than {MAX_LINKS} evidence links", a.number));
        }
        claim.evidence = claim.evidence.iter().map(|l| l.trim().to_string()).collect();
        for l in &claim.evidence {
            let ok = (l.starts_with("https://") || l.starts_with("http://"))
                && l.len() > 8
                && l.len() <= 2000
                && !l.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<');
            if !ok {
                problems
                    .push(format!("Action {}: evidence {l:?} is not an http(s) link", a.number));
            }
        }
        if a.mandatory && !claim.implemented {
            problems.push(format!(
                "Action {} ({}) is mandatory in the {} programme",
                a.number, a.name, programme.name
            ));
        }
        out.push(claim);
    }
    let implemented = out.iter().filter(|c| c.implemented).count();
    if implemented < usize::from(programme.minimum) {
        problems.push(format!(
            "{} implemented; the {} programme asks for {}",
            match implemented {
                1 => "1 action is".to_string(),
                n => format!("{n} actions are"),
            },
            programme.name,
            programme.minimum_text
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(action: u8, implemented: bool) -> ActionClaim {
        ActionClaim {
            action,
            implemented,
            description: if implemented { format!("we do action {action}") } else { String::new() },
            evidence: vec![format!("https://example.net/manrs/{action}")],
        }
    }

    fn netops(implemented: [bool; 4]) -> Application {
        Application {
            programme: "network-operators".into(),
            organisation: " Example Networks ".into(),
            areas: vec!["nl".into(), "BE".into(), "NL".into()],
            asns: vec![64501, 64500, 64501],
            actions: (1..=4).map(|n| claim(n, implemented[usize::from(n - 1)])).collect(),
        }
    }

    #[test]
    fn a_complete_application_is_normalised() {
        let a = netops([true, false, true, true]).check(Catalogue::builtin()).unwrap();
        assert_eq!(a.organisation, "Example Networks");
        assert_eq!(a.areas, ["NL", "BE"]);
        assert_eq!(a.asns, [64500, 64501]);
        assert_eq!(a.actions.len(), 4);
    }

    #[test]
    fn mandatory_actions_and_the_minimum_are_enforced() {
        let e = netops([true, true, false, true]).check(Catalogue::builtin()).unwrap_err();
        assert_eq!(
            e.problems,
            ["Action 3 (Coordination) is mandatory in the Network Operators programme"]
        );
        // IXPs: Actions 1 and 2 are mandatory and one more is needed.
        let mut ixp = netops([true; 4]);
        ixp.programme = "ixps".into();
        ixp.actions =
            vec![claim(1, true), claim(2, true), claim(3, false), claim(4, false), claim(5, false)];
        let e = ixp.check(Catalogue::builtin()).unwrap_err();
        assert_eq!(
            e.problems,
            [
                "2 actions are implemented; the IXPs programme asks for at least 3 of the 5 Actions, Actions 1 and 2 among them"
            ]
        );
        ixp.actions[4].implemented = true;
        ixp.actions[4].description = "looking glass".into();
        ixp.check(Catalogue::builtin()).unwrap();
    }

    #[test]
    fn every_problem_is_named() {
        let a = Application {
            programme: "network-operators".into(),
            organisation: "  ".into(),
            areas: vec!["Netherlands".into()],
            asns: vec![],
            actions: vec![
                ActionClaim { action: 1, implemented: true, ..Default::default() },
                ActionClaim { action: 7, implemented: true, ..Default::default() },
                ActionClaim {
                    action: 3,
                    implemented: true,
                    description: "x".into(),
                    evidence: vec!["javascript:alert(1)".into()],
                },
                claim(3, true),
            ],
        };
        let e = a.check(Catalogue::builtin()).unwrap_err();
        assert_eq!(
            e.problems,
            [
                "the organisation name is missing",
                "area \"Netherlands\" is not an ISO 3166 two-letter economy code",
                "no AS number is given",
                "Network Operators has no Action 7 (it has Actions 1 to 4)",
                "Action 1 (Filtering): describe how it is implemented",
                "Action 2 (Anti-spoofing) is not answered",
                "Action 3 is answered more than once",
                "Action 4 (Global Validation) is not answered",
                "1 action is implemented; the Network Operators programme asks for Actions 1, 3 and 4 as a minimum",
            ]
        );
        let e = Application { programme: "isps".into(), ..Default::default() }
            .check(Catalogue::builtin())
            .unwrap_err();
        assert!(
            e.problems[0]
                .starts_with("unknown programme \"isps\" (programmes: network-operators, ixps")
        );
    }

    #[test]
    fn lists_are_split() {
        assert_eq!(
            Application::parse_asns("AS64500, 64501\n64502").unwrap(),
            [64500, 64501, 64502]
        );
        assert_eq!(
            Application::parse_asns("64500 ASX").unwrap_err(),
            "\"ASX\" is not an AS number"
        );
        assert_eq!(Application::split_list(" nl,be\r\nde "), ["nl", "be", "de"]);
    }
}
