//! Economy names and map positions for the dashboard (manrs-spec §3.1:
//! "world map with a dot per economy, dot size = number of networks").
//! The data is generated once from Natural Earth (public domain) and
//! i18n-iso-countries (MIT) by `scripts/make_map_assets.mjs`; see
//! `assets/map/README.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The land outline: one SVG path on a 960 x 480 equirectangular map.
pub const LAND: &str = include_str!("../assets/map/land.path");

/// Width and height of the map.
pub const SIZE: (f64, f64) = (960.0, 480.0);

/// An economy's name and, when the map has its shape, its position.
#[derive(Clone, Debug, Deserialize)]
pub struct Economy {
    /// English name.
    pub name: String,
    /// Map x of its centroid.
    pub x: Option<f64>,
    /// Map y.
    pub y: Option<f64>,
}

fn table() -> &'static HashMap<String, Economy> {
    static TABLE: OnceLock<HashMap<String, Economy>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Generated data compiled into the binary; a test checks it parses.
        serde_json::from_str(include_str!("../assets/map/economies.json")).unwrap_or_default()
    })
}

/// The economy of an ISO 3166-1 alpha-2 code.
pub fn economy(code: &str) -> Option<&'static Economy> {
    table().get(code)
}

/// The English name of an economy, if the code is ISO 3166-1.
pub fn name(code: &str) -> Option<&'static str> {
    economy(code).map(|e| e.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn economies_have_names_and_sensible_positions() {
        assert!(table().len() >= 240, "{}", table().len());
        assert_eq!(name("NL"), Some("Netherlands"));
        assert_eq!(name("BR"), Some("Brazil"));
        // West of Greenwich is the left half of the map, the southern
        // hemisphere the lower half.
        let nl = economy("NL").unwrap();
        let (x, y) = (nl.x.unwrap(), nl.y.unwrap());
        assert!((480.0..520.0).contains(&x) && y < 240.0, "{x} {y}");
        let br = economy("BR").unwrap();
        assert!(br.x.unwrap() < 480.0 && br.y.unwrap() > 240.0);
        let au = economy("AU").unwrap();
        assert!(au.x.unwrap() > 720.0 && au.y.unwrap() > 240.0);
        assert!(economy("EU").is_none());
        assert!(LAND.starts_with('M') && LAND.len() > 10_000);
    }
}
