//! What can be told cheaply about an uploaded file from its headers: the picture size and
//! duration of an MP4/MOV (`moov/mvhd`, `trak/tkhd`), the picture size of a PNG, GIF or JPEG,
//! and the duration of a WAV. A few reads and seeks, never the whole file; anything else (or
//! anything malformed) tells nothing.

use std::io::{self, Read, Seek, SeekFrom};

/// What a file's headers tell.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Probed {
    /// Picture width, px.
    pub(crate) width: Option<i64>,
    /// Picture height, px.
    pub(crate) height: Option<i64>,
    /// Duration, seconds.
    pub(crate) duration: Option<f64>,
    /// Container, as the service names it (`mov,mp4,m4a,3gp,3g2,mj2`, `png`, ...).
    pub(crate) container: Option<&'static str>,
}

/// Most boxes looked at in an MP4, so a crafted file cannot make the probe walk forever.
const MAX_BOXES: usize = 4096;

/// Probes `file` of `size` bytes; I/O errors tell nothing either.
pub(crate) fn probe<R: Read + Seek>(file: &mut R, size: u64) -> Probed {
    let mut head = [0u8; 16];
    let n = read_at(file, 0, &mut head).unwrap_or(0);
    let head = &head[..n];
    let found = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(file)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        gif(head)
    } else if head.starts_with(&[0xff, 0xd8]) {
        jpeg(file, size)
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE") {
        wav(file, size)
    } else if head
        .get(4..8)
        .is_some_and(|t| matches!(t, b"ftyp" | b"moov" | b"mdat" | b"free" | b"wide"))
    {
        mp4(file, size)
    } else {
        None
    };
    found.unwrap_or_default()
}

/// Reads up to `buf.len()` bytes at `offset`; how many were read.
fn read_at<R: Read + Seek>(file: &mut R, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    file.seek(SeekFrom::Start(offset))?;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn exact<R: Read + Seek, const N: usize>(file: &mut R, offset: u64) -> Option<[u8; N]> {
    let mut buf = [0u8; N];
    (read_at(file, offset, &mut buf).ok()? == N).then_some(buf)
}

fn be32(b: &[u8]) -> u32 {
    b.iter()
        .take(4)
        .fold(0, |acc, x| (acc << 8) | u32::from(*x))
}

fn be64(b: &[u8]) -> u64 {
    b.iter()
        .take(8)
        .fold(0, |acc, x| (acc << 8) | u64::from(*x))
}

fn png<R: Read + Seek>(file: &mut R) -> Option<Probed> {
    let ihdr: [u8; 8] = exact(file, 16)?;
    Some(Probed {
        width: Some(i64::from(be32(&ihdr[..4]))),
        height: Some(i64::from(be32(&ihdr[4..]))),
        container: Some("png"),
        ..Probed::default()
    })
}

fn gif(head: &[u8]) -> Option<Probed> {
    let w = u16::from_le_bytes([*head.get(6)?, *head.get(7)?]);
    let h = u16::from_le_bytes([*head.get(8)?, *head.get(9)?]);
    Some(Probed {
        width: Some(i64::from(w)),
        height: Some(i64::from(h)),
        container: Some("gif"),
        ..Probed::default()
    })
}

fn jpeg<R: Read + Seek>(file: &mut R, size: u64) -> Option<Probed> {
    let mut at = 2u64;
    for _ in 0..MAX_BOXES {
        let marker: [u8; 4] = exact(file, at)?;
        if marker[0] != 0xff {
            return None;
        }
        let kind = marker[1];
        let len = u64::from(u16::from_be_bytes([marker[2], marker[3]]));
        let is_sof = matches!(kind, 0xc0..=0xcf) && !matches!(kind, 0xc4 | 0xc8 | 0xcc);
        if is_sof {
            let sof: [u8; 5] = exact(file, at + 4)?;
            return Some(Probed {
                height: Some(i64::from(u16::from_be_bytes([sof[1], sof[2]]))),
                width: Some(i64::from(u16::from_be_bytes([sof[3], sof[4]]))),
                container: Some("jpeg"),
                ..Probed::default()
            });
        }
        at = at.checked_add(2 + len)?;
        if at >= size {
            return None;
        }
    }
    None
}

fn wav<R: Read + Seek>(file: &mut R, size: u64) -> Option<Probed> {
    let mut at = 12u64;
    let mut byte_rate = None;
    for _ in 0..MAX_BOXES {
        let chunk: [u8; 8] = exact(file, at)?;
        let len = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        match &chunk[..4] {
            b"fmt " => {
                let fmt: [u8; 12] = exact(file, at + 8)?;
                byte_rate = Some(u32::from_le_bytes([fmt[8], fmt[9], fmt[10], fmt[11]]));
            }
            b"data" => {
                let rate = byte_rate.filter(|r| *r > 0)?;
                let len = len.min(size.saturating_sub(at + 8));
                return Some(Probed {
                    duration: Some(len as f64 / f64::from(rate)),
                    container: Some("wav"),
                    ..Probed::default()
                });
            }
            _ => {}
        }
        at = at.checked_add(8 + len + (len & 1))?;
    }
    None
}

/// One box: its type, where its content starts, and where it ends.
fn boxes<R: Read + Seek>(file: &mut R, start: u64, end: u64) -> Vec<([u8; 4], u64, u64)> {
    let mut out = Vec::new();
    let mut at = start;
    while at.saturating_add(8) <= end && out.len() < MAX_BOXES {
        let Some(head) = exact::<R, 8>(file, at) else {
            break;
        };
        let kind = [head[4], head[5], head[6], head[7]];
        let (content, box_end) = match be32(&head[..4]) {
            0 => (at + 8, end),
            1 => {
                let Some(large) = exact::<R, 8>(file, at + 8) else {
                    break;
                };
                (at + 16, at.saturating_add(be64(&large)))
            }
            n => (at + 8, at.saturating_add(u64::from(n))),
        };
        if box_end < content || box_end > end {
            break;
        }
        out.push((kind, content, box_end));
        at = box_end;
    }
    out
}

fn mp4<R: Read + Seek>(file: &mut R, size: u64) -> Option<Probed> {
    let top = boxes(file, 0, size);
    let (_, moov, moov_end) = top.iter().find(|(k, ..)| k == b"moov")?;
    let inner = boxes(file, *moov, *moov_end);
    let mut probed = Probed {
        container: Some("mov,mp4,m4a,3gp,3g2,mj2"),
        ..Probed::default()
    };
    if let Some((_, at, _)) = inner.iter().find(|(k, ..)| k == b"mvhd") {
        let version: [u8; 1] = exact(file, *at)?;
        let (timescale, duration) = if version[0] == 1 {
            // version and flags, creation and modification times (8 bytes each)
            let b: [u8; 32] = exact(file, *at)?;
            (be32(&b[20..24]), be64(&b[24..32]))
        } else {
            let b: [u8; 20] = exact(file, *at)?;
            (be32(&b[12..16]), u64::from(be32(&b[16..20])))
        };
        if timescale > 0 {
            probed.duration = Some(duration as f64 / f64::from(timescale));
        }
    }
    for (kind, at, end) in &inner {
        if kind != b"trak" {
            continue;
        }
        let Some((_, tkhd, _)) = boxes(file, *at, *end)
            .into_iter()
            .find(|(k, ..)| k == b"tkhd")
        else {
            continue;
        };
        let version: [u8; 1] = exact(file, tkhd)?;
        // width and height (16.16 fixed point) end the box: after the version-dependent times
        let offset = if version[0] == 1 { 88 } else { 76 };
        let wh: [u8; 8] = exact(file, tkhd + offset)?;
        let (w, h) = (be32(&wh[..4]) >> 16, be32(&wh[4..]) >> 16);
        if w > 0 && h > 0 {
            probed.width = Some(i64::from(w));
            probed.height = Some(i64::from(h));
            break;
        }
    }
    Some(probed)
}

/// A box of `kind` around `content`.
fn mp4_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(content.len() + 8)
        .unwrap_or(0)
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(content);
    out
}

