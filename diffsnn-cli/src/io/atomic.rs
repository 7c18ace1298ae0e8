//! Output files that are never clobbered nor left half-written.
//!
//! * A regular file (new or existing) is written atomically: to a temporary file in its own
//!   directory, then renamed over it. A reader never sees a partial file, and a failure (an
//!   error in the writer, a full disk, a crash) leaves it as it was. A symbolic link is
//!   followed: the file it points to is replaced in the link's target directory, and the link
//!   stays a link.
//! * Anything else — a named pipe, a terminal, a device such as `/dev/null` or `/dev/stdout` —
//!   is written straight through, never replaced by a regular file; a write error (such as
//!   `/dev/full`'s "No space left on device") is reported.
//! * `-` is the standard output.
//!
//! Temporary files are registered while they exist, so that the program's signal handler
//! ([`install_signal_cleanup`]) removes them when it is interrupted (SIGINT, SIGTERM).

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{CliError, Result};

/// Where an output goes, after following symbolic links.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Destination {
    /// A regular file, existing or not (written atomically).
    File(PathBuf),
    /// Something that is not a regular file (written straight through, by its given name).
    Special(PathBuf),
    /// Standard output.
    Stdout,
}

/// The most symbolic links followed before giving up (as the operating system's `ELOOP`).
const MAX_LINKS: usize = 40;

fn destination(path: &Path) -> Result<Destination> {
    if path == Path::new("-") {
        return Ok(Destination::Stdout);
    }
    match std::fs::metadata(path) {
        // an existing regular file, through any links: replace the file itself
        Ok(meta) if meta.is_file() => std::fs::canonicalize(path)
            .map(Destination::File)
            .map_err(|e| CliError::io(path, e)),
        Ok(meta) if meta.is_dir() => Err(CliError::argument(
            path.display().to_string(),
            "is a directory, not a file",
        )),
        // a pipe, a terminal, a device (also through /dev/stdout's links into /proc)
        Ok(_) => Ok(Destination::Special(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_file_target(path),
        Err(e) => Err(CliError::io(path, e)),
    }
}

/// The file to create for a `path` that does not exist yet: `path` itself, or, for a dangling
/// symbolic link, the file it points to (so that the link stays a link).
fn new_file_target(path: &Path) -> Result<Destination> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&target).map_err(|e| CliError::io(path, e))?;
                target = match target.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(Destination::File(target)),
        }
    }
    Err(CliError::argument(
        path.display().to_string(),
        format!("more than {MAX_LINKS} symbolic links to follow"),
    ))
}

/// Temporary files that exist now (removed by the signal handler), and whether the program is
/// exiting on a signal. A temporary file is created and registered under this lock, and the
/// handler keeps the lock from its clean-up to the process's exit, so no temporary file can
/// appear between the two.
struct Pending {
    paths: Vec<PathBuf>,
    exiting: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    paths: Vec::new(),
    exiting: false,
});

fn pending() -> std::sync::MutexGuard<'static, Pending> {
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Creates a temporary file with `builder` in `dir` and registers it, atomically with respect
/// to the signal handler.
fn create_registered(
    builder: &tempfile::Builder<'_, '_>,
    dir: &Path,
) -> std::io::Result<tempfile::NamedTempFile> {
    let mut pending = pending();
    if pending.exiting {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "the program is exiting on a signal",
        ));
    }
    let tmp = builder.tempfile_in(dir)?;
    pending.paths.push(tmp.path().to_path_buf());
    Ok(tmp)
}

fn unregister(path: &Path) {
    let mut pending = pending();
    if let Some(i) = pending.paths.iter().position(|p| p == path) {
        pending.paths.swap_remove(i);
    }
}

/// Removes every temporary file that [`write_atomic`] has created and not yet renamed or
/// removed: what the signal handler does before the program exits.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.txt");
/// let err = diffsnn_cli::io::write_atomic(&path, |w| {
///     w.write_all(b"half").unwrap();
///     // as if the program were interrupted now: the temporary file goes
///     diffsnn_cli::io::remove_pending_temporaries();
///     assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
///     Err(diffsnn_cli::CliError::argument("--demo", "interrupted"))
/// });
/// assert!(err.is_err() && !path.exists());
/// ```
pub fn remove_pending_temporaries() {
    remove_all(&pending());
}

