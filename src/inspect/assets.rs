//! The page: HTML, CSS and JavaScript embedded in the binary, so the
//! inspector works offline with no build step.

/// One embedded file and its content type.
pub struct Asset {
    pub body: &'static str,
    pub content_type: &'static str,
}

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// The asset served at `path`, if any.
pub fn get(path: &str) -> Option<Asset> {
    let (body, content_type) = match path {
        "/" | "/index.html" => (INDEX, "text/html; charset=utf-8"),
        "/app.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "/app.css" => (STYLE, "text/css; charset=utf-8"),
        _ => return None,
    };
    Some(Asset { body, content_type })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_script_never_writes_html() {
        // Delivery data reaches the page as text nodes only.
        for forbidden in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(
                !super::SCRIPT.contains(forbidden),
                "app.js uses {forbidden}"
            );
        }
    }
}
