namespace Berth.Client.Auth;

/// <summary>An auth file could not be located, read, parsed or written, or a key is not valid.</summary>
/// <remarks>Messages name files and keys, never credentials, so they are safe to print.</remarks>
public sealed class AuthFileException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public AuthFileException()
    {
    }

    /// <summary>Creates an exception with a message that is safe to show to users.</summary>
    /// <param name="message">Text without any secret.</param>
    public AuthFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message that is safe to show to users and its cause.</summary>
    /// <param name="message">Text without any secret.</param>
    /// <param name="innerException">The cause.</param>
    public AuthFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