fn remove_all(pending: &Pending) {
    for path in &pending.paths {
        let _ = std::fs::remove_file(path);
    }
}

/// Installs the program's handler of SIGINT and SIGTERM: it removes the pending temporary
/// files ([`remove_pending_temporaries`]) and exits with status 130. Call it once, from the
/// program's `main` (a library must not take over a process's signals).
pub fn install_signal_cleanup() -> Result<()> {
    ctrlc::set_handler(|| {
        // hold the lock until the process is gone: no new temporary file in between
        let mut pending = pending();
        pending.exiting = true;
        remove_all(&pending);
        std::process::exit(130);
    })
    .map_err(|e| CliError::argument("(signal handler)", e.to_string()))
}

/// Writes `path` as the module says: a regular file atomically (`write` fills a buffered
/// temporary file in the same directory, which is flushed, synced and renamed over `path`
/// only if `write` succeeds, keeping the old file's permissions; if `write` returns an error
/// the temporary file is removed and the error returned unchanged, `path` untouched); a pipe
/// or device straight through; `-` to standard output.
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
    match destination(path)? {
        Destination::Stdout => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            write(&mut out)?;
            out.flush()
                .map_err(|e| CliError::io("(standard output)", e))
        }
        Destination::Special(special) => {
            let file = OpenOptions::new()
                .write(true)
                .open(&special)
                .map_err(|e| CliError::io(path, e))?;
            let mut out = BufWriter::new(file);
            write(&mut out)?;
            out.flush().map_err(|e| CliError::io(path, e))
        }
        Destination::File(target) => replace_file(path, &target, write),
    }
}

/// The atomic replacement of the regular file `target` (`path` as the user named it, for
/// messages).
fn replace_file<F>(path: &Path, target: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let file_name = target
        .file_name()
        .ok_or_else(|| CliError::argument(path.display().to_string(), "is not a file path"))?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", file_name.to_string_lossy());
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // The old file's mode, or the usual mode of a new file (0666 minus the umask), not
        // tempfile's private 0600.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o666);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let tmp = create_registered(&builder, dir).map_err(|e| CliError::io(path, e))?;
    let tmp_path = tmp.path().to_path_buf();
    let result = (|| {
        let mut out = BufWriter::new(tmp);
        write(&mut out)?;
        let tmp = out
            .into_inner()
            .map_err(|e| CliError::io(path, e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| CliError::io(path, e))?;
        tmp.persist(target)
            .map_err(|e| CliError::io(path, e.error))?;
        Ok(())
    })();
    unregister(&tmp_path);
    result
}

/// Writes `bytes` to `path` (see [`write_atomic`]).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_follow_links_to_the_file_they_point_to() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let file = d.join("real.json");
        std::fs::write(&file, "old").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("real.json", d.join("link.json")).unwrap();
            std::os::unix::fs::symlink("link.json", d.join("link2.json")).unwrap();
            std::os::unix::fs::symlink("missing.json", d.join("dangling.json")).unwrap();
            assert_eq!(
                destination(&d.join("link2.json")).unwrap(),
                Destination::File(std::fs::canonicalize(&file).unwrap())
            );
            assert_eq!(
                destination(&d.join("dangling.json")).unwrap(),
                Destination::File(d.join("missing.json"))
            );
            std::os::unix::fs::symlink("loop.json", d.join("loop.json")).unwrap();
            assert!(destination(&d.join("loop.json")).is_err());
            assert_eq!(
                destination(Path::new("/dev/null")).unwrap(),
                Destination::Special("/dev/null".into())
            );
        }
        assert_eq!(destination(Path::new("-")).unwrap(), Destination::Stdout);
        assert!(destination(d).is_err()); // a directory
    }
}
