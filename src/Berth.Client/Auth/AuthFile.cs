using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Client.Auth;

/// <summary>One auth file on disk: reads tolerate a missing file; writes are locked, atomic and private.</summary>
/// <remarks>
/// A write takes an exclusive lock on the sibling <c>&lt;file&gt;.lock</c> (an OS file lock, so it also excludes other
/// processes), re-reads the file under the lock, applies the edit, and replaces the file by renaming a fsynced
/// temporary file from the same directory. The directory is created with mode 0700 and the file is written with mode
/// 0600, as containers/image does. Concurrent logins to different registries therefore never lose an entry.
/// </remarks>
public sealed class AuthFile
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a handle; nothing is touched on disk until a read or write.</summary>
    /// <param name="path">The file's path, as the user gave it.</param>
    /// <param name="legacyFormat">Whether it is a legacy <c>.dockercfg</c> (read-only).</param>
    public AuthFile(string path, bool legacyFormat = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        LegacyFormat = legacyFormat;
    }

    /// <summary>The file's path, as given.</summary>
    public string Path { get; }

    /// <summary>Whether the file is a legacy <c>.dockercfg</c>.</summary>
    public bool LegacyFormat { get; }

    /// <summary>How long a write waits for another writer's lock before giving up.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the file exists.</summary>
    public bool Exists => File.Exists(Path);

    /// <summary>Reads and parses the file; a missing file reads as an empty document.</summary>
    /// <returns>The document.</returns>
    /// <exception cref="AuthFileException">The file cannot be read or parsed.</exception>
    public AuthFileDocument Read()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return LegacyFormat ? AuthFileDocument.Parse("", legacyFormat: true, Path) : AuthFileDocument.CreateEmpty();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuthFileException($"reading JSON file \"{Path}\": {e.Message}", e);
        }

        return AuthFileDocument.Parse(text, LegacyFormat, Path);
    }

    /// <summary>Edits the file under its lock: re-reads it, calls <paramref name="edit"/>, and writes the result when the edit says it changed something.</summary>
    /// <param name="edit">Changes the document; returns <see langword="true"/> when it changed anything.</param>
    /// <returns>Whether the file was written.</returns>
    /// <exception cref="AuthFileException">The file is legacy, cannot be locked, read, parsed or written, or the edit refused.</exception>
    public bool Update(Func<AuthFileDocument, bool> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        if (LegacyFormat)
        {
            throw new AuthFileException($"writes to {Path} using legacy format are not supported");
        }

        var fullPath = System.IO.Path.GetFullPath(Path);
        var directory = System.IO.Path.GetDirectoryName(fullPath)!;
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                CreatePrivateDirectories(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuthFileException($"creating directory \"{directory}\": {e.Message}", e);
        }

        using (AcquireLock(fullPath + ".lock"))
        {
            var document = Read();
            if (!edit(document))
            {
                return false;
            }

            WriteAtomically(fullPath, directory, document.ToJson());
            return true;
        }
    }

    // Like Go's os.MkdirAll(dir, 0700): every directory created on the way gets 0700, not just the last one.
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void CreatePrivateDirectories(string directory)
    {
        var missing = new Stack<string>();
        for (var current = directory; !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = System.IO.Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next, PrivateDirectory);
        }
    }

    private FileStream AcquireLock(string lockPath)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
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
                if (Stopwatch.GetElapsedTime(started) > LockTimeout)
                {
                    throw new AuthFileException($"timed out after {LockTimeout.TotalSeconds:0}s waiting for the lock on \"{lockPath}\"", e);
                }

                Thread.Sleep(Random.Shared.Next(2, 20));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AuthFileException($"locking \"{lockPath}\": {e.Message}", e);
            }
        }
    }

    // A held lock surfaces as a sharing violation (Windows: ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION;
    // Unix: EWOULDBLOCK from flock). Anything else (read-only file system, ...) fails at once.
    private static bool IsLockConflict(IOException e) =>
        e.GetType() == typeof(IOException) && (e.HResult & 0xFFFF) is 32 or 33 or 11 or 35;

    private static void WriteAtomically(string fullPath, string directory, string json)
    {
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(fullPath)}.tmp-{RandomNumberGenerator.GetHexString(12, lowercase: true)}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(new UTF8Encoding(false).GetBytes(json));
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The umask may have narrowed the create mode; the file is exactly 0600 whatever it was.
                File.SetUnixFileMode(temp, PrivateFile);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new AuthFileException($"writing to file \"{fullPath}\": {e.Message}", e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stray temporary file holds no more than the real one would have.
        }
    }
}
