using System.Diagnostics;
using System.Security.Cryptography;

namespace Berth.Client.IO;

/// <summary>Files that hold secrets: directories 0700, files 0600, replaced atomically.</summary>
public static class PrivateFiles
{
    /// <summary>Owner read and write (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read, write and search (0700).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="directory"/> and its missing parents, each with mode 0700 (Go's <c>os.MkdirAll(dir, 0700)</c>).</summary>
    /// <exception cref="IOException">A directory cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">A directory cannot be created.</exception>
    public static void CreateDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(directory); !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next, DirectoryMode);
        }
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/>: writes and fsyncs a 0600 temporary file in the same
    /// directory, then renames it over the target, so a reader sees the old file or the new one, never a torn one.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content) => WriteAtomically(path, content, FileMode);

    /// <summary>
    /// <see cref="WriteAtomically(string, ReadOnlySpan{byte})"/> with another mode, for files that are not secret (an
    /// executable shim).
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.tmp-{RandomNumberGenerator.GetHexString(12, lowercase: true)}");
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The umask may have narrowed the create mode; the file gets exactly the mode asked for.
                File.SetUnixFileMode(temp, mode);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Takes an exclusive OS lock on <paramref name="lockPath"/> (created 0600), waiting up to <paramref name="timeout"/>.</summary>
    /// <returns>The open lock file; disposing it releases the lock.</returns>
    /// <exception cref="TimeoutException">Another holder kept the lock longer than <paramref name="timeout"/>.</exception>
    /// <exception cref="IOException">The lock file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The lock file cannot be opened.</exception>
    public static FileStream Lock(string lockPath, TimeSpan timeout)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX) on Unix: held per open file, so it excludes other processes and
                // other handles in this process alike, and the OS drops it if the process dies.
                return new FileStream(lockPath, options);
            }
            catch (IOException e) when (IsLockConflict(e))
            {
                if (Stopwatch.GetElapsedTime(started) > timeout)
                {
                    throw new TimeoutException($"timed out after {timeout.TotalSeconds:0}s waiting for the lock on \"{lockPath}\"", e);
                }

                Thread.Sleep(Random.Shared.Next(2, 20));
            }
        }
    }

    /// <summary>Deletes a file, ignoring a missing one and I/O failures (for clean-up paths).</summary>
    /// <returns>Whether a file was deleted.</returns>
    public static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the caller has nothing better to do with the failure.
            return false;
        }
    }

    // A held lock surfaces as a sharing violation (Windows: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION;
    // Unix: EWOULDBLOCK from flock). Anything else (read-only file system, ...) fails at once.
    private static bool IsLockConflict(IOException e) =>
        e.GetType() == typeof(IOException) && (e.HResult & 0xFFFF) is 32 or 33 or 11 or 35;
}
