//! The banner as a visitor finds it: by what is on screen, not by its markup. Waits until it
//! shows or goes away, clicks its buttons with the mouse and switches its categories, through
//! helpers (`BANNER_JS`) evaluated in the page.

use std::time::Duration;

use serde_json::Value;

use crate::harness::{Harness, SOON};

impl Harness {
    /// Evaluates `expression` with the banner helpers of `BANNER_JS` in scope.
    pub fn eval(&mut self, expression: &str) -> Value {
        self.browser.evaluate(&banner_js(expression))
    }

    /// Polls `expression` (with the banner helpers) until truthy.
    pub fn poll(&mut self, expression: &str, timeout: Duration) -> bool {
        self.browser.poll(&banner_js(expression), timeout)
    }

    /// True once the first layer (with its accept-all button) is on screen.
    pub fn banner_shows(&mut self, timeout: Duration) -> bool {
        self.poll("firstLayer() !== null", timeout)
    }

    /// True while no first layer is on screen for `during`.
    pub fn banner_stays_hidden(&mut self, during: Duration) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < during {
            if self.eval("firstLayer() !== null") == Value::Bool(true) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// True once the preferences dialog is open.
    pub fn dialog_opens(&mut self) -> bool {
        self.poll("prefs() !== null", SOON)
    }

    /// True once the preferences dialog is closed.
    pub fn dialog_closes(&mut self) -> bool {
        self.poll("prefs() === null", SOON)
    }

    /// True once neither the first layer nor the dialog is on screen.
    pub fn banner_goes_away(&mut self) -> bool {
        self.poll("firstLayer() === null && prefs() === null", SOON)
    }

    /// Clicks, with the mouse, the visible button for `action` (the dialog's if it is open).
    pub fn click(&mut self, action: &str) {
        let at = self.eval(&format!(
            "(() => {{ const el = target({action:?}); if (!el) return null;
               el.scrollIntoView({{block: 'center', inline: 'center'}});
               return centre(el); }})()"
        ));
        let Some([x, y]) = at.as_array().map(|a| [a[0].as_f64(), a[1].as_f64()]) else {
            panic!("no visible button with data-action={action:?}");
        };
        self.browser.click_at(x.expect("x"), y.expect("y"));
    }

    /// Switches the category `id` in the open dialog on or off (clicking its checkbox).
    pub fn switch(&mut self, id: &str, on: bool) {
        let done = self.eval(&format!(
            "(() => {{ const box = all('input[type=checkbox][name={id}]')[0];
               if (!box) return 'missing';
               if (box.disabled) return 'disabled';
               if (box.checked !== {on}) box.click();
               return box.checked === {on} ? 'ok' : 'stuck'; }})()"
        ));
        assert_eq!(done, "ok", "switching {id} to {on}");
    }

    /// The states of the dialog's category checkboxes: name → (checked, disabled).
    pub fn switches(&mut self) -> Value {
        self.eval(
            "Object.fromEntries(all('input[type=checkbox][name]')
               .map(b => [b.name, {checked: b.checked, disabled: b.disabled}]))",
        )
    }

    /// The element that has the focus, through shadow roots, described for messages.
    pub fn focused(&mut self) -> Value {
        self.eval("describe(deepActive())")
    }
}

/// Helpers for finding the banner the way a visitor does: by what is on screen.
const BANNER_JS: &str = r#"
const host = document.getElementById("consentry");
const root = host ? (host.shadowRoot || host) : null;
const all = (sel) => root ? Array.from(root.querySelectorAll(sel)) : [];
const visible = (el) => {
  if (!el || !el.isConnected) return false;
  if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true,
                            checkOpacity: true, checkVisibilityCSS: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
      && r.top < innerHeight && r.left < innerWidth;
};
const prefs = () => {
  const box = all("input[type=checkbox][name]")[0];
  if (!box) return null;
  const dialog = box.closest("dialog, [role=dialog]") || box.parentElement;
  return visible(dialog) ? dialog : null;
};
const actions = (name) => all('[data-action="' + name + '"]').filter(visible);
const firstLayer = () => {
  const p = prefs();
  return actions("accept-all").find((el) => !(p && p.contains(el))) || null;
};
const target = (name) => {
  const p = prefs();
  const inDialog = p && actions(name).find((el) => p.contains(el));
  return inDialog || actions(name).find((el) => !(p && p.contains(el))) || null;
};
// An element's centre in the coordinates of mouse events (the visual viewport, zoom included).
const centre = (el) => {
  const r = el.getBoundingClientRect(), v = window.visualViewport;
  return [(r.left + r.width / 2 - v.offsetLeft) * v.scale, (r.top + r.height / 2 - v.offsetTop) * v.scale];
};
const deepActive = () => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
const inBanner = (el) => !!el && !!host && (el === host || host.contains(el) || el.getRootNode() === root);
const describe = (el) => el ? {
  tag: el.tagName.toLowerCase(), action: el.getAttribute("data-action"), name: el.getAttribute("name"),
  id: el.id || null, text: (el.textContent || "").trim().slice(0, 40),
  inBanner: inBanner(el), inDialog: !!(prefs() && prefs().contains(el)),
} : null;
"#;

/// Wraps `expression` so that the helpers above are in scope.
fn banner_js(expression: &str) -> String {
    format!("(() => {{ {BANNER_JS}\n return ({expression}); }})()")
}
