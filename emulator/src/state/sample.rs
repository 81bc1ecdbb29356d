//! Deterministic sample data: AI recognition results derived from a medium (its ID and
//! duration), and the resolution class of a picture size. The same input always gives the same
//! output, so tests can assert on it.

use super::FrameTag;

/// `ProcessMaterial` definition of a full AI analysis (frame tags, faces, subtitles, text,
/// objects).
pub const FULL_ANALYSIS: i64 = 20;
/// `ProcessMaterial` definition of subtitle recognition only.
pub const SUBTITLES_ONLY: i64 = 30;
/// Most items returned by one call of a time-windowed result (frame tags, subtitles, text); the
/// reply's `LastTimeOffset` says where to continue.
pub const WINDOW_PAGE: usize = 20;
/// Duration assumed for a medium without one, seconds.
const DEFAULT_DURATION: f64 = 60.0;
/// Longest duration sample data covers, seconds (a day), to bound its size.
const MAX_DURATION: f64 = 86_400.0;

/// A stable 64-bit hash (FNV-1a) of a text.
fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The `n`-th pseudo-random number of the sequence seeded by `seed`.
fn pick(seed: u64, n: u64) -> u64 {
    let mut x = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

fn item_id(material_id: &str, kind: &str, n: u64) -> String {
    format!("{:016x}", pick(hash(material_id) ^ hash(kind), n))
}

fn duration_of(duration: Option<f64>) -> f64 {
    duration
        .filter(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(DEFAULT_DURATION)
        .min(MAX_DURATION)
}

/// Consecutive `(n, start, end)` segments of `step` seconds over `duration`.
fn segments(duration: Option<f64>, step: f64) -> Vec<(u64, f64, f64)> {
    let duration = duration_of(duration);
    let mut out = Vec::new();
    let mut start = 0.0;
    let mut n = 0;
    while start < duration {
        let end = (start + step).min(duration);
        out.push((n, start, end));
        n += 1;
        start += step;
    }
    out
}

/// The resolution class of a picture, from its shorter side.
pub fn resolution_of(width: Option<i64>, height: Option<i64>) -> Option<&'static str> {
    let short = match (width, height) {
        (Some(w), Some(h)) => w.min(h),
        (Some(s), None) | (None, Some(s)) => s,
        (None, None) => return None,
    };
    Some(match short {
        ..=359 => "LD",
        360..=719 => "SD",
        720..=1079 => "HD",
        1080..=1439 => "FHD",
        1440..=2159 => "2K",
        _ => "4K",
    })
}

const FRAME_TAGS: &[&str] = &[
    "天空", "人物", "建筑", "海滩", "城市", "汽车", "树木", "室内", "夜景", "舞台",
];

/// The AI frame tags of a full analysis: one item every 10 seconds.
pub fn ai_frame_tags(material_id: &str, duration: Option<f64>) -> Vec<FrameTag> {
    let seed = hash(material_id);
    segments(duration, 10.0)
        .into_iter()
        .map(|(n, start, end)| {
            let a = FRAME_TAGS[(pick(seed, n) % 10) as usize];
            let b = FRAME_TAGS[(pick(seed, n + 1000) % 10) as usize];
            let mut tags = vec![a.to_owned()];
            if a != b {
                tags.push(b.to_owned());
            }
            FrameTag {
                item_id: item_id(material_id, "frame", n),
                start,
                end,
                tags,
                manual: false,
            }
        })
        .collect()
}

/// A subtitle item.
#[derive(Debug, Clone, PartialEq)]
pub struct Subtitle {
    /// Item ID.
    pub item_id: String,
    /// Start offset, seconds.
    pub start: f64,
    /// End offset, seconds.
    pub end: f64,
    /// Text.
    pub text: String,
}

/// The recognized subtitles: one line every 4 seconds.
pub fn subtitles(material_id: &str, duration: Option<f64>) -> Vec<Subtitle> {
    segments(duration, 4.0)
        .into_iter()
        .map(|(n, start, end)| Subtitle {
            item_id: item_id(material_id, "asr", n),
            start,
            end,
            text: format!("第 {} 句字幕：这是示例语音识别文本。", n + 1),
        })
        .collect()
}

/// A recognized text (OCR) item.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Item ID.
    pub item_id: String,
    /// Start offset, seconds.
    pub start: f64,
    /// End offset, seconds.
    pub end: f64,
    /// Texts in the frame, with their areas `[x1, y1, x2, y2]`.
    pub segments: Vec<(String, [i64; 4])>,
}

/// The recognized texts: one item every 15 seconds, with one or two texts.
pub fn texts(material_id: &str, duration: Option<f64>) -> Vec<Text> {
    let seed = hash(material_id);
    segments(duration, 15.0)
        .into_iter()
        .map(|(n, start, end)| {
            let mut segs = vec![(format!("标题 {}", n + 1), [120, 80, 620, 140])];
            if pick(seed, n).is_multiple_of(2) {
                segs.push(("www.example.com".to_owned(), [1500, 980, 1880, 1040]));
            }
            Text {
                item_id: item_id(material_id, "ocr", n),
                start,
                end,
                segments: segs,
            }
        })
        .collect()
}

/// A segment of a face or an object: start, end, area, confidence.
pub type Segment = (f64, f64, [i64; 4], f64);

