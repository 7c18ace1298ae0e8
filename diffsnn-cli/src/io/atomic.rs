//! Atomic output: write to a temporary file in the destination's directory, then rename it over
//! the destination. A reader never sees a partial file, and a failure (an error in the writer,
//! a full disk, a crash) leaves the destination as it was: absent or with its old content.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{CliError, Result};

/// Writes `path` atomically: `write` fills a buffered temporary file created in the same
/// directory (so that the final rename stays on one file system), which is flushed, synced and
/// renamed to `path` only if `write` succeeds. If `write` returns an error, the temporary file
/// is removed and the error is returned unchanged; `path` is not touched.
///
/// Every command of the `diffsnn` program that writes a file goes through this function.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.txt");
/// diffsnn_cli::io::write_atomic(&path, |w| {
///     writeln!(w, "hello").map_err(|e| diffsnn_cli::CliError::io("out.txt", e))
/// })?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
///
/// // A failing writer leaves nothing behind, not even the temporary file.
/// let other = dir.path().join("never.txt");
/// let err = diffsnn_cli::io::write_atomic(&other, |w| {
///     w.write_all(b"partial").unwrap();
///     Err(diffsnn_cli::CliError::argument("--demo", "failed half-way"))
/// });
/// assert!(err.is_err() && !other.exists());
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn write_atomic<F>(path: impl AsRef<Path>, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let path = path.as_ref();
    let file_name = path
        .file_name()
        .ok_or_else(|| CliError::argument(path.display().to_string(), "is not a file path"))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", file_name.to_string_lossy());
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // The usual mode of a new file (0666 minus the umask), not tempfile's private 0600.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|e| CliError::io(path, e))?;
    let mut out = BufWriter::new(tmp);
    write(&mut out)?;
    let tmp = out
        .into_inner()
        .map_err(|e| CliError::io(path, e.into_error()))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| CliError::io(path, e))?;
    tmp.persist(path).map_err(|e| CliError::io(path, e.error))?;
    Ok(())
}

/// Writes `bytes` to `path` atomically (see [`write_atomic`]).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.svg");
/// diffsnn_cli::io::write_bytes_atomic(&path, b"<svg/>")?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"<svg/>");
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn write_bytes_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    write_atomic(path, |w| {
        w.write_all(bytes).map_err(|e| CliError::io(path, e))
    })
}
