//! Deployment packages: checked and unpacked as Lambda does, with its limits, into a directory
//! that environments mount read-only at /var/task (layers at /opt).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::errors::{invalid_parameter, Result};

/// The largest zip accepted in a request (the API's 50 MB).
pub const MAX_ZIPPED: usize = 50 * 1024 * 1024;
/// Function code and its layers together, unzipped.
pub const MAX_UNZIPPED: u64 = 262_144_000;
const MAX_ENTRIES: usize = 100_000;

/// The digests Lambda reports for a package: `CodeSha256` (base64) and our key (hex).
pub fn digests(zip: &[u8]) -> (String, String) {
    let sum = Sha256::digest(zip);
    let b64 = base64::engine::general_purpose::STANDARD.encode(sum);
    let hex = sum.iter().map(|b| format!("{b:02x}")).collect();
    (b64, hex)
}

fn unzip_error() -> nimbus_protocol::AwsError {
    invalid_parameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
    )
}

/// The total unzipped size of a package, after checking that every entry is one Lambda would
/// unpack: a relative path inside the package, and symlinks that stay inside it.
pub fn check(zip: &[u8]) -> Result<u64> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|_| unzip_error())?;
    if archive.len() > MAX_ENTRIES {
        return Err(unzip_error());
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| unzip_error())?;
        let name = entry.name().map_err(|_| unzip_error())?.to_string();
        let path = safe_path(&name).ok_or_else(unzip_error)?;
        if entry.is_symlink() {
            let mut target = String::new();
            let mut limited = entry.take(4096);
            limited
                .read_to_string(&mut target)
                .map_err(|_| unzip_error())?;
            if !symlink_stays_inside(&path, &target) {
                return Err(invalid_parameter(format!(
                    "Could not unzip uploaded file: the symbolic link {} points outside the package ({target}).",
                    path.display()
                )));
            }
            continue;
        }
        total = total.saturating_add(entry.size());
        if total > MAX_UNZIPPED {
            return Err(unzipped_too_large());
        }
    }
    Ok(total)
}

pub fn unzipped_too_large() -> nimbus_protocol::AwsError {
    invalid_parameter(format!(
        "Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
    ))
}

/// A normalized relative path for a zip entry name, or None if it would escape the root.
fn safe_path(name: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn symlink_stays_inside(link: &Path, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in Path::new(target).components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

/// Unpacks a checked package into `dir` unless it is there already, in Lambda's words on failure.
pub fn unpack(zip: &[u8], dir: &Path) -> Result<()> {
    extract(zip, dir).map_err(|e| {
        if e.to_string().contains("more than the limit") {
            unzipped_too_large()
        } else {
            invalid_parameter(format!(
                "Could not unzip uploaded file. Please check your file, then try to upload again. ({e})"
            ))
        }
    })
}

/// Unpacks a checked package into `dir` (made fresh, then renamed into place, so a crash never
/// leaves a half-written directory under the final name). Stops at `MAX_UNZIPPED` bytes
/// whatever the headers claim.
pub fn extract(zip: &[u8], dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let invalid =
        |e: zip::result::ZipError| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    if dir.exists() {
        return Ok(());
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let staging = parent.join(format!(
        ".{}.{}",
        dir.file_name().and_then(|n| n.to_str()).unwrap_or("code"),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&staging)?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o755))?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(invalid)?;
    let mut written: u64 = 0;
    let result = (|| {
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(invalid)?;
            let name = entry.name().map_err(invalid)?.to_string();
            let Some(rel) = safe_path(&name) else {
                continue;
            };
            let path = staging.join(&rel);
            if entry.is_dir() {
                std::fs::create_dir_all(&path)?;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
                continue;
            }
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p)?;
            }
            if entry.is_symlink() {
                let mut target = String::new();
                (&mut entry).take(4096).read_to_string(&mut target)?;
                if symlink_stays_inside(&rel, &target) {
                    std::os::unix::fs::symlink(&target, &path)?;
                }
                continue;
            }
            let executable = entry.unix_mode().is_some_and(|m| m & 0o111 != 0);
            let mut out = std::fs::File::create(&path)?;
            let budget = MAX_UNZIPPED.saturating_sub(written) + 1;
            let copied = std::io::copy(&mut (&mut entry).take(budget), &mut out)?;
            written += copied;
            if written > MAX_UNZIPPED {
                return Err(std::io::Error::other(
                    "the package unzips to more than the limit",
                ));
            }
            let mode = if executable { 0o755 } else { 0o644 };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    })();
    match result.and_then(|_| std::fs::rename(&staging, dir)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            // Another environment may have unpacked the same package meanwhile.
            if dir.exists() {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_links_stay_inside() {
        assert_eq!(safe_path("a/b.py"), Some(PathBuf::from("a/b.py")));
        assert_eq!(safe_path("./a"), Some(PathBuf::from("a")));
        assert_eq!(safe_path("../etc/passwd"), None);
        assert_eq!(safe_path("/etc/passwd"), None);
        assert!(symlink_stays_inside(
            Path::new("lib/x.so"),
            "../vendor/x.so"
        ));
        assert!(!symlink_stays_inside(Path::new("x"), "../../etc"));
        assert!(!symlink_stays_inside(Path::new("x"), "/etc/passwd"));
    }
}