/// A recognized person.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// Person ID.
    pub id: String,
    /// Name.
    pub name: &'static str,
    /// Face library: `Default` or `UserDefine`.
    pub kind: &'static str,
    /// Face image URL.
    pub url: String,
    /// Where the person appears.
    pub segments: Vec<Segment>,
}

/// A recognized object.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Item ID.
    pub item_id: String,
    /// Name.
    pub name: &'static str,
    /// Where the object appears.
    pub segments: Vec<Segment>,
}

fn appearances(seed: u64, duration: Option<f64>, every: f64) -> Vec<Segment> {
    segments(duration, every)
        .into_iter()
        .filter(|(n, _, _)| !pick(seed, *n).is_multiple_of(3))
        .map(|(n, start, end)| {
            let x = (pick(seed, n + 7) % 1200) as i64;
            let y = (pick(seed, n + 13) % 600) as i64;
            let confidence = 80.0 + (pick(seed, n + 29) % 200) as f64 / 10.0;
            (start, end, [x, y, x + 240, y + 300], confidence)
        })
        .collect()
}

/// The recognized people: two, each appearing in some 20-second segments.
pub fn faces(material_id: &str, duration: Option<f64>) -> Vec<Face> {
    let seed = hash(material_id);
    [("主持人", "UserDefine"), ("嘉宾", "Default")]
        .into_iter()
        .enumerate()
        .map(|(i, (name, kind))| {
            let id = item_id(material_id, "face", i as u64);
            Face {
                url: format!("https://demo.cme.invalid/faces/{id}.jpg"),
                id,
                name,
                kind,
                segments: appearances(seed ^ (i as u64 + 1), duration, 20.0),
            }
        })
        .collect()
}

/// The recognized objects: three, each appearing in some 30-second segments.
pub fn objects(material_id: &str, duration: Option<f64>) -> Vec<Object> {
    let seed = hash(material_id);
    ["汽车", "手机", "杯子"]
        .into_iter()
        .enumerate()
        .map(|(i, name)| Object {
            item_id: item_id(material_id, "object", i as u64),
            name,
            segments: appearances(seed ^ (i as u64 + 100), duration, 30.0),
        })
        .collect()
}

/// One page of time-ordered items whose start lies in `[from, to]`: at most
/// [`WINDOW_PAGE`] items (more only when they share a start), and the offset to continue from,
/// or -1 when this page holds the rest.
pub fn window<T>(items: &[T], start_of: impl Fn(&T) -> f64, from: f64, to: f64) -> (Vec<&T>, f64) {
    let mut matching: Vec<&T> = items
        .iter()
        .filter(|i| start_of(i) >= from && start_of(i) <= to)
        .collect();
    matching.sort_by(|a, b| start_of(a).total_cmp(&start_of(b)));
    if matching.len() <= WINDOW_PAGE {
        return (matching, -1.0);
    }
    let next = start_of(matching[WINDOW_PAGE]);
    let mut page: Vec<&T> = matching
        .iter()
        .copied()
        .filter(|i| start_of(i) < next)
        .collect();
    if page.is_empty() {
        // more than a page of items share the first start: return all of them
        page = matching
            .iter()
            .copied()
            .filter(|i| start_of(i) <= next)
            .collect();
        let rest = matching
            .iter()
            .find(|i| start_of(i) > next)
            .map(|i| start_of(i));
        return (page, rest.unwrap_or(-1.0));
    }
    (page, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_deterministic_and_cover_the_duration() {
        assert_eq!(subtitles("1", Some(62.5)), subtitles("1", Some(62.5)));
        assert_eq!(faces("1", Some(62.5)), faces("1", Some(62.5)));
        assert_ne!(
            ai_frame_tags("1", Some(60.0)),
            ai_frame_tags("2", Some(60.0))
        );
        let subs = subtitles("1", Some(62.5));
        assert_eq!(subs.len(), 16);
        assert_eq!(subs.last().map(|s| s.end), Some(62.5));
        assert_eq!(ai_frame_tags("1", None).len(), 6);
    }

    #[test]
    fn windows_page_without_gaps_or_repeats() {
        let subs = subtitles("x", Some(900.0));
        let mut seen = Vec::new();
        let mut from = 0.0;
        loop {
            let (page, last) = window(&subs, |s| s.start, from, 900.0);
            assert!(page.len() <= WINDOW_PAGE);
            seen.extend(page.iter().map(|s| s.item_id.clone()));
            if last < 0.0 {
                break;
            }
            from = last;
        }
        let all: Vec<_> = subs.iter().map(|s| s.item_id.clone()).collect();
        assert_eq!(seen, all);
        let (page, last) = window(&subs, |s| s.start, 8.0, 16.0);
        assert_eq!(page.len(), 3);
        assert_eq!(last, -1.0);
    }

    #[test]
    fn resolutions() {
        assert_eq!(resolution_of(Some(1920), Some(1080)), Some("FHD"));
        assert_eq!(resolution_of(Some(1080), Some(1920)), Some("FHD"));
        assert_eq!(resolution_of(Some(3840), Some(2160)), Some("4K"));
        assert_eq!(resolution_of(Some(512), Some(512)), Some("SD"));
        assert_eq!(resolution_of(None, None), None);
    }
}