/// A small MP4 for tests and demos: `ftyp`, a `moov` with an `mvhd` of `duration` seconds and one
/// video track of `width`×`height` (`tkhd`), and an `mdat` of `payload` bytes. Not playable, but
/// its headers are those of a real file, so an upload of it becomes a medium with that duration
/// (to the millisecond, at most about 49 days) and resolution (each side at most 65,535, as MP4's
/// 16.16 fixed point holds).
pub fn sample_mp4(duration: f64, width: u16, height: u16, payload: usize) -> Vec<u8> {
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&((duration * 1000.0) as u32).to_be_bytes());
    let mut tkhd = vec![0u8; 84];
    tkhd[76..80].copy_from_slice(&(u32::from(width) << 16).to_be_bytes());
    tkhd[80..84].copy_from_slice(&(u32::from(height) << 16).to_be_bytes());
    let trak = mp4_box(b"trak", &mp4_box(b"tkhd", &tkhd));
    let moov = mp4_box(b"moov", &[mp4_box(b"mvhd", &mvhd), trak].concat());
    [
        mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41"),
        moov,
        mp4_box(b"mdat", &vec![7u8; payload]),
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn probe_bytes(bytes: &[u8]) -> Probed {
        probe(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn tells_mp4_png_gif_jpeg_wav() {
        let mp4 = probe_bytes(&sample_mp4(12.5, 1920, 1080, 100));
        assert_eq!(
            (mp4.width, mp4.height, mp4.duration),
            (Some(1920), Some(1080), Some(12.5))
        );
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(probe_bytes(&png).width, Some(640));
        assert_eq!(probe_bytes(b"GIF89a\x20\x00\x10\x00rest").height, Some(16));
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 90, 0, 160, 3,
        ];
        let j = probe_bytes(&jpeg);
        assert_eq!((j.width, j.height), (Some(160), Some(90)));
        let mut wav = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        wav.extend_from_slice(&[1, 0, 1, 0, 0x44, 0xac, 0, 0, 0x88, 0x58, 1, 0, 2, 0, 16, 0]);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&176_400u32.to_le_bytes());
        wav.extend_from_slice(&vec![0u8; 176_400]);
        assert_eq!(probe_bytes(&wav).duration, Some(2.0));
    }

    #[test]
    fn tells_nothing_of_garbage() {
        assert_eq!(probe_bytes(b""), Probed::default());
        assert_eq!(probe_bytes(&[0u8; 64]), Probed::default());
        // a box claiming to be larger than the file, a zero-length loop, a cut header
        assert_eq!(
            probe_bytes(b"\0\0\0\x08ftyp\xff\xff\xff\xffmoov").width,
            None
        );
        assert_eq!(probe_bytes(b"\xff\xd8\xff\xe0\0\0").width, None);
        assert_eq!(probe_bytes(b"RIFF\0\0\0\0WAVEdata\0\0\0\0").duration, None);
        let mut cut = sample_mp4(3.0, 320, 240, 0);
        cut.truncate(60);
        assert_eq!(probe_bytes(&cut).width, None);
    }
}
