using System.Text;
using Berth.Client.IO;

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
            PrivateFiles.CreateDirectory(directory);
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

            WriteAtomically(fullPath, document.ToJson());
            return true;
        }
    }

    private FileStream AcquireLock(string lockPath)
    {
        try
        {
            return PrivateFiles.Lock(lockPath, LockTimeout);
        }
        catch (TimeoutException e)
        {
            throw new AuthFileException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuthFileException($"locking \"{lockPath}\": {e.Message}", e);
        }
    }

    private static void WriteAtomically(string fullPath, string json)
    {
        try
        {
            PrivateFiles.WriteAtomically(fullPath, new UTF8Encoding(false).GetBytes(json));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuthFileException($"writing to file \"{fullPath}\": {e.Message}", e);
        }
    }
}
