//! What the tests ask of the browser's page over DevTools: open a URL, evaluate and poll
//! scripts, click and press keys as a visitor does, read and set cookies, emulate media and
//! viewports, and take screenshots.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::cdp::Chromium;

/// A key a visitor presses.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    Tab,
    ShiftTab,
    Enter,
    Space,
    Escape,
}

impl Key {
    /// (key, code, Windows virtual key code, text typed, modifiers)
    fn parts(self) -> (&'static str, &'static str, u32, &'static str, u32) {
        match self {
            Key::Tab => ("Tab", "Tab", 9, "", 0),
            Key::ShiftTab => ("Tab", "Tab", 9, "", 8),
            Key::Enter => ("Enter", "Enter", 13, "\r", 0),
            Key::Space => (" ", "Space", 32, " ", 0),
            Key::Escape => ("Escape", "Escape", 27, "", 0),
        }
    }
}

impl Chromium {
    /// Opens `url` and waits for its load event.
    pub fn navigate(&mut self, url: &str) {
        self.forget_events("Page.loadEventFired");
        let result = self.call("Page.navigate", json!({"url": url}));
        if let Some(error) = result.get("errorText") {
            panic!("cannot open {url}: {error}");
        }
        self.wait_event("Page.loadEventFired", Duration::from_secs(20));
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value.
    pub fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({
                "expression": expression,
                "awaitPromise": true,
                "returnByValue": true,
                "userGesture": true,
            }),
        );
        if let Some(details) = result.get("exceptionDetails") {
            let what = details["exception"]["description"]
                .as_str()
                .or(details["text"].as_str())
                .unwrap_or("an exception");
            panic!("evaluating `{}` threw: {what}", shorten(expression));
        }
        result["result"]["value"].clone()
    }

    /// Polls `expression` until it is truthy; false after `timeout`.
    pub fn poll(&mut self, expression: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.evaluate(expression);
            if !matches!(value, Value::Null | Value::Bool(false))
                && value != json!(0)
                && value != json!("")
            {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A left click with the mouse at (x, y) in CSS pixels of the viewport.
    pub fn click_at(&mut self, x: f64, y: f64) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseMoved", "x": x, "y": y}),
        );
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// A real key press, as from a keyboard (down, then up).
    pub fn press(&mut self, key: Key) {
        let (name, code, vk, text, modifiers) = key.parts();
        let down = if text.is_empty() {
            "rawKeyDown"
        } else {
            "keyDown"
        };
        let mut params = json!({
            "type": down, "key": name, "code": code, "modifiers": modifiers,
            "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
        });
        if !text.is_empty() {
            params["text"] = json!(text);
            params["unmodifiedText"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", params);
        self.call(
            "Input.dispatchKeyEvent",
            json!({
                "type": "keyUp", "key": name, "code": code, "modifiers": modifiers,
                "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
            }),
        );
    }

    /// Types `text` into the focused field, as a keyboard (or an input method) does.
    pub fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({"text": text}));
    }

    /// Every cookie the browser holds, whatever its domain or path.
    pub fn cookies(&mut self) -> Vec<Value> {
        let all = self.call_browser("Storage.getCookies", json!({}));
        all["cookies"].as_array().cloned().unwrap_or_default()
    }

    /// Stores a cookie as if a response had set it (`cookie` as in `Network.CookieParam`).
    pub fn set_cookie(&mut self, cookie: Value) {
        self.call_browser("Storage.setCookies", json!({"cookies": [cookie]}));
    }

    /// Emulates `prefers-color-scheme` ("light" or "dark").
    pub fn color_scheme(&mut self, scheme: &str) {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
    }

    /// Emulates a viewport of `width` × `height` CSS pixels, as a phone when `mobile`.
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    /// Runs `source` in every document before its own scripts.
    pub fn before_every_document(&mut self, source: &str) {
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": source}),
        );
    }

    /// Bypasses the HTTP cache, as for a visitor whose cached copies have expired.
    pub fn disable_cache(&mut self) {
        self.call("Network.setCacheDisabled", json!({"cacheDisabled": true}));
    }

    /// The viewport as a PNG.
    pub fn screenshot_png(&mut self) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("screenshot is base64")
    }
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}
