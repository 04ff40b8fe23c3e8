//! RPSL objects (RFC 2622 §2-§3) and typed views of the classes the
//! observatory uses: route/route6 (RFC 2622 §4, RFC 4012 §2), aut-num
//! (§6), as-set (§5.1), route-set (§5.2, RFC 4012 §4) and mntner (§3.1).

use manrs_types::{Asn, Prefix, RouteObject};

/// One RPSL object: its attributes in order, names lower-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpslObject {
    /// The class: the name of the first attribute (`route`, `aut-num`...).
    pub class: String,
    /// The value of the first attribute (the object's primary key, or part of it).
    pub key: String,
    /// Every attribute, in order. Continuation lines are joined to their
    /// attribute with `\n`.
    pub attributes: Vec<(String, String)>,
    /// The `source:` attribute upper-cased (e.g. `RIPE-NONAUTH`), or the
    /// reader's default source for dumps whose objects carry none.
    pub source: String,
    /// The line where the object starts (1-based).
    pub line: u64,
}

/// Why an object does not convert to a typed view.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{class} object at line {line}: {reason}")]
pub struct RpslError {
    /// The object's class.
    pub class: String,
    /// The object's first line.
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// RFC 2622 §2: `#` starts a comment that runs to the end of the line.
/// Applied to the values that typed views parse (keys, origins, member
/// lists); free-text attributes keep their `#` (URLs use it).
fn strip_comment(v: &str) -> String {
    v.lines().map(|l| l.split('#').next().unwrap_or("")).collect::<Vec<_>>().join(" ")
}

/// Splits a list attribute (`members:`, `mnt-by:`) on commas and white space.
fn list(v: &str) -> impl Iterator<Item = String> + '_ {
    v.lines()
        .flat_map(|l| l.split('#').next().unwrap_or("").split([',', ' ', '\t']))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl RpslObject {
    /// The first value of an attribute.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of an attribute, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// How many times an attribute occurs.
    pub fn count(&self, name: &str) -> usize {
        self.get_all(name).count()
    }

    fn error(&self, reason: impl Into<String>) -> RpslError {
        RpslError { class: self.class.clone(), line: self.line, reason: reason.into() }
    }

    fn list_of(&self, name: &str) -> Vec<String> {
        self.get_all(name).flat_map(list).collect()
    }

    /// A `route` or `route6` object as a [`RouteObject`]; `None` for other
    /// classes.
    pub fn route(&self) -> Option<Result<RouteObject, RpslError>> {
        if self.class != "route" && self.class != "route6" {
            return None;
        }
        Some(self.route_inner())
    }

    fn route_inner(&self) -> Result<RouteObject, RpslError> {
        let key = strip_comment(&self.key);
        let prefix: Prefix = key.trim().parse().map_err(|e| self.error(format!("{e}")))?;
        if (self.class == "route") != prefix.is_ipv4() {
            return Err(self.error(format!("{prefix} is the wrong address family")));
        }
        let origin = self.get("origin").ok_or_else(|| self.error("no origin: attribute"))?;
        let origin: Asn =
            strip_comment(origin).trim().parse().map_err(|e| self.error(format!("{e}")))?;
        Ok(RouteObject {
            prefix,
            origin,
            source: self.source.clone(),
            mnt_by: self.list_of("mnt-by"),
        })
    }

    /// An `aut-num` object; `None` for other classes.
    pub fn aut_num(&self) -> Option<Result<AutNum, RpslError>> {
        (self.class == "aut-num").then(|| {
            let asn: Asn =
                strip_comment(&self.key).trim().parse().map_err(|e| self.error(format!("{e}")))?;
            Ok(AutNum {
                asn,
                as_name: self.get("as-name").map(|v| strip_comment(v).trim().to_string()),
                admin_c: self.list_of("admin-c"),
                tech_c: self.list_of("tech-c"),
                mnt_by: self.list_of("mnt-by"),
                imports: self.count("import") + self.count("mp-import"),
                exports: self.count("export") + self.count("mp-export"),
                source: self.source.clone(),
            })
        })
    }

    /// An `as-set` object; `None` for other classes.
    pub fn as_set(&self) -> Option<AsSet> {
        (self.class == "as-set").then(|| AsSet {
            name: strip_comment(&self.key).trim().to_string(),
            members: self.list_of("members"),
            mbrs_by_ref: self.list_of("mbrs-by-ref"),
            source: self.source.clone(),
        })
    }

    /// A `route-set` object; `None` for other classes.
    pub fn route_set(&self) -> Option<RouteSet> {
        (self.class == "route-set").then(|| RouteSet {
            name: strip_comment(&self.key).trim().to_string(),
            members: self.list_of("members"),
            mp_members: self.list_of("mp-members"),
            mbrs_by_ref: self.list_of("mbrs-by-ref"),
            source: self.source.clone(),
        })
    }

    /// A `mntner` object (authentication data is not kept); `None` for
    /// other classes.
    pub fn mntner(&self) -> Option<Mntner> {
        (self.class == "mntner").then(|| Mntner {
            name: strip_comment(&self.key).trim().to_string(),
            admin_c: self.list_of("admin-c"),
            mnt_by: self.list_of("mnt-by"),
            source: self.source.clone(),
        })
    }
}

/// An `aut-num` object (RFC 2622 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutNum {
    /// The AS number.
    pub asn: Asn,
    /// `as-name:`.
    pub as_name: Option<String>,
    /// `admin-c:` handles (coordination contacts, MANRS Action 3).
    pub admin_c: Vec<String>,
    /// `tech-c:` handles.
    pub tech_c: Vec<String>,
    /// `mnt-by:` maintainers.
    pub mnt_by: Vec<String>,
    /// Number of `import:` and `mp-import:` lines.
    pub imports: usize,
    /// Number of `export:` and `mp-export:` lines.
    pub exports: usize,
    /// The IRR source.
    pub source: String,
}

/// An `as-set` object (RFC 2622 §5.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsSet {
    /// The set name (`AS-EXAMPLE`, or hierarchical `AS1:AS-CUSTOMERS`).
    pub name: String,
    /// Members: AS numbers and other set names, as written.
    pub members: Vec<String>,
    /// `mbrs-by-ref:` maintainers.
    pub mbrs_by_ref: Vec<String>,
    /// The IRR source.
    pub source: String,
}

/// A `route-set` object (RFC 2622 §5.2, RFC 4012 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSet {
    /// The set name.
    pub name: String,
    /// IPv4 `members:` as written (prefixes with range operators, set names).
    pub members: Vec<String>,
    /// `mp-members:` as written.
    pub mp_members: Vec<String>,
    /// `mbrs-by-ref:` maintainers.
    pub mbrs_by_ref: Vec<String>,
    /// The IRR source.
    pub source: String,
}

/// A `mntner` object (RFC 2622 §3.1), without its `auth:` data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mntner {
    /// The maintainer name.
    pub name: String,
    /// `admin-c:` handles.
    pub admin_c: Vec<String>,
    /// `mnt-by:` maintainers.
    pub mnt_by: Vec<String>,
    /// The IRR source.
    pub source: String,
}
